"""Pick a strategy, a batch size and the model's C with GridSearchCV.

With ``budget`` set, ``fit`` simulates labeling ``budget`` samples chosen by
the strategy, and ``score`` is the accuracy reached with them; so
cross-validation ranks strategies by what they achieve on a label budget,
with scikit-learn's own model selection.

Run: python examples/grid_search_strategy.py
"""

from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skal import UncertaintySamplingClassifier

X, y = load_breast_cancer(return_X_y=True)
learner = UncertaintySamplingClassifier(
    make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
    budget=40,
    n_initial=10,
    random_state=0,
)
search = GridSearchCV(
    learner,
    {
        "measure": ["margin", "entropy", "least_confidence"],
        "batch_size": [5, 15],
        "estimator__logisticregression__C": [0.1, 1.0],
    },
    cv=3,
).fit(X, y)
print("best:", search.best_params_)
print(f"accuracy with 40 labels (cross-validated): {search.best_score_:.3f}")
