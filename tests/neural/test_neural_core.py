"""skal.neural without a deep-learning backend: the math of the MC-dropout
measures, k-means++ batches, gradient embeddings, BADGE and warm start on
scikit-learn estimators, the probability checks and the lazy imports."""

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from skal.neural import (
    BADGEClassifier,
    check_probabilities,
    gradient_embedding,
)
from skal.neural.badge import kmeans_plusplus_batch
from skal.scoring import MEASURES, consensus_entropy, feed, mean_std, mutual_information
from skal.utils.estimator_checks import sklearn_expected_failures

#: The measures MCDropoutClassifier takes on its passes, fed as it feeds them.
MC_DROPOUT_MEASURES = {
    name: (lambda P, m=MEASURES[name]: m(feed(m, member_proba=P)))
    for name in (
        "mutual_information",
        "mean_std",
        "variation_ratios",
        "consensus_entropy",
    )
}
MC_DROPOUT_MEASURES["bald"] = MC_DROPOUT_MEASURES["mutual_information"]
MC_DROPOUT_MEASURES["entropy"] = MC_DROPOUT_MEASURES["consensus_entropy"]


@st.composite
def mc_passes(draw):
    n_samples = draw(st.integers(1, 6))
    n_rows = draw(st.integers(1, 5))
    n_classes = draw(st.integers(2, 5))
    raw = draw(
        arrays(
            float,
            (n_samples, n_rows, n_classes),
            elements=st.floats(0, 1, allow_nan=False),
        )
    )
    raw = raw + 1e-9
    return raw / raw.sum(axis=2, keepdims=True)


# ---------------------------------------------------------------- measures
@settings(max_examples=60, deadline=None)
@given(mc_passes())
def test_mc_measures_are_bounded_and_nonnegative(P):
    K = P.shape[2]
    for name, measure in MC_DROPOUT_MEASURES.items():
        scores = measure(P)
        assert scores.shape == (P.shape[1],), name
        assert np.all(scores >= -1e-12), name
    assert np.all(mean_std(P) <= 0.5 + 1e-12)
    assert np.all(MC_DROPOUT_MEASURES["variation_ratios"](P) <= 1 - 1 / K + 1e-12)
    assert np.all(mutual_information(P) <= consensus_entropy(P) + 1e-12)


@settings(max_examples=40, deadline=None)
@given(mc_passes(), st.randoms(use_true_random=False))
def test_mc_measures_are_invariant_to_class_order(P, rnd):
    perm = list(range(P.shape[2]))
    rnd.shuffle(perm)
    for name in ("bald", "mean_std", "entropy"):
        measure = MC_DROPOUT_MEASURES[name]
        np.testing.assert_allclose(measure(P[:, :, perm]), measure(P), atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(mc_passes())
def test_mc_measures_vanish_when_every_pass_agrees(P):
    same = np.repeat(P[:1], 4, axis=0)
    for name in ("bald", "mean_std", "variation_ratios"):
        np.testing.assert_allclose(MC_DROPOUT_MEASURES[name](same), 0, atol=1e-9)


def test_mean_std_rejects_a_2d_array():
    with pytest.raises(ValueError, match="member_proba must be a 3-d array"):
        mean_std([[0.5, 0.5]])


# ------------------------------------------------------ k-means++ batches
@settings(max_examples=50, deadline=None)
@given(
    arrays(
        float,
        st.tuples(st.integers(1, 30), st.integers(1, 4)),
        elements=st.floats(-5, 5, allow_nan=False),
    ),
    st.data(),
)
def test_kmeans_plusplus_batch_is_distinct_and_starts_at_the_largest_norm(G, data):
    k = data.draw(st.integers(1, G.shape[0]))
    picked = kmeans_plusplus_batch(G, k, random_state=0)
    assert picked.shape == (k,)
    assert len(set(picked.tolist())) == k
    norms = np.linalg.norm(G, axis=1)
    assert norms[picked[0]] == norms.max()
    np.testing.assert_array_equal(picked, kmeans_plusplus_batch(G, k, random_state=0))


def test_kmeans_plusplus_batch_spreads_out():
    rng = np.random.default_rng(0)
    centers = np.array([[10.0, 0], [0, 10.0], [-10.0, 0], [0, -10.0]])
    G = np.concatenate([c + rng.normal(0, 0.1, (25, 2)) for c in centers])
    picked = kmeans_plusplus_batch(G, 4, random_state=0)
    assert sorted(set((picked // 25).tolist())) == [0, 1, 2, 3]


def test_kmeans_plusplus_batch_errors():
    with pytest.raises(ValueError, match="k must be in"):
        kmeans_plusplus_batch(np.zeros((3, 2)), 4)
    with pytest.raises(ValueError, match="2-d"):
        kmeans_plusplus_batch(np.zeros(3), 1)


# ------------------------------------------------------ gradient embedding
def test_gradient_embedding_is_the_cross_entropy_gradient_of_a_linear_model():
    X, y = load_iris(return_X_y=True)
    clf = LogisticRegression(max_iter=1000).fit(X, y)
    G, proba = gradient_embedding(clf, X[:10], embedding="input")
    assert G.shape == (10, 3 * 4)
    # d/dW of -log softmax(W x)_c at c = argmax p is (p - e_c) x^T.
    for i in range(10):
        residual = proba[i] - np.eye(3)[proba[i].argmax()]
        np.testing.assert_allclose(G[i].reshape(3, 4), np.outer(residual, X[i]))
    # Confident rows have small gradients.
    norms = np.linalg.norm(G, axis=1)
    assert norms[proba.max(axis=1).argmax()] == norms.min()


def test_gradient_embedding_checks_the_embedding_shape():
    X, y = load_iris(return_X_y=True)
    clf = LogisticRegression(max_iter=1000).fit(X, y)
    with pytest.raises(ValueError, match=r"shape \(n_rows, n_dims\)"):
        gradient_embedding(clf, X[:5], embedding=lambda est, Z: Z[:3])


# ------------------------------------------------------------------ BADGE
@parametrize_with_checks(
    [BADGEClassifier(LogisticRegression(), feature_space="model")],
    expected_failed_checks=sklearn_expected_failures,
)
def test_badge_is_a_scikit_learn_estimator(estimator, check):
    check(estimator)


def test_badge_simulation_with_a_linear_model():
    X, y = load_iris(return_X_y=True)
    learner = BADGEClassifier(
        make_pipeline(StandardScaler(), LogisticRegression()),
        feature_space="model",
        batch_size=5,
        budget=30,
        random_state=0,
    ).fit(X, y)
    assert learner.n_labeled_ == 30
    assert len(set(learner.labeled_indices_.tolist())) == 30
    again = clone(learner).fit(X, y)
    np.testing.assert_array_equal(learner.labeled_indices_, again.labeled_indices_)


# ------------------------------------------------------------- warm start
def _iris_partial():
    X, y = load_iris(return_X_y=True)
    y_partial = np.full_like(y, -1)
    y_partial[[0, 1, 50, 51, 100, 101]] = y[[0, 1, 50, 51, 100, 101]]
    return X, y, y_partial


def test_warm_start_resumes_an_iterative_sklearn_model():
    X, y, y_partial = _iris_partial()
    sgd = SGDClassifier(loss="log_loss", max_iter=5, tol=None, random_state=0)
    learner = BADGEClassifier(
        sgd, feature_space="model", batch_size=5, warm_start=True, random_state=0
    ).fit(X, y_partial)
    first = learner.estimator_
    coef = first.coef_.copy()
    idx = learner.query()
    learner.teach(y=y[idx], indices=idx)
    assert learner.estimator_ is first and first.warm_start
    assert not np.allclose(first.coef_, coef)
    # The learner's template is not modified.
    assert learner.estimator.warm_start is False


def test_warm_start_false_keeps_cloning():
    X, y, y_partial = _iris_partial()
    learner = BADGEClassifier(
        SGDClassifier(loss="log_loss", random_state=0), feature_space="model"
    ).fit(X, y_partial)
    first = learner.estimator_
    learner.teach(y=y[[2]], indices=[2])
    assert learner.estimator_ is not first


def test_warm_start_refuses_estimators_that_cannot_resume():
    X, y, y_partial = _iris_partial()
    # A forest's warm_start adds trees and leaves the old ones as they were.
    with pytest.raises(TypeError, match="RandomForestClassifier cannot"):
        BADGEClassifier(
            RandomForestClassifier(), feature_space="model", warm_start=True
        ).fit(X, y_partial)


# -------------------------------------------------------------- checks
def test_check_probabilities_names_the_problem_and_the_fix():
    with pytest.raises(ValueError, match="outputs 4 columns but there are 3"):
        check_probabilities(np.full((2, 4), 0.25), 3)
    with pytest.raises(ValueError, match="negative values \\(down to -0.5\\).*softmax"):
        check_probabilities([[1.5, -0.5]])
    with pytest.raises(ValueError, match="summing to between 0.5 and 0.5"):
        check_probabilities([[0.25, 0.25]])
    with pytest.raises(ValueError, match="NaN"):
        check_probabilities([[np.nan, 1.0]])
    ok = check_probabilities(np.float32([[0.3, 0.7000001]]), 2)
    assert ok.dtype == float


# ------------------------------------------------------------- light import
HEAVY = ["tensorflow", "torch", "keras", "scikeras", "skorch"]


def test_import_skal_neural_imports_no_backend():
    code = (
        "import sys, skal, skal.neural; "
        "from skal.neural import MCDropoutClassifier, BADGEClassifier, embed; "
        "assert 'KerasClassifier' in dir(skal.neural); "
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "", f"import skal.neural pulled in: {out.stdout}"


def test_unknown_attribute_of_skal_neural():
    import skal.neural

    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        skal.neural.Nope  # noqa: B018
