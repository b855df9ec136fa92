"""Bayesian active learning with a PyTorch MLP: MC dropout and BALD.

A small MLP with dropout, wrapped by ``skal.neural.NeuralNetClassifier``
(skorch with ``train_split=None`` and float32 casting), learns scikit-learn's
8x8 digits from labels bought ten at a time. ``MCDropoutClassifier`` runs
twenty forward passes with dropout switched on for each pool sample and asks
for the samples with the highest BALD score: the passes are individually
confident but disagree, so a label would tell the model most about its own
weights (Gal, Islam & Ghahramani 2017). With ``warm_start=True`` each round
continues training the current network instead of starting from scratch.
Random batches are the baseline.

Run: python examples/torch_mc_dropout_bald.py
"""

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skal import UNLABELED, RandomSampler
from skal.neural import MCDropoutClassifier, NeuralNetClassifier

torch.set_num_threads(1)


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
            max_epochs=20,
            batch_size=32,
            # All ten output units exist from the first round on, even if the
            # first labels miss a digit: declare every class.
            classes=np.arange(10),
            verbose=0,
        ),
    )


X, y = load_digits(return_X_y=True)
X_pool, X_test, y_pool, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)
rng = np.random.default_rng(0)
start = rng.choice(len(y_pool), size=20, replace=False)


def run(learner, rounds=8):
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
        network(), measure="bald", n_passes=20, warm_start=True, **common
    )
)
random = run(RandomSampler(network(), **common))

print("labels  BALD (MC dropout)  random")
for (n, a), (_, b) in zip(bald, random, strict=True):
    print(f"{n:6d}  {a:17.3f}  {b:6.3f}")
