"""Behaviour of UncertaintySamplingClassifier and RandomSampler (the base
machinery: pool bookkeeping, query, teach, simulated budget, errors)."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import load_iris, make_blobs
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.naive_bayes import GaussianNB
from sklearn.svm import SVC

from skal import RandomSampler, UncertaintySamplingClassifier
from skal.scoring import MEASURES, measures_for

UNCERTAINTY_MEASURES = {name: MEASURES[name] for name in measures_for("proba")}


@pytest.fixture
def iris_partial():
    X, y = load_iris(return_X_y=True)
    y_partial = np.full_like(y, -1)
    seed_rows = [0, 1, 50, 51, 100, 101]
    y_partial[seed_rows] = y[seed_rows]
    return X, y, y_partial, seed_rows


def make_learner(**kw):
    kw.setdefault("random_state", 0)
    return UncertaintySamplingClassifier(LogisticRegression(max_iter=500), **kw)


def test_fit_trains_on_labeled_rows_only(iris_partial):
    X, _, y_partial, seed_rows = iris_partial
    learner = make_learner().fit(X, y_partial)
    reference = LogisticRegression(max_iter=500).fit(X[seed_rows], y_partial[seed_rows])
    np.testing.assert_allclose(learner.predict_proba(X), reference.predict_proba(X))
    assert learner.n_labeled_ == 6
    assert sorted(learner.labeled_indices_) == seed_rows
    np.testing.assert_array_equal(learner.classes_, [0, 1, 2])


@pytest.mark.parametrize("strategy", sorted(UNCERTAINTY_MEASURES))
def test_query_picks_the_most_uncertain_unlabeled_rows(iris_partial, strategy):
    X, _, y_partial, seed_rows = iris_partial
    learner = make_learner(measure=strategy, batch_size=7).fit(X, y_partial)
    idx, scores = learner.query(return_scores=True)
    assert idx.shape == (7,) and np.unique(idx).shape == (7,)
    assert not np.isin(idx, seed_rows).any()
    assert np.all(np.diff(scores) <= 0)
    # Brute force over the remembered pool agrees.
    pool = np.setdiff1d(np.arange(X.shape[0]), seed_rows)
    brute = UNCERTAINTY_MEASURES[strategy](learner.predict_proba(X[pool]))
    np.testing.assert_allclose(scores, np.sort(brute)[::-1][:7])
    np.testing.assert_allclose(learner.informativeness(), brute)


def test_planted_boundary_sample_is_queried_first():
    X, y = make_blobs(
        n_samples=200, centers=[[-4, 0], [4, 0]], cluster_std=0.5, random_state=0
    )
    planted = np.array([[0.0, 0.0]])
    X = np.vstack([X, planted])
    y = np.append(y, -1)
    y_partial = np.full_like(y, -1)
    y_partial[:20] = y[:20]
    for strategy in UNCERTAINTY_MEASURES:
        learner = make_learner(measure=strategy).fit(X, y_partial)
        assert learner.query()[0] == X.shape[0] - 1


def test_query_on_an_external_pool_indexes_into_it(iris_partial):
    X, y, _, _ = iris_partial
    learner = make_learner(batch_size=3).fit(X[::10], y[::10])
    pool = X[1::2]
    idx = learner.query(pool)
    assert idx.max() < pool.shape[0]
    brute = UNCERTAINTY_MEASURES["margin"](learner.predict_proba(pool))
    np.testing.assert_allclose(brute[idx], np.sort(brute)[::-1][:3])


def test_teach_by_indices_marks_rows_labeled_and_refits(iris_partial):
    X, y, y_partial, _ = iris_partial
    learner = make_learner(batch_size=5).fit(X, y_partial)
    before = learner.predict_proba(X)
    idx = learner.query()
    learner.teach(y=y[idx], indices=idx)
    assert learner.n_labeled_ == 11
    assert not np.allclose(before, learner.predict_proba(X))
    nxt = learner.query(n_instances=139)  # the whole remaining pool
    assert not np.isin(nxt, learner.labeled_indices_).any()
    assert [r["n_labeled"] for r in learner.history_] == [6, 11]
    with pytest.raises(ValueError, match="already labeled"):
        learner.teach(y=y[idx[:1]], indices=idx[:1])


def test_teach_new_samples_and_a_new_class_without_declared_classes():
    X, y = load_iris(return_X_y=True)
    keep = y < 2
    learner = make_learner().fit(X[keep][::5], y[keep][::5])
    np.testing.assert_array_equal(learner.classes_, [0, 1])
    learner.teach(X[y == 2][:3], y[y == 2][:3])
    np.testing.assert_array_equal(learner.classes_, [0, 1, 2])
    assert learner.predict_proba(X).shape == (150, 3)
    assert learner.n_labeled_ == keep.sum() // 5 + 3


def test_declared_classes_keep_probability_columns_aligned():
    X, y = load_iris(return_X_y=True)
    keep = y < 2
    learner = make_learner(classes=[0, 1, 2]).fit(X[keep][::5], y[keep][::5])
    proba = learner.predict_proba(X)
    assert proba.shape == (150, 3)
    np.testing.assert_array_equal(proba[:, 2], 0.0)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert np.isneginf(learner.predict_log_proba(X)[:, 2]).all()
    with pytest.raises(ValueError, match="not in classes"):
        learner.teach(X[:1], [7])


def test_string_labels_with_object_unlabeled_marker():
    X, y = load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"], dtype=object)[y]
    partial = names.copy()
    partial[np.arange(150) % 10 != 0] = -1
    learner = make_learner(batch_size=4).fit(X, partial)
    assert set(learner.classes_) == {"setosa", "versicolor", "virginica"}
    idx = learner.query()
    learner.teach(y=names[idx], indices=idx)
    assert set(learner.predict(X)) <= set(learner.classes_)
    # A plain list mixing strings and -1 keeps -1 as the marker.
    learner = make_learner().fit(X, list(partial))
    assert learner.n_labeled_ == 15


def test_string_dtype_array_with_minus_one_gets_a_clear_error():
    X, _ = load_iris(return_X_y=True)
    y = np.array(["a", "-1", "b"] * 50)
    with pytest.raises(ValueError, match="object array"):
        make_learner().fit(X, y)


# ----------------------------------------------------------------- simulation
def test_budget_simulation_buys_exactly_budget_labels():
    X, y = load_iris(return_X_y=True)
    learner = make_learner(budget=40, batch_size=7, n_initial=5).fit(X, y)
    assert learner.n_labeled_ == 40
    assert np.unique(learner.labeled_indices_).shape == (40,)
    sizes = [len(r["indices"]) for r in learner.history_]
    assert sizes[0] >= 5 and sum(sizes) == 40
    assert all(s == 7 for s in sizes[1:-1]) and sizes[-1] <= 7
    ref = LogisticRegression(max_iter=500).fit(
        X[learner.labeled_indices_], y[learner.labeled_indices_]
    )
    np.testing.assert_allclose(learner.predict_proba(X), ref.predict_proba(X))


def test_budget_simulation_is_reproducible_and_seed_dependent():
    X, y = load_iris(return_X_y=True)
    a = make_learner(budget=30, batch_size=5, random_state=3).fit(X, y)
    b = make_learner(budget=30, batch_size=5, random_state=3).fit(X, y)
    c = make_learner(budget=30, batch_size=5, random_state=4).fit(X, y)
    np.testing.assert_array_equal(a.labeled_indices_, b.labeled_indices_)
    assert not np.array_equal(a.labeled_indices_, c.labeled_indices_)


def test_simulation_keeps_labeling_until_two_classes_are_seen():
    X, y = make_blobs(n_samples=300, centers=2, random_state=0)
    y = (np.arange(300) < 10).astype(int)  # a rare positive class
    learner = make_learner(budget=200, n_initial=2, batch_size=20).fit(X, y)
    assert set(np.unique(y[learner.labeled_indices_])) == {0, 1}
    assert learner.n_labeled_ == 200


def test_simulation_treats_minus_one_as_a_class():
    X, y = load_iris(return_X_y=True)
    y = np.where(y == 0, -1, 1)
    learner = make_learner(budget=20, batch_size=5).fit(X, y)
    np.testing.assert_array_equal(learner.classes_, [-1, 1])


def test_initial_kmeans_covers_the_clusters():
    X, y = make_blobs(n_samples=300, centers=5, cluster_std=0.3, random_state=1)
    learner = make_learner(budget=5, n_initial=5, cold_start="kmeans").fit(X, y)
    assert set(y[learner.labeled_indices_]) == set(range(5))


def test_cold_start_without_labels():
    X, _ = load_iris(return_X_y=True)
    learner = make_learner(batch_size=6).fit(X, np.full(150, -1))
    assert learner.n_labeled_ == 0
    with pytest.raises(NotFittedError):
        learner.predict(X)
    first = learner.query()
    assert first.shape == (6,) and np.unique(first).shape == (6,)
    assert np.array_equal(first, make_learner(batch_size=6).fit(X, [-1] * 150).query())
    with pytest.raises(ValueError, match="No model yet"):
        learner.informativeness()


# -------------------------------------------------------------- persistence
def test_pickling_mid_loop_continues_with_identical_queries(iris_partial):
    X, y, y_partial, _ = iris_partial
    learner = make_learner(batch_size=4, random_state=None).fit(X, y_partial)
    idx = learner.query()
    learner.teach(y=y[idx], indices=idx)
    twin = pickle.loads(pickle.dumps(learner))
    for _ in range(3):
        a, b = learner.query(), twin.query()
        np.testing.assert_array_equal(a, b)
        learner.teach(y=y[a], indices=a)
        twin.teach(y=y[b], indices=b)
    np.testing.assert_allclose(learner.predict_proba(X), twin.predict_proba(X))


def test_random_sampler_is_a_seeded_uniform_draw():
    X, y = load_iris(return_X_y=True)
    y_partial = np.where(np.arange(150) % 15 == 0, y, -1)
    picks = [
        RandomSampler(GaussianNB(), batch_size=5, random_state=s)
        .fit(X, y_partial)
        .query()
        for s in range(30)
    ]
    assert np.array_equal(
        picks[0],
        RandomSampler(GaussianNB(), batch_size=5, random_state=0)
        .fit(X, y_partial)
        .query(),
    )
    counts = np.bincount(np.concatenate(picks), minlength=150)
    assert counts[::15].sum() == 0  # labeled rows never drawn
    assert (counts > 0).sum() > 80  # spread over the pool


def test_random_sampler_takes_the_wrapped_estimators_type():
    from sklearn.base import is_classifier, is_regressor

    assert is_classifier(RandomSampler(GaussianNB()))
    assert is_regressor(RandomSampler(Ridge()))
    X = np.random.default_rng(0).normal(size=(50, 3))
    y = X @ [1.0, 2.0, 3.0]
    y[10:] = np.nan  # NaN marks unlabeled regression targets
    reg = RandomSampler(Ridge(), batch_size=3, random_state=0).fit(X, y)
    assert reg.n_labeled_ == 10
    assert not np.isin(reg.query(), np.arange(10)).any()
    with pytest.raises(ValueError, match="only applies to classifiers"):
        RandomSampler(Ridge(), classes=[0, 1]).fit(X, y)


# ------------------------------------------------------------------- errors
def test_estimator_without_predict_proba_names_the_fix():
    X, y = load_iris(return_X_y=True)
    with pytest.raises(TypeError, match="predict_proba.*CalibratedClassifierCV"):
        UncertaintySamplingClassifier(SVC()).fit(X, y)
    # The suggested fixes work.
    calibrated = CalibratedClassifierCV(SVC(), ensemble=False)
    UncertaintySamplingClassifier(calibrated).fit(X, y)
    RandomSampler(SVC()).fit(X, y)


def test_unknown_strategy_lists_the_valid_ones():
    X, y = load_iris(return_X_y=True)
    with pytest.raises(
        ValueError,
        match="(?=.*'entropy')(?=.*'least_confidence')(?=.*'margin')(?=.*'ratio')",
    ):
        make_learner(measure="smallest_margin").fit(X, y)


def test_callable_strategy(iris_partial):
    X, _, y_partial, _ = iris_partial
    learner = make_learner(measure=lambda p: p[:, 0], batch_size=3).fit(X, y_partial)
    idx = learner.query()
    p0 = learner.predict_proba(X)[:, 0]
    pool = np.setdiff1d(np.arange(150), learner.labeled_indices_)
    np.testing.assert_allclose(p0[idx], np.sort(p0[pool])[::-1][:3])


def test_batch_size_larger_than_the_pool(iris_partial):
    X, _, y_partial, _ = iris_partial
    learner = make_learner(batch_size=500).fit(X, y_partial)
    with pytest.raises(ValueError, match="batch_size=500 is larger than the pool"):
        learner.query()
    with pytest.raises(
        ValueError, match="n_instances=20 is larger than the pool of 10"
    ):
        learner.query(X[:10], n_instances=20)


def test_empty_pool(iris_partial):
    X, y, _, _ = iris_partial
    learner = make_learner().fit(X, y)
    with pytest.raises(ValueError, match="pool is empty.*query\\(X_pool\\)"):
        learner.query()


def test_budget_errors():
    X, y = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match="budget=5 is smaller than n_initial=10"):
        make_learner(budget=5).fit(X, y)
    with pytest.raises(ValueError, match="budget=500 exceeds the 150 samples"):
        make_learner(budget=500).fit(X, y)
    with pytest.raises(ValueError, match="budget"):
        make_learner(budget=0).fit(X, y)


def test_a_single_labeled_class_is_a_clear_error():
    X, y = load_iris(return_X_y=True)
    y_partial = np.where(np.arange(150) < 10, y, -1)  # all class 0
    with pytest.raises(ValueError, match="Only one class \\(\\[0\\]\\).*another class"):
        make_learner().fit(X, y_partial)


def test_teach_argument_errors(iris_partial):
    X, y, y_partial, _ = iris_partial
    learner = make_learner().fit(X, y_partial)
    with pytest.raises(ValueError, match="either X .* or indices"):
        learner.teach(X[:2], y[:2], indices=[2, 3])
    with pytest.raises(ValueError, match="positions in \\[0, 150\\)"):
        learner.teach(y=[0], indices=[150])
    with pytest.raises(ValueError, match="duplicates"):
        learner.teach(y=[0, 0], indices=[3, 3])
    with pytest.raises(ValueError, match="has 2 samples but y has 1"):
        learner.teach(X[:2], y[:1])
    with pytest.raises(ValueError, match="X has 2 features"):
        learner.teach(X[:2, :2], y[:2])


def test_clone_of_a_fitted_learner_is_unfitted(iris_partial):
    X, _, y_partial, _ = iris_partial
    learner = make_learner().fit(X, y_partial)
    fresh = clone(learner)
    assert not hasattr(fresh, "estimator_")
    assert fresh.get_params()["measure"] == "margin"


# ------------------------------------------------------------- warm start
def _first_labels(y, per_class=2):
    return np.concatenate([np.flatnonzero(y == c)[:per_class] for c in np.unique(y)])


def test_warm_start_continues_the_previous_solution():
    """With warm_start, the round's fit starts from the previous round's
    coefficients: exactly what LogisticRegression(warm_start=True) refitted by
    hand gives, one lbfgs iteration at a time."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    X, y = load_iris(return_X_y=True)
    rows = _first_labels(y)
    y_partial = np.full_like(y, -1)
    y_partial[rows] = y[rows]
    lr = LogisticRegression(max_iter=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        learner = UncertaintySamplingClassifier(
            lr, batch_size=5, warm_start=True, random_state=0
        ).fit(X, y_partial)
        first = learner.estimator_
        idx = learner.query()
        learner.teach(y=y[idx], indices=idx)
        by_hand = clone(lr).fit(X[rows], y[rows])
        by_hand.set_params(warm_start=True).fit(
            np.r_[X[rows], X[idx]], np.r_[y[rows], y[idx]]
        )
        cold = clone(lr).fit(np.r_[X[rows], X[idx]], np.r_[y[rows], y[idx]])
    assert learner.estimator_ is first
    np.testing.assert_array_equal(learner.estimator_.coef_, by_hand.coef_)
    assert not np.allclose(learner.estimator_.coef_, cold.coef_)
    assert learner.estimator.warm_start is False


def test_warm_start_reaches_the_optimum_of_a_cold_fit():
    """A convex model resumed round after round ends where a fresh fit on the
    same labels ends: warm starts cost no accuracy."""
    X, y = load_iris(return_X_y=True)
    rows = _first_labels(y)
    y_partial = np.full_like(y, -1)
    y_partial[rows] = y[rows]
    lr = LogisticRegression(tol=1e-10, max_iter=10_000)
    warm = UncertaintySamplingClassifier(
        lr, batch_size=5, warm_start=True, random_state=0
    ).fit(X, y_partial)
    for _ in range(4):
        idx = warm.query()
        warm.teach(y=y[idx], indices=idx)
    X_train, y_train = X[warm.labeled_indices_], y[warm.labeled_indices_]
    cold = clone(lr).fit(X_train, y_train)
    np.testing.assert_allclose(warm.estimator_.coef_, cold.coef_, rtol=1e-4, atol=1e-6)
    np.testing.assert_array_equal(warm.predict(X), cold.predict(X))


def test_warm_start_with_a_new_class_trains_a_fresh_clone():
    X, y = load_iris(return_X_y=True)
    y_partial = np.full_like(y, -1)
    y_partial[[0, 1, 50, 51]] = y[[0, 1, 50, 51]]
    learner = UncertaintySamplingClassifier(
        LogisticRegression(), warm_start=True, random_state=0
    ).fit(X, y_partial)
    first = learner.estimator_
    learner.teach(y=y[[100]], indices=[100])
    assert learner.estimator_ is not first
    assert learner.estimator_.coef_.shape == (3, 4)


@pytest.mark.parametrize(
    "estimator, resumes",
    [
        (LogisticRegression(), True),
        ("pipeline", True),
        ("sgd", True),
        ("forest", False),
        ("hist_gradient_boosting", False),
        (GaussianNB(), False),
    ],
)
def test_which_estimators_can_warm_start(estimator, resumes):
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import SGDClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    estimator = {
        "pipeline": make_pipeline(StandardScaler(), LogisticRegression()),
        "sgd": SGDClassifier(loss="log_loss"),
        "forest": RandomForestClassifier(n_estimators=3),
        "hist_gradient_boosting": HistGradientBoostingClassifier(max_iter=3),
    }.get(estimator, estimator)
    X, y = load_iris(return_X_y=True)
    learner = UncertaintySamplingClassifier(estimator, warm_start=True)
    if resumes:
        learner.fit(X, y)
    else:
        # Their warm_start adds members (or there is none): refused, by name.
        with pytest.raises(TypeError, match="cannot; use warm_start=False"):
            learner.fit(X, y)
