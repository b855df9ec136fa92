"""
Choose a strategy with GridSearchCV
===================================

Pick a strategy, a batch size and the model's ``C`` with scikit-learn's own
model selection. With ``budget`` set, ``fit`` simulates labeling ``budget``
samples chosen by the strategy, and ``score`` is the accuracy reached with
them; so cross-validation ranks strategies by what they achieve on a label
budget.

Run: ``python examples/grid_search_strategy.py``
"""

import os

from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skal import UncertaintySamplingClassifier

# %%
# A learner on a budget of 40 labels
# ----------------------------------

X, y = load_breast_cancer(return_X_y=True)
learner = UncertaintySamplingClassifier(
    make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
    budget=40,
    n_initial=10,
    random_state=0,
)

# %%
# The grid
# --------
# The strategy's parameters and the wrapped model's (``estimator__...``) in
# one grid. With ``SKAL_QUICK_EXAMPLES=1`` (the documentation's build and the
# tests) the grid keeps one batch size.

grid = {
    "measure": ["margin", "entropy", "least_confidence"],
    "batch_size": [5, 15],
    "estimator__logisticregression__C": [0.1, 1.0],
}
if os.environ.get("SKAL_QUICK_EXAMPLES") == "1":
    grid["batch_size"] = [15]
search = GridSearchCV(learner, grid, cv=3).fit(X, y)
print("best:", search.best_params_)
print(f"accuracy with 40 labels (cross-validated): {search.best_score_:.3f}")

# %%
# At full size
# ------------
# ``python examples/grid_search_strategy.py`` (both batch sizes) printed
# (the first line wrapped here)::
#
#     best: {'batch_size': 15, 'estimator__logisticregression__C': 1.0,
#            'measure': 'margin'}
#     accuracy with 40 labels (cross-validated): 0.968
#
# With two classes the uncertainty measures rank samples alike; the grid
# mostly chooses the model's regularisation and the batch size.
