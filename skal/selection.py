"""Choosing a batch from per-sample scores (and features).

Pure numpy/scipy: scores (and random tie-break keys) in, indices out. The
learners feed it; nothing here fits an estimator of theirs (k-means, for
cluster diversity and representatives, is the only model used).

- Top-k, streaming and chunked: :func:`top_k`, :func:`chunked_top_k`.
- Batch diversity: :func:`ranked_batch`, :func:`kcenter_greedy`,
  :func:`cluster_diverse`, and :func:`information_density` weighting.
- Label-free representatives (cold start): :func:`representatives`,
  :func:`kmeans_representatives`.

Memory: the diversity selectors keep one running vector of nearest distances
and compute distances to one new pick at a time; nothing builds an
``n_samples x n_samples`` (or ``n_samples x k``) matrix.

Tie-breaking is random but reproducible: every scored sample draws one key
from the caller's :class:`numpy.random.Generator`, in sample order, and the
batch is ordered by ``(score, key)`` descending. Because the keys are drawn in
sample order, scoring a pool in chunks and scoring it at once select exactly
the same indices.
"""

import numpy as np
from sklearn import get_config
from sklearn.utils import gen_batches

__all__ = [
    "top_k",
    "chunked_top_k",
    "chunk_rows",
    "kmeans_representatives",
    "check_features",
    "kcenter_greedy",
    "ranked_batch",
    "cluster_diverse",
    "information_density",
    "local_density",
    "density_weighted",
    "representatives",
    "REPRESENTATIVE_METHODS",
]


def _check_scores(scores):
    scores = np.asarray(scores, dtype=float)
    if scores.ndim != 1:
        raise ValueError(f"scores must be 1-d, got shape {scores.shape}.")
    if np.isnan(scores).any():
        raise ValueError(
            "informativeness scores contain NaN; check the estimator's "
            "predictions for the pool (NaN in X, or a failed fit)."
        )
    return scores


def _top_k_keyed(scores, keys, k):
    """Positions of the ``k`` largest ``(score, key)`` pairs, best first.

    O(n) selection with :func:`numpy.partition`; only the ``k`` winners are
    sorted.
    """
    n = scores.shape[0]
    k = min(k, n)
    if k == 0:
        return np.empty(0, dtype=np.intp)
    if k < n:
        kth = np.partition(scores, n - k)[n - k]
        above = np.flatnonzero(scores > kth)
        tied = np.flatnonzero(scores == kth)
        need = k - above.shape[0]
        if need < tied.shape[0]:
            # Among samples tied at the threshold the largest keys win.
            part = np.argpartition(-keys[tied], need - 1)[:need]
            tied = tied[part]
        chosen = np.concatenate([above, tied])
    else:
        chosen = np.arange(n)
    order = np.lexsort((-keys[chosen], -scores[chosen]))
    return chosen[order]


def top_k(scores, k, *, random_state=None):
    """Indices of the ``k`` highest scores, most informative first.

    Ties are broken at random, reproducibly for a given ``random_state``.

    Parameters
    ----------
    scores : array-like of shape (n_samples,)
        Informativeness, higher is better. NaN is rejected.
    k : int
        Batch size; clipped to ``n_samples``.
    random_state : int, RandomState, Generator or None
        Seed for tie-breaking.

    Returns
    -------
    indices : ndarray of shape (min(k, n_samples),)
        Distinct positions into ``scores``.

    Examples
    --------
    >>> from skal.selection import top_k
    >>> top_k([0.1, 0.9, 0.5, 0.9], 3, random_state=0).tolist()
    [1, 3, 2]
    """
    scores = _check_scores(scores)
    if k < 0:
        raise ValueError(f"k must be >= 0, got {k}.")
    rng = _as_generator(random_state)
    keys = rng.random(scores.shape[0])
    return _top_k_keyed(scores, keys, k)


def _as_generator(random_state):
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(np.iinfo(np.int32).max))
    return np.random.default_rng(random_state)


def chunk_rows(n_samples, row_bytes, working_memory=None):
    """Rows per chunk so that one chunk's temporaries fit ``working_memory``.

    Uses scikit-learn's ``working_memory`` setting (MiB,
    ``sklearn.set_config(working_memory=...)``) like its pairwise tools.

    Examples
    --------
    >>> from skal.selection import chunk_rows
    >>> chunk_rows(10**6, row_bytes=8 * 1024, working_memory=8)
    1024
    """
    if working_memory is None:
        working_memory = get_config()["working_memory"]
    rows = int(working_memory * 2**20 // max(int(row_bytes), 1))
    return int(min(max(rows, 1), max(int(n_samples), 1)))


def chunked_top_k(score_chunk, n_samples, k, *, random_state=None, chunk_size=None):
    """Top-``k`` over a pool scored chunk by chunk, in bounded memory.

    Keeps only the running best ``k`` between chunks, so memory is
    ``O(chunk_size + k)`` whatever the pool size. The result equals
    ``top_k`` on the concatenated scores with the same generator.

    Parameters
    ----------
    score_chunk : callable
        ``score_chunk(slice) -> ndarray`` returns the scores of the pool rows in
        that slice.
    n_samples : int
        Pool size.
    k : int
        Batch size.
    random_state : int, Generator or None
        Seed for tie-breaking; a Generator is advanced by ``n_samples`` draws.
    chunk_size : int or None
        Rows per chunk; None scores everything at once.

    Returns
    -------
    indices : ndarray of shape (min(k, n_samples),)
        Positions into the pool, most informative first.
    scores : ndarray of shape (min(k, n_samples),)
        Their scores.

    Examples
    --------
    >>> import numpy as np
    >>> from skal.selection import chunked_top_k
    >>> s = np.array([0.3, 0.8, 0.1, 0.6, 0.9])
    >>> idx, best = chunked_top_k(lambda sl: s[sl], 5, 2, chunk_size=2)
    >>> idx.tolist(), best.tolist()
    ([4, 1], [0.9, 0.8])
    """
    rng = _as_generator(random_state)
    chunk_size = n_samples if chunk_size is None else int(chunk_size)
    best_idx = np.empty(0, dtype=np.intp)
    best_scores = np.empty(0)
    best_keys = np.empty(0)
    for batch in gen_batches(n_samples, max(chunk_size, 1)):
        scores = _check_scores(score_chunk(batch))
        if scores.shape[0] != batch.stop - batch.start:
            raise ValueError(
                f"score_chunk returned {scores.shape[0]} scores for a chunk of "
                f"{batch.stop - batch.start} rows."
            )
        keys = rng.random(scores.shape[0])
        idx = np.concatenate([best_idx, np.arange(batch.start, batch.stop)])
        scores = np.concatenate([best_scores, scores])
        keys = np.concatenate([best_keys, keys])
        keep = _top_k_keyed(scores, keys, k)
        best_idx, best_scores, best_keys = idx[keep], scores[keep], keys[keep]
    return best_idx, best_scores


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
    seed = int(_as_generator(random_state).integers(np.iinfo(np.int32).max))
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


# --------------------------------------------------------------------------
# Batch diversity. Every selector below keeps one running vector of length
# n_samples (distance to the nearest chosen/labeled sample) and computes the
# distances to one new pick at a time, so memory is O(n_samples) and time
# O(n_samples * k); no (n x n) or (n x k) distance matrix is ever built.
# --------------------------------------------------------------------------


def check_features(X, *, what="batch diversity"):
    """Validate features for distance computations: numeric, 2-d, finite.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Samples.
    what : str
        The option that needs distances, named in the error.

    Returns
    -------
    X : {ndarray, sparse matrix} of float

    Examples
    --------
    >>> from skal.selection import check_features
    >>> check_features([[1, 2], [3, 4]]).dtype
    dtype('float64')
    """
    from sklearn.utils import check_array

    try:
        return check_array(
            X, accept_sparse=("csr", "csc"), dtype=(np.float64, np.float32)
        )
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{what} measures distances between the raw features of X, which must "
            f"be numeric and finite ({exc}). For text or mixed columns, vectorize "
            "X before the learner (e.g. pass TfidfVectorizer().fit_transform(texts))"
            ", or turn the option off."
        ) from exc


def _argmax_keyed(values, *tiebreaks):
    """Position of the lexicographic maximum of ``(values, *tiebreaks)``."""
    best = np.flatnonzero(values == values.max())
    for key in tiebreaks:
        if best.shape[0] == 1:
            break
        sub = key[best]
        best = best[sub == sub.max()]
    return int(best[0])


def _distances_to(X, j, metric, sq_norms):
    """Distances from every row of X to row ``j``: one column, O(n) memory."""
    from sklearn.metrics.pairwise import euclidean_distances, pairwise_distances

    row = X[j : j + 1]
    if metric == "euclidean":
        return euclidean_distances(
            X, row, X_norm_squared=sq_norms, Y_norm_squared=sq_norms[j : j + 1]
        ).ravel()
    return pairwise_distances(X, row, metric=metric).ravel()


def _min_distances(X, centers, metric):
    """Distance from each row of X to its nearest center, computed in chunks."""
    from sklearn.metrics import pairwise_distances_argmin_min

    if centers is None or centers.shape[0] == 0:
        return np.full(X.shape[0], np.inf)
    return pairwise_distances_argmin_min(X, centers, metric=metric)[1]


def _normalize(scores):
    """Min-max scale to [0, 1]; a constant vector maps to zeros."""
    low, high = scores.min(), scores.max()
    if high > low:
        return (scores - low) / (high - low)
    return np.zeros_like(scores)


def _check_k(k, n_samples):
    if not isinstance(k, (int, np.integer)) or not 1 <= k <= n_samples:
        raise ValueError(
            f"k must be an integer in [1, {n_samples}] for {n_samples} samples, "
            f"got {k!r}."
        )


def _check_centers(X, centers, what):
    if centers is None:
        return None
    if (centers.shape[0] if hasattr(centers, "shape") else len(centers)) == 0:
        return None
    centers = check_features(centers, what=what)
    if centers.shape[1] != X.shape[1]:
        raise ValueError(
            f"The labeled samples have {centers.shape[1]} features but the pool "
            f"has {X.shape[1]}."
        )
    return centers


def kcenter_greedy(
    X,
    k,
    *,
    X_labeled=None,
    scores=None,
    weights=None,
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
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        The pool.
    k : int
        Batch size, in ``[1, n_samples]``.
    X_labeled : {array-like, sparse matrix} of shape (n_labeled, n_features), \
            default=None
        Samples already labeled, used as the initial centers.
    scores : array-like of shape (n_samples,), default=None
        Informativeness, used only to break ties.
    weights : array-like of shape (n_samples,), default=None
        Positive weights: each pick then maximises ``weight * distance``
        (density-weighted k-center, see :func:`representatives`).
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
    """
    X = check_features(X, what="k-center selection")
    n = X.shape[0]
    _check_k(k, n)
    X_labeled = _check_centers(X, X_labeled, "k-center selection")
    scores = np.zeros(n) if scores is None else _check_scores(scores)
    keys = _as_generator(random_state).random(n)
    from sklearn.utils.extmath import row_norms

    sq_norms = row_norms(X, squared=True)[:, None] if metric == "euclidean" else None
    if weights is not None:
        weights = _check_scores(weights)
        if weights.shape[0] != n or weights.min() <= 0:
            raise ValueError(f"weights must be {n} positive numbers.")
    nearest = _min_distances(X, X_labeled, metric)
    chosen = np.empty(k, dtype=np.intp)
    for t in range(k):
        objective = nearest if weights is None else nearest * weights
        j = _argmax_keyed(objective, scores, keys)
        chosen[t] = j
        np.minimum(nearest, _distances_to(X, j, metric, sq_norms), out=nearest)
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
    alpha=None,
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
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        The pool.
    k : int
        Batch size, in ``[1, n_samples]``.
    X_labeled : {array-like, sparse matrix} of shape (n_labeled, n_features), \
            default=None
        Samples already labeled.
    alpha : float in [0, 1], default=None
        Weight of novelty; None uses the paper's ``|U| / (|U| + |L|)``.
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
    scores = _check_scores(scores)
    X = check_features(X, what="ranked batch selection")
    n = X.shape[0]
    if scores.shape[0] != n:
        raise ValueError(f"{scores.shape[0]} scores for {n} samples.")
    _check_k(k, n)
    if alpha is not None and not 0 <= alpha <= 1:
        raise ValueError(f"alpha must be in [0, 1] or None, got {alpha!r}.")
    X_labeled = _check_centers(X, X_labeled, "ranked batch selection")
    n_labeled = 0 if X_labeled is None else X_labeled.shape[0]
    keys = _as_generator(random_state).random(n)
    from sklearn.utils.extmath import row_norms

    sq_norms = row_norms(X, squared=True)[:, None] if metric == "euclidean" else None
    u = _normalize(scores)
    nearest = _min_distances(X, X_labeled, metric)
    available = np.ones(n, dtype=bool)
    chosen = np.empty(k, dtype=np.intp)
    for t in range(k):
        a = (n - t) / (n + n_labeled) if alpha is None else alpha
        # 1 - 1 / (1 + d) = d / (1 + d); written so that d = inf gives 1.
        novelty = 1.0 - 1.0 / (1.0 + nearest)
        combined = np.where(available, a * novelty + (1 - a) * u, -np.inf)
        j = _argmax_keyed(combined, u, keys)
        chosen[t] = j
        available[j] = False
        np.minimum(nearest, _distances_to(X, j, metric, sq_norms), out=nearest)
    return chosen


def cluster_diverse(scores, X, k, *, n_candidates=None, random_state=None):
    """Cluster-based diversity: the most informative sample of each cluster.

    After Zhdanov (2019): keep the ``n_candidates`` most informative samples,
    cluster them with k-means into ``k`` clusters and take the most informative
    sample of each cluster, so that the batch spreads over ``k`` regions of
    feature space instead of piling up in one. (Zhdanov weights k-means by
    informativeness and takes the sample nearest each centroid; taking the
    best of each cluster never trades informativeness for centrality.) Should
    k-means find fewer than ``k`` distinct clusters (duplicated samples), the
    batch is completed with the next most informative candidates.

    Parameters
    ----------
    scores : array-like of shape (n_samples,)
        Informativeness, higher is better.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        The pool.
    k : int
        Batch size, in ``[1, n_samples]``.
    n_candidates : int, default=None
        How many top-scored samples to cluster; ``10 * k`` if None (Zhdanov's
        pre-filter factor), clipped to ``n_samples``.
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
    >>> cluster_diverse(scores, X, 2, random_state=0).tolist()
    [0, 3]
    """
    scores = _check_scores(scores)
    n = scores.shape[0]
    _check_k(k, n)
    rng = _as_generator(random_state)
    m = min(n, 10 * k if n_candidates is None else int(n_candidates))
    if m < k:
        raise ValueError(f"n_candidates={n_candidates} must be at least k={k}.")
    keys = rng.random(n)
    candidates = _top_k_keyed(scores, keys, m)
    if m == k:
        return candidates
    feats = check_features(_take_rows_2d(X, candidates), what="cluster diversity")
    seed = int(rng.integers(np.iinfo(np.int32).max))
    import warnings

    from sklearn.cluster import KMeans
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        # Duplicated samples give fewer distinct clusters than k; handled below.
        warnings.simplefilter("ignore", ConvergenceWarning)
        labels = KMeans(n_clusters=k, n_init=1, random_state=seed).fit(feats).labels_
    # Candidates are ordered best first, so each cluster's first member is its
    # most informative one.
    _, first = np.unique(labels, return_index=True)
    first = np.sort(first)
    if first.shape[0] < k:
        rest = np.setdiff1d(np.arange(m), first)[: k - first.shape[0]]
        first = np.sort(np.concatenate([first, rest]))
    return candidates[first]


def _take_rows_2d(X, indices):
    """Rows of a numeric 2-d container (array, sparse matrix, DataFrame)."""
    if hasattr(X, "iloc"):
        return X.iloc[indices]
    if isinstance(X, (list, tuple)):
        X = np.asarray(X)
    return X[indices]


def information_density(
    X, *, reference=None, n_reference=1000, metric="euclidean", random_state=None
):
    """Mean similarity of each sample to the pool, ``mean_r 1 / (1 + d(x, r))``.

    Settles & Craven (2008) weight informativeness by how representative a
    sample is of the input distribution, so that outliers are not queried just
    because the model is unsure about them. The mean runs over ``reference``
    rows (a random subsample of ``X`` of at most ``n_reference`` rows if not
    given) and is computed a chunk of rows at a time, so memory stays within
    scikit-learn's ``working_memory``. Similarity is
    ``1 / (1 + distance)``, in (0, 1] for any metric.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Samples to rate.
    reference : {array-like, sparse matrix} of shape (n_reference, n_features), \
            default=None
        The pool the density is measured against.
    n_reference : int, default=1000
        Size of the random subsample of ``X`` used when ``reference`` is None.
    metric : str, default="euclidean"
        Any metric of :func:`sklearn.metrics.pairwise_distances`.
    random_state : int, Generator or None
        Seeds the subsample.

    Returns
    -------
    density : ndarray of shape (n_samples,)
        In (0, 1].

    References
    ----------
    .. [1] B. Settles and M. Craven, "An analysis of active learning strategies
       for sequence labeling tasks", EMNLP 2008.

    Examples
    --------
    >>> import numpy as np
    >>> from skal.selection import information_density
    >>> X = np.array([[0.0], [0.1], [0.2], [10.0]])
    >>> d = information_density(X)
    >>> int(d.argmax()), int(d.argmin())
    (1, 3)
    """
    from sklearn.metrics import pairwise_distances

    X = check_features(X, what="information density")
    reference = _reference(
        X, reference, n_reference, random_state, "information density"
    )
    # Small chunks are faster than sklearn's default (cache-resident) and keep
    # the temporaries well inside `working_memory`.
    size = min(chunk_rows(X.shape[0], 16 * reference.shape[0]), 4096)
    density = np.empty(X.shape[0])
    for batch in gen_batches(X.shape[0], size):
        D = pairwise_distances(X[batch], reference, metric=metric)
        D += 1.0
        np.reciprocal(D, out=D)
        density[batch] = D.mean(axis=1)
    return density


def local_density(
    X,
    *,
    reference=None,
    n_neighbors=10,
    n_reference=1000,
    metric="euclidean",
    random_state=None,
):
    """K-nearest-neighbour density: ``1 / mean distance to the nearest rows``.

    Unlike :func:`information_density`, which favours the centre of the whole
    pool, this rates how crowded a sample's own neighbourhood is (Zhu et al.
    2008 use the K nearest neighbours for the same reason), so the core of
    every cluster scores high wherever the cluster lies. It scales as
    ``1 / distance``, so that ``density * distance`` is unit-free. The nearest
    reference row is skipped (it is the sample itself when the sample is in the
    reference); distances to the next ``n_neighbors`` are averaged, a chunk of
    rows at a time.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Samples to rate.
    reference : {array-like, sparse matrix} of shape (n_reference, n_features), \
            default=None
        The pool; a random subsample of ``X`` of at most ``n_reference`` rows
        if None.
    n_neighbors : int, default=10
        Neighbours averaged over (clipped to the reference size minus one).
    n_reference : int, default=1000
        Size of the subsample when ``reference`` is None.
    metric : str, default="euclidean"
        Any metric of :func:`sklearn.metrics.pairwise_distances`.
    random_state : int, Generator or None
        Seeds the subsample.

    Returns
    -------
    density : ndarray of shape (n_samples,)
        Positive; exact duplicates get a large finite value.

    References
    ----------
    .. [1] J. Zhu, H. Wang, T. Yao and B. K. Tsou, "Active learning with
       sampling by uncertainty and density for word sense disambiguation and
       text classification", COLING 2008.

    Examples
    --------
    >>> import numpy as np
    >>> from skal.selection import local_density
    >>> X = np.array([[0.0], [0.1], [0.2], [10.0], [10.1], [10.2], [50.0]])
    >>> d = local_density(X, n_neighbors=2)
    >>> int(d.argmin()), bool(np.isclose(d[1], d[4]))
    (6, True)
    """
    from sklearn.metrics import pairwise_distances

    X = check_features(X, what="local density")
    reference = _reference(X, reference, n_reference, random_state, "local density")
    n_ref = reference.shape[0]
    kk = max(1, min(int(n_neighbors), n_ref - 1))
    size = min(chunk_rows(X.shape[0], 16 * n_ref), 4096)
    mean_dist = np.empty(X.shape[0])
    for batch in gen_batches(X.shape[0], size):
        D = pairwise_distances(X[batch], reference, metric=metric)
        if n_ref > 1:
            D = np.partition(D, kk, axis=1)[:, 1 : kk + 1]
        mean_dist[batch] = D.mean(axis=1)
    # A floor relative to the pool's own scale keeps duplicates finite (and
    # density * distance free of inf * 0).
    positive = mean_dist[mean_dist > 0]
    floor = 1e-6 * (np.median(positive) if positive.size else 1.0)
    return 1.0 / np.maximum(mean_dist, floor)


def _reference(X, reference, n_reference, random_state, what):
    if reference is not None:
        return _check_centers(X, reference, what)
    n = X.shape[0]
    if n > n_reference:
        rows = _as_generator(random_state).choice(n, n_reference, replace=False)
        return X[np.sort(rows)]
    return X


def density_weighted(scores, density, beta):
    """Information-density weighting: ``scores * density ** beta``.

    Parameters
    ----------
    scores : array-like of shape (n_samples,)
        Informativeness, non-negative.
    density : array-like of shape (n_samples,)
        From :func:`information_density`, in (0, 1].
    beta : float
        Weight of density; 0 leaves the scores unchanged.

    Returns
    -------
    weighted : ndarray of shape (n_samples,)

    References
    ----------
    .. [1] B. Settles and M. Craven, "An analysis of active learning strategies
       for sequence labeling tasks", EMNLP 2008.

    Examples
    --------
    >>> from skal.selection import density_weighted
    >>> density_weighted([0.5, 0.5], [1.0, 0.25], beta=1).tolist()
    [0.5, 0.125]
    """
    scores = _check_scores(scores)
    if beta == 0:
        return scores
    if scores.size and scores.min() < 0:
        raise ValueError(
            "density_weight multiplies informativeness by density ** beta, which "
            f"ranks only non-negative scores correctly; got a minimum score of "
            f"{scores.min():.3g}. Make the strategy's scores non-negative or set "
            "density_weight=0."
        )
    return scores * np.asarray(density, dtype=float) ** beta


REPRESENTATIVE_METHODS = ("kcenter", "kmeans", "density")


def representatives(
    X,
    k,
    *,
    method="kcenter",
    X_labeled=None,
    density=None,
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

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        The pool.
    k : int
        Batch size, in ``[1, n_samples]``.
    method : {"kcenter", "kmeans", "density"}, default="kcenter"
        See above.
    X_labeled : {array-like, sparse matrix}, default=None
        Samples already labeled.
    density : array-like of shape (n_samples,), default=None
        Precomputed :func:`local_density` of ``X`` for "density" (a learner
        caches it across rounds); computed if None.
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
    rng = _as_generator(random_state)
    if method == "kcenter":
        return kcenter_greedy(
            X, k, X_labeled=X_labeled, metric=metric, random_state=rng
        )
    if method == "kmeans":
        return kmeans_representatives(
            check_features(X, what="kmeans"), k, random_state=rng
        )
    if method == "density":
        X = check_features(X, what="density selection")
        if density is None:
            density = local_density(X, metric=metric, random_state=rng)
        return kcenter_greedy(
            X,
            k,
            X_labeled=X_labeled,
            scores=density,
            weights=density,
            metric=metric,
            random_state=rng,
        )
    raise ValueError(
        f"method must be one of {list(REPRESENTATIVE_METHODS)}, got {method!r}."
    )
