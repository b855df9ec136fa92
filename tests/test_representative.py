"""RepresentativeSampler and the label-free cold starts (``initial=``)."""

import pickle

import numpy as np
import pytest
from sklearn.base import is_classifier, is_regressor
from sklearn.datasets import make_blobs
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import pairwise_distances
from sklearn.model_selection import GridSearchCV
from sklearn.utils.estimator_checks import parametrize_with_checks

from skal import RandomSampler, RepresentativeSampler, UncertaintySamplingClassifier
from skal.utils.estimator_checks import sklearn_expected_failures

METHODS = ["kcenter", "kmeans", "density"]


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(n_samples=400, centers=8, cluster_std=0.4, random_state=0)
    return X, y


def _sampler(**kw):
    kw.setdefault("random_state", 0)
    return RepresentativeSampler(LogisticRegression(max_iter=1000), **kw)


@pytest.mark.parametrize("method", METHODS)
def test_cold_query_covers_every_cluster(blobs, method):
    X, y = blobs
    sampler = _sampler(method=method, batch_size=8).fit(X, np.full(400, -1))
    idx, scores = sampler.query(return_scores=True)
    assert idx.shape == (8,) and np.unique(idx).shape == (8,)
    assert scores.shape == (8,)
    assert set(y[idx]) == set(range(8))
    np.testing.assert_array_equal(
        idx, _sampler(method=method, batch_size=8).fit(X, np.full(400, -1)).query()
    )


@pytest.mark.parametrize("method", ["kcenter", "density", "kmeans"])
def test_queries_move_away_from_the_labeled_samples(blobs, method):
    X, y = blobs
    y_partial = np.full(400, -1)
    labeled = np.flatnonzero(y < 6)[::10]
    y_partial[labeled] = y[labeled]
    sampler = _sampler(method=method, batch_size=2).fit(X, y_partial)
    idx = sampler.query()
    assert not np.isin(idx, labeled).any()
    # Clusters 6 and 7 hold no label yet: that is where the batch goes.
    assert set(y[idx]) == {6, 7}


def test_kcenter_pick_is_the_farthest_from_the_labeled_set_and_scores_say_so():
    X, y = make_blobs(n_samples=100, centers=2, random_state=0)
    far = np.array([[60.0, 60.0]])
    X = np.r_[X, far]
    y_partial = np.r_[np.where(np.arange(100) < 10, y, -1), -1]
    sampler = _sampler(batch_size=1).fit(X, y_partial)
    assert sampler.query()[0] == 100
    scores = sampler.informativeness()
    pool = np.flatnonzero(y_partial == -1)
    brute = pairwise_distances(X[pool], X[:10]).min(axis=1)
    np.testing.assert_allclose(scores, brute, rtol=1e-6)
    # Before any label every sample is infinitely far from the labeled set.
    cold = _sampler().fit(X, np.full(101, -1)).informativeness()
    assert np.isinf(cold).all()


def test_density_avoids_a_planted_outlier(blobs):
    X, _ = blobs
    X = np.r_[X, [[100.0, 100.0]]]
    sampler = _sampler(method="density", batch_size=20).fit(X, np.full(401, -1))
    assert 400 not in sampler.query()
    density = sampler.informativeness()
    assert density.argmin() == 400


def test_query_of_an_external_pool(blobs):
    X, y = blobs
    sampler = _sampler(method="density", batch_size=4).fit(X[:40], y[:40])
    pool = X[40:]
    idx = sampler.query(pool)
    assert idx.max() < pool.shape[0] and np.unique(idx).shape == (4,)
    assert sampler.informativeness(pool).shape == (pool.shape[0],)


@pytest.mark.parametrize("method", METHODS)
def test_budget_simulation(blobs, method):
    X, y = blobs
    sampler = _sampler(method=method, batch_size=5, budget=30, n_initial=8).fit(X, y)
    assert sampler.n_labeled_ == 30
    assert np.unique(sampler.labeled_indices_).shape == (30,)
    # The first round alone covers the eight clusters.
    assert set(y[sampler.labeled_indices_[:8]]) == set(range(8))
    assert sampler.score(X, y) > 0.9


def test_beats_random_sampling_with_very_few_labels(blobs):
    X, y = blobs
    rep = [
        _sampler(method="kmeans", batch_size=2, budget=8, n_initial=8, random_state=s)
        .fit(X, y)
        .score(X, y)
        for s in range(3)
    ]
    rnd = [
        RandomSampler(LogisticRegression(), budget=8, n_initial=8, random_state=s)
        .fit(X, y)
        .score(X, y)
        for s in range(3)
    ]
    assert np.mean(rep) > np.mean(rnd)


def test_regression_and_the_estimator_type(blobs):
    X, _ = blobs
    target = X[:, 0] * 2.0
    assert is_classifier(_sampler())
    reg = RepresentativeSampler(Ridge(), batch_size=5, random_state=0)
    assert is_regressor(reg)
    y = np.full(400, np.nan)
    y[:5] = target[:5]
    reg.fit(X, y)
    idx = reg.query()
    reg.teach(y=target[idx], indices=idx)
    assert reg.n_labeled_ == 10 and reg.score(X, target) > 0.99


@pytest.mark.parametrize("initial", ["kcenter", "density", "kmeans"])
def test_initial_cold_start_of_an_uncertainty_learner(blobs, initial):
    X, y = blobs
    learner = UncertaintySamplingClassifier(
        LogisticRegression(), cold_start=initial, budget=8, n_initial=8, random_state=0
    ).fit(X, y)
    assert set(y[learner.labeled_indices_]) == set(range(8))
    # The cold-start query of an unlabeled pool uses it too.
    cold = UncertaintySamplingClassifier(
        LogisticRegression(), cold_start=initial, batch_size=8, random_state=0
    ).fit(X, np.full(400, -1))
    assert set(y[cold.query()]) == set(range(8))


def test_pickling_mid_loop(blobs):
    X, y = blobs
    sampler = _sampler(method="density", batch_size=3).fit(X, np.full(400, -1))
    idx = sampler.query()
    sampler.teach(y=y[idx], indices=idx)
    twin = pickle.loads(pickle.dumps(sampler))
    np.testing.assert_array_equal(sampler.query(), twin.query())


def test_grid_search_over_the_method(blobs):
    X, y = blobs
    search = GridSearchCV(
        _sampler(batch_size=4, budget=16, n_initial=8),
        {"method": METHODS},
        cv=3,
    ).fit(X, y)
    assert search.best_params_["method"] in METHODS
    assert np.all(search.cv_results_["mean_test_score"] > 0.5)


def test_errors_name_the_parameter_and_the_fix(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="method.*'kcenter'"):
        _sampler(method="coreset").fit(X, y)
    with pytest.raises(ValueError, match="classes=\\[0, 1\\] only applies"):
        RepresentativeSampler(Ridge(), classes=[0, 1]).fit(X, X[:, 0])
    words = np.array([["a"], ["b"]] * 10, dtype=object)
    with pytest.raises(ValueError, match="method='kcenter'.*numeric.*vectorize"):
        _sampler().fit(words, np.full(20, -1)).query()
    with pytest.raises(ValueError, match="cold_start.*'density'"):
        UncertaintySamplingClassifier(LogisticRegression(), cold_start="core").fit(X, y)
    assert "initial" not in _sampler().get_params()


@parametrize_with_checks(
    [_sampler(method=m) for m in METHODS] + [RepresentativeSampler(Ridge())],
    expected_failed_checks=sklearn_expected_failures,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_kmeans_clusters_the_pool_once_per_fit(blobs, monkeypatch):
    import skal.representative as representative

    X, y = blobs
    fits = []
    real = representative.kmeans_clusters

    def counting(*args, **kwargs):
        fits.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(representative, "kmeans_clusters", counting)
    sampler = _sampler(method="kmeans", batch_size=4).fit(X, np.full(400, -1))
    picked = []
    for _ in range(5):
        idx = sampler.query()
        assert not np.isin(idx, picked).any()
        picked += idx.tolist()
        sampler.teach(y=y[idx], indices=idx)
    assert fits == [40]  # 10 * batch_size clusters, fitted once
    # Twenty labels over forty clusters: one representative per cluster, so
    # every blob has been visited.
    assert set(y[picked]) == set(range(8))
    # A refit starts afresh.
    sampler.fit(X, np.full(400, -1))
    sampler.query()
    assert fits == [40, 40]


def test_kmeans_simulation_clusters_into_the_budget(blobs, monkeypatch):
    import skal.representative as representative

    X, y = blobs
    fits = []
    real = representative.kmeans_clusters
    monkeypatch.setattr(
        representative,
        "kmeans_clusters",
        lambda *a, **k: fits.append(a[1]) or real(*a, **k),
    )
    _sampler(method="kmeans", batch_size=4, n_initial=8, budget=24).fit(X, y)
    assert fits == [24]
