"""The learner contract (skal.utils.estimator_checks) on every public learner:
the same batch whatever the chunks, jobs and dask pool; a query is a function
of state; pickling mid-loop; atomic teach; clean batches; scores that match
informativeness. The neural learners run it in tests/neural."""

import numpy as np
import pytest
from sklearn.linear_model import BayesianRidge, LogisticRegression, Ridge
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeRegressor

import skal
from skal import (
    AdaptiveSampler,
    CommitteeRegressor,
    CommitteeSampler,
    ExpectedErrorReductionClassifier,
    ExpectedModelChangeClassifier,
    RandomSampler,
    RepresentativeSampler,
    SelfTraining,
    UncertaintySamplingClassifier,
    UncertaintySamplingRegressor,
)
from skal.utils.estimator_checks import (
    CHECKS,
    check_learner,
    parametrize_with_checks,
)

LR = LogisticRegression(max_iter=300)
PIPE = make_pipeline(StandardScaler(), LogisticRegression(max_iter=300))

LEARNERS = [
    AdaptiveSampler(PIPE),
    AdaptiveSampler(LR, exploration=0.5, self_training=None, feature_space="input"),
    UncertaintySamplingClassifier(LR),
    UncertaintySamplingClassifier(PIPE, measure="entropy", batch_mode="kcenter"),
    UncertaintySamplingClassifier(LR, batch_mode="ranked", density_weight=1.0),
    UncertaintySamplingClassifier(LR, batch_mode="cluster", cold_start="typiclust"),
    UncertaintySamplingClassifier(LR, self_training=SelfTraining(0.8)),
    UncertaintySamplingRegressor(BayesianRidge()),
    CommitteeSampler(LR, n_members=3),
    CommitteeSampler([LR, GaussianNB()], measure="kl_max_disagreement"),
    CommitteeRegressor(DecisionTreeRegressor(max_depth=3), n_members=3),
    ExpectedModelChangeClassifier(PIPE),
    ExpectedErrorReductionClassifier(GaussianNB(), n_candidates=8, n_eval_samples=20),
    RepresentativeSampler(LR),
    RepresentativeSampler(LR, method="density"),
    RepresentativeSampler(LR, method="typiclust"),
    RandomSampler(LR),
    RandomSampler(Ridge()),
]


@parametrize_with_checks(LEARNERS)
def test_learner_contract(learner, check):
    check(learner)


def test_every_public_learner_is_checked():
    public = {
        name
        for name in skal.__all__
        if isinstance(getattr(skal, name), type)
        and issubclass(getattr(skal, name), skal.BaseActiveLearner)
        and name != "BaseActiveLearner"
    }
    checked = {type(learner).__name__ for learner in LEARNERS}
    assert public <= checked, public - checked


class _ChunkSeeded(UncertaintySamplingClassifier):
    """A mutant: noise drawn per scoring call, the bug MC dropout had (a new
    seed per pool chunk), so the batch depends on the chunk size."""

    def _score(self, X):
        noise = np.random.default_rng(len(X)).random(len(X))
        return super()._score(X) + 1e-3 * noise


class _Forgetful(UncertaintySamplingClassifier):
    """A mutant whose queries advance hidden state."""

    def _score(self, X):
        self._calls = getattr(self, "_calls", 0) + 1
        return super()._score(X) + 1e-3 * np.random.default_rng(self._calls).random(
            len(X)
        )


@pytest.mark.parametrize(
    "mutant, check",
    [
        (_ChunkSeeded(LR), "check_chunk_invariance"),
        (_Forgetful(LR), "check_query_is_a_function_of_state"),
    ],
)
def test_the_contract_catches_what_it_promises_to(mutant, check):
    with pytest.raises(AssertionError):
        CHECKS[check](type(mutant).__name__, mutant, _data())


def _data():
    from skal.utils.estimator_checks import _default_data

    return _default_data(UncertaintySamplingClassifier(LR))


def test_check_learner_runs_every_check():
    check_learner(RandomSampler(LR))
