"""Choosing a batch from per-sample scores: top-k, streaming and chunked.

Pure numpy: scores (and random tie-break keys) in, indices out. The learners
feed it; nothing here fits a model.

Tie-breaking is random but reproducible: every scored sample draws one key
from the caller's :class:`numpy.random.Generator`, in sample order, and the
batch is ordered by ``(score, key)`` descending. Because the keys are drawn in
sample order, scoring a pool in chunks and scoring it at once select exactly
the same indices.
"""

import numpy as np
from sklearn import get_config
from sklearn.utils import gen_batches

__all__ = ["top_k", "chunked_top_k", "chunk_rows", "kmeans_representatives"]


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
