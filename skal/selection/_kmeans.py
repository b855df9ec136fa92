"""k-means for the label-free selectors, in memory bounded by a few vectors
per row: fitted on at most :data:`MAX_FIT_ROWS` evenly spaced rows of a
larger pool (the same centroids, up to sampling: scikit-learn's fit on 10^6
rows would allocate several copies of them), every row then assigned to its
nearest centroid a chunk at a time. The rows may be :class:`LazyRows`, whose
features are computed batch by batch.
"""

import numpy as np

from skal._random import as_generator, draw_seed
from skal.selection._density import reference_rows
from skal.selection._distances import LazyRows, nearest_centroids

__all__ = [
    "MAX_FIT_ROWS",
    "fit_on_sample",
    "kmeans_clusters",
    "kmeans_model",
    "kmeans_representatives",
    "own_center_distances",
]

#: k-means learns from at most this many rows.
MAX_FIT_ROWS = 100_000


def kmeans_model(n_clusters, seed):
    """``KMeans`` up to 50 clusters, ``MiniBatchKMeans`` above (as TypiClust
    does), one initialisation."""
    from sklearn.cluster import KMeans, MiniBatchKMeans

    kind = KMeans if n_clusters <= 50 else MiniBatchKMeans
    return kind(n_clusters=n_clusters, n_init=1, random_state=seed)


def fit_on_sample(model, rows, X_labeled=None):
    """Fit ``model`` on at most :data:`MAX_FIT_ROWS` evenly spaced rows of
    ``rows`` followed by ``X_labeled``; the cluster of every row of each.

    Where the sample is every row, the fit's own labels; otherwise each row's
    nearest centroid, a chunk of rows at a time. The labeled rows (few) are
    a separate matrix, never stacked with the pool.

    Returns
    -------
    labels : ndarray of shape (n_rows,)
    labeled_labels : ndarray of shape (n_labeled,)
    """
    from sklearn.metrics import pairwise_distances_argmin

    n = rows.shape[0]
    n_lab = 0 if X_labeled is None else X_labeled.shape[0]
    fit_rows = reference_rows(n + n_lab, MAX_FIT_ROWS)
    # The sample lives only during the fit, not during the assignment.
    model.fit(_sample(rows, X_labeled, fit_rows))
    if fit_rows.shape[0] == n + n_lab:
        return model.labels_[:n], model.labels_[n:]
    labels, _ = nearest_centroids(rows, model.cluster_centers_)
    if not n_lab:
        return labels, np.empty(0, dtype=np.intp)
    return labels, pairwise_distances_argmin(X_labeled, model.cluster_centers_)


def _sample(rows, X_labeled, fit_rows):
    """The rows at ``fit_rows`` of ``rows`` followed by ``X_labeled``."""
    from skal._data import stack_rows

    n = rows.shape[0]
    in_pool = fit_rows[fit_rows < n]
    parts = [rows.take(slice(None) if in_pool.shape[0] == n else in_pool)]
    if X_labeled is not None:
        parts.append(X_labeled[fit_rows[fit_rows >= n] - n])
    return stack_rows(parts)


def own_center_distances(rows, labels, centers):
    """Each row's squared distance to its cluster's centroid, a chunk of rows
    at a time (``|x|^2 - 2 x.c + |c|^2``, in float64; row by row, so the
    chunks do not change the values)."""
    from sklearn.utils import gen_batches
    from sklearn.utils.extmath import row_norms

    dist = np.empty(rows.shape[0])
    for batch in rows.chunks():
        chunk = rows.take(batch)
        if not hasattr(chunk, "multiply"):
            chunk = np.asarray(chunk, dtype=float)
        out = dist[batch]
        # Each row's centroid, a few thousand rows at a time: a chunk of
        # centroids and its temporaries would be three more chunks.
        for part in gen_batches(chunk.shape[0], 4096):
            X, own = chunk[part], centers[labels[batch][part]]
            if hasattr(X, "multiply"):
                cross = np.asarray(X.multiply(own).sum(axis=1)).ravel()
            else:
                cross = np.einsum("ij,ij->i", X, own)
            out[part] = row_norms(X, squared=True) - 2 * cross
            out[part] += row_norms(own, squared=True)
        dist[batch] = out
    return dist


def kmeans_representatives(X, k, *, random_state=None):
    """Positions of ``k`` samples that represent ``X``: one per k-means cluster.

    Each cluster contributes the sample nearest its centroid; larger clusters
    come first. Needs no labels, so it serves as a cold start. k-means learns
    from at most 10^5 evenly spaced rows of a larger pool, every row then
    assigned to its nearest centroid a chunk at a time.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features) or \
            LazyRows
        Numeric features.
    k : int
        Number of representatives, at most ``n_samples``.
    random_state : int, Generator or None
        Seeds k-means.

    Returns
    -------
    indices : ndarray of shape (k,)
        Distinct positions into ``X``.

    Examples
    --------
    >>> import numpy as np
    >>> from skal.selection import kmeans_representatives
    >>> X = np.array([[0.0], [0.1], [0.2], [10.0], [10.1], [10.2]])
    >>> sorted(kmeans_representatives(X, 2, random_state=0).tolist())
    [1, 4]
    """
    from sklearn.cluster import KMeans

    try:
        rows = LazyRows.of(X, what="k-means representatives")
    except ValueError as exc:
        raise ValueError(
            "initial='kmeans' clusters the raw features of X, which must be "
            f"numeric ({exc}). Use initial='random' for text or mixed data."
        ) from exc
    n_samples = rows.shape[0]
    if not 1 <= k <= n_samples:
        raise ValueError(f"k must be in [1, {n_samples}] for {n_samples} samples.")
    seed = draw_seed(as_generator(random_state))
    model = KMeans(n_clusters=k, n_init=1, random_state=seed)
    labels, _ = fit_on_sample(model, rows)
    dist = own_center_distances(rows, labels, model.cluster_centers_)
    # Sort by (cluster, distance): the first row of each cluster is its medoid-ish
    # representative.
    order = np.lexsort((dist, labels))
    first = order[np.r_[True, labels[order][1:] != labels[order][:-1]]]
    sizes = np.bincount(labels, minlength=k)[labels[first]]
    return first[np.argsort(-sizes, kind="stable")]


def kmeans_clusters(X, n_clusters, *, random_state=None):
    """A k-means clustering of ``X``, to be reused across queries.

    ``KMeans`` up to 50 clusters, ``MiniBatchKMeans`` above (as TypiClust
    does), one initialisation, fitted on at most 10^5 evenly spaced rows of
    a larger ``X``.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features) or \
            LazyRows
        Numeric features.
    n_clusters : int
        Clipped to ``[1, n_samples]``.
    random_state : int, Generator or None
        Seeds k-means.

    Returns
    -------
    clusters : ndarray of shape (n_samples,)
        Each row's cluster.
    dist : ndarray of shape (n_samples,)
        Each row's squared distance to its cluster's centroid.
    centers : ndarray of shape (n_clusters, n_features)

    Examples
    --------
    >>> import numpy as np
    >>> from skal.selection import kmeans_clusters
    >>> X = np.array([[0.0], [0.2], [10.0], [10.2]])
    >>> clusters, dist, centers = kmeans_clusters(X, 2, random_state=0)
    >>> bool(clusters[0] == clusters[1] != clusters[2] == clusters[3])
    True
    """
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    rows = LazyRows.of(X, what="k-means clustering")
    n_clusters = int(min(max(n_clusters, 1), rows.shape[0]))
    model = kmeans_model(n_clusters, draw_seed(as_generator(random_state)))
    with warnings.catch_warnings():
        # Duplicated rows give fewer distinct clusters: harmless here.
        warnings.simplefilter("ignore", ConvergenceWarning)
        clusters, _ = fit_on_sample(model, rows)
    centers = model.cluster_centers_
    dist = own_center_distances(rows, clusters, centers)
    return clusters, np.maximum(dist, 0.0), centers
