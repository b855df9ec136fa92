"""Scoring large pools: in memory-bounded chunks, in parallel through joblib,
or block by block where a dask array lives.

Every path selects exactly what the sequential in-memory path selects for the
same ``random_state``. The batch is the top ``k`` of ``(score, key)`` where
sample ``j`` of the pool always gets the ``j``-th draw of the learner's
generator as its tie-break key, whichever chunk, worker or dask block scores
it. A block only needs its first position to find its keys: the generator is
copied and advanced there (PCG64 can jump ahead), so no O(n_pool) key array
is drawn up front or shipped. The local top ``k`` of every block are then
merged; the global top ``k`` of a total order is the top ``k`` of the union of
local ones, hence the same batch.

dask is imported only when a dask array is passed, so ``import skal`` stays
light.
"""

import copy

import numpy as np
from sklearn import get_config
from sklearn.utils import gen_batches

from skal._data import take_rows
from skal.selection import _check_scores, _top_k_keyed, chunk_rows

__all__ = [
    "QUERY_WORKING_MEMORY",
    "is_dask_array",
    "check_dask_pool",
    "scoring_chunk_rows",
    "PoolPositions",
    "candidate_rows",
    "is_distributed",
    "distributed_top_k",
    "distributed_scores",
]

#: Ceiling (MiB) on the temporaries of one scoring chunk. scikit-learn's
#: ``working_memory`` (1024 MiB by default) is a budget, not a target: chunks
#: of ~100k rows already amortise the estimator's per-call validation, and
#: larger ones only spill out of cache and make peak memory grow with the pool
#: up to a gigabyte. A lower ``working_memory`` still wins.
QUERY_WORKING_MEMORY = 64

# Bit generators whose ``advance(n)`` is known to skip exactly ``n`` float64
# draws of ``Generator.random`` (one 64-bit output each; tested). Any other
# generator falls back to drawing each block's keys in order on the client.
_SEEKABLE = ("PCG64", "PCG64DXSM")


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


def scoring_chunk_rows(n_samples, row_bytes):
    """Rows per scoring chunk: ``working_memory``, capped at
    :data:`QUERY_WORKING_MEMORY`."""
    budget = min(get_config()["working_memory"], QUERY_WORKING_MEMORY)
    return chunk_rows(n_samples, row_bytes, working_memory=budget)


class _KeyStream:
    """The tie-break keys of a pool: key ``j`` is draw ``j`` of a generator.

    Picklable and small (the generator's state), so each block, on any worker,
    draws its own keys from its first position.
    """

    def __init__(self, bit_generator):
        self._kind = type(bit_generator)
        self._state = bit_generator.state

    @staticmethod
    def supports(rng):
        return type(rng.bit_generator).__name__ in _SEEKABLE

    def draw(self, start, size):
        bit_generator = self._kind()
        bit_generator.state = self._state
        bit_generator.advance(start)
        return np.random.Generator(bit_generator).random(size)


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


def _block_top_k(score_rows, rows, start, k, keys, chunk_size):
    """Local top ``k`` of one block: global positions, scores and keys.

    ``keys`` is a :class:`_KeyStream` or the block's own key array.
    """
    n = rows.shape[0]
    if isinstance(keys, _KeyStream):
        keys = keys.draw(start, n)
    best_idx = np.empty(0, dtype=np.intp)
    best_scores = np.empty(0)
    for batch in gen_batches(n, max(int(chunk_size), 1)):
        scores = _check_scores(score_rows(take_rows(rows, batch)))
        if scores.shape[0] != batch.stop - batch.start:
            raise ValueError(
                f"The strategy returned {scores.shape[0]} scores for a chunk of "
                f"{batch.stop - batch.start} rows."
            )
        idx = np.concatenate([best_idx, np.arange(batch.start, batch.stop)])
        scores = np.concatenate([best_scores, scores])
        keep = _top_k_keyed(scores, keys[idx], k)
        best_idx, best_scores = idx[keep], scores[keep]
    return best_idx + start, best_scores, keys[best_idx]


def _merge(parts, k):
    idx, scores, keys = (np.concatenate(p) for p in zip(*parts, strict=True))
    keep = _top_k_keyed(scores, keys, k)
    return idx[keep], scores[keep]


def _detached_scorer(learner):
    """``learner._score_rows`` without the pool and labels it remembers.

    Tasks sent to processes or dask workers pickle the scorer; the fitted model
    is all it needs, not the data given to ``fit``.
    """
    view = copy.copy(learner)
    for name in ("_X_fit", "_X_extra", "_labeled_mask", "_y_labeled", "_y_extra"):
        if name in view.__dict__:
            setattr(view, name, None)
    return view._score_rows


def _key_source(rng, n_pool):
    """Per-block key sources, and the generator left as a sequential draw of
    ``n_pool`` keys would leave it."""
    if _KeyStream.supports(rng):
        stream = _KeyStream(rng.bit_generator)
        rng.bit_generator.advance(n_pool)
        return lambda start, size: stream
    # Another bit generator cannot jump: draw each block's keys in order here.
    return lambda start, size: rng.random(size)


def is_distributed(learner, source):
    """Whether the top-k path should fan out: a dask pool, or more than one
    joblib job (``learner.n_jobs`` or a :func:`joblib.parallel_config`)."""
    if is_dask_array(source):
        return True
    from joblib import effective_n_jobs

    return effective_n_jobs(getattr(learner, "n_jobs", None)) != 1


def distributed_top_k(learner, source, candidates, k, rng):
    """Top ``k`` pool rows for ``learner``, as positions into ``candidates``.

    One dask task per block when ``source`` is a dask array (only the local
    top ``k`` of each block come back); otherwise one joblib task per chunk,
    so ``joblib.parallel_config(backend="dask")`` runs them on a dask cluster.
    Same batch, same scores and same generator state afterwards as
    :func:`~skal.selection.chunked_top_k` over the same pool.
    """
    n_pool = candidates.shape[0]
    chunk_size = scoring_chunk_rows(n_pool, learner._row_bytes())
    if is_dask_array(source):
        return _dask_top_k(learner, source, k, rng, chunk_size)
    from joblib import Parallel, delayed, effective_n_jobs

    # At least one chunk per job, or a pool smaller than one chunk would
    # leave every worker but one idle.
    n_jobs = effective_n_jobs(getattr(learner, "n_jobs", None))
    chunk_size = min(chunk_size, -(-n_pool // n_jobs))
    score_rows = _detached_scorer(learner)
    keys_for = _key_source(rng, n_pool)
    task = delayed(_block_top_k)
    parts = Parallel(n_jobs=getattr(learner, "n_jobs", None), prefer="threads")(
        task(
            score_rows,
            candidate_rows(source, candidates, batch),
            batch.start,
            k,
            keys_for(batch.start, batch.stop - batch.start),
            chunk_size,
        )
        for batch in gen_batches(n_pool, chunk_size)
    )
    return _merge(parts, k)


def _dask_blocks(X):
    """The row blocks of a dask array as delayed objects, with their offsets."""
    blocks = X.to_delayed().reshape(-1)
    offsets = np.concatenate([[0], np.cumsum(X.chunks[0])[:-1]]).astype(int)
    return blocks, offsets


def _dask_top_k(learner, X, k, rng, chunk_size):
    import dask

    blocks, offsets = _dask_blocks(X)
    keys_for = _key_source(rng, X.shape[0])
    # One delayed scorer shared by every task: the fitted model travels to each
    # worker once, not once per block.
    score_rows = dask.delayed(_detached_scorer(learner))
    task = dask.delayed(_block_top_k)
    parts = dask.compute(
        *(
            task(score_rows, block, int(start), k, keys_for(start, size), chunk_size)
            for block, start, size in zip(blocks, offsets, X.chunks[0], strict=True)
        )
    )
    return _merge(parts, k)


def _block_scores(score_rows, rows, chunk_size):
    n = rows.shape[0]
    parts = [score_rows(take_rows(rows, b)) for b in gen_batches(n, chunk_size)]
    return np.concatenate(parts) if parts else np.empty(0)


def distributed_scores(learner, source, candidates):
    """Every pool row's score: block by block on dask, else through joblib."""
    n_pool = candidates.shape[0]
    chunk_size = scoring_chunk_rows(n_pool, learner._row_bytes())
    score_rows = _detached_scorer(learner)
    if is_dask_array(source):
        import dask

        blocks, _ = _dask_blocks(source)
        score_rows = dask.delayed(score_rows)
        task = dask.delayed(_block_scores)
        parts = dask.compute(*(task(score_rows, b, chunk_size) for b in blocks))
    else:
        from joblib import Parallel, delayed

        parts = Parallel(n_jobs=getattr(learner, "n_jobs", None), prefer="threads")(
            delayed(_block_scores)(
                score_rows, candidate_rows(source, candidates, batch), chunk_size
            )
            for batch in gen_batches(n_pool, chunk_size)
        )
    return np.concatenate(parts) if parts else np.empty(0)
