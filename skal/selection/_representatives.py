"""Label-free selection of samples that represent the pool: the cold start
of every learner and the selection rule of
:class:`~skal.RepresentativeSampler`.
"""

import numpy as np

from skal._random import as_generator, draw_seed
from skal.selection._density import local_density
from skal.selection._distances import (
    LinearRows,
    argmax_keyed,
    check_features,
    distances_to,
    squared_norms,
)
from skal.selection._diversity import kcenter_greedy

__all__ = [
    "REPRESENTATIVE_METHODS",
    "cover_clusters",
    "kmeans_clusters",
    "kmeans_representatives",
    "representatives",
    "typiclust",
]


def kmeans_representatives(X, k, *, random_state=None):
    """Positions of ``k`` samples that represent ``X``: one per k-means cluster.

    Each cluster contributes the sample nearest its centroid; larger clusters
    come first. Needs no labels, so it serves as a cold start.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
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
    from sklearn.utils.extmath import row_norms

    n_samples = X.shape[0]
    if not 1 <= k <= n_samples:
        raise ValueError(f"k must be in [1, {n_samples}] for {n_samples} samples.")
    seed = draw_seed(as_generator(random_state))
    try:
        km = KMeans(n_clusters=k, n_init=1, random_state=seed).fit(X)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            "initial='kmeans' clusters the raw features of X, which must be "
            f"numeric ({exc}). Use initial='random' for text or mixed data."
        ) from exc
    labels = km.labels_
    own_center = km.cluster_centers_[labels]
    if hasattr(X, "multiply"):
        cross = np.asarray(X.multiply(own_center).sum(axis=1)).ravel()
    else:
        X = np.asarray(X, dtype=float)
        cross = np.einsum("ij,ij->i", X, own_center)
    dist = row_norms(X, squared=True) - 2 * cross + row_norms(own_center, squared=True)
    # Sort by (cluster, distance): the first row of each cluster is its medoid-ish
    # representative.
    order = np.lexsort((dist, labels))
    first = order[np.r_[True, labels[order][1:] != labels[order][:-1]]]
    sizes = np.bincount(labels, minlength=k)[labels[first]]
    return first[np.argsort(-sizes, kind="stable")]


def kmeans_clusters(X, n_clusters, *, random_state=None):
    """A k-means clustering of ``X``, to be reused across queries.

    ``KMeans`` up to 50 clusters, ``MiniBatchKMeans`` above (as TypiClust
    does), one initialisation.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
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

    from sklearn.cluster import KMeans, MiniBatchKMeans
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.utils.extmath import row_norms

    X = check_features(X, what="k-means clustering")
    n_clusters = int(min(max(n_clusters, 1), X.shape[0]))
    kind = KMeans if n_clusters <= 50 else MiniBatchKMeans
    seed = draw_seed(as_generator(random_state))
    with warnings.catch_warnings():
        # Duplicated rows give fewer distinct clusters: harmless here.
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = kind(n_clusters=n_clusters, n_init=1, random_state=seed).fit(X)
    clusters = model.labels_
    centers = model.cluster_centers_
    own = centers[clusters]
    if hasattr(X, "multiply"):
        cross = np.asarray(X.multiply(own).sum(axis=1)).ravel()
    else:
        cross = np.einsum("ij,ij->i", X, own)
    dist = row_norms(X, squared=True) - 2 * cross + row_norms(own, squared=True)
    return clusters, np.maximum(dist, 0.0), centers


def cover_clusters(clusters, dist, centers, k, *, available=None, nearest=None):
    """``k`` rows that cover a fixed k-means clustering, one cluster at a time.

    The clustering summarises the pool; the selection is a size-weighted
    k-center over its centroids. Each pick goes to the cluster whose
    centroid maximises ``size * d``, ``d`` being the centroid's distance to
    the nearest labeled or already picked sample (the largest cluster first
    while nothing is labeled), and takes its available row nearest the
    centroid; within the batch a pick counts as its centroid. So the batch
    spreads over the pool like a k-center cover, prefers large clusters,
    and labels one representative per cluster (Nguyen & Smeulders'
    pre-clustering) before a second; a clustering fitted once serves every
    query, the labels bought so far steering the next picks.

    Parameters
    ----------
    clusters : array-like of shape (n_samples,)
        Each row's cluster, in ``[0, n_clusters)``.
    dist : array-like of shape (n_samples,)
        Each row's distance to its cluster's centroid.
    centers : array-like of shape (n_clusters, n_features)
        The centroids.
    k : int
        Rows to pick, at most the available ones.
    available : array-like of bool of shape (n_samples,), default=None
        Rows that may be picked; all if None.
    nearest : array-like of shape (n_clusters,), default=None
        Each centroid's distance to its nearest labeled sample; ``inf``
        (nothing labeled) if None.

    Returns
    -------
    indices : ndarray of shape (k,)
        Distinct rows, in the order they were picked.

    Examples
    --------
    >>> import numpy as np
    >>> from skal.selection import cover_clusters
    >>> clusters = [0, 0, 0, 1, 1, 2]
    >>> dist = [0.5, 0.1, 0.9, 0.2, 0.3, 0.0]
    >>> centers = np.array([[0.0], [1.0], [10.0]])
    >>> cover_clusters(clusters, dist, centers, 3).tolist()
    [1, 5, 3]
    >>> cover_clusters(clusters, dist, centers, 1, nearest=[9.0, 0.0, 0.0]).tolist()
    [1]
    """
    clusters = np.asarray(clusters, dtype=np.intp)
    dist = np.asarray(dist, dtype=float)
    centers = check_features(centers, what="cover_clusters")
    n, n_clusters = clusters.shape[0], centers.shape[0]
    available = (
        np.ones(n, dtype=bool) if available is None else np.asarray(available, bool)
    )
    if not 1 <= k <= int(available.sum()):
        raise ValueError(
            f"k must be in [1, {int(available.sum())}] (the available rows), got {k!r}."
        )
    if nearest is None:
        nearest = np.full(n_clusters, np.inf)
    nearest = np.array(nearest, dtype=float)
    size = np.bincount(clusters, minlength=n_clusters).astype(float)
    # Rows by cluster, nearest the centroid first; one pointer per cluster.
    order = np.lexsort((np.arange(n), dist, clusters))
    order = order[available[order]]
    starts = np.searchsorted(clusters[order], np.arange(n_clusters + 1))
    taken = starts[:-1].copy()
    sq_norms = squared_norms(centers)
    index = -np.arange(n_clusters, dtype=float)
    chosen = np.empty(k, dtype=np.intp)
    for t in range(k):
        open_ = taken < starts[1:]
        with np.errstate(invalid="ignore"):
            # A cluster without rows (0 * inf) is never open.
            objective = np.where(open_, size * nearest, -np.inf)
        # inf * size is inf for every uncovered cluster: the size decides.
        c = argmax_keyed(objective, np.where(open_, size, -np.inf), index)
        chosen[t] = order[taken[c]]
        taken[c] += 1
        np.minimum(nearest, distances_to(centers, c, sq_norms=sq_norms), out=nearest)
    return chosen


def typiclust(
    X,
    k,
    *,
    X_labeled=None,
    n_neighbors=20,
    max_clusters=500,
    random_state=None,
):
    """TypiClust (Hacohen, Dekel & Weinshall 2022): typical samples of the
    clusters the labeled set does not cover yet.

    The pool (with the labeled samples) is clustered into ``n_labeled + k``
    clusters (at most ``max_clusters``) by k-means. Each pick goes to the
    cluster holding the fewest labeled or picked samples (the largest one
    among equals) and takes its most *typical* unlabeled sample: the one
    with the smallest mean distance to its ``n_neighbors`` nearest
    neighbours within the cluster. With few labels, typical samples of
    every region beat uncertain ones: the model cannot yet tell where it is
    uncertain. Distances in a cluster are measured against at most 1000 of
    its members, a chunk of members at a time, and k-means learns from at
    most 10^5 evenly spaced rows of a larger pool, so memory stays bounded
    (beyond the features given).

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        The unlabeled pool.
    k : int
        Batch size, in ``[1, n_samples]``.
    X_labeled : {array-like, sparse matrix}, default=None
        Samples already labeled.
    n_neighbors : int, default=20
        Neighbours of the typicality (the paper's K).
    max_clusters : int, default=500
        Upper bound on the number of clusters (the paper caps it too).
    random_state : int, Generator or None
        Seeds k-means and tie-breaking.

    Returns
    -------
    indices : ndarray of shape (k,)
        Distinct positions into ``X``, in the order they were picked.

    References
    ----------
    .. [1] G. Hacohen, A. Dekel and D. Weinshall, "Active Learning on a
       Budget: Opposite Strategies Suit High and Low Budgets", ICML 2022.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_blobs
    >>> from skal.selection import typiclust
    >>> X, y = make_blobs(n_samples=200, centers=4, random_state=0)
    >>> sorted(set(y[typiclust(X, 4, random_state=0)].tolist()))
    [0, 1, 2, 3]
    """
    import warnings

    from sklearn.cluster import KMeans, MiniBatchKMeans
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import pairwise_distances, pairwise_distances_argmin
    from sklearn.utils import gen_batches

    from skal._data import stack_rows
    from skal.selection._density import reference_rows
    from skal.selection._distances import check_centers, check_k

    X = check_features(X, what="typiclust")
    n = X.shape[0]
    check_k(k, n)
    X_labeled = check_centers(X, X_labeled, "typiclust")
    n_lab = 0 if X_labeled is None else X_labeled.shape[0]
    rng = as_generator(random_state)
    everything = X if X_labeled is None else stack_rows([X, X_labeled])
    n_clusters = int(min(n_lab + k, max_clusters, everything.shape[0]))
    kind = KMeans if n_clusters <= 50 else MiniBatchKMeans
    # k-means learns from at most _MAX_FIT_ROWS evenly spaced rows of a
    # larger pool (the same centroids, up to sampling), every row then
    # assigned to its nearest centroid: scikit-learn's fit on 10^6 rows would
    # allocate several copies of them.
    fit_rows = reference_rows(everything.shape[0], _MAX_FIT_ROWS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = kind(n_clusters=n_clusters, n_init=1, random_state=draw_seed(rng))
        model.fit(everything[fit_rows])
    if fit_rows.shape[0] == everything.shape[0]:
        labels = model.labels_
    else:
        labels = pairwise_distances_argmin(everything, model.cluster_centers_)
    pool_labels = labels[:n]
    covered = np.bincount(labels[n:], minlength=n_clusters).astype(float)
    size = np.bincount(pool_labels, minlength=n_clusters).astype(float)
    keys = rng.random(n)
    typicality = np.full(n, -np.inf)
    for c in np.flatnonzero(size):
        members = np.flatnonzero(pool_labels == c)
        ref = members
        if ref.shape[0] > 1000:
            ref = np.sort(rng.choice(members, 1000, replace=False))
        kk = min(int(n_neighbors), ref.shape[0] - 1)
        if kk < 1:
            typicality[members] = 0.0
            continue
        X_ref = X[ref]
        # A chunk of members at a time: a cluster of 10^5 rows against 1000
        # references would be a gigabyte at once.
        for batch in gen_batches(members.shape[0], 4096):
            D = pairwise_distances(X[members[batch]], X_ref)
            D = np.partition(D, kk, axis=1)[:, 1 : kk + 1]
            typicality[members[batch]] = -D.mean(axis=1)
    available = np.ones(n, dtype=bool)
    left = size.copy()
    chosen = np.empty(k, dtype=np.intp)
    for t in range(k):
        open_clusters = np.flatnonzero(left > 0)
        # Fewest labeled first, then the largest cluster.
        c = open_clusters[np.lexsort((-size[open_clusters], covered[open_clusters]))[0]]
        members = np.flatnonzero((pool_labels == c) & available)
        best = members[np.lexsort((-keys[members], -typicality[members]))[0]]
        chosen[t] = best
        available[best] = False
        covered[c] += 1
        left[c] -= 1
    return chosen


REPRESENTATIVE_METHODS = ("kcenter", "kmeans", "density", "typiclust")

#: typiclust fits k-means on at most this many rows.
_MAX_FIT_ROWS = 100_000


def representatives(
    X,
    k,
    *,
    method="kcenter",
    X_labeled=None,
    nearest=None,
    density=None,
    available=None,
    metric="euclidean",
    random_state=None,
):
    """Label-free selection of ``k`` samples that represent the pool.

    - ``"kcenter"``: greedy k-center core-set (:func:`kcenter_greedy`), the
      labeled samples being the initial centers.
    - ``"kmeans"``: one sample per k-means cluster of the pool
      (:func:`kmeans_representatives`); the labeled samples are not used.
    - ``"density"``: density-weighted k-center: each pick maximises
      ``local_density(x) * d(x)``, ``d`` being the distance to the nearest
      labeled or picked sample (:func:`kcenter_greedy` with ``weights``), so
      the batch spreads over the dense regions and skips outliers. The
      product is unit-free (:func:`local_density` scales as 1 / distance).
      The first pick, with nothing labeled, is the densest sample.
    - ``"typiclust"``: the most typical sample of each cluster the labeled
      set leaves uncovered (:func:`typiclust`, Hacohen et al. 2022).

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        The pool.
    k : int
        Batch size, in ``[1, n_samples]``.
    method : {"kcenter", "kmeans", "density", "typiclust"}, default="kcenter"
        See above.
    X_labeled : {array-like, sparse matrix}, default=None
        Samples already labeled.
    nearest : array-like of shape (n_samples,), default=None
        For "kcenter" and "density", instead of ``X_labeled``: each sample's
        distance to its nearest labeled sample, kept across rounds.
    density : array-like of shape (n_samples,), default=None
        Precomputed :func:`local_density` of ``X`` for "density" (a learner
        caches it across rounds); computed if None.
    available : array-like of bool of shape (n_samples,), default=None
        For "kcenter" and "density": the rows that may be picked (see
        :func:`kcenter_greedy`); ``X`` may then be :class:`LinearRows`.
    metric : str, default="euclidean"
        Distance for "kcenter" and "density" (k-means is Euclidean).
    random_state : int, Generator or None
        Seeds tie-breaking, k-means and the density subsample.

    Returns
    -------
    indices : ndarray of shape (k,)
        Distinct positions into ``X``.

    References
    ----------
    .. [1] O. Sener and S. Savarese, "Active Learning for Convolutional Neural
       Networks: A Core-Set Approach", ICLR 2018.
    .. [2] J. Zhu, H. Wang, T. Yao and B. K. Tsou, "Active learning with
       sampling by uncertainty and density for word sense disambiguation and
       text classification", COLING 2008.

    Examples
    --------
    >>> import numpy as np
    >>> from skal.selection import representatives
    >>> X = np.array([[0.0], [0.1], [5.0], [5.1], [10.0]])
    >>> sorted(representatives(X, 3, method="kcenter", random_state=0).tolist())
    [0, 2, 4]
    """
    rng = as_generator(random_state)
    if method == "kcenter":
        return kcenter_greedy(
            X,
            k,
            X_labeled=X_labeled,
            nearest=nearest,
            available=available,
            metric=metric,
            random_state=rng,
        )
    if method == "typiclust":
        return typiclust(X, k, X_labeled=X_labeled, random_state=rng)
    if method == "kmeans":
        return kmeans_representatives(
            check_features(X, what="kmeans"), k, random_state=rng
        )
    if method == "density":
        if not isinstance(X, LinearRows):
            X = check_features(X, what="density selection")
        if density is None:
            if isinstance(X, LinearRows):
                raise ValueError("method='density' on LinearRows needs density.")
            density = local_density(X, metric=metric, random_state=rng)
        return kcenter_greedy(
            X,
            k,
            X_labeled=X_labeled,
            nearest=nearest,
            scores=density,
            weights=density,
            available=available,
            metric=metric,
            random_state=rng,
        )
    raise ValueError(
        f"method must be one of {list(REPRESENTATIVE_METHODS)}, got {method!r}."
    )
