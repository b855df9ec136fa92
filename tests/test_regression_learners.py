"""Behaviour of the regression learners: UncertaintySamplingRegressor
(the predictive std the estimator reports) and CommitteeRegressor (variance
of the members' predictions, for any regressor). NaN in y marks unlabeled
rows."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF
from sklearn.linear_model import BayesianRidge, LinearRegression, LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeRegressor
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks

from skal import CommitteeRegressor, UncertaintySamplingRegressor
from skal.scoring import committee_variance
from skal.utils.estimator_checks import sklearn_expected_failures


@pytest.fixture(scope="module")
def line():
    """Noisy line on [0, 10]; the first 12 rows (x in [0, 1]) are labeled."""
    rng = np.random.default_rng(0)
    X = np.r_[np.linspace(0, 1, 12), np.linspace(1.5, 10, 40)].reshape(-1, 1)
    y = 2 * X.ravel() + 1 + rng.normal(scale=0.3, size=X.shape[0])
    y_partial = y.copy()
    y_partial[12:] = np.nan
    return X, y, y_partial


# ------------------------------------------------- uncertainty sampling
def test_gaussian_process_std_ranks_the_pool(line):
    X, y, y_partial = line
    learner = UncertaintySamplingRegressor(
        GaussianProcessRegressor(RBF(5.0), optimizer=None), batch_size=3
    ).fit(X, y_partial)
    assert not hasattr(learner, "estimators_")
    _, std = learner.estimator_.predict(X[12:], return_std=True)
    np.testing.assert_allclose(learner.informativeness(), std)
    # Farthest from the labeled interval [0, 1] first.
    assert learner.query().tolist() == [51, 50, 49]


def test_auto_uses_return_std_through_a_pipeline(line):
    X, _, y_partial = line
    learner = UncertaintySamplingRegressor(
        make_pipeline(StandardScaler(), BayesianRidge())
    ).fit(X, y_partial)
    assert not hasattr(learner, "estimators_")
    _, std = learner.estimator_.predict(X[12:], return_std=True)
    np.testing.assert_allclose(learner.informativeness(), std)
    assert learner.query()[0] == 51


def test_a_regressor_without_return_std_is_sent_to_the_committee(line):
    X, _, y_partial = line
    with pytest.raises(TypeError, match="CommitteeRegressor"):
        UncertaintySamplingRegressor(LinearRegression()).fit(X, y_partial)


@settings(max_examples=20, deadline=None)
@given(scale=st.floats(0.1, 100), shift=st.floats(-1e3, 1e3))
def test_committee_spread_is_equivariant_to_affine_targets(line, scale, shift):
    # Bootstrap draws depend only on positions, so y -> a*y + b must map each
    # member's prediction the same way: variance scales by a**2.
    X, _, y_partial = line

    def scores(learner, targets):
        return learner.set_params(random_state=3).fit(X, targets).informativeness()

    base_var = scores(CommitteeRegressor(LinearRegression()), y_partial)
    moved_var = scores(
        CommitteeRegressor(LinearRegression()), scale * y_partial + shift
    )
    np.testing.assert_allclose(moved_var, scale**2 * base_var, rtol=1e-6, atol=1e-6)


# ------------------------------------------------------------ committee
def test_committee_variance_ranks_the_pool_and_mean_predicts(line):
    X, _, y_partial = line
    learner = CommitteeRegressor(
        LinearRegression(), n_members=6, batch_size=4, random_state=0
    ).fit(X, y_partial)
    preds = np.stack([m.predict(X[12:]) for m in learner.estimators_])
    np.testing.assert_allclose(learner.informativeness(), committee_variance(preds))
    np.testing.assert_allclose(learner.predict(X[12:]), preds.mean(axis=0))
    idx, scores = learner.query(return_scores=True)
    assert idx.tolist() == [51, 50, 49, 48]
    np.testing.assert_allclose(scores, np.sort(committee_variance(preds))[::-1][:4])


def test_planted_sample_where_different_members_disagree(line):
    X, _, y_partial = line
    # A stump is flat outside the data, a line keeps rising: they agree where
    # labels are and split apart at the far end of the pool.
    learner = CommitteeRegressor(
        [LinearRegression(), DecisionTreeRegressor(max_depth=1)], random_state=0
    ).fit(X, y_partial)
    assert [type(m) for m in learner.estimators_] == [
        LinearRegression,
        DecisionTreeRegressor,
    ]
    assert learner.query()[0] == 51
    reference = LinearRegression().fit(X[:12], y_partial[:12])
    np.testing.assert_allclose(learner.estimators_[0].coef_, reference.coef_)


def test_teach_and_simulation(line):
    X, y, y_partial = line
    for learner, sim in [
        (
            CommitteeRegressor(LinearRegression(), n_members=3, random_state=0),
            CommitteeRegressor(
                DecisionTreeRegressor(max_depth=3),
                n_members=3,
                batch_size=5,
                budget=25,
                n_initial=5,
                random_state=0,
            ),
        ),
        (
            UncertaintySamplingRegressor(BayesianRidge(), random_state=0),
            UncertaintySamplingRegressor(
                BayesianRidge(), batch_size=5, budget=25, n_initial=5, random_state=0
            ),
        ),
    ]:
        learner.fit(X, y_partial)
        idx = learner.query()
        learner.teach(y=y[idx], indices=idx)
        assert learner.n_labeled_ == 13 and idx[0] not in learner.query(n_instances=5)
        sim.fit(X, y)
        assert sim.n_labeled_ == 25 and len(sim.history_) == 5
        assert np.unique(sim.labeled_indices_).shape == (25,)


def test_all_nan_y_is_a_cold_start(line):
    X, _, _ = line
    learner = CommitteeRegressor(LinearRegression(), batch_size=4, random_state=0)
    learner.fit(X, np.full(X.shape[0], np.nan))
    assert learner.n_labeled_ == 0
    idx = learner.query()
    assert np.unique(idx).shape == (4,)


def test_same_seed_same_queries_other_seed_other_members(line):
    X, _, y_partial = line
    for cls in (CommitteeRegressor,):
        runs = [
            cls(DecisionTreeRegressor(), n_members=4, random_state=seed).fit(
                X, y_partial
            )
            for seed in (1, 1, 2)
        ]
        np.testing.assert_array_equal(
            runs[0].query(n_instances=5), runs[1].query(n_instances=5)
        )
        np.testing.assert_array_equal(
            runs[0].informativeness(), runs[1].informativeness()
        )
        assert not np.array_equal(runs[0].informativeness(), runs[2].informativeness())


def test_grid_search_over_members_with_a_budget(line):
    X, y, _ = line
    search = GridSearchCV(
        CommitteeRegressor(LinearRegression(), batch_size=5, budget=15, random_state=0),
        {"n_members": [2, 4], "batch_size": [3, 5]},
        cv=2,
    ).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    scores = cross_val_score(
        UncertaintySamplingRegressor(BayesianRidge(), budget=10, random_state=0),
        X,
        y,
        cv=2,
    )
    assert np.isfinite(scores).all()
    twin = clone(CommitteeRegressor([LinearRegression(), DecisionTreeRegressor()]))
    assert len(twin.get_params(deep=True)["estimator"]) == 2


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (
            lambda: UncertaintySamplingRegressor(LinearRegression()),
            TypeError,
            "return_std.*CommitteeRegressor",
        ),
        (
            lambda: UncertaintySamplingRegressor(LogisticRegression()),
            TypeError,
            "UncertaintySamplingClassifier",
        ),
        (
            lambda: CommitteeRegressor(LinearRegression(), n_members=1),
            InvalidParameterError,
            "n_members",
        ),
        (
            lambda: CommitteeRegressor(LogisticRegression()),
            TypeError,
            "CommitteeSampler",
        ),
        (
            lambda: CommitteeRegressor([LinearRegression()]),
            ValueError,
            "at least two members",
        ),
    ],
)
def test_bad_input_names_the_parameter_and_the_fix(line, make, error, match):
    X, _, y_partial = line
    with pytest.raises(error, match=match):
        make().fit(X, y_partial)


def test_budget_with_nan_targets_is_refused(line):
    X, _, y_partial = line
    with pytest.raises(ValueError, match="budget=None"):
        CommitteeRegressor(LinearRegression(), budget=20).fit(X, y_partial)


# ------------------------------------------------------------ conformance


@parametrize_with_checks(
    [
        UncertaintySamplingRegressor(BayesianRidge()),
        CommitteeRegressor(LinearRegression(), n_members=3),
        CommitteeRegressor([LinearRegression(), DecisionTreeRegressor()]),
    ],
    expected_failed_checks=sklearn_expected_failures,
)
def test_sklearn_conformance(estimator, check):
    check(estimator)
