"""Label efficiency, issue 2 item 7: margin sampling beats random sampling.

On scikit-learn's digits with logistic regression, over ten seeded repeats
(each a fresh train/test split and initial sample, shared by both
strategies), margin sampling reaches a higher mean area under the learning
curve than random sampling with a 200-label budget.
"""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skal import RandomSampler, UncertaintySamplingClassifier
from skal.datasets import load_dataset
from skal.evaluation import area_under_learning_curve, learning_curves


@pytest.mark.slow
def test_margin_beats_random_on_digits():
    X, y = load_dataset("digits")
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    params = {"batch_size": 20, "n_initial": 20, "budget": 200}
    results = learning_curves(
        {
            "margin": UncertaintySamplingClassifier(model, measure="margin", **params),
            "random": RandomSampler(model, **params),
        },
        X,
        y,
        n_repeats=10,
        test_size=0.25,
        random_state=0,
        n_jobs=2,
    )
    summary = {row["learner"]: row for row in results.summary(as_frame=False)}
    margin, random = summary["margin"], summary["random"]
    assert margin["n_repeats"] == random["n_repeats"] == 10
    assert margin["aulc_mean"] > random["aulc_mean"]

    # Paired by seed (same split, same 20 initial labels): margin wins most
    # repeats, not just on average.
    n, margin_curves = results.curve("margin")
    _, random_curves = results.curve("random")
    assert n[0] == 20 and n[-1] == 200
    wins = [
        area_under_learning_curve(n, m) > area_under_learning_curve(n, r)
        for m, r in zip(margin_curves, random_curves, strict=True)
    ]
    assert sum(wins) >= 6
    # And it gets there with fewer labels: deficiency below 1.
    assert margin["deficiency"] < 1
    assert np.isfinite(margin["label_savings"]) and margin["label_savings"] > 0
