"""Compare strategies with random sampling: learning curves over seeded repeats.

The library version of ``skal compare``: every learner runs a simulated
labeling loop (``budget`` labels, the known labels as the oracle) on the same
seeded train/test splits; the table summarises each learning curve (final
accuracy, area under the curve, deficiency and label savings against random
sampling), and the plot shows mean and spread.

Run: python examples/compare_strategies.py  (writes compare_strategies.png)
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skal import RandomSampler, UncertaintySamplingClassifier  # noqa: E402
from skal.evaluation import learning_curves  # noqa: E402
from skal.plotting import ActiveLearningCurveDisplay  # noqa: E402

X, y = load_digits(return_X_y=True)
model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
settings = {"batch_size": 20, "n_initial": 20}
learners = {
    "margin": UncertaintySamplingClassifier(model, measure="margin", **settings),
    "entropy": UncertaintySamplingClassifier(model, measure="entropy", **settings),
    "random": RandomSampler(model, **settings),
}
results = learning_curves(
    learners, X, y, budget=160, n_repeats=4, random_state=0, n_jobs=2
)
print(results.to_string())

fig, ax = plt.subplots(figsize=(7, 4.5))
ActiveLearningCurveDisplay.from_results(results, ax=ax)
fig.tight_layout()
fig.savefig("compare_strategies.png", dpi=100)
print("wrote compare_strategies.png")
