"""Dask: a dask array pool is scored block by block on the workers, and
joblib's dask backend spreads scoring and committee fitting over a cluster.
Every query must equal the in-memory one with the same random_state."""

import subprocess
import sys

import numpy as np
import pytest
import sklearn
from joblib import parallel_config
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from skal import CommitteeSampler, UncertaintySamplingClassifier

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("dask.distributed")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=False,
        dashboard_address=":0",
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def _data(n_pool=3000, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(60, 5))
    y = np.repeat([0, 1, 2], 20)
    X[y == 1] += 1.5
    X[y == 2] -= 1.5
    # Few distinct rows in the pool: tied scores, so the tie-break keys (one
    # per sample, whatever block holds it) decide the batch.
    base = rng.normal(size=(15, 5))
    pool = base[rng.integers(0, 15, size=n_pool)]
    return X, y, pool


def _learner(**params):
    X, y, _ = _data()
    return UncertaintySamplingClassifier(
        LogisticRegression(), batch_size=30, random_state=7, **params
    ).fit(X, y)


@pytest.mark.parametrize(
    "chunks",
    [(1000, 5), (333, 5), ((100, 1400, 1, 1499), 5), (500, 2)],
    ids=["even", "uneven", "ragged", "column-chunks"],
)
def test_dask_array_query_equals_in_memory(client, chunks):
    _, _, pool = _data()
    in_memory, on_dask = _learner(), _learner()
    pool_dask = da.from_array(pool, chunks=chunks)
    for _ in range(3):  # the generator must advance identically every time
        a = in_memory.query(pool, return_scores=True)
        b = on_dask.query(pool_dask, return_scores=True)
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])


def test_dask_blocks_are_chunked_within_a_worker(client):
    # A block larger than a scoring chunk is itself scored chunk by chunk.
    _, _, pool = _data()
    with sklearn.config_context(working_memory=0.02):
        a = _learner().query(pool)
        b = _learner().query(da.from_array(pool, chunks=(1500, 5)))
    np.testing.assert_array_equal(a, b)


def test_dask_informativeness_equals_in_memory(client):
    _, _, pool = _data()
    learner = _learner()
    np.testing.assert_allclose(
        learner.informativeness(da.from_array(pool, chunks=(700, 5))),
        learner.informativeness(pool),
        rtol=0,
        atol=0,
    )


def test_only_top_candidates_come_back(client):
    # Each block returns its own top k: 30 per block, not the 3000 scores.
    from skal._random import KeyStream
    from skal._scan import _local_top_k

    _, _, pool = _data()
    learner = _learner()
    idx, scores, keys = _local_top_k(
        learner._score_at, pool[:1000], 1000, 30, KeyStream(0, 0), chunk_size=100
    )
    assert idx.shape == scores.shape == keys.shape == (30,)
    assert idx.min() >= 1000


def _record_workers(monkeypatch):
    """Make scoring note which dask worker (None: the client) ran it."""
    seen = []
    score_at = UncertaintySamplingClassifier._score_at

    def spy(self, X, start):
        try:
            seen.append(distributed.get_worker().address)
        except ValueError:
            seen.append(None)
        return score_at(self, X, start)

    # Bound methods pickle by name: the task must find the spy again.
    spy.__name__ = "_score_at"
    monkeypatch.setattr(UncertaintySamplingClassifier, "_score_at", spy)
    return seen


def test_dask_array_blocks_are_scored_on_the_workers(client, monkeypatch):
    _, _, pool = _data()
    learner = _learner()
    seen = _record_workers(monkeypatch)
    learner.query(da.from_array(pool, chunks=(300, 5)))
    assert len(seen) == 10 and None not in seen


def test_joblib_dask_backend_scoring_equals_in_memory(client, monkeypatch):
    _, _, pool = _data()
    a = _learner().query(pool, return_scores=True)
    learner = _learner()
    seen = _record_workers(monkeypatch)
    with (
        sklearn.config_context(working_memory=0.05),
        parallel_config(backend="dask"),
    ):
        b = learner.query(pool, return_scores=True)
    assert len(seen) > 2 and None not in seen
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


def test_committee_fitted_on_the_cluster_queries_the_same(client, monkeypatch):
    import skal._ensemble

    X, y, pool = _data()
    fitted_on = []
    fit_member = skal._ensemble._fit_member

    def spy(*args):
        try:
            fitted_on.append(distributed.get_worker().address)
        except ValueError:
            fitted_on.append(None)
        return fit_member(*args)

    # Functions pickle by reference: the task must find the spy again, not a
    # copy of it (and of fitted_on) pickled by value.
    spy.__module__ = "skal._ensemble"
    spy.__name__ = spy.__qualname__ = "_fit_member"

    def committee():
        return CommitteeSampler(
            DecisionTreeClassifier(max_depth=3),
            n_members=4,
            batch_size=20,
            random_state=0,
        )

    reference = committee().fit(X, y)
    expected = [reference.query(pool), reference.query(pool)]
    monkeypatch.setattr(skal._ensemble, "_fit_member", spy)
    with parallel_config(backend="dask"):
        learner = committee().fit(X, y)
        first = learner.query(pool)
    assert len(fitted_on) == 4 and None not in fitted_on
    # The members came back fitted from the workers and still score locally.
    second = learner.query(pool)
    np.testing.assert_array_equal(first, expected[0])
    np.testing.assert_array_equal(second, expected[1])


def test_unknown_chunk_sizes_are_rejected_with_advice(client):
    _, _, pool = _data()
    x = da.from_array(pool, chunks=(1000, 5))
    masked = x[x[:, 0] > -100]  # boolean indexing: row chunks become unknown
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        _learner().query(masked)
    np.testing.assert_array_equal(
        _learner().query(masked.compute_chunk_sizes()), _learner().query(pool)
    )


def test_query_without_a_cluster_uses_dask_local_scheduler():
    _, _, pool = _data()
    np.testing.assert_array_equal(
        _learner().query(da.from_array(pool, chunks=(400, 5))),
        _learner().query(pool),
    )


def test_import_skal_does_not_import_dask():
    code = "import sys, skal; sys.exit('dask' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


@pytest.mark.parametrize("n_labeled", [60, 2900])
def test_remembered_dask_pool_queries_the_rows_a_numpy_pool_would(client, n_labeled):
    # fit on a dask array, then query() of the remembered pool: the positions
    # must be rows of that pool, unlabeled ones, the very batch numpy gives
    # (they were shifted by the labeled rows, or out of range, before).
    X, y, pool = _data()
    X_all = np.vstack([X, pool])
    y_all = np.full(X_all.shape[0], -1)
    y_all[:60] = y
    rng = np.random.default_rng(0)
    extra = rng.choice(np.arange(60, X_all.shape[0]), n_labeled - 60, replace=False)
    y_all[extra] = rng.integers(0, 3, extra.shape[0])
    make = lambda: UncertaintySamplingClassifier(  # noqa: E731
        LogisticRegression(), batch_size=30, random_state=7
    )
    expected = make().fit(X_all, y_all).query(return_scores=True)
    got = make().fit(da.from_array(X_all, chunks=(700, 5)), y_all)
    got = got.query(return_scores=True)
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(got[1], expected[1])
    assert np.all(y_all[got[0]] == -1)
