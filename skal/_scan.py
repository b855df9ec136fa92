"""The one path that scores a pool: in memory-bounded chunks, in parallel
through joblib, or block by block where a dask array lives.

Every learner, BADGE and self-training included, scores rows through
:func:`scan_top_k` (the best ``k`` rows, streaming) or :func:`scan_scores`
(every row's score). Both call ``score_at(rows, start)``, where ``start`` is
the position of the first row among the candidates, so that a scorer whose
randomness is seeded by position (MC dropout) gives the same scores however
the pool is cut.

Parallel chunks run with the BLAS / OpenMP threads shared out between the
workers (:mod:`skal._threads`), so ``n_jobs`` never oversubscribes the cores.

Every path selects exactly what the sequential in-memory path selects. The
batch is the top ``k`` of ``(score, key)`` where candidate ``j`` always gets
key ``j`` of the query's :class:`~skal._random.KeyStream`, whichever chunk,
worker or dask block scores it; the local top ``k`` of every block are then
merged, and the global top ``k`` of a total order is the top ``k`` of the
union of local ones.

dask is imported only when a dask array is passed, so ``import skal`` stays
light.
"""

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs
from sklearn import get_config
from sklearn.utils import gen_batches

from skal._data import n_rows, take_rows
from skal._threads import limited_threads
from skal.selection import check_scores, chunk_rows, top_k_keyed

__all__ = [
    "QUERY_WORKING_MEMORY",
    "FiniteScores",
    "PoolPositions",
    "candidate_rows",
    "check_dask_pool",
    "is_dask_array",
    "is_distributed",
    "scan_map",
    "scan_scores",
    "scan_top_k",
    "scoring_chunk_rows",
]

#: Ceiling (MiB) on the temporaries of one scoring chunk. scikit-learn's
#: ``working_memory`` (1024 MiB by default) is a budget, not a target: chunks
#: of ~100k rows already amortise the estimator's per-call validation, and
#: larger ones only spill out of cache and make peak memory grow with the pool
#: up to a gigabyte. A lower ``working_memory`` still wins.
QUERY_WORKING_MEMORY = 64


def is_dask_array(X):
    """True for a dask array, without importing dask."""
    return type(X).__module__.startswith("dask.") and hasattr(X, "to_delayed")


def check_dask_pool(X):
    """A dask array pool ready to be scored block by block."""
    if any(np.isnan(c) for c in X.chunks[0]):
        raise ValueError(
            "The dask array has unknown chunk sizes along its rows (e.g. after "
            "boolean indexing), so positions in the pool are undefined; call "
            "X.compute_chunk_sizes() first."
        )
    if X.ndim == 2 and len(X.chunks[1]) > 1:
        # An estimator scores whole rows: one block must hold every column.
        X = X.rechunk({1: -1})
    return X


def scoring_chunk_rows(n_samples, row_bytes, block=1):
    """Rows per scoring chunk: ``working_memory``, capped at
    :data:`QUERY_WORKING_MEMORY`, rounded down to a multiple of ``block``."""
    budget = min(get_config()["working_memory"], QUERY_WORKING_MEMORY)
    rows = chunk_rows(n_samples, row_bytes, working_memory=budget)
    return max(block, rows - rows % block)


class PoolPositions:
    """The positions ``0 .. n-1`` of a new pool, without storing them.

    Stands in for ``np.arange(n)`` as the candidates of ``query(X)``: slicing
    gives the arange of the slice, indexing with positions gives them back,
    and numpy functions see the full arange through ``__array__``. The top-k
    path only slices and indexes it, so its memory stays flat in the pool size
    instead of 8 bytes a row (80 MB at 10^7 rows).
    """

    ndim = 1
    dtype = np.dtype(np.intp)

    def __init__(self, n):
        self.shape = (int(n),)

    @property
    def size(self):
        return self.shape[0]

    def __len__(self):
        return self.shape[0]

    def __array__(self, dtype=None, copy=None):
        return np.arange(self.shape[0], dtype=dtype or np.intp)

    def __iter__(self):
        return iter(range(self.shape[0]))

    def __getitem__(self, item):
        n = self.shape[0]
        if isinstance(item, slice):
            return np.arange(*item.indices(n), dtype=np.intp)
        if isinstance(item, (int, np.integer)):
            return range(n)[item]
        item = np.asarray(item)
        if item.dtype == bool:
            if item.shape != self.shape:
                raise IndexError(f"boolean index of shape {item.shape} for {n} rows")
            return np.flatnonzero(item)
        if item.size and (item.min() < -n or item.max() >= n):
            raise IndexError(f"position out of bounds for a pool of {n} rows")
        return np.where(item < 0, item + n, item).astype(np.intp, copy=False)

    def __repr__(self):
        return f"PoolPositions({self.shape[0]})"


def candidate_rows(source, candidates, batch):
    """Rows ``candidates[batch]`` of ``source``, as a view where possible.

    ``candidates`` is increasing, so a run whose ends are ``len - 1`` apart is
    contiguous: slicing avoids copying the chunk (all of it for a new pool,
    most of it for a remembered pool with few labels).
    """
    rows = candidates[batch]
    if rows.shape[0] and rows[-1] - rows[0] == rows.shape[0] - 1:
        return take_rows(source, slice(int(rows[0]), int(rows[-1]) + 1))
    return take_rows(source, rows)


def is_distributed(n_jobs, source):
    """Whether scoring should fan out: a dask pool, or more than one joblib
    job (``n_jobs`` or a :class:`joblib.parallel_config`)."""
    return is_dask_array(source) or effective_n_jobs(n_jobs) != 1


class FiniteScores:
    """A scorer whose scores are finite by construction (margins of
    probabilities that were validated while they were scored), so the scan
    does not check them a second time; only their number is checked.

    Any other scorer, a wrapper around this one included (density
    weighting), has its scores checked.
    """

    def __init__(self, score_at):
        self.score_at = score_at

    def __call__(self, rows, start):
        return self.score_at(rows, start)


def _checked(score_at, rows, start, n_rows):
    """``score_at(rows, start)``, checked."""
    scores = score_at(rows, start)
    if not isinstance(score_at, FiniteScores):
        # +inf is a score (a sample infinitely far from every labeled one);
        # the measures refuse the invalid model outputs that would produce one.
        scores = check_scores(scores, allow_inf=True)
    if scores.shape[0] != n_rows:
        raise ValueError(
            f"The learner returned {scores.shape[0]} scores for a chunk of "
            f"{n_rows} rows."
        )
    return scores


def _local_top_k(score_at, rows, start, k, keys, chunk_size):
    """Top ``k`` of one run of candidates starting at ``start``: candidate
    positions, scores and keys."""
    n = rows.shape[0] if hasattr(rows, "shape") else len(rows)
    best_idx = np.empty(0, dtype=np.intp)
    best_scores = np.empty(0)
    best_keys = np.empty(0)
    for batch in gen_batches(n, max(int(chunk_size), 1)):
        lo, hi = start + batch.start, start + batch.stop
        scores = _checked(score_at, take_rows(rows, batch), lo, hi - lo)
        if k == 0:
            continue
        # Only a sample whose score reaches the k-th best of the kept ones
        # and this chunk can enter the batch (one tied with it can, by its
        # key); the others are dropped before their keys are drawn. Keys are
        # a function of positions, so what is kept is what a whole-pool
        # top-k keeps.
        if best_scores.shape[0] == k:
            hit = np.flatnonzero(scores >= best_scores[-1])
        else:
            hit = np.arange(scores.shape[0])
        if best_scores.shape[0] + hit.shape[0] > k:
            both = np.concatenate([best_scores, scores[hit]])
            kth = np.partition(both, both.shape[0] - k)[both.shape[0] - k]
            hit = hit[scores[hit] >= kth]
        if hit.shape[0] == 0:
            continue
        idx = np.concatenate([best_idx, hit + lo])
        scores = np.concatenate([best_scores, scores[hit]])
        all_keys = np.concatenate([best_keys, keys.draw_at(hit + lo)])
        keep = top_k_keyed(scores, all_keys, k)
        best_idx, best_scores, best_keys = idx[keep], scores[keep], all_keys[keep]
    return best_idx, best_scores, best_keys


def _local_scores(score_at, rows, start, chunk_size):
    return _local_map(
        lambda chunk, lo: _checked(score_at, chunk, lo, n_rows(chunk)),
        rows,
        start,
        chunk_size,
    )


def _local_map(fn, rows, start, chunk_size):
    n = rows.shape[0] if hasattr(rows, "shape") else len(rows)
    parts = [
        fn(take_rows(rows, b), start + b.start)
        for b in gen_batches(n, max(int(chunk_size), 1))
    ]
    return np.concatenate(parts) if parts else np.empty(0)


def _merge(parts, k):
    idx, scores, keys = (np.concatenate(p) for p in zip(*parts, strict=True))
    keep = top_k_keyed(scores, keys, k)
    return idx[keep], scores[keep]


def _runs(n_pool, chunk_size, n_jobs):
    """Runs of candidate positions, one task each; at least one per job so
    that a pool smaller than a chunk still keeps every worker busy."""
    jobs = effective_n_jobs(n_jobs)
    size = chunk_size if jobs == 1 else min(chunk_size, -(-n_pool // jobs))
    return list(gen_batches(n_pool, max(size, 1)))


def _block_size(size, block):
    return max(block, size - size % block)


def scan_top_k(
    score_at, source, candidates, k, *, keys, chunk_size, n_jobs=None, block=1
):
    """The ``k`` best candidates: positions into ``candidates`` and scores.

    Parameters
    ----------
    score_at : callable
        ``score_at(rows, start) -> scores``; picklable when the work goes to
        processes or dask workers.
    source : container or dask array
        The rows; ``candidates`` index them.
    candidates : ndarray of int or PoolPositions
        Increasing positions of the rows to score.
    k : int
        How many to keep.
    keys : KeyStream
        Tie-break keys by candidate position.
    chunk_size : int
        Rows per call of ``score_at``.
    n_jobs : int, default=None
        joblib workers (threads); a :class:`joblib.parallel_config` applies.
    block : int, default=1
        Chunk boundaries fall on multiples of ``block`` candidate positions.
    """
    n_pool = candidates.shape[0]
    if is_dask_array(source):
        parts = _dask_map(
            _local_top_k, score_at, source, candidates, chunk_size, block, k, keys
        )
        return _merge(parts, k)
    if effective_n_jobs(n_jobs) == 1:
        idx, scores, _ = _local_top_k(
            score_at, _CandidateRows(source, candidates), 0, k, keys, chunk_size
        )
        return idx, scores
    runs = _runs(n_pool, chunk_size, n_jobs)
    with limited_threads(n_jobs):
        parts = Parallel(n_jobs=n_jobs, prefer="threads")(
            delayed(_local_top_k)(
                score_at,
                candidate_rows(source, candidates, run),
                run.start,
                k,
                keys,
                _block_size(chunk_size, block),
            )
            for run in _aligned(runs, block, n_pool)
        )
    return _merge(parts, k)


def scan_scores(score_at, source, candidates, *, chunk_size, n_jobs=None, block=1):
    """Every candidate's score, in candidate order (see :func:`scan_top_k`)."""
    n_pool = candidates.shape[0]
    if is_dask_array(source):
        parts = _dask_map(
            _local_scores, score_at, source, candidates, chunk_size, block
        )
        return np.concatenate(parts) if parts else np.empty(0)
    if effective_n_jobs(n_jobs) == 1:
        return _local_scores(
            score_at, _CandidateRows(source, candidates), 0, chunk_size
        )
    with limited_threads(n_jobs):
        parts = Parallel(n_jobs=n_jobs, prefer="threads")(
            delayed(_local_scores)(
                score_at,
                candidate_rows(source, candidates, run),
                run.start,
                _block_size(chunk_size, block),
            )
            for run in _aligned(_runs(n_pool, chunk_size, n_jobs), block, n_pool)
        )
    return np.concatenate(parts) if parts else np.empty(0)


def scan_map(fn, source, candidates, *, chunk_size, n_jobs=None):
    """``fn(rows, start)`` over the candidates in chunks, the outputs
    concatenated along rows (e.g. embeddings of the whole pool)."""
    if is_dask_array(source):
        parts = _dask_map(_local_map, fn, source, candidates, chunk_size, 1)
        return np.concatenate(parts) if parts else np.empty(0)
    if effective_n_jobs(n_jobs) == 1:
        return _local_map(fn, _CandidateRows(source, candidates), 0, chunk_size)
    with limited_threads(n_jobs):
        parts = Parallel(n_jobs=n_jobs, prefer="threads")(
            delayed(_local_map)(
                fn, candidate_rows(source, candidates, run), run.start, chunk_size
            )
            for run in _runs(candidates.shape[0], chunk_size, n_jobs)
        )
    return np.concatenate(parts) if parts else np.empty(0)


def _aligned(runs, block, n_pool):
    """Runs whose boundaries are moved down to multiples of ``block``."""
    if block == 1:
        return runs
    edges = sorted({min(r.start - r.start % block, n_pool) for r in runs} | {n_pool})
    return [slice(a, b) for a, b in zip(edges[:-1], edges[1:], strict=True) if b > a]


class _CandidateRows:
    """The candidate rows of ``source`` as one container that a chunk loop
    slices, each slice read with :func:`candidate_rows` (a view where the
    candidates run contiguously)."""

    def __init__(self, source, candidates):
        self.source = source
        self.candidates = candidates
        self.shape = (candidates.shape[0],)

    def __getitem__(self, batch):
        return candidate_rows(self.source, self.candidates, batch)


def _dask_map(local, score_at, X, candidates, chunk_size, block, *extra):
    """``local`` on the candidates of every dask block, where it lives.

    Each block's candidates are a contiguous run of candidate positions, so
    a block only needs its first position. With ``block > 1`` the candidates
    are first gathered and rechunked so that block boundaries fall on
    multiples of ``block`` candidate positions.
    """
    import dask

    X = check_dask_pool(X)
    # Increasing positions, as many as the rows: every row, in order (a new
    # pool's PoolPositions), which is never materialised here: an arange of
    # the pool would be 8 bytes a row in the client.
    every_row = candidates.shape[0] == X.shape[0]
    if block > 1:
        if not every_row:
            X = X[np.asarray(candidates)]
        X = X.rechunk({0: _aligned_chunks(X.chunks[0], block)})
        every_row = True
    blocks = X.to_delayed().reshape(-1)
    offsets = np.concatenate([[0], np.cumsum(X.chunks[0])]).astype(np.intp)
    if every_row:
        bounds = offsets
    else:
        positions = np.asarray(candidates)
        # Candidates [bounds[b], bounds[b + 1]) fall in block b.
        bounds = np.searchsorted(positions, offsets)
    # One delayed scorer shared by every task: the fitted model travels to
    # each worker once, not once per block.
    scorer = dask.delayed(score_at)
    size = _block_size(chunk_size, block)
    tasks = []
    for b, rows in enumerate(blocks):
        lo, hi = int(bounds[b]), int(bounds[b + 1])
        if hi == lo:
            continue
        if hi - lo != offsets[b + 1] - offsets[b]:
            rows = dask.delayed(take_rows)(rows, positions[lo:hi] - offsets[b])
        tasks.append(dask.delayed(local)(scorer, rows, lo, *extra, size))
    return list(dask.compute(*tasks))


def _aligned_chunks(chunks, block):
    edges = np.cumsum(chunks)
    n = int(edges[-1])
    cuts = sorted({int(e - e % block) for e in edges[:-1]} - {0} | {n})
    sizes = np.diff([0, *cuts])
    return tuple(int(s) for s in sizes if s > 0)
