"""Expected model change (EGL) and expected error reduction."""

import copy

import numpy as np
import pytest
from joblib import parallel_config
from scipy.special import softmax
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import GridSearchCV
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.utils.estimator_checks import parametrize_with_checks

from skal import (
    ExpectedErrorReductionClassifier,
    ExpectedModelChangeClassifier,
    UncertaintySamplingClassifier,
)
from skal.scoring import entropy
from skal.utils.estimator_checks import sklearn_expected_failures

SEEDS = [0, 1, 50, 51, 100, 101]


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    y_partial = np.full_like(y, -1)
    y_partial[SEEDS] = y[SEEDS]
    return X, y, y_partial


def _numeric_egl(W, b, x):
    """Expected norm of the log-loss gradient, by central finite differences."""
    theta = np.c_[W, b]
    p = softmax(theta @ np.r_[x, 1.0])
    egl = 0.0
    for k in range(theta.shape[0]):
        grad = np.zeros_like(theta)
        for idx in np.ndindex(theta.shape):
            for sign in (1, -1):
                t = theta.copy()
                t[idx] += sign * 1e-6
                grad[idx] -= sign * np.log(softmax(t @ np.r_[x, 1.0])[k]) / 2e-6
        egl += p[k] * np.linalg.norm(grad)
    return egl


def test_egl_equals_the_expected_gradient_norm_of_the_softmax_log_loss(iris):
    X, _, y_partial = iris
    learner = ExpectedModelChangeClassifier(LogisticRegression()).fit(X, y_partial)
    scores = learner.informativeness(X[:5])
    est = learner.estimator_
    brute = [_numeric_egl(est.coef_, est.intercept_, x) for x in X[:5]]
    np.testing.assert_allclose(scores, brute, rtol=1e-4)


def test_binary_egl_uses_the_single_weight_vector_gradient(iris):
    X, y, _ = iris
    keep = y < 2
    Xb, yb = X[keep], y[keep]
    y_partial = np.where(np.isin(np.arange(100), [0, 1, 50, 51]), yb, -1)
    learner = ExpectedModelChangeClassifier(LogisticRegression()).fit(Xb, y_partial)
    p1 = learner.predict_proba(Xb)[:, 1]
    norms = np.sqrt((Xb**2).sum(axis=1) + 1)
    # E_y |p1 - y| ||[x, 1]|| = p1 (1 - p1) + (1 - p1) p1, times the norm.
    np.testing.assert_allclose(
        learner.informativeness(Xb), 2 * p1 * (1 - p1) * norms, rtol=1e-10
    )


def test_egl_of_a_pipeline_is_taken_in_the_transformed_space(iris):
    X, _, y_partial = iris
    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    learner = ExpectedModelChangeClassifier(pipe).fit(X, y_partial)
    fitted = learner.estimator_
    Z = fitted[:-1].transform(X)
    p = fitted.predict_proba(X)
    onehots = np.eye(3)[None, :, :]
    dist = np.linalg.norm(p[:, None, :] - onehots, axis=2)
    brute = (p * dist).sum(axis=1) * np.sqrt((Z**2).sum(axis=1) + 1)
    np.testing.assert_allclose(learner.informativeness(X), brute, rtol=1e-10)


def test_egl_prefers_the_far_boundary_sample_that_uncertainty_ties_with():
    rng = np.random.default_rng(0)
    X_lab = np.r_[rng.normal([-3, 0], 0.5, (10, 2)), rng.normal([3, 0], 0.5, (10, 2))]
    y_lab = np.r_[np.zeros(10, int), np.ones(10, int)]
    model = LogisticRegression().fit(X_lab, y_lab)
    w, b = model.coef_[0], model.intercept_[0]
    # Two points exactly on the decision boundary, one near, one far along it.
    foot = -b * w / (w @ w)
    along = np.array([-w[1], w[0]]) / np.linalg.norm(w)
    near, far = foot + 0.5 * along, foot + 30 * along
    X = np.r_[X_lab, [near, far], rng.normal([-3, 0], 0.5, (5, 2))]
    y = np.r_[y_lab, -1, -1, np.full(5, -1)]
    unc = UncertaintySamplingClassifier(LogisticRegression()).fit(X, y)
    np.testing.assert_allclose(unc.informativeness()[:2], [1, 1], atol=1e-6)
    egl = ExpectedModelChangeClassifier(LogisticRegression(), random_state=0)
    assert egl.fit(X, y).query()[0] == 21


def test_egl_with_sgd_and_a_diverse_batch(iris):
    X, _, y_partial = iris
    learner = ExpectedModelChangeClassifier(
        make_pipeline(StandardScaler(), SGDClassifier(loss="log_loss", random_state=0)),
        batch_size=6,
        batch_mode="kcenter",
        density_weight=1.0,
        random_state=0,
    ).fit(X, y_partial)
    idx = learner.query()
    assert np.unique(idx).shape == (6,) and not np.isin(idx, SEEDS).any()


def test_egl_errors_name_the_fix(iris):
    X, y, _ = iris
    with pytest.raises(TypeError, match="coef_.*LogisticRegression.*Uncertainty"):
        ExpectedModelChangeClassifier(RandomForestClassifier(n_estimators=3)).fit(X, y)
    with pytest.raises(TypeError, match="predict_proba.*CalibratedClassifierCV"):
        ExpectedModelChangeClassifier(LinearSVC()).fit(X, y)


def _eer(**kw):
    kw.setdefault("random_state", 0)
    return ExpectedErrorReductionClassifier(LogisticRegression(), **kw)


def _brute_force_eer(learner, X, y_partial, cand, loss, refit):
    pool = np.flatnonzero(y_partial == -1)
    out = []
    for x, p in zip(cand, learner.predict_proba(cand), strict=True):
        expected = 0.0
        for c in range(3):
            model = refit(np.r_[X[SEEDS], [x]], np.r_[y_partial[SEEDS], c])
            q = model.predict_proba(X[pool])
            fut = entropy(q).mean() if loss == "log_loss" else (1 - q.max(1)).mean()
            expected += p[c] * fut
        out.append((np.log(3) if loss == "log_loss" else 1.0) - expected)
    return np.array(out)


@pytest.mark.parametrize("loss", ["log_loss", "zero_one"])
def test_eer_scores_match_a_brute_force_retraining(iris, loss):
    X, _, y_partial = iris
    cand = X[[10, 60, 120]]
    # GaussianNB cannot resume: every hypothetical model is a fresh fit.
    learner = ExpectedErrorReductionClassifier(
        GaussianNB(), loss=loss, n_eval_samples=None, random_state=0
    ).fit(X, y_partial)
    np.testing.assert_allclose(
        learner.informativeness(cand),
        _brute_force_eer(
            learner, X, y_partial, cand, loss, lambda X, y: GaussianNB().fit(X, y)
        ),
        rtol=1e-12,
    )


@pytest.mark.parametrize("loss", ["log_loss", "zero_one"])
def test_eer_refits_resume_from_the_current_solution(iris, loss):
    X, _, y_partial = iris
    cand = X[[10, 60, 120]]
    learner = _eer(loss=loss, n_eval_samples=None).fit(X, y_partial)
    scores = learner.informativeness(cand)
    current = learner.estimator_

    def resumed(X, y):
        model = copy.deepcopy(current).set_params(warm_start=True)
        return model.fit(X, y)

    # Exactly the warm-started refits...
    np.testing.assert_allclose(
        scores,
        _brute_force_eer(learner, X, y_partial, cand, loss, resumed),
        rtol=1e-12,
    )
    # ...which reach the optimum of a cold refit, within the solver's tolerance.
    cold = _brute_force_eer(
        learner, X, y_partial, cand, loss, lambda X, y: LogisticRegression().fit(X, y)
    )
    np.testing.assert_allclose(scores, cold, rtol=1e-3)
    # And the learner's model is left as it was.
    assert learner.estimator_ is current and not current.warm_start


def test_eer_batch_does_not_depend_on_the_workers(digits_xy):
    X, y = digits_xy
    X, y = X[:600], y[:600]
    y_partial = np.full_like(y, -1)
    y_partial[:30] = y[:30]
    batches = [
        _eer(n_candidates=12, n_eval_samples=50, batch_size=3, n_jobs=n_jobs)
        .fit(X, y_partial)
        .query(return_scores=True)
        for n_jobs in (1, 2, None)
    ]
    for idx, scores in batches[1:]:
        np.testing.assert_array_equal(idx, batches[0][0])
        np.testing.assert_array_equal(scores, batches[0][1])


def test_eer_refits_on_every_core_by_default_unless_nested():
    from joblib import Parallel, delayed, parallel_config

    learner = _eer()
    assert learner._refit_jobs() == -1
    assert _eer(n_jobs=1)._refit_jobs() == 1
    with parallel_config(n_jobs=2):
        assert learner._refit_jobs() is None
    # Inside a joblib worker (learning_curves, skal compare) the outer
    # parallelism decides: no nested pool of processes.
    inner = Parallel(n_jobs=2, prefer="threads")(
        delayed(learner._refit_jobs)() for _ in range(2)
    )
    assert inner == [None, None]


def _blob_and_outlier():
    """An uncertain unlabeled blob and an outlier exactly on the boundary."""
    rng = np.random.default_rng(0)
    X_lab = np.r_[rng.normal([-4, 0], 0.5, (5, 2)), rng.normal([4, 0], 0.5, (5, 2))]
    y_lab = np.r_[np.zeros(5, int), np.ones(5, int)]
    model = LogisticRegression().fit(X_lab, y_lab)
    w, b = model.coef_[0], model.intercept_[0]
    foot = -b * w / (w @ w)
    along = np.array([-w[1], w[0]]) / np.linalg.norm(w)
    blob = rng.normal([0.5, 3], 0.3, (12, 2))
    X = np.r_[X_lab, blob, [foot - 25 * along]]
    y = np.r_[y_lab, np.full(13, -1)]
    return X, y


def test_eer_prefers_the_blob_where_uncertainty_takes_the_outlier():
    X, y = _blob_and_outlier()
    outlier = X.shape[0] - 1
    assert UncertaintySamplingClassifier(LogisticRegression()).fit(X, y).query()[0] == (
        outlier
    )
    learner = _eer(n_candidates=None, n_eval_samples=None).fit(X, y)
    scores = learner.informativeness()
    assert scores[-1] < scores[:-1].min()
    idx, best = learner.query(return_scores=True)
    assert idx[0] != outlier
    # With every sample a candidate and the whole pool as evaluation set,
    # query() ranks exactly like informativeness().
    np.testing.assert_allclose(best[0], scores.max())


def test_eer_query_is_seeded_distinct_and_parallel_safe(iris):
    X, _, y_partial = iris
    kw = {"n_candidates": 8, "n_eval_samples": 30, "batch_size": 3}
    a = _eer(**kw).fit(X, y_partial).query()
    assert np.unique(a).shape == (3,) and not np.isin(a, SEEDS).any()
    np.testing.assert_array_equal(a, _eer(**kw).fit(X, y_partial).query())
    # Threads keep the test cheap; the refits are independent of the backend.
    with parallel_config(backend="threading"):
        parallel = _eer(n_jobs=2, **kw).fit(X, y_partial).query()
    np.testing.assert_array_equal(a, parallel)
    # An external pool: indices into it.
    idx = _eer(**kw).fit(X, y_partial).query(X[::7])
    assert idx.max() < X[::7].shape[0]


def test_grid_search_over_the_expected_strategies(iris):
    X, y, _ = iris
    search = GridSearchCV(
        ExpectedErrorReductionClassifier(
            GaussianNB(),
            n_candidates=5,
            n_eval_samples=20,
            batch_size=4,
            budget=14,
            n_initial=6,
            random_state=0,
        ),
        {"loss": ["log_loss", "zero_one"]},
        cv=2,
    ).fit(X, y)
    assert search.best_params_["loss"] in ("log_loss", "zero_one")
    search = GridSearchCV(
        ExpectedModelChangeClassifier(
            LogisticRegression(), batch_size=5, budget=20, random_state=0
        ),
        {"batch_mode": ["top_k", "cluster"], "estimator__C": [0.1, 1.0]},
        cv=2,
    ).fit(X, y)
    assert np.all(search.cv_results_["mean_test_score"] > 0.5)


def test_eer_errors_name_the_parameter(iris):
    X, y, _ = iris
    with pytest.raises(ValueError, match="loss.*'zero_one'"):
        _eer(loss="hinge").fit(X, y)
    with pytest.raises(ValueError, match="n_candidates"):
        _eer(n_candidates=0).fit(X, y)
    with pytest.raises(TypeError, match="predict_proba"):
        ExpectedErrorReductionClassifier(LinearSVC()).fit(X, y)


@parametrize_with_checks(
    [
        ExpectedModelChangeClassifier(LogisticRegression()),
        ExpectedErrorReductionClassifier(
            GaussianNB(), n_candidates=3, n_eval_samples=10
        ),
    ],
    expected_failed_checks=sklearn_expected_failures,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
