"""The learners are real scikit-learn estimators: checks, clone, params,
Pipelines, cross-validation, grid search, pandas and sparse inputs."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from skal import (
    AdaptiveSampler,
    RandomSampler,
    SelfTraining,
    UncertaintySamplingClassifier,
)
from skal.utils.estimator_checks import sklearn_expected_failures

ESTIMATORS = [
    UncertaintySamplingClassifier(LogisticRegression(), measure=strategy)
    for strategy in ["margin", "least_confidence", "ratio", "entropy"]
] + [
    RandomSampler(LogisticRegression()),
    RandomSampler(Ridge()),
    UncertaintySamplingClassifier(LogisticRegression(), self_training=SelfTraining()),
    AdaptiveSampler(LogisticRegression()),
]


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=sklearn_expected_failures)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def cancer():
    return load_breast_cancer(return_X_y=True)


def test_get_params_deep_and_set_params_reach_the_wrapped_estimator():
    learner = UncertaintySamplingClassifier(
        make_pipeline(StandardScaler(), LogisticRegression(C=1.0)), measure="entropy"
    )
    params = learner.get_params(deep=True)
    assert params["measure"] == "entropy"
    assert params["estimator__logisticregression__C"] == 1.0
    learner.set_params(estimator__logisticregression__C=0.01, batch_size=3)
    assert learner.estimator.steps[-1][1].C == 0.01
    twin = clone(learner)
    assert twin.get_params()["estimator__logisticregression__C"] == 0.01
    assert twin.estimator is not learner.estimator


def test_pipeline_as_the_wrapped_estimator(cancer):
    X, y = cancer
    y_partial = np.where(np.arange(len(y)) % 20 == 0, y, -1)
    learner = UncertaintySamplingClassifier(
        make_pipeline(StandardScaler(), LogisticRegression()),
        batch_size=5,
        random_state=0,
    ).fit(X, y_partial)
    idx = learner.query()
    learner.teach(y=y[idx], indices=idx)
    assert learner.score(X, y) > 0.9


def test_learner_as_the_last_step_of_a_pipeline(cancer):
    X, y = cancer
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            (
                "al",
                UncertaintySamplingClassifier(
                    LogisticRegression(), budget=40, batch_size=10, random_state=0
                ),
            ),
        ]
    )
    pipe.fit(X, y)
    assert pipe.named_steps["al"].n_labeled_ == 40
    assert pipe.score(X, y) > 0.85
    assert pipe.predict_proba(X).shape == (len(y), 2)


def test_cross_val_score_measures_a_budgeted_strategy(cancer):
    X, y = cancer
    learner = UncertaintySamplingClassifier(
        make_pipeline(StandardScaler(), LogisticRegression()),
        budget=30,
        batch_size=10,
        random_state=0,
    )
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    scores = cross_val_score(learner, X, y, cv=cv)
    assert scores.shape == (3,)
    assert scores.mean() > 0.85
    # Same folds, same seed: the same numbers.
    np.testing.assert_array_equal(scores, cross_val_score(learner, X, y, cv=cv))


def test_grid_search_over_strategy_batch_size_and_estimator_param():
    X, y = load_iris(return_X_y=True)
    learner = UncertaintySamplingClassifier(
        LogisticRegression(max_iter=500), budget=30, n_initial=6, random_state=0
    )
    grid = {
        "measure": ["margin", "entropy"],
        "batch_size": [4, 8],
        # A crippling regularisation must lose to a sane one.
        "estimator__C": [1e-4, 1.0],
    }
    cv = StratifiedKFold(3, shuffle=True, random_state=1)
    search = GridSearchCV(learner, grid, cv=cv).fit(X, y)
    means = search.cv_results_["mean_test_score"]
    assert search.best_score_ == pytest.approx(means.max())
    assert search.best_params_ == search.cv_results_["params"][int(np.argmax(means))]
    assert search.best_params_["estimator__C"] == 1.0
    crippled = np.array(
        [p["estimator__C"] == 1e-4 for p in search.cv_results_["params"]]
    )
    assert means[crippled].max() < means[~crippled].min()
    best = search.best_estimator_
    assert best.n_labeled_ == 30
    assert best.measure == search.best_params_["measure"]


def test_pandas_dataframe_with_a_column_transformer():
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    n = 300
    df = pd.DataFrame(
        {
            "num": rng.normal(size=n),
            "color": rng.choice(["red", "green", "blue"], size=n),
        }
    )
    y = ((df["num"] > 0) ^ (df["color"] == "red")).astype(int).to_numpy()
    pre = ColumnTransformer(
        [("num", StandardScaler(), ["num"]), ("cat", OneHotEncoder(), ["color"])]
    )
    y_partial = np.where(np.arange(n) < 30, y, -1)
    learner = UncertaintySamplingClassifier(
        make_pipeline(pre, LogisticRegression()), batch_size=10, random_state=0
    ).fit(df, y_partial)
    np.testing.assert_array_equal(learner.feature_names_in_, ["num", "color"])
    idx = learner.query()
    assert idx.max() < n and not np.isin(idx, np.arange(30)).any()
    learner.teach(y=y[idx], indices=idx)
    learner.teach(df.iloc[200:210], y[200:210])
    assert learner.n_labeled_ == 50
    assert learner.predict(df.iloc[:5]).shape == (5,)
    with pytest.raises(ValueError, match="feature names"):
        learner.predict(df.rename(columns={"num": "number"}))


def test_sparse_tfidf_text_pipeline():
    docs = [f"cheap pills offer {i}" for i in range(40)] + [
        f"meeting agenda notes {i}" for i in range(40)
    ]
    y = np.array([1] * 40 + [0] * 40)
    y_partial = np.full(80, -1)
    y_partial[[0, 1, 40, 41]] = y[[0, 1, 40, 41]]
    learner = UncertaintySamplingClassifier(
        make_pipeline(TfidfVectorizer(), LogisticRegression(C=100)),
        batch_size=6,
        random_state=0,
    ).fit(np.array(docs, dtype=object), y_partial)
    idx = learner.query()
    learner.teach(y=y[idx], indices=idx)
    assert learner.score(docs, y) == 1.0
    # A sparse matrix pool works with a plain estimator too.
    X = TfidfVectorizer().fit_transform(docs)
    sparse_learner = UncertaintySamplingClassifier(
        LogisticRegression(), batch_size=4, random_state=0
    ).fit(X, y_partial)
    sidx = sparse_learner.query()
    sparse_learner.teach(y=y[sidx], indices=sidx)
    sparse_learner.teach(X[70:72], y[70:72])
    assert sparse_learner.n_labeled_ == 10


def test_html_repr_shows_the_wrapped_estimator():
    learner = UncertaintySamplingClassifier(LogisticRegression(C=0.5))
    html = learner._repr_html_()
    assert "UncertaintySamplingClassifier" in html
    assert "LogisticRegression" in html
