"""Traps a new user falls into (issue 16): each test failed before its fix."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.tree import DecisionTreeClassifier

from skal import CommitteeSampler, RandomSampler, UncertaintySamplingClassifier

LR = LogisticRegression(max_iter=300)


# ------------------------------------------------- -1 means two things
def test_a_partially_labeled_y_with_a_budget_is_refused_with_the_way_out(digits_xy):
    X, y = digits_xy
    y_known = np.full_like(y, -1)
    y_known[:30] = y[:30]
    learner = UncertaintySamplingClassifier(LR, budget=50, random_state=0)
    with pytest.raises(ValueError) as err:
        learner.fit(X, y_known)
    message = str(err.value)
    # It says what happened, and both ways out.
    assert "unlabeled marker" in message and "budget=None" in message
    assert "classes=" in message


def test_minus_one_as_a_minority_class_of_a_simulation_warns(iris_xy):
    X, y = iris_xy
    y = np.where(y == 2, -1, y)  # three classes, one of them named -1
    with pytest.warns(UserWarning, match="unlabeled marker"):
        UncertaintySamplingClassifier(LR, budget=20, random_state=0).fit(X, y)
    # Declaring the classes says -1 is one: no warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        UncertaintySamplingClassifier(
            LR, budget=20, classes=[-1, 0, 1], random_state=0
        ).fit(X, y)


def test_plus_minus_one_labels_simulate_as_an_ordinary_binary_problem():
    X, y = load_breast_cancer(return_X_y=True)
    y = 2 * y - 1
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        learner = RandomSampler(LR, budget=30, random_state=0).fit(X, y)
    assert learner.classes_.tolist() == [-1, 1]


def test_plus_minus_one_labels_without_a_budget_name_the_marker():
    X, y = load_breast_cancer(return_X_y=True)
    y = 2 * y - 1
    with pytest.raises(ValueError) as err:
        UncertaintySamplingClassifier(LR).fit(X[:40], y[:40])
    message = str(err.value)
    assert "Only one class" in message
    assert "-1 marks an unlabeled row" in message and "(y + 1) // 2" in message


def test_none_marks_unlabeled_string_labels(iris_xy):
    X, y = iris_xy
    names = np.array(["setosa", "versicolor", "virginica"], dtype=object)[y]
    y_known = np.array([None] * len(y), dtype=object)
    labeled = np.r_[0:5, 50:55, 100:105]
    y_known[labeled] = names[labeled]
    learner = UncertaintySamplingClassifier(LR, batch_size=3, random_state=0)
    learner.fit(X, y_known)
    assert learner.n_labeled_ == 15
    assert learner.classes_.tolist() == ["setosa", "versicolor", "virginica"]
    idx = learner.query()
    assert not np.isin(idx, labeled).any()
    learner.teach(y=names[idx], indices=idx)
    assert learner.n_labeled_ == 18
    # A list with None works too, and '-1' in a string array is explained.
    UncertaintySamplingClassifier(LR).fit(X, list(y_known))
    as_strings = np.array(["-1" if v is None else v for v in y_known])
    with pytest.raises(ValueError, match="object array"):
        UncertaintySamplingClassifier(LR).fit(X, as_strings)


# -------------------------------------------------- degenerate committees
def test_identical_members_are_refused(digits_xy):
    X, y = digits_xy
    with pytest.raises(ValueError, match="identical members"):
        CommitteeSampler(GaussianNB(), bootstrap=False, budget=40).fit(X, y)


def test_members_whose_random_state_changes_nothing_warn_once(digits_xy):
    """LogisticRegression has a random_state its default solver ignores: the
    members are identical, whatever the measure reads (votes too)."""
    X, y = digits_xy
    for measure in ("vote_entropy", "kl_max_disagreement"):
        learner = CommitteeSampler(
            LR,
            bootstrap=False,
            measure=measure,
            budget=60,
            batch_size=10,
            n_initial=20,
            random_state=0,
        )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            learner.fit(X, y)
        messages = [str(w.message) for w in caught if "identically" in str(w.message)]
        assert len(messages) == 1, messages
        assert "bootstrap=True" in messages[0]


def test_members_that_really_differ_do_not_warn(digits_xy):
    """Random-split trees fit their training rows perfectly (identical there)
    but differ on the pool: no warning."""
    X, y = digits_xy
    learner = CommitteeSampler(
        DecisionTreeClassifier(splitter="random", max_features=8),
        bootstrap=False,
        budget=40,
        batch_size=10,
        n_initial=20,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        learner.fit(X, y)
