"""AdaptiveSampler: a real estimator, the exploration that adapts, the cold
start that covers the classes, self-training kept apart from bought labels."""

import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.datasets import make_blobs
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from skal import AdaptiveSampler, SelfTraining

MODEL = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))


def _learner(estimator=MODEL, **params):
    params = {"batch_size": 10, "random_state": 0, **params}
    return AdaptiveSampler(clone(estimator), **params)


def test_simulation_reports_the_split_of_every_round(digits_xy):
    X, y = digits_xy
    learner = _learner(budget=60, n_initial=20).fit(X, y)
    assert learner.n_labeled_ == 60
    assert [h["n_labeled"] for h in learner.history_][-1] == 60
    first, *rounds = learner.history_
    # The cold start is all exploration (typical samples).
    assert first["split"] == {"exploit": 0, "explore": 20}
    for record in rounds:
        split = record["split"]
        assert split["exploit"] + split["explore"] == 10
        assert 0.1 <= record["exploration_share"] <= 0.5
        # At least one pick per batch explores; at most half of it.
        assert 1 <= split["explore"] <= 5
    assert 0.1 <= learner.exploration_share_ <= 0.5


def test_deterministic_and_clonable(iris_xy):
    X, y = iris_xy
    a = _learner(budget=30, n_initial=6, batch_size=4).fit(X, y)
    b = clone(a).fit(X, y)
    np.testing.assert_array_equal(a.labeled_indices_, b.labeled_indices_)
    c = _learner(budget=30, n_initial=6, batch_size=4, random_state=1).fit(X, y)
    assert not np.array_equal(a.labeled_indices_, c.labeled_indices_)


def test_cold_start_covers_the_classes_where_uncertainty_cannot(iris_xy):
    """Four labels from four typical samples: every species is asked for,
    and the learner finishes close to the whole pool."""
    X, y = iris_xy
    for seed in range(5):
        learner = _learner(budget=20, n_initial=4, batch_size=4, random_state=seed)
        learner.fit(X, y)
        assert set(y[learner.labeled_indices_]) == {0, 1, 2}
        assert learner.score(X, y) > 0.9


def test_a_fixed_exploration_share_is_kept(digits_xy):
    X, y = digits_xy
    none = _learner(budget=50, n_initial=10, exploration=0.0).fit(X, y)
    assert all(h["split"]["explore"] == 0 for h in none.history_[1:])
    half = _learner(budget=50, n_initial=10, exploration=0.5).fit(X, y)
    assert all(h["split"]["explore"] == 5 for h in half.history_[1:])


def test_exploration_grows_when_the_model_is_surprised():
    """A class the first labels missed, far from them: exploration picks that
    turn out to be of a class the model has never seen are errors it was
    sure it would not make, and the share rises above the floor."""
    X, y = make_blobs(
        n_samples=[200, 200, 200, 200],
        centers=[[0, 0], [6, 0], [0, 6], [30, 30]],
        cluster_std=1.0,
        random_state=0,
    )
    y_partial = np.full(len(y), -1)
    for cls in (0, 1, 2):
        y_partial[np.flatnonzero(y == cls)[:3]] = cls
    learner = _learner(feature_space="input", self_training=None).fit(X, y_partial)
    assert learner.exploration_share_ == pytest.approx(0.1)
    found = False
    for _ in range(6):
        idx = learner.query()
        learner.teach(y=y[idx], indices=idx)
        found = found or 3 in y[idx]
        if found:
            break
    assert found, "exploration never reached the unseen class"
    assert learner.exploration_share_ > 0.1


def test_exploration_settles_to_the_floor_when_nothing_surprises(iris_xy):
    X, y = iris_xy
    learner = _learner(budget=60, n_initial=9, batch_size=6).fit(X, y)
    assert learner.history_[-1]["exploration_share"] <= 0.34


def test_self_training_is_kept_apart_from_bought_labels(digits_xy):
    from sklearn.base import clone

    X, y = digits_xy
    learner = _learner(budget=40, n_initial=20, batch_size=20).fit(X, y)
    # Bought labels are counted alone; pseudo-labels are other rows.
    assert learner.n_labeled_ == 40
    assert learner.labeled_indices_.shape == (40,)
    assert learner.pseudo_indices_.shape[0] > 100
    assert not set(learner.pseudo_indices_) & set(learner.labeled_indices_)
    # "auto" iterates (scikit-learn's loop) and the self-trained model both
    # ranks and predicts: no second model.
    assert learner.n_iter_ > 2
    assert not hasattr(learner, "self_trained_estimator_")
    bought_only = clone(learner.estimator).fit(
        X[learner.labeled_indices_], y[learner.labeled_indices_]
    )
    assert not np.allclose(
        learner.estimator_.predict_proba(X), bought_only.predict_proba(X)
    )
    off = _learner(budget=40, n_initial=20, batch_size=20, self_training=None)
    off.fit(X, y)
    assert not hasattr(off, "pseudo_indices_")
    off_bought = clone(off.estimator).fit(
        X[off.labeled_indices_], y[off.labeled_indices_]
    )
    np.testing.assert_allclose(
        off.estimator_.predict_proba(X), off_bought.predict_proba(X)
    )
    # A policy of one's own keeps its own choice: predictions only.
    custom = _learner(budget=40, n_initial=20, self_training=SelfTraining(0.99))
    custom.fit(X, y)
    assert custom.self_trained_estimator_ is not None
    assert custom.n_iter_ == 2


def test_query_teach_and_pickle_mid_loop(digits_xy):
    X, y = digits_xy
    y_partial = np.full(len(y), -1)
    y_partial[:30] = y[:30]
    learner = _learner().fit(X, y_partial)
    idx = learner.query()
    learner.teach(y=y[idx], indices=idx)
    copy = pickle.loads(pickle.dumps(learner))
    np.testing.assert_array_equal(copy.query(), learner.query())
    assert copy.n_labeled_ == 40


def test_sparse_and_dataframe_pools(digits_xy):
    pd = pytest.importorskip("pandas")
    X, y = digits_xy
    y_partial = np.full(len(y), -1)
    y_partial[:30] = y[:30]
    dense = _learner(estimator=LogisticRegression(max_iter=300)).fit(X, y_partial)
    sparse = _learner(estimator=LogisticRegression(max_iter=300))
    sparse.fit(sp.csr_matrix(X), y_partial)
    frame = _learner(estimator=LogisticRegression(max_iter=300))
    frame.fit(pd.DataFrame(X, columns=[f"p{i}" for i in range(64)]), y_partial)
    batch = dense.query()
    np.testing.assert_array_equal(sparse.query(), batch)
    np.testing.assert_array_equal(frame.query(), batch)


def test_grid_search_over_the_exploration_share(iris_xy):
    X, y = iris_xy
    search = GridSearchCV(
        AdaptiveSampler(
            LogisticRegression(max_iter=500), budget=30, n_initial=6, random_state=0
        ),
        {"exploration": [0.0, "auto"], "batch_size": [4, 8]},
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
    ).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert search.best_estimator_.n_labeled_ == 30
    assert search.best_score_ > 0.85


def test_needs_predict_proba_and_says_how_to_get_it(iris_xy):
    X, y = iris_xy
    with pytest.raises(TypeError, match="CalibratedClassifierCV"):
        AdaptiveSampler(LinearSVC(), budget=10).fit(X, y)
    with pytest.raises(ValueError, match="exploration"):
        AdaptiveSampler(MODEL, exploration=2.0, budget=10).fit(X, y)
