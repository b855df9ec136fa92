"""Top-k with seeded tie-breaking, over a whole score vector or a stream of
chunks.

Tie-breaking is random but reproducible: every scored sample draws one key
from the caller's :class:`numpy.random.Generator`, in sample order, and the
batch is ordered by ``(score, key)`` descending. Because the keys are drawn in
sample order, scoring a pool in chunks and scoring it at once select exactly
the same indices.
"""

import numpy as np
from sklearn import get_config
from sklearn.utils import gen_batches

from skal._random import as_generator

__all__ = ["check_scores", "chunk_rows", "chunked_top_k", "top_k", "top_k_keyed"]


def check_scores(scores, *, allow_inf=False):
    """Scores as a 1-d float array; NaN (and, unless allowed, inf) refused.

    An infinite informativeness ranks a sample first for no reason a measure
    could give (an estimator returned inf, or a score was divided by zero),
    so it is refused with NaN.

    Examples
    --------
    >>> from skal.selection import check_scores
    >>> check_scores([1, 2]).tolist()
    [1.0, 2.0]
    """
    scores = np.asarray(scores, dtype=float)
    if scores.ndim != 1:
        raise ValueError(f"scores must be 1-d, got shape {scores.shape}.")
    bad = np.isnan(scores) if allow_inf else ~np.isfinite(scores)
    if bad.any():
        what = "NaN" if np.isnan(scores).any() else "infinite values"
        raise ValueError(
            f"informativeness scores contain {what}; check the estimator's "
            "predictions for the pool (NaN or inf in X, or a failed fit)."
        )
    return scores


def top_k_keyed(scores, keys, k):
    """Positions of the ``k`` largest ``(score, key)`` pairs, best first.

    O(n) selection with :func:`numpy.partition`; only the ``k`` winners are
    sorted. ``keys`` break ties between equal scores: the larger key wins.

    Examples
    --------
    >>> import numpy as np
    >>> from skal.selection import top_k_keyed
    >>> top_k_keyed(np.array([0.5, 0.9, 0.5]), np.array([0.1, 0.0, 0.7]), 2).tolist()
    [1, 2]
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
    scores = check_scores(scores)
    if k < 0:
        raise ValueError(f"k must be >= 0, got {k}.")
    rng = as_generator(random_state)
    keys = rng.random(scores.shape[0])
    return top_k_keyed(scores, keys, k)


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
    rng = as_generator(random_state)
    chunk_size = n_samples if chunk_size is None else int(chunk_size)
    best_idx = np.empty(0, dtype=np.intp)
    best_scores = np.empty(0)
    best_keys = np.empty(0)
    if n_samples == 0:
        # An empty pool (gen_batches refuses n=0): nothing to choose.
        return best_idx, best_scores
    for batch in gen_batches(n_samples, max(chunk_size, 1)):
        scores = check_scores(score_chunk(batch))
        if scores.shape[0] != batch.stop - batch.start:
            raise ValueError(
                f"score_chunk returned {scores.shape[0]} scores for a chunk of "
                f"{batch.stop - batch.start} rows."
            )
        keys = rng.random(scores.shape[0])
        idx = np.concatenate([best_idx, np.arange(batch.start, batch.stop)])
        scores = np.concatenate([best_scores, scores])
        keys = np.concatenate([best_keys, keys])
        keep = top_k_keyed(scores, keys, k)
        best_idx, best_scores, best_keys = idx[keep], scores[keep], keys[keep]
    return best_idx, best_scores
