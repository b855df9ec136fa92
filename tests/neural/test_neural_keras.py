"""Keras networks (scikeras) inside the learners: the tag adapter, MC dropout,
embeddings, BADGE, warm start and the errors for unfit networks."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("scikeras")
keras = pytest.importorskip("keras")

import keras_nets  # noqa: E402
from scikeras.wrappers import KerasClassifier as RawKerasClassifier  # noqa: E402
from sklearn.base import clone, is_classifier, is_regressor  # noqa: E402
from sklearn.model_selection import (  # noqa: E402
    GridSearchCV,
    StratifiedKFold,
    check_cv,
    cross_val_score,
)
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils import get_tags  # noqa: E402

from skal import RandomSampler, UncertaintySamplingClassifier  # noqa: E402
from skal.neural import (  # noqa: E402
    BADGEClassifier,
    KerasClassifier,
    KerasRegressor,
    MCDropoutClassifier,
    MCDropoutRegressor,
    embed,
    mc_dropout_proba,
)


def make_net(**model_kwargs):
    params = {f"model__{k}": v for k, v in model_kwargs.items()}
    return KerasClassifier(
        keras_nets.classifier,
        loss="sparse_categorical_crossentropy",
        optimizer="adam",
        optimizer__learning_rate=0.05,
        epochs=3,
        batch_size=32,
        verbose=0,
        random_state=0,
        # Tracing a tf.function costs more than training these tiny nets.
        run_eagerly=True,
        **params,
    )


def partially_labeled(y, per_class=2):
    y_partial = np.full_like(y, -1)
    for c in np.unique(y):
        y_partial[np.flatnonzero(y == c)[:per_class]] = c
    return y_partial


# --------------------------------------------------------------------- tags
def test_adapter_tags_make_it_a_classifier_for_scikit_learn(blobs):
    X, y = blobs
    net = make_net()
    # What the adapter is for: scikeras 0.13's own tags are lost on sklearn >= 1.6.
    assert not is_classifier(RawKerasClassifier(keras_nets.classifier))
    assert is_classifier(net) and is_classifier(clone(net))
    tags = get_tags(net)
    assert tags.target_tags.required and tags.classifier_tags is not None
    assert isinstance(check_cv(3, y, classifier=is_classifier(net)), StratifiedKFold)
    assert clone(net).get_params()["optimizer__learning_rate"] == 0.05
    scores = cross_val_score(net, X, y, cv=2, scoring="neg_log_loss")
    assert np.isfinite(scores).all() and (scores < 0).all()


def test_regressor_adapter_tags():
    net = KerasRegressor(keras_nets.regressor, loss="mse")
    assert is_regressor(net) and not is_classifier(net)
    assert get_tags(net).target_tags.required


# ------------------------------------------------- every learner takes a net
def test_keras_net_in_a_pipeline_inside_a_grid_searched_learner(blobs):
    X, y = blobs
    learner = UncertaintySamplingClassifier(
        make_pipeline(StandardScaler(), make_net()),
        batch_size=10,
        budget=20,
        random_state=0,
    )
    search = GridSearchCV(learner, {"measure": ["margin", "entropy"]}, cv=2)
    search.fit(X, y)
    assert search.best_estimator_.n_labeled_ == 20
    assert search.predict_proba(X[:4]).shape == (4, 3)


# -------------------------------------------------------------- MC dropout
def test_mc_dropout_passes_are_stochastic_seeded_and_leave_the_model_as_found(blobs):
    X, y = blobs
    net = make_net(batchnorm=True).fit(X, y)
    bn = net.model_.get_layer("bn")
    moving = bn.moving_mean.numpy()
    dropout = net.model_.get_layer("dropout")
    state = dropout.seed_generator.state.numpy()
    before = net.predict_proba(X)

    P = mc_dropout_proba(net, X, n_passes=5, random_state=0)
    assert P.shape == (5, len(X), 3)
    np.testing.assert_allclose(P.sum(axis=2), 1, atol=1e-5)
    assert P.std(axis=0).max() > 1e-3, "dropout was not active"
    np.testing.assert_allclose(P, mc_dropout_proba(net, X, 5, random_state=0))
    assert not np.allclose(P, mc_dropout_proba(net, X, 5, random_state=1))
    # Batch norm ran in inference mode: moving statistics untouched.
    np.testing.assert_array_equal(bn.moving_mean.numpy(), moving)
    assert bn.trainable
    np.testing.assert_array_equal(dropout.seed_generator.state.numpy(), state)
    np.testing.assert_allclose(net.predict_proba(X), before, atol=1e-6)


def test_mc_dropout_learner_and_badge_with_keras(blobs):
    X, y = blobs
    y_partial = partially_labeled(y)
    learner = MCDropoutClassifier(
        make_net(), n_passes=4, batch_size=5, random_state=0
    ).fit(X, y_partial)
    idx, scores = learner.query(return_scores=True)
    assert len(set(idx.tolist())) == 5 and np.all(scores >= 0)
    badge = BADGEClassifier(make_net(), batch_size=5, random_state=0)
    idx = badge.fit(X, y_partial).query()
    assert len(set(idx.tolist())) == 5
    assert not np.isin(idx, badge.labeled_indices_).any()


def test_mc_dropout_regressor_with_keras(blobs):
    X, y = blobs
    target = (X[:, 0] - X[:, 0].mean()) / X[:, 0].std()
    target[20:] = np.nan
    net = KerasRegressor(keras_nets.regressor, loss="mse", epochs=2, verbose=0)
    learner = MCDropoutRegressor(net, n_passes=4, batch_size=3, random_state=0)
    idx, scores = learner.fit(X, target).query(return_scores=True)
    assert np.all(idx >= 20) and np.all(scores > 0)


# -------------------------------------------------------------- warm start
def test_warm_start_continues_the_same_keras_model(blobs):
    X, y = blobs
    learner = MCDropoutClassifier(
        make_net(), n_passes=3, batch_size=5, warm_start=True, random_state=0
    ).fit(X, partially_labeled(y))
    first, model = learner.estimator_, learner.estimator_.model_
    weights = model.get_layer("hidden").get_weights()[0].copy()
    idx = learner.query()
    learner.teach(y=y[idx], indices=idx)
    assert learner.estimator_ is first and learner.estimator_.model_ is model
    assert not np.allclose(model.get_layer("hidden").get_weights()[0], weights)
    # scikeras forgets classes_ on a warm fit; the adapter keeps them.
    np.testing.assert_array_equal(learner.estimator_.classes_, [0, 1, 2])
    assert learner.predict_proba(X).shape == (len(X), 3)


# ---------------------------------------------------------------- embedding
def test_embed_takes_the_input_of_the_output_layer_or_a_named_layer(blobs):
    X, y = blobs
    net = make_net().fit(X, y)
    H = embed(net, X)
    assert H.shape == (len(X), 16)
    hidden = keras.Model(net.model_.inputs[0], net.model_.get_layer("hidden").output)
    # Dropout is the identity at inference, so the output layer reads "hidden".
    np.testing.assert_allclose(H, np.asarray(hidden(X)), atol=1e-5)
    np.testing.assert_allclose(embed(net, X, layer="hidden"), H, atol=1e-6)
    with pytest.raises(ValueError, match="not a layer of the network"):
        embed(net, X, layer="nope")


# ------------------------------------------------------------------ errors
def test_non_probability_output_is_a_clear_error(blobs):
    X, y = blobs
    net = make_net(activation="linear").set_params(
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    )
    net.fit(X, y)
    with pytest.raises(ValueError, match="not probabilities.*activation='softmax'"):
        net.predict_proba(X)


def test_missing_dropout_is_a_clear_error(blobs):
    X, y = blobs
    net = make_net(dropout=0).fit(X, y)
    with pytest.raises(ValueError, match="needs dropout layers.*keras.layers.Dropout"):
        mc_dropout_proba(net, X, 3)


def test_output_width_not_matching_the_classes_is_a_clear_error(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="output layer has 5 units but y has 3"):
        make_net(units=5).fit(X, y)


def test_a_seeded_network_does_not_leave_tensorflow_deterministic():
    # TensorFlow caches TF_DETERMINISTIC_OPS at its first look; a fresh process
    # is the only place where scikeras' random_state can be the first.
    code = (
        "import os, sys; os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'; "
        f"sys.path.insert(0, {str(Path(__file__).parent)!r}); "
        "import numpy as np, keras_nets; "
        "from skal.neural import KerasClassifier; "
        "X = np.random.default_rng(0).normal(size=(30, 4)).astype('float32'); "
        "y = np.arange(30) % 3; "
        "kw = dict(loss='sparse_categorical_crossentropy', epochs=1, verbose=0); "
        "KerasClassifier(keras_nets.classifier, random_state=0, **kw).fit(X, y); "
        "KerasClassifier(keras_nets.classifier, **kw).fit(X, y)"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-2000:]


def test_importing_the_wrapper_prints_nothing_unless_asked():
    """TensorFlow's C++ start-up lines are hidden; a user who sets
    TF_CPP_MIN_LOG_LEVEL sees what that level shows."""
    import os

    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    code = (
        "import sys; from skal.neural import KerasClassifier; "
        "print('after', file=sys.stderr)"
    )
    quiet = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env
    )
    assert quiet.returncode == 0, quiet.stderr[-2000:]
    # stderr itself still works after the import.
    assert quiet.stderr == "after\n"
    asked = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**env, "TF_CPP_MIN_LOG_LEVEL": "0"},
    )
    assert asked.returncode == 0 and len(asked.stderr.splitlines()) > 1


@pytest.mark.parametrize("learner_cls", [UncertaintySamplingClassifier, RandomSampler])
def test_generic_learners_warm_start_a_keras_net(blobs, learner_cls):
    X, y = blobs
    learner = learner_cls(
        make_net(), batch_size=5, warm_start=True, random_state=0
    ).fit(X, partially_labeled(y))
    first, model = learner.estimator_, learner.estimator_.model_
    idx = learner.query()
    learner.teach(y=y[idx], indices=idx)
    assert learner.estimator_ is first and learner.estimator_.model_ is model
    cold = clone(learner).set_params(warm_start=False).fit(X, partially_labeled(y))
    model = cold.estimator_.model_
    cold.teach(y=y[idx], indices=idx)
    assert cold.estimator_.model_ is not model
