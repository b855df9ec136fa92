"""
A tiny Keras CNN: transfer learning and least-confidence batches on a budget
============================================================================

A small convolutional network learns its feature layers on a *source* task
(the digits 0-4 of scikit-learn's 8x8 digits, fully labeled). The *target*
task, the digits 5-9, starts with no labels: the learner buys them in
batches chosen by least confidence, up to a label budget. Each round trains
a new head on the pretrained features; the feature layers stay frozen while
labels are few and are fine-tuned, at a lower learning rate, once there are
enough of them. Random batches under the same schedule are the
baseline. The network is wrapped by :class:`skal.neural.KerasClassifier`
(scikeras with scikit-learn >= 1.6 tags) and sees flat rows; it reshapes them
to images itself.

Run: ``python examples/keras_digits_cnn.py``
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skal import UNLABELED, RandomSampler, UncertaintySamplingClassifier
from skal.neural import KerasClassifier

# %%
# The size
# --------
# 100 labels in batches of 20, 15 epochs a fit; with ``SKAL_QUICK_EXAMPLES=1``
# (the documentation's build and the tests) 40 labels and 8 epochs.

QUICK = os.environ.get("SKAL_QUICK_EXAMPLES") == "1"
BUDGET = 40 if QUICK else 100  # labels the annotator can afford on the target
BATCH = 20
FINE_TUNE_AT = 40 if QUICK else 60  # from this many labels on, fine-tune
EPOCHS = 8 if QUICK else 15

# %%
# The network
# -----------
# Feature layers that transfer, and a new head per task.


def feature_layers():
    """The convolutional part that transfers between tasks."""
    return keras.Sequential(
        [
            keras.layers.Reshape((8, 8, 1)),
            keras.layers.Conv2D(8, 3, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Conv2D(16, 3, padding="same", activation="relu"),
            keras.layers.Flatten(),
        ],
        name="features",
    )


def build(meta, base_weights=None, fine_tune=False, learning_rate=0.01):
    """Pretrained features (frozen unless fine-tuning) and a new softmax head."""
    features = feature_layers()
    inputs = keras.Input((meta["n_features_in_"],))
    hidden = keras.layers.Dropout(0.25)(features(inputs))
    outputs = keras.layers.Dense(meta["n_classes_"], activation="softmax")(hidden)
    model = keras.Model(inputs, outputs)
    if base_weights is not None:
        features.set_weights(base_weights)
    features.trainable = base_weights is None or fine_tune
    # Lower, so that the pretrained features move less than the new head; not
    # much lower, since the head starts from scratch at the same rate.
    rate = learning_rate * 0.3 if fine_tune else learning_rate
    model.compile(
        optimizer=keras.optimizers.Adam(rate), loss="sparse_categorical_crossentropy"
    )
    return model


def network(**params):
    return KerasClassifier(
        build, epochs=EPOCHS, batch_size=16, verbose=0, random_state=0, **params
    )


# %%
# Learn the features on the source task
# -------------------------------------

X, y = load_digits(return_X_y=True)
X = (X / 16.0).astype(np.float32)

# Source task: learn the feature layers where labels are plentiful.
source = y < 5
pretrained = network().fit(X[source], y[source])
base_weights = pretrained.model_.get_layer("features").get_weights()

# %%
# Buy labels for the target task
# ------------------------------
# Digits 5-9, no labels yet: the first batch is chosen by k-means (there is
# no model to be uncertain), later ones by least confidence.

# Target task: digits 5-9, no labels yet.
X_pool, X_test, y_pool, y_test = train_test_split(
    X[~source], y[~source], test_size=0.3, stratify=y[~source], random_state=0
)


def run(learner):
    """Buy labels batch by batch; the known labels play the annotator."""
    y_known = np.full_like(y_pool, UNLABELED)
    learner.set_params(estimator__model__fine_tune=False)
    learner.fit(X_pool, y_known)
    curve = []
    while True:
        idx = learner.query()  # cold start: k-means representatives
        fine_tune = learner.n_labeled_ + len(idx) >= FINE_TUNE_AT
        learner.set_params(estimator__model__fine_tune=fine_tune)
        learner.teach(y=y_pool[idx], indices=idx)
        curve.append((learner.n_labeled_, fine_tune, learner.score(X_test, y_test)))
        if learner.n_labeled_ >= BUDGET:
            return curve


common = dict(batch_size=BATCH, cold_start="kmeans", random_state=0)
curves = {
    "least confidence": run(
        UncertaintySamplingClassifier(
            network(model__base_weights=base_weights),
            measure="least_confidence",
            **common,
        )
    ),
    "random": run(RandomSampler(network(model__base_weights=base_weights), **common)),
}

print("labels  features   least confidence  random")
for (n, tuned, a), (_, _, b) in zip(*curves.values(), strict=True):
    print(f"{n:6d}  {'fine-tune' if tuned else 'frozen   '}  {a:16.3f}  {b:6.3f}")

# %%
# At full size
# ------------
# ``python examples/keras_digits_cnn.py`` (100 labels, 15 epochs) printed
# (TensorFlow's thread count moves the last digits from run to run):
#
# .. code-block:: text
#
#     labels  features   least confidence  random
#         20  frozen                0.840   0.840
#         40  frozen                0.866   0.896
#         60  fine-tune             0.926   0.881
#         80  fine-tune             0.967   0.900
#        100  fine-tune             0.967   0.941
#
# Both start from the same k-means batch, so they agree at 20 labels; least
# confidence pulls ahead once the features are fine-tuned. One seed only.
