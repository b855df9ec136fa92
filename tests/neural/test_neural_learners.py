"""Every skal learner takes a network (Keras or PyTorch), also at the end of a
Pipeline, and runs a simulated labeling budget with it."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skal import (
    CommitteeRegressor,
    CommitteeSampler,
    ExpectedErrorReductionClassifier,
    RandomSampler,
    RepresentativeSampler,
    SelfTraining,
    UncertaintySamplingClassifier,
)
from skal.neural import (
    BADGEClassifier,
    MCDropoutClassifier,
    MCDropoutRegressor,
)

CLASSIFIER_LEARNERS = {
    "uncertainty": lambda net: UncertaintySamplingClassifier(net),
    "random": lambda net: RandomSampler(net),
    "committee": lambda net: CommitteeSampler(
        net, n_members=2, measure="consensus_entropy"
    ),
    "representative": lambda net: RepresentativeSampler(net),
    "expected_error": lambda net: ExpectedErrorReductionClassifier(
        net, n_candidates=2, n_eval_samples=20
    ),
    "self_training": lambda net: UncertaintySamplingClassifier(
        net, self_training=SelfTraining(0.8)
    ),
    "mc_dropout": lambda net: MCDropoutClassifier(net, n_passes=3),
    "badge": lambda net: BADGEClassifier(net),
}
# ExpectedModelChangeClassifier takes the gradient of a linear model's coef_;
# for networks BADGEClassifier is the gradient-based strategy.

REGRESSOR_LEARNERS = {
    "random": lambda net: RandomSampler(net),
    "committee": lambda net: CommitteeRegressor(net, n_members=2),
    "mc_dropout": lambda net: MCDropoutRegressor(net, n_passes=3),
}


def _simulate(learner, X, y):
    learner.set_params(batch_size=5, budget=15, random_state=0)
    learner.fit(X, y)
    inner = getattr(learner, "learner_", learner)
    assert inner.n_labeled_ == 15
    assert len(set(inner.labeled_indices_.tolist())) == 15
    return learner


def _torch_classifier():
    pytest.importorskip("skorch")
    from torch_nets import MLP

    from skal.neural import NeuralNetClassifier

    return NeuralNetClassifier(MLP, max_epochs=3, lr=0.1, verbose=0)


def _keras_classifier():
    pytest.importorskip("scikeras")
    import keras_nets

    from skal.neural import KerasClassifier

    return KerasClassifier(
        keras_nets.classifier,
        loss="sparse_categorical_crossentropy",
        epochs=2,
        verbose=0,
        random_state=0,
        run_eagerly=True,
    )


@pytest.mark.parametrize(
    "name, backend",
    [
        (name, backend)
        for name in CLASSIFIER_LEARNERS
        for backend in ("torch", "keras")
        # n_candidates * n_classes refits per query: covered with the faster
        # torch nets, too slow for CI with Keras.
        if (name, backend) != ("expected_error", "keras")
    ],
)
def test_every_classifier_learner_takes_a_network_in_a_pipeline(blobs, name, backend):
    X, y = blobs
    net = _torch_classifier() if backend == "torch" else _keras_classifier()
    learner = CLASSIFIER_LEARNERS[name](make_pipeline(StandardScaler(), net))
    learner = _simulate(learner, X, y)
    proba = learner.predict_proba(X[:5])
    assert proba.shape == (5, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1, atol=1e-5)


@pytest.mark.parametrize("backend", ["torch", "keras"])
@pytest.mark.parametrize("name", REGRESSOR_LEARNERS)
def test_every_regressor_learner_takes_a_network(blobs, name, backend):
    X, _ = blobs
    target = (X[:, 0] - X[:, 0].mean()) / X[:, 0].std()
    if backend == "torch":
        pytest.importorskip("skorch")
        from torch_nets import MLP

        from skal.neural import NeuralNetRegressor

        net = NeuralNetRegressor(
            MLP, module__n_out=1, module__softmax=False, max_epochs=3, verbose=0
        )
    else:
        pytest.importorskip("scikeras")
        import keras_nets

        from skal.neural import KerasRegressor

        net = KerasRegressor(
            keras_nets.regressor, loss="mse", epochs=2, verbose=0, run_eagerly=True
        )
    learner = _simulate(REGRESSOR_LEARNERS[name](net), X, target)
    assert learner.predict(X[:5]).shape == (5,)


def test_a_learner_wrapping_a_grid_search_over_a_network(blobs):
    X, y = blobs
    search = GridSearchCV(_torch_classifier(), {"max_epochs": [2, 4]}, cv=2)
    y_partial = np.full_like(y, -1)
    for c in range(3):
        y_partial[np.flatnonzero(y == c)[:4]] = c
    learner = MCDropoutClassifier(search, n_passes=3, batch_size=4, random_state=0).fit(
        X, y_partial
    )
    assert learner.estimator_.best_params_["max_epochs"] in (2, 4)
    idx = learner.query()
    learner.teach(y=y[idx], indices=idx)
    assert learner.n_labeled_ == 16
    assert clone(learner).get_params()["estimator__estimator__max_epochs"] == 3
