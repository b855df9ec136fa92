"""Label-free selection of samples that represent the pool: the cold start
of every learner and the selection rule of
:class:`~skal.RepresentativeSampler`.
"""

import numpy as np

from skal._random import as_generator, draw_seed
from skal.selection._density import local_density
from skal.selection._distances import (
    LazyRows,
    LinearRows,
    argmax_keyed,
    check_features,
    distances_to,
    squared_norms,
)
from skal.selection._diversity import kcenter_greedy
from skal.selection._kmeans import (
    fit_on_sample,
    kmeans_model,
    kmeans_representatives,
)

__all__ = [
    "REPRESENTATIVE_METHODS",
    "cover_clusters",
    "representatives",
    "typiclust",
]


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
    uncertain. k-means learns from at most 10^5 evenly spaced rows of a
    larger pool, every row then assigned to its nearest centroid a chunk at
    a time; typicality is computed only in the clusters picked from (at
    most ``k``), against at most 1000 members of each, a chunk of members
    at a time. So memory stays a few vectors per row, and given
    :class:`LazyRows` the pool's features never exist all at once.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features) or \
            LazyRows
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

    from sklearn.exceptions import ConvergenceWarning

    from skal.selection._distances import check_centers, check_k

    rows = LazyRows.of(X, what="typiclust")
    n = rows.shape[0]
    check_k(k, n)
    X_labeled = check_centers(rows, X_labeled, "typiclust")
    n_lab = 0 if X_labeled is None else X_labeled.shape[0]
    rng = as_generator(random_state)
    n_clusters = int(min(n_lab + k, max_clusters, n + n_lab))
    model = kmeans_model(n_clusters, draw_seed(rng))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pool_labels, labeled_labels = fit_on_sample(model, rows, X_labeled)
    covered = np.bincount(labeled_labels, minlength=n_clusters).astype(float)
    size = np.bincount(pool_labels, minlength=n_clusters).astype(float)
    keys = rng.random(n)
    # The pool's rows by cluster, in increasing position within each.
    by_cluster = np.argsort(pool_labels, kind="stable")
    starts = np.r_[0, np.cumsum(np.bincount(pool_labels, minlength=n_clusters))]

    def members_of(c):
        return by_cluster[starts[c] : starts[c + 1]]

    # Every cluster's references are drawn first, in cluster order (the
    # stream the picks depend on); the typicality is then computed only for
    # the clusters picked from, at most k of them.
    references = {}
    for c in np.flatnonzero(size):
        members = members_of(c)
        if members.shape[0] > 1000:
            references[c] = np.sort(rng.choice(members, 1000, replace=False))
    typicality = {}
    available = np.ones(n, dtype=bool)
    left = size.copy()
    chosen = np.empty(k, dtype=np.intp)
    for t in range(k):
        open_clusters = np.flatnonzero(left > 0)
        # Fewest labeled first, then the largest cluster.
        c = open_clusters[np.lexsort((-size[open_clusters], covered[open_clusters]))[0]]
        members = members_of(c)
        if c not in typicality:
            typicality[c] = _typicality(
                rows, members, references.get(c, members), n_neighbors
            )
        free = available[members]
        candidates = members[free]
        best = candidates[np.lexsort((-keys[candidates], -typicality[c][free]))[0]]
        chosen[t] = best
        available[best] = False
        covered[c] += 1
        left[c] -= 1
    return chosen


def _typicality(rows, members, references, n_neighbors):
    """Minus the mean distance of each member to its ``n_neighbors`` nearest
    references (itself skipped), a chunk of members at a time: a cluster of
    10^5 rows against 1000 references would be a gigabyte at once."""
    from sklearn.metrics import pairwise_distances
    from sklearn.utils import gen_batches

    kk = min(int(n_neighbors), references.shape[0] - 1)
    if kk < 1:
        return np.zeros(members.shape[0])
    X_ref = rows.take(references)
    out = np.empty(members.shape[0])
    for batch in gen_batches(members.shape[0], 4096):
        D = pairwise_distances(rows.take(members[batch]), X_ref)
        D.partition(kk, axis=1)  # in place: no second 4096 x 1000 block
        out[batch] = -D[:, 1 : kk + 1].mean(axis=1)
    return out


REPRESENTATIVE_METHODS = ("kcenter", "kmeans", "density", "typiclust")


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
        The pool; :class:`LazyRows` for "kmeans" and "typiclust",
        :class:`LinearRows` for "kcenter" and "density".
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
        if not isinstance(X, LazyRows):
            X = check_features(X, what="kmeans")
        return kmeans_representatives(X, k, random_state=rng)
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
