"""The learner contract on the neural learners, with small torch networks,
and the MC-dropout bug it was written to catch: a new dropout seed per pool
chunk made the batch depend on working_memory."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from torch_nets import MLP  # noqa: E402

from skal._random import draw_seed  # noqa: E402
from skal.neural import (  # noqa: E402
    BADGEClassifier,
    MCDropoutClassifier,
    MCDropoutRegressor,
    NeuralNetClassifier,
    NeuralNetRegressor,
    mc_dropout_proba,
)
from skal.scoring import feed  # noqa: E402
from skal.utils.estimator_checks import CHECKS, parametrize_with_checks  # noqa: E402


def classifier_net():
    return NeuralNetClassifier(
        MLP, max_epochs=3, lr=0.1, verbose=0, classes=[0, 1, 2], module__hidden=8
    )


def regressor_net():
    return NeuralNetRegressor(
        MLP,
        max_epochs=3,
        lr=0.05,
        verbose=0,
        module__n_out=1,
        module__softmax=False,
        module__hidden=8,
    )


def _data(learner):
    rng = np.random.default_rng(0)
    centers = rng.normal(scale=3.0, size=(3, 4))
    X = np.vstack([c + rng.normal(size=(30, 4)) for c in centers]).astype(np.float32)
    if hasattr(learner, "classes"):
        y = np.repeat([0, 1, 2], 30)
    else:
        y = (X @ rng.normal(size=4)).astype(np.float32)
    return X, y


LEARNERS = [
    MCDropoutClassifier(classifier_net(), n_passes=3, classes=[0, 1, 2]),
    MCDropoutClassifier(
        classifier_net(), n_passes=3, batch_mode="kcenter", classes=[0, 1, 2]
    ),
    MCDropoutRegressor(regressor_net(), n_passes=3),
    BADGEClassifier(classifier_net(), classes=[0, 1, 2]),
]


@parametrize_with_checks(LEARNERS, data=_data)
def test_neural_learner_contract(learner, check):
    check(learner)


class _SeededPerChunk(MCDropoutClassifier):
    """MC dropout as it was: one fresh seed drawn for every scoring call, and
    chunks wherever working_memory put them."""

    _scan_block = 1

    def _score_at(self, X, start):
        seed = draw_seed(np.random.default_rng([self._seed, len(X), start]))
        member_proba = mc_dropout_proba(
            self.estimator_, X, self.n_passes, random_state=seed
        )

        return self._measure.core(feed(self._measure, member_proba=member_proba))


def test_the_contract_fails_the_old_per_chunk_seeding():
    mutant = _SeededPerChunk(classifier_net(), n_passes=3, classes=[0, 1, 2])
    with pytest.raises(AssertionError, match="tiny scoring chunks"):
        CHECKS["check_chunk_invariance"]("MCDropoutClassifier", mutant, _data(mutant))
