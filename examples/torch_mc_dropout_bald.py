"""
Bayesian active learning with a PyTorch MLP: MC dropout and BALD
================================================================

A small MLP with dropout, wrapped by :class:`skal.neural.NeuralNetClassifier`
(skorch with ``train_split=None`` and float32 casting), learns scikit-learn's
8x8 digits from labels bought ten at a time.
:class:`~skal.neural.MCDropoutClassifier` runs twenty forward passes with
dropout switched on for each pool sample and asks for the samples with the
highest BALD score: the passes are individually confident but disagree, so a
label would tell the model most about its own weights (Gal, Islam &
Ghahramani 2017). With ``warm_start=True`` each round continues training the
current network instead of starting from scratch. Random batches are the
baseline.

Run: ``python examples/torch_mc_dropout_bald.py``
"""

import os

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skal import UNLABELED, RandomSampler
from skal.neural import MCDropoutClassifier, NeuralNetClassifier

torch.set_num_threads(1)

# %%
# The size
# --------
# Eight rounds of ten labels, 20 epochs a fit and 20 dropout passes; with
# ``SKAL_QUICK_EXAMPLES=1`` (the documentation's build and the tests) four
# rounds, 10 epochs and 10 passes.

QUICK = os.environ.get("SKAL_QUICK_EXAMPLES") == "1"
ROUNDS, EPOCHS, PASSES = (4, 10, 10) if QUICK else (8, 20, 20)

# %%
# The network
# -----------


class MLP(torch.nn.Module):
    def __init__(self, n_in=64, hidden=64, n_out=10, dropout=0.5):
        super().__init__()
        self.layers = torch.nn.Sequential(
            torch.nn.Linear(n_in, hidden),
            torch.nn.ReLU(),
            torch.nn.Dropout(dropout),
            torch.nn.Linear(hidden, n_out),
        )

    def forward(self, X):
        return self.layers(X)


def network():
    return make_pipeline(
        StandardScaler(),
        NeuralNetClassifier(
            MLP,
            # Logits out; skorch applies the softmax when predicting.
            criterion=torch.nn.CrossEntropyLoss,
            optimizer=torch.optim.Adam,
            lr=0.01,
            max_epochs=EPOCHS,
            batch_size=32,
            # All ten output units exist from the first round on, even if the
            # first labels miss a digit: declare every class.
            classes=np.arange(10),
            verbose=0,
        ),
    )


# %%
# The labeling loop
# -----------------
# Twenty random labels, then batches chosen by the learner; the known labels
# answer.

X, y = load_digits(return_X_y=True)
X_pool, X_test, y_pool, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)
rng = np.random.default_rng(0)
start = rng.choice(len(y_pool), size=20, replace=False)


def run(learner, rounds=ROUNDS):
    """Twenty random labels, then batches chosen by the learner."""
    torch.manual_seed(0)
    y_known = np.full_like(y_pool, UNLABELED)
    y_known[start] = y_pool[start]
    learner.fit(X_pool, y_known)
    curve = [(learner.n_labeled_, learner.score(X_test, y_test))]
    for _ in range(rounds):
        idx = learner.query()
        learner.teach(y=y_pool[idx], indices=idx)  # the known labels answer
        curve.append((learner.n_labeled_, learner.score(X_test, y_test)))
    return curve


common = dict(batch_size=10, classes=np.arange(10), random_state=0)
bald = run(
    MCDropoutClassifier(
        network(), measure="bald", n_passes=PASSES, warm_start=True, **common
    )
)
random = run(RandomSampler(network(), **common))

print("labels  BALD (MC dropout)  random")
for (n, a), (_, b) in zip(bald, random, strict=True):
    print(f"{n:6d}  {a:17.3f}  {b:6.3f}")

# %%
# At full size
# ------------
# ``python examples/torch_mc_dropout_bald.py`` (8 rounds, 20 epochs, 20
# passes) printed:
#
# .. code-block:: text
#
#     labels  BALD (MC dropout)  random
#         20              0.435   0.435
#         30              0.526   0.620
#         40              0.569   0.724
#         50              0.635   0.769
#         60              0.693   0.852
#         70              0.846   0.817
#         80              0.881   0.835
#         90              0.885   0.869
#        100              0.878   0.843
#
# BALD trails random sampling while the network knows little (its dropout
# passes agree on what they have not seen) and overtakes it from about 70
# labels on. One seed only: treat the crossing point as an illustration, not
# a benchmark.
