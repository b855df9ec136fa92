"""Stopping criteria: each rule, their composition, and their use in the loop."""

from types import SimpleNamespace

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import load_iris
from sklearn.linear_model import LinearRegression, LogisticRegression

from skal import RandomSampler, UncertaintySamplingClassifier
from skal.loop import annotate
from skal.oracles import KnownLabels
from skal.stopping import (
    AllOf,
    AnyOf,
    BudgetSpent,
    MaxUncertaintyBelow,
    StabilizingPredictions,
    StoppingCriterion,
    TargetScore,
    _agreement,
    as_criterion,
)


class Predicts(ClassifierMixin, BaseEstimator):
    """A stand-in learner whose predictions we dictate."""

    def __init__(self, predictions):
        self.predictions = predictions

    n_labeled_ = 10

    def predict(self, X):
        return np.asarray(self.predictions)


def state(learner=None, n_labels=0):
    return SimpleNamespace(learner=learner, n_bought_=n_labels)


def test_budget_spent():
    crit = BudgetSpent(5)
    assert not crit(state(n_labels=4)) and crit.reason_ is None
    assert crit(state(n_labels=5)) and crit.reason_ == "budget of 5 labels spent"
    with pytest.raises(ValueError):
        BudgetSpent(-1)


def test_target_score_with_default_and_named_scoring():
    X, y = load_iris(return_X_y=True)
    weak = LogisticRegression(max_iter=500).fit(X[[0, 50, 100]], y[[0, 50, 100]])
    strong = LogisticRegression(max_iter=500).fit(X, y)
    crit = TargetScore(X, y, target=0.95)
    assert not crit(state(weak)) and crit(state(strong))
    assert crit.scores_ == [weak.score(X, y), strong.score(X, y)]
    macro = TargetScore(X, y, target=0.95, scoring="f1_macro")
    assert macro(state(strong)) and macro.reason_.startswith("score 0.97")
    # No labels yet: nothing to score, no stop.
    assert not crit(state(SimpleNamespace(n_labeled_=0)))


def test_kappa_agreement_handles_constant_predictions():
    assert _agreement([1, 1, 1], [1, 1, 1]) == 1.0  # sklearn says nan here
    assert _agreement([0, 1, 0, 1], [1, 0, 1, 0]) == pytest.approx(-1.0)
    assert _agreement([0, 0, 1, 1], [0, 1, 1, 1]) == pytest.approx(0.5)


def test_stabilizing_predictions_needs_k_agreeing_rounds():
    stop_set = np.zeros((4, 1))
    sequence = [
        [0, 1, 0, 1],
        [1, 1, 0, 1],  # changed
        [1, 1, 0, 1],  # kappa 1
        [1, 1, 0, 1],  # kappa 1
        [1, 1, 0, 1],  # kappa 1 -> third agreeing comparison
    ]
    crit = StabilizingPredictions(stop_set, threshold=0.99, window=3)
    results = [crit(state(Predicts(p))) for p in sequence]
    assert results == [False, False, False, False, True]
    assert crit.kappas_[0] < 1 and crit.kappas_[1:] == [1.0, 1.0, 1.0]
    assert "stabilized" in crit.reason_
    crit.reset()
    assert crit.kappas_ == [] and not crit(state(Predicts(sequence[-1])))


def test_stabilizing_predictions_mean_versus_min():
    # Kappas 0.5, 1, 1: mean 0.83 passes 0.8, min 0.5 does not.
    sequence = [[0, 0, 1, 1], [0, 1, 1, 1], [0, 1, 1, 1], [0, 1, 1, 1]]
    mean = StabilizingPredictions(None, threshold=0.8, window=3)
    low = StabilizingPredictions(None, threshold=0.8, window=3, aggregate="min")
    assert [mean(state(Predicts(p))) for p in sequence][-1] is True
    assert [low(state(Predicts(p))) for p in sequence][-1] is False


def test_stabilizing_predictions_refuses_regressors_and_bad_params():
    learner = RandomSampler(LinearRegression())
    with pytest.raises(TypeError, match="not a classifier"):
        StabilizingPredictions(np.zeros((2, 1)))(state(learner))
    with pytest.raises(ValueError, match="aggregate"):
        StabilizingPredictions(None, aggregate="median")
    with pytest.raises(ValueError, match="window"):
        StabilizingPredictions(None, window=0)


def test_max_uncertainty_below():
    scores = {"values": np.array([0.2, 0.6])}
    learner = SimpleNamespace(
        n_labeled_=3, informativeness=lambda X, normalize=False: scores["values"]
    )
    crit = MaxUncertaintyBelow(0.5)
    assert not crit(state(learner))
    scores["values"] = np.array([0.2, 0.4])
    assert crit(state(learner)) and crit.max_scores_ == [0.6, 0.4]
    scores["values"] = np.array([])
    assert crit(state(learner)) and "no unlabeled" in crit.reason_
    assert not crit(state(SimpleNamespace(n_labeled_=0)))


def test_composition_evaluates_every_member_and_combines_reasons():
    calls = []

    class Counting(StoppingCriterion):
        def __init__(self, answer):
            self.answer = answer

        def _check(self, loop):
            calls.append(self)
            return self.answer

    yes, no = Counting(True), Counting(False)
    either = yes | no
    assert isinstance(either, AnyOf) and either(state())
    both = yes & no
    assert isinstance(both, AllOf) and not both(state())
    # No short-circuit: each member saw each call.
    assert calls == [yes, no, yes, no]
    assert (BudgetSpent(1) & BudgetSpent(2))(state(n_labels=2))
    combined = BudgetSpent(1) & BudgetSpent(2)
    combined(state(n_labels=3))
    assert combined.reason_ == ("budget of 1 labels spent and budget of 2 labels spent")


def test_plain_functions_and_lists_are_criteria():
    def at_three(loop):
        return loop.n_bought_ == 3

    crit = as_criterion([at_three, BudgetSpent(10)])
    assert isinstance(crit, AnyOf)
    assert crit(state(n_labels=3)) and crit.reason_ == "at_three returned True"
    assert not crit(state(n_labels=4))
    mixed = at_three | BudgetSpent(10)  # __ror__
    assert mixed(state(n_labels=10))
    assert as_criterion(None) is None
    with pytest.raises(TypeError, match="stopping criterion"):
        as_criterion(3)
    with pytest.raises(ValueError):
        AnyOf()


def test_stabilizing_predictions_stops_a_real_loop_before_the_pool_is_spent():
    X, y = load_iris(return_X_y=True)
    y_known = np.full_like(y, -1)
    y_known[[0, 50, 100]] = y[[0, 50, 100]]
    learner = UncertaintySamplingClassifier(
        LogisticRegression(max_iter=500), batch_size=3, random_state=0
    )
    crit = StabilizingPredictions(X, threshold=0.99, window=3)
    loop = annotate(learner, X, KnownLabels(y), y=y_known, stopping=crit, verbose=0)
    assert loop.stop_reason_.startswith("predictions stabilized")
    assert loop.n_bought_ < 147
    assert np.mean(crit.kappas_[-3:]) >= 0.99
    # One comparison per model: the initial one plus one per round.
    assert len(crit.kappas_) == len(loop.history_)


# `iris` (one labeled flower per species) comes from conftest.py.


def test_budget_spent_never_lets_the_loop_buy_more(iris):
    # The criterion caps the last batch: BudgetSpent(7) with batches of 3
    # buys 3 + 3 + 1, never 9, and says so.
    X, y, y_known = iris
    learner = UncertaintySamplingClassifier(
        LogisticRegression(max_iter=500), batch_size=3, random_state=0
    )
    loop = annotate(
        learner, X, KnownLabels(y), y=y_known, stopping=BudgetSpent(7), verbose=0
    )
    assert loop.n_bought_ == 7
    assert loop.stop_reason_ == "budget of 7 labels spent"
    assert [len(r["labeled"]) for r in loop.history_] == [3, 3, 1]


def test_budget_spent_stops_a_simulated_fit_too(iris):
    X, y, _ = iris
    learner = UncertaintySamplingClassifier(
        LogisticRegression(max_iter=500),
        batch_size=5,
        budget=60,
        n_initial=10,
        callbacks=[BudgetSpent(22)],
        random_state=0,
    ).fit(X, y)
    assert learner.n_labeled_ == 22


@pytest.mark.parametrize("measure", ["margin", "entropy", "least_confidence", "ratio"])
def test_max_uncertainty_below_is_on_one_scale_for_every_measure(iris, measure):
    # Normalised by the measure's upper bound, a threshold of 0.5 means "no
    # sample is half as uncertain as it could be" for every measure; margin
    # scores near 1 never fell below a threshold meant for entropy before.
    X, y, y_known = iris
    learner = UncertaintySamplingClassifier(
        LogisticRegression(max_iter=500),
        measure=measure,
        batch_size=5,
        random_state=0,
    )
    crit = MaxUncertaintyBelow(0.5)
    loop = annotate(
        learner,
        X,
        KnownLabels(y),
        y=y_known,
        stopping=crit,
        budget=140,
        verbose=0,
    )
    assert loop.stop_reason_.startswith("maximum informativeness")
    assert loop.n_bought_ < 140
    assert all(0 <= s <= 1 for s in crit.max_scores_)
