"""Batches that are informative and diverse: k-center, ranked batch mode,
and cluster diversity.

Every selector keeps one running vector of length ``n_samples`` (the distance
of each sample to its nearest labeled or picked sample) and computes the
distances to one new pick at a time: memory O(n_samples), time
O(n_samples * k), no pairwise matrix. The distances to the labeled samples
can be passed in as ``nearest`` instead of the labeled samples themselves: a
learner keeps that vector across rounds and updates it with the newly
labeled samples only, so a round's cost does not grow with the labels bought.
"""

import warnings

import numpy as np

from skal._random import as_generator, draw_seed
from skal.selection._distances import (
    LinearRows,
    argmax_keyed,
    check_available,
    check_centers,
    check_features,
    check_k,
    keys_for,
    nearest_distances,
    normalize,
    row_geometry,
    squared_norms,
)
from skal.selection._topk import check_scores, top_k_keyed

__all__ = ["cluster_diverse", "kcenter_greedy", "ranked_batch"]


def _initial_nearest(geometry, X_labeled, nearest, metric, what):
    n = geometry.shape[0]
    if nearest is not None:
        if X_labeled is not None:
            raise ValueError("Pass X_labeled or nearest, not both.")
        nearest = np.array(nearest, dtype=float)
        if nearest.shape != (n,) or np.isnan(nearest).any() or nearest.min() < 0:
            raise ValueError(
                f"nearest must hold {n} non-negative distances, one per sample."
            )
        return nearest
    if isinstance(geometry, LinearRows):
        if X_labeled is not None and len(X_labeled):
            raise ValueError(
                f"{what} on LinearRows takes the labeled samples as nearest "
                "(each row's distance to them), not as X_labeled."
            )
        return np.full(n, np.inf)
    X = geometry.X
    return nearest_distances(X, check_centers(X, X_labeled, what), metric)


def kcenter_greedy(
    X,
    k,
    *,
    X_labeled=None,
    nearest=None,
    scores=None,
    weights=None,
    available=None,
    metric="euclidean",
    random_state=None,
):
    """Greedy k-center (core-set) selection: each pick is the farthest sample.

    Sener & Savarese (2018): starting from the labeled samples as centers,
    repeatedly add the pool sample whose distance to its nearest center is the
    largest, which 2-approximates the minimax cover of the pool. Only the
    running vector of nearest-center distances is kept: O(n_samples) memory,
    O(n_samples * k) distance evaluations.

    Ties (and the first pick when there is no labeled sample, where every
    distance is infinite) go to the highest ``scores``, then at random,
    reproducibly with ``random_state``.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features) or \
            LinearRows
        The pool, or its rows seen through a linear map (:class:`LinearRows`,
        Euclidean only).
    k : int
        Batch size, in ``[1, n_samples]``.
    X_labeled : {array-like, sparse matrix} of shape (n_labeled, n_features), \
            default=None
        Samples already labeled, used as the initial centers.
    nearest : array-like of shape (n_samples,), default=None
        Instead of ``X_labeled``: each sample's distance to its nearest
        labeled sample (``inf`` when none), as kept across rounds.
    scores : array-like of shape (n_samples,), default=None
        Informativeness, used only to break ties.
    weights : array-like of shape (n_samples,), default=None
        Positive weights: each pick then maximises ``weight * distance``
        (density-weighted k-center, see :func:`representatives`).
    available : array-like of bool of shape (n_samples,), default=None
        The rows that may be picked (all if None); the others still count
        as samples, not as centers. Ties break as if only the available
        rows had been given.
    metric : str, default="euclidean"
        Any metric of :func:`sklearn.metrics.pairwise_distances`.
    random_state : int, Generator or None
        Seed for tie-breaking.

    Returns
    -------
    indices : ndarray of shape (k,)
        Distinct positions into ``X``, in the order they were picked.

    References
    ----------
    .. [1] O. Sener and S. Savarese, "Active Learning for Convolutional Neural
       Networks: A Core-Set Approach", ICLR 2018.
    .. [2] T. F. Gonzalez, "Clustering to minimize the maximum intercluster
       distance", Theoretical Computer Science 38, 1985.

    Examples
    --------
    >>> import numpy as np
    >>> from skal.selection import kcenter_greedy
    >>> X = np.array([[0.0], [0.1], [5.0], [10.0]])
    >>> kcenter_greedy(X, 2, X_labeled=[[0.0]]).tolist()
    [3, 2]
    >>> kcenter_greedy(X, 2, nearest=[0.0, 0.1, 5.0, 10.0]).tolist()
    [3, 2]
    """
    geometry = row_geometry(X, metric, what="k-center selection")
    n = geometry.shape[0]
    available = check_available(available, n)
    check_k(k, int(available.sum()))
    nearest = _initial_nearest(
        geometry, X_labeled, nearest, metric, "k-center selection"
    )
    scores = np.zeros(n) if scores is None else check_scores(scores, allow_inf=True)
    keys = keys_for(random_state, available)
    if weights is not None:
        weights = check_scores(weights)
        if weights.shape[0] != n or weights[available].min() <= 0:
            raise ValueError(f"weights must be {n} positive numbers.")
    # Unavailable rows never win (even against duplicates at distance 0).
    nearest[~available] = -np.inf
    chosen = np.empty(k, dtype=np.intp)
    for t in range(k):
        objective = nearest if weights is None else nearest * weights
        j = argmax_keyed(objective, scores, keys)
        chosen[t] = j
        np.minimum(nearest, geometry.distances_to(j), out=nearest)
        # A chosen sample must never win again, even against exact duplicates
        # of itself (distance 0).
        nearest[j] = -np.inf
    return chosen


def ranked_batch(
    scores,
    X,
    k,
    *,
    X_labeled=None,
    nearest=None,
    n_labeled=None,
    alpha=None,
    available=None,
    metric="euclidean",
    random_state=None,
):
    """Ranked batch-mode selection: trade informativeness against novelty.

    Cardoso et al. (2017). Each pick maximises
    ``alpha * (1 - sim(x)) + (1 - alpha) * u(x)`` where ``u`` is the score
    min-max scaled to [0, 1], ``sim(x) = 1 / (1 + d(x))`` and ``d(x)`` is the
    distance from ``x`` to the nearest labeled or already picked sample; the
    pick then joins the labeled set. With ``alpha=None``,
    ``alpha = |U| / (|U| + |L|)`` as in the paper, recomputed after every
    pick: novelty dominates while few samples are labeled. Memory is one
    running distance vector, O(n_samples).

    Parameters
    ----------
    scores : array-like of shape (n_samples,)
        Informativeness, higher is better.
    X : {array-like, sparse matrix} of shape (n_samples, n_features) or \
            LinearRows
        The pool, or its rows seen through a linear map (:class:`LinearRows`,
        Euclidean only).
    k : int
        Batch size, in ``[1, n_samples]``.
    X_labeled : {array-like, sparse matrix} of shape (n_labeled, n_features), \
            default=None
        Samples already labeled.
    nearest : array-like of shape (n_samples,), default=None
        Instead of ``X_labeled``: each sample's distance to its nearest
        labeled sample, as kept across rounds (then give ``n_labeled``).
    n_labeled : int, default=None
        ``|L|`` when ``nearest`` is given; the rows of ``X_labeled``
        otherwise.
    alpha : float in [0, 1], default=None
        Weight of novelty; None uses the paper's ``|U| / (|U| + |L|)``.
    available : array-like of bool of shape (n_samples,), default=None
        The rows that form the pool ``U`` (all if None); the others are
        ignored: their scores do not enter the scaling, they are never
        picked, and ties break as if only the available rows had been given.
    metric : str, default="euclidean"
        Any metric of :func:`sklearn.metrics.pairwise_distances`.
    random_state : int, Generator or None
        Seed for tie-breaking.

    Returns
    -------
    indices : ndarray of shape (k,)
        Distinct positions into ``X``, in the order they were picked.

    References
    ----------
    .. [1] T. N. C. Cardoso, R. M. Silva, S. Canuto, M. M. Moro and M. A.
       Gonçalves, "Ranked batch-mode active learning", Information Sciences
       379, 2017.

    Examples
    --------
    >>> import numpy as np
    >>> from skal.selection import ranked_batch
    >>> X = np.array([[0.0], [0.01], [3.0], [3.1]])
    >>> ranked_batch([1.0, 0.99, 0.9, 0.0], X, 2, alpha=0.5).tolist()
    [0, 2]
    """
    scores = check_scores(scores)
    geometry = row_geometry(X, metric, what="ranked batch selection")
    n = geometry.shape[0]
    if scores.shape[0] != n:
        raise ValueError(f"{scores.shape[0]} scores for {n} samples.")
    available = check_available(available, n).copy()
    n_pool = int(available.sum())
    check_k(k, n_pool)
    if alpha is not None and not 0 <= alpha <= 1:
        raise ValueError(f"alpha must be in [0, 1] or None, got {alpha!r}.")
    if nearest is None:
        if not isinstance(geometry, LinearRows):
            X_labeled = check_centers(geometry.X, X_labeled, "ranked batch selection")
        n_labeled = 0 if X_labeled is None else X_labeled.shape[0]
    elif n_labeled is None:
        raise ValueError("Give n_labeled with nearest.")
    nearest = _initial_nearest(
        geometry, X_labeled, nearest, metric, "ranked batch selection"
    )
    keys = keys_for(random_state, available)
    u = np.zeros(n)
    u[available] = normalize(scores[available])
    chosen = np.empty(k, dtype=np.intp)
    # One buffer for the objective: per pick, O(n) time and no new vectors.
    combined = np.empty(n)
    for t in range(k):
        a = (n_pool - t) / (n_pool + n_labeled) if alpha is None else alpha
        # novelty = 1 - 1 / (1 + d) = d / (1 + d); written so that d = inf
        # gives 1.
        np.add(nearest, 1.0, out=combined)
        np.reciprocal(combined, out=combined)
        np.subtract(1.0, combined, out=combined)
        combined *= a
        combined += (1 - a) * u
        combined[~available] = -np.inf
        j = argmax_keyed(combined, u, keys)
        chosen[t] = j
        available[j] = False
        np.minimum(nearest, geometry.distances_to(j), out=nearest)
    return chosen


def cluster_diverse(
    scores, X, k, *, n_candidates=None, pick="nearest", random_state=None
):
    """Cluster-based diversity (Zhdanov 2019): informativeness-weighted
    k-means over the most informative samples, the sample nearest each
    centroid.

    As in the paper: keep the ``n_candidates`` most informative samples,
    cluster them into ``k`` clusters with k-means weighted by their
    informativeness, and query the candidate nearest each cluster center. The
    weights pull the centers towards the informative samples; the clusters
    spread the batch over ``k`` regions of feature space instead of piling it
    up in one. Should k-means find fewer than ``k`` distinct clusters
    (duplicated samples), the batch is completed with the next most
    informative candidates.

    Parameters
    ----------
    scores : array-like of shape (n_samples,)
        Informativeness, higher is better (non-negative: they weight k-means).
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        The pool.
    k : int
        Batch size, in ``[1, n_samples]``.
    n_candidates : int, default=None
        How many top-scored samples to cluster; ``10 * k`` if None (Zhdanov's
        pre-filter factor), clipped to ``n_samples``.
    pick : {"nearest", "best"}, default="nearest"
        Which candidate of each cluster: the one nearest its center (the
        paper), or the most informative one.
    random_state : int, Generator or None
        Seeds tie-breaking and k-means.

    Returns
    -------
    indices : ndarray of shape (k,)
        Distinct positions into ``X``, most informative first.

    References
    ----------
    .. [1] F. Zhdanov, "Diverse mini-batch Active Learning", arXiv:1901.05954,
       2019.

    Examples
    --------
    >>> import numpy as np
    >>> from skal.selection import cluster_diverse
    >>> X = np.array([[0.0], [0.1], [0.2], [9.0], [9.1]])
    >>> scores = [0.9, 0.8, 0.7, 0.2, 0.1]
    >>> sorted(cluster_diverse(scores, X, 2, random_state=0).tolist())
    [1, 3]
    """
    from sklearn.cluster import KMeans
    from sklearn.exceptions import ConvergenceWarning

    scores = check_scores(scores)
    n = scores.shape[0]
    check_k(k, n)
    if scores.min() < 0:
        raise ValueError(
            "cluster diversity weights k-means by informativeness, which must be "
            f"non-negative; got a minimum score of {scores.min():.3g}."
        )
    rng = as_generator(random_state)
    m = min(n, 10 * k if n_candidates is None else int(n_candidates))
    if m < k:
        raise ValueError(f"n_candidates={n_candidates} must be at least k={k}.")
    keys = rng.random(n)
    candidates = top_k_keyed(scores, keys, m)
    if m == k:
        return candidates
    feats = check_features(_rows(X, candidates), what="cluster diversity")
    weights = scores[candidates]
    # All-zero weights (a model certain of every candidate) weigh nothing:
    # cluster the candidates as they are.
    weights = weights if weights.sum() > 0 else None
    with warnings.catch_warnings():
        # Duplicated samples give fewer distinct clusters than k; handled below.
        warnings.simplefilter("ignore", ConvergenceWarning)
        km = KMeans(n_clusters=k, n_init=1, random_state=draw_seed(rng))
        labels = km.fit(feats, sample_weight=weights).labels_
    # Squared distance of each candidate to its own center, without an
    # (m x n_features) dense temporary (sparse texts have many features).
    C = km.cluster_centers_
    dots = np.asarray(feats @ C.T)[np.arange(m), labels]
    dist = squared_norms(feats) - 2.0 * dots + np.einsum("ij,ij->i", C, C)[labels]
    if pick == "best":
        # Candidates are ordered best first: a cluster's first is its best.
        dist = np.zeros_like(dist)
    elif pick != "nearest":
        raise ValueError(f"pick must be 'nearest' or 'best', got {pick!r}.")
    # Nearest to its center first, then the most informative (candidates are
    # ordered best first, so the position breaks the remaining ties).
    order = np.lexsort((np.arange(m), dist, labels))
    first = order[np.r_[True, labels[order][1:] != labels[order][:-1]]]
    first = np.sort(first)
    if first.shape[0] < k:
        rest = np.setdiff1d(np.arange(m), first)[: k - first.shape[0]]
        first = np.sort(np.concatenate([first, rest]))
    return candidates[first]


def _rows(X, indices):
    """Rows of a numeric 2-d container (array, sparse matrix, DataFrame)."""
    if hasattr(X, "iloc"):
        return X.iloc[indices]
    if isinstance(X, (list, tuple)):
        X = np.asarray(X)
    return X[indices]
