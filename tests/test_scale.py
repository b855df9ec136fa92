"""Large-pool machinery: chunk sizes, views, parallel scoring, key streams.

Every path must select exactly what the sequential in-memory path selects;
these tests compare them on pools full of ties, where the tie-break keys
decide. No timing here: see benchmarks/ and docs/performance.md.
"""

import numpy as np
import pytest
import sklearn
from hypothesis import given, settings
from hypothesis import strategies as st
from joblib import parallel_config
from sklearn.linear_model import LogisticRegression

from skal import UncertaintySamplingClassifier
from skal._random import KeyStream
from skal._scan import (
    QUERY_WORKING_MEMORY,
    PoolPositions,
    candidate_rows,
    scan_scores,
    scan_top_k,
    scoring_chunk_rows,
)
from skal.scoring import margin, ratio
from skal.scoring._measures import top_two
from skal.selection import top_k_keyed


def _tied_pool(n=3000, seed=0):
    # Few distinct rows, so whole groups of samples share one score and the
    # tie-break keys choose among them.
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(12, 4))
    return base[rng.integers(0, 12, size=n)]


def _labeled(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(60, 4))
    y = np.repeat([0, 1, 2], 20)
    X[y == 1] += 1.5
    X[y == 2] -= 1.5
    return X, y


def _learner(**params):
    X, y = _labeled()
    return UncertaintySamplingClassifier(
        LogisticRegression(), batch_size=25, random_state=3, **params
    ).fit(X, y)


@pytest.mark.parametrize("n_classes", [1, 2, 3, 10])
@pytest.mark.parametrize("n_samples", [0, 1, 7, 8192, 8193, 20000])
def test_top_two_equals_partition(n_samples, n_classes):
    rng = np.random.default_rng(n_samples + n_classes)
    # Quantised probabilities: plenty of exact ties between the two leaders.
    proba = rng.integers(0, 4, size=(n_samples, n_classes)) / 3.0
    first, second = top_two(proba)
    if n_classes == 1:
        expected = proba[:, 0], np.zeros(n_samples)
    else:
        part = np.partition(proba, n_classes - 2, axis=1)
        expected = part[:, -1], part[:, -2]
    np.testing.assert_array_equal(first, expected[0])
    np.testing.assert_array_equal(second, expected[1])


def test_margin_and_ratio_unchanged_on_a_large_block():
    rng = np.random.default_rng(0)
    proba = rng.dirichlet(np.ones(6), size=30000)
    part = np.sort(proba, axis=1)
    np.testing.assert_array_equal(margin(proba), 1.0 - (part[:, -1] - part[:, -2]))
    np.testing.assert_array_equal(ratio(proba), part[:, -2] / part[:, -1])


def test_scoring_chunks_are_capped_but_respect_a_lower_budget():
    row_bytes = 1024
    cap = QUERY_WORKING_MEMORY * 2**20 // row_bytes
    assert scoring_chunk_rows(10**9, row_bytes) == cap
    assert scoring_chunk_rows(10, row_bytes) == 10
    with sklearn.config_context(working_memory=1):
        assert scoring_chunk_rows(10**9, row_bytes) == 2**20 // row_bytes


def test_candidate_rows_view_for_a_contiguous_run_copy_otherwise():
    X = np.arange(20.0).reshape(10, 2)
    run = candidate_rows(X, np.arange(2, 8), slice(1, 4))
    assert np.shares_memory(run, X)
    np.testing.assert_array_equal(run, X[3:6])
    gappy = candidate_rows(X, np.array([0, 2, 3, 9]), slice(0, 4))
    np.testing.assert_array_equal(gappy, X[[0, 2, 3, 9]])
    assert candidate_rows(X, np.arange(10), slice(4, 4)).shape == (0, 2)


def test_key_stream_equals_sequential_draws():
    keys = KeyStream(seed=11, round=3)
    expected = keys.draw(0, 1000)
    np.testing.assert_array_equal(keys.draw(357, 100), expected[357:457])
    assert not np.array_equal(KeyStream(11, 4).draw(0, 10), expected[:10])


@settings(max_examples=200, deadline=None)
@given(
    positions=st.lists(st.integers(0, 5 * 10**5), max_size=40, unique=True),
    start=st.integers(0, 10**9),
    seed=st.integers(0, 2**16),
)
def test_keys_drawn_at_positions_are_the_sequential_ones(positions, start, seed):
    # Sparse positions seek to each key, dense ones draw their whole span:
    # both must give key j of the stream.
    keys = KeyStream(seed=seed, round=1)
    at = start + np.sort(np.asarray(positions, dtype=np.int64))
    got = keys.draw_at(at)
    want = [keys.draw(int(j), 1)[0] for j in at]
    np.testing.assert_array_equal(got, want)


def test_keys_of_a_dense_run_are_drawn_at_once():
    keys = KeyStream(seed=5, round=0)
    at = np.arange(100, 3100, 3)
    np.testing.assert_array_equal(keys.draw_at(at), keys.draw(0, 3100)[at])


def _scorer(scores):
    return lambda rows, start: scores[start : start + len(rows)]


@pytest.mark.parametrize("chunk", [1, 64, 97, 1000, 5000])
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_scan_top_k_equals_a_whole_pool_top_k(chunk, n_jobs):
    scores = np.round(np.random.default_rng(1).random(5000), 1)  # many ties
    keys = KeyStream(seed=4, round=0)
    expected = top_k_keyed(scores, keys.draw(0, 5000), 40)
    idx, best = scan_top_k(
        _scorer(scores),
        np.zeros((5000, 1)),
        PoolPositions(5000),
        40,
        keys=keys,
        chunk_size=chunk,
        n_jobs=n_jobs,
    )
    np.testing.assert_array_equal(idx, expected)
    np.testing.assert_array_equal(best, scores[expected])


@pytest.mark.parametrize("block", [1, 256])
def test_scan_chunks_start_on_block_boundaries(block):
    starts = []

    def score_at(rows, start):
        starts.append(start)
        return np.zeros(len(rows))

    for n_jobs in (1, 2):
        starts.clear()
        scan_scores(
            score_at,
            np.zeros((3000, 1)),
            PoolPositions(3000),
            chunk_size=scoring_chunk_rows(3000, 10**6, block),
            n_jobs=n_jobs,
            block=block,
        )
        assert all(s % block == 0 for s in starts)


@pytest.mark.parametrize("working_memory", [0.05, 1024])
def test_query_with_jobs_equals_sequential_query(working_memory):
    pool = _tied_pool()
    with sklearn.config_context(working_memory=working_memory):
        serial = _learner()
        parallel = _learner(n_jobs=2)
        for _ in range(3):  # the generator must advance identically
            a = serial.query(pool, return_scores=True)
            b = parallel.query(pool, return_scores=True)
            np.testing.assert_array_equal(a[0], b[0])
            np.testing.assert_array_equal(a[1], b[1])
        np.testing.assert_array_equal(
            serial.informativeness(pool), parallel.informativeness(pool)
        )


def test_remembered_pool_with_jobs_equals_sequential():
    X, y = _labeled()
    pool = _tied_pool(2000)
    X_all = np.vstack([X, pool])
    y_all = np.concatenate([y, np.full(pool.shape[0], -1)])
    with sklearn.config_context(working_memory=0.05):
        serial = UncertaintySamplingClassifier(
            LogisticRegression(), batch_size=20, random_state=0
        ).fit(X_all, y_all)
        parallel = UncertaintySamplingClassifier(
            LogisticRegression(), batch_size=20, random_state=0
        ).fit(X_all, y_all)
        for _ in range(2):
            a = serial.query()
            with parallel_config(backend="threading", n_jobs=2):
                b = parallel.query()
            np.testing.assert_array_equal(a, b)
            # Labeled rows leave gaps in the pool: runs of views and copies.
            labels = np.zeros(a.shape[0], dtype=int)
            serial.teach(y=labels, indices=a)
            parallel.teach(y=labels, indices=b)


def test_pool_positions_behave_like_an_arange():
    positions, expected = PoolPositions(10), np.arange(10)
    assert positions.shape == (10,) and len(positions) == 10
    np.testing.assert_array_equal(np.asarray(positions), expected)
    np.testing.assert_array_equal(positions[2:7:2], expected[2:7:2])
    np.testing.assert_array_equal(positions[np.array([3, -1])], expected[[3, -1]])
    mask = expected % 3 == 0
    np.testing.assert_array_equal(positions[mask], expected[mask])
    np.testing.assert_array_equal(np.arange(10.0)[positions], np.arange(10.0))
    with pytest.raises(IndexError):
        positions[np.array([10])]


def test_query_memory_does_not_grow_with_the_pool():
    # A new pool's candidates are not materialised: what a query allocates is
    # the same for 20k and 200k rows once chunks are full.
    import tracemalloc

    learner = _learner()
    peaks = []
    with sklearn.config_context(working_memory=0.5):
        for n in (20_000, 200_000):
            pool = np.random.default_rng(0).normal(size=(n, 4))
            tracemalloc.start()
            learner.query(pool)
            peaks.append(tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
    assert peaks[1] < 1.5 * peaks[0]


# ------------------------------------------------------------ BLAS threads
def _blas_threads():
    from threadpoolctl import threadpool_info

    return max(i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas")


class _RecordsThreads(LogisticRegression):
    """Records the BLAS threads in force whenever it scores rows."""

    seen = []

    def predict_proba(self, X):
        type(self).seen.append(_blas_threads())
        return super().predict_proba(X)


def test_parallel_scoring_shares_the_blas_threads_out():
    from joblib import cpu_count
    from threadpoolctl import threadpool_limits

    from skal._threads import worker_threads

    # As many workers as cores: one BLAS thread each, whatever the machine.
    n_jobs = max(2, cpu_count())
    assert worker_threads(n_jobs) == 1
    X, y = _labeled()
    with threadpool_limits(limits=2):
        _RecordsThreads.seen = []
        UncertaintySamplingClassifier(
            _RecordsThreads(), batch_size=5, n_jobs=n_jobs, random_state=0
        ).fit(X, y).query(_tied_pool())
        parallel_seen = _RecordsThreads.seen
        assert _blas_threads() == 2  # restored afterwards
        _RecordsThreads.seen = []
        UncertaintySamplingClassifier(
            _RecordsThreads(), batch_size=5, random_state=0
        ).fit(X, y).query(_tied_pool())
        sequential_seen = _RecordsThreads.seen
    assert len(parallel_seen) >= 2 and set(parallel_seen) == {1}
    # Sequential work keeps every thread the caller allows.
    assert set(sequential_seen) == {2}


def test_thread_limits_never_raise_a_lower_setting():
    from threadpoolctl import threadpool_limits

    from skal._threads import limited_threads

    with threadpool_limits(limits=1):
        with limited_threads(2):
            assert _blas_threads() == 1
        assert _blas_threads() == 1
