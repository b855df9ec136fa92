"""
Pool-based active learning by hand
==================================

Fit, query, label, teach, repeat. Most rows of the pool are unlabeled
(``-1``). Each round the learner picks the ten rows it is least sure about
(margin sampling); here the known digits labels play the annotator. The
accuracy on a held-out test set climbs as the labels arrive.

Run: ``python examples/pool_based_loop.py``
"""

# %%
# A pool with twenty labels
# -------------------------
# Every row of the pool whose label is not known is marked
# :data:`~skal.UNLABELED`; twenty random rows start labeled.

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skal import UNLABELED, UncertaintySamplingClassifier

X, y = load_digits(return_X_y=True)
X_pool, X_test, y_pool, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)

rng = np.random.default_rng(0)
y_known = np.full_like(y_pool, UNLABELED)
start = rng.choice(len(y_pool), size=20, replace=False)
y_known[start] = y_pool[start]

# %%
# The learner
# -----------
# Any classifier with ``predict_proba`` (a Pipeline too) wrapped in
# :class:`~skal.UncertaintySamplingClassifier`; ``fit`` trains on the labeled
# rows and remembers the others as the pool.

learner = UncertaintySamplingClassifier(
    make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
    measure="margin",
    batch_size=10,
    random_state=0,
).fit(X_pool, y_known)

# %%
# Query, label, teach
# -------------------
# ``query`` returns positions into the pool, most informative first; an
# annotator would label ``X_pool[idx]``, here the known labels answer.

print(f"labels {learner.n_labeled_:4d}  accuracy {learner.score(X_test, y_test):.3f}")
for _ in range(8):
    idx = learner.query()  # positions into X_pool, most informative first
    answers = y_pool[idx]  # an annotator would label X_pool[idx] here
    learner.teach(y=answers, indices=idx)
    print(
        f"labels {learner.n_labeled_:4d}  accuracy {learner.score(X_test, y_test):.3f}"
    )
