"""Self-training composed with every classifier learner (``self_training=``):
pseudo-labels kept apart from bought ones, the self-trained model predicting."""

import pickle

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.svm import LinearSVC
from sklearn.utils._param_validation import InvalidParameterError

from skal import (
    CommitteeSampler,
    ExpectedModelChangeClassifier,
    RandomSampler,
    RepresentativeSampler,
    SelfTraining,
    UncertaintySamplingClassifier,
)
from skal.evaluation import learning_curves

SEEDS = [0, 1, 50, 51, 100, 101]


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    y_partial = np.full_like(y, -1)
    y_partial[SEEDS] = y[SEEDS]
    return X, y, y_partial


def _uncertainty(**kw):
    kw.setdefault("random_state", 0)
    return UncertaintySamplingClassifier(LogisticRegression(max_iter=500), **kw)


def test_threshold_pseudo_labels_exactly_the_confident_pool_rows(iris):
    X, _, y_partial = iris
    st = _uncertainty(self_training=SelfTraining(0.8)).fit(X, y_partial)
    oracle_only = LogisticRegression(max_iter=500).fit(X[SEEDS], y_partial[SEEDS])
    pool = np.setdiff1d(np.arange(150), SEEDS)
    conf = oracle_only.predict_proba(X[pool]).max(axis=1)
    np.testing.assert_array_equal(np.sort(st.pseudo_indices_), pool[conf > 0.8])
    np.testing.assert_array_equal(
        st.pseudo_labels_, oracle_only.predict(X[st.pseudo_indices_])
    )
    # The model that predicts is trained on bought labels plus pseudo-labels...
    both = np.r_[SEEDS, st.pseudo_indices_]
    reference = LogisticRegression(max_iter=500).fit(
        X[both], np.r_[y_partial[SEEDS], st.pseudo_labels_]
    )
    np.testing.assert_allclose(st.predict_proba(X), reference.predict_proba(X))
    np.testing.assert_allclose(
        st.self_trained_estimator_.predict_proba(X), reference.predict_proba(X)
    )
    # ... the model that ranks the pool on bought labels only ...
    np.testing.assert_allclose(
        st.estimator_.predict_proba(X), oracle_only.predict_proba(X)
    )
    # ... and only bought labels count.
    assert st.n_labeled_ == 6
    assert sorted(st.labeled_indices_) == SEEDS
    assert st.n_iter_ == 2


def test_in_rounds_lets_the_self_trained_model_rank_the_pool(iris):
    X, _, y_partial = iris
    st = _uncertainty(self_training=SelfTraining(0.8, in_rounds=True))
    st.fit(X, y_partial)
    assert not hasattr(st, "self_trained_estimator_")
    assert st.estimator_ is st._predictor()
    plain = _uncertainty(self_training=SelfTraining(0.8)).fit(X, y_partial)
    np.testing.assert_allclose(st.estimator_.predict_proba(X), plain.predict_proba(X))
    assert not np.allclose(st.informativeness(), plain.informativeness())


def test_k_best_takes_the_most_confident(iris):
    X, _, y_partial = iris
    st = _uncertainty(self_training=SelfTraining(criterion="k_best", k_best=7))
    st.fit(X, y_partial)
    assert st.pseudo_indices_.shape == (7,)
    oracle_only = LogisticRegression(max_iter=500).fit(X[SEEDS], y_partial[SEEDS])
    pool = np.setdiff1d(np.arange(150), SEEDS)
    conf = oracle_only.predict_proba(X[pool]).max(axis=1)
    chosen = oracle_only.predict_proba(X[st.pseudo_indices_]).max(axis=1)
    assert chosen.min() >= np.sort(conf)[::-1][6]


def test_more_iterations_add_more_pseudo_labels(iris):
    X, _, y_partial = iris
    counts = [
        _uncertainty(
            self_training=SelfTraining(criterion="k_best", k_best=5, max_iter=m)
        ).fit(X, y_partial)
        for m in (1, 3)
    ]
    assert [len(c.pseudo_indices_) for c in counts] == [5, 15]
    assert counts[1].n_iter_ == 4
    until_done = _uncertainty(self_training=SelfTraining(0.6, max_iter=None))
    until_done.fit(X, y_partial)
    assert len(until_done.pseudo_indices_) > len(counts[0].pseudo_indices_)


def test_k_best_without_an_iteration_limit_is_refused(iris):
    # It would pseudo-label the whole pool, however unsure the model is.
    X, _, y_partial = iris
    learner = _uncertainty(
        self_training=SelfTraining(criterion="k_best", max_iter=None)
    )
    with pytest.raises(ValueError, match="whole pool.*max_iter"):
        learner.fit(X, y_partial)


def test_simulation_keeps_pseudo_labels_apart_from_bought_ones(iris):
    X, y, _ = iris
    st = _uncertainty(
        batch_size=5, budget=30, n_initial=10, self_training=SelfTraining(0.9)
    ).fit(X, y)
    assert st.n_labeled_ == 30 and st.labeled_indices_.shape == (30,)
    assert [r["n_labeled"] for r in st.history_] == [10, 15, 20, 25, 30]
    # One pseudo-labeling per retraining, recomputed each time.
    assert [r["n_labeled"] for r in st.pseudo_history_] == [10, 15, 20, 25, 30]
    for record in st.pseudo_history_:
        assert record["n_pseudo"] == record["indices"].shape[0]
    np.testing.assert_array_equal(st.pseudo_history_[-1]["indices"], st.pseudo_indices_)
    assert not np.isin(st.pseudo_indices_, st.labeled_indices_).any()
    assert st.score(X, y) > 0.9


def test_teach_and_query_continue_the_loop(iris):
    X, y, y_partial = iris
    st = _uncertainty(batch_size=4, self_training=SelfTraining(0.7))
    st.fit(X, y_partial)
    idx = st.query()
    assert not np.isin(idx, SEEDS).any()
    # An oracle label may replace a pseudo-label: the row becomes bought.
    target = np.r_[idx, st.pseudo_indices_[:1]]
    st.teach(y=y[target], indices=target)
    assert st.n_labeled_ == 6 + 5
    assert not np.isin(st.pseudo_indices_, st.labeled_indices_).any()
    assert st.informativeness().shape == (150 - 11,)
    twin = pickle.loads(pickle.dumps(st))
    np.testing.assert_array_equal(st.query(), twin.query())
    twin.teach(y=y[:2], X=X[:2])
    assert twin.n_labeled_ == 13


@pytest.mark.parametrize(
    "learner",
    [
        RandomSampler(LogisticRegression(max_iter=500), batch_size=5),
        RepresentativeSampler(LogisticRegression(max_iter=500), batch_size=5),
        ExpectedModelChangeClassifier(LogisticRegression(max_iter=500), batch_size=5),
        CommitteeSampler(LogisticRegression(max_iter=500), batch_size=5),
    ],
    ids=lambda learner: type(learner).__name__,
)
def test_composes_with_every_classifier_learner(iris, learner):
    X, y, _ = iris
    learner.set_params(
        budget=15, n_initial=10, random_state=0, self_training=SelfTraining(0.9)
    )
    learner.fit(X, y)
    assert learner.n_labeled_ == 15
    assert len(learner.pseudo_history_) == len(learner.history_)
    assert not np.isin(learner.pseudo_indices_, learner.labeled_indices_).any()


def test_learning_curves_evaluate_a_self_training_learner(iris):
    X, y, _ = iris
    results = learning_curves(
        {
            "margin": _uncertainty(batch_size=10),
            "margin+self-training": _uncertainty(
                batch_size=10, self_training=SelfTraining(0.9)
            ),
        },
        X,
        y,
        budget=30,
        n_repeats=2,
        random_state=0,
    )
    n_labeled, scores = results.curve("margin+self-training")
    assert n_labeled.tolist() == [10, 20, 30] and scores.shape == (2, 3)
    assert not np.allclose(scores, results.curve("margin")[1])


def test_grid_search_over_the_threshold_and_the_measure(iris):
    X, y, _ = iris
    search = GridSearchCV(
        _uncertainty(
            batch_size=5, budget=15, n_initial=6, self_training=SelfTraining()
        ),
        {"self_training__threshold": [0.8, 0.95], "measure": ["margin", "entropy"]},
        cv=2,
    ).fit(X, y)
    assert set(search.best_params_) == {"self_training__threshold", "measure"}
    assert np.all(search.cv_results_["mean_test_score"] > 0.5)


def test_errors_name_the_fix(iris):
    X, y, _ = iris
    with pytest.raises(TypeError, match="classifier.*regression"):
        RandomSampler(Ridge(), self_training=SelfTraining()).fit(X, y.astype(float))
    with pytest.raises(TypeError, match="predict_proba"):
        RandomSampler(LinearSVC(), self_training=SelfTraining()).fit(X, y)
    with pytest.raises(InvalidParameterError, match="self_training"):
        _uncertainty(self_training=0.9).fit(X, y)
    with pytest.raises(InvalidParameterError, match="threshold"):
        _uncertainty(self_training=SelfTraining(1.0)).fit(X, y)
    with pytest.raises(InvalidParameterError, match="criterion.*'k_best'"):
        _uncertainty(self_training=SelfTraining(criterion="best")).fit(X, y)
    assert not hasattr(_uncertainty(self_training=SelfTraining()), "pseudo_indices_")


@pytest.mark.parametrize("max_iter", [1, 3])
def test_max_samples_keeps_the_most_confident_pseudo_labels(iris, max_iter):
    X, _, y_partial = iris
    capped = _uncertainty(
        self_training=SelfTraining(0.6, max_iter=max_iter, max_samples=7)
    ).fit(X, y_partial)
    assert capped.pseudo_indices_.shape == (7,)
    if max_iter == 1:
        oracle_only = LogisticRegression(max_iter=500).fit(X[SEEDS], y_partial[SEEDS])
        pool = np.setdiff1d(np.arange(150), SEEDS)
        conf = oracle_only.predict_proba(X[pool]).max(axis=1)
        assert (conf > 0.6).sum() > 7  # the cap binds
        most = pool[np.argsort(-conf, kind="stable")[:7]]
        np.testing.assert_array_equal(np.sort(capped.pseudo_indices_), np.sort(most))
    free = _uncertainty(
        self_training=SelfTraining(0.6, max_iter=max_iter, max_samples=None)
    ).fit(X, y_partial)
    assert free.pseudo_indices_.shape[0] > 7
