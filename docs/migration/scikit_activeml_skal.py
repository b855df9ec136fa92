"""skal's side of docs/migration/scikit-activeml.md.

tests/test_docs.py runs this file; each section between "# [name]" and
"# [name-end]" is shown in the guide, the checks around them are not.
"""

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)
rng = np.random.default_rng(0)
start = rng.choice(len(X_train), size=20, replace=False)

# [setup]
from skal import UNLABELED, UncertaintySamplingClassifier

# UNLABELED (-1) marks the unlabeled rows: y keeps its integer labels.
y_known = np.full_like(y_train, UNLABELED)
y_known[start] = y_train[start]
# The strategy and the model are one estimator.
learner = UncertaintySamplingClassifier(
    LogisticRegression(max_iter=1000), measure="margin", batch_size=10
).fit(X_train, y_known)
# [setup-end]
assert learner.n_labeled_ == 20

# [loop]
for _ in range(5):
    idx = learner.query()  # from the pool fit() remembered
    learner.teach(y=y_train[idx], indices=idx)  # adds the labels and refits
print(learner.n_labeled_, round(learner.score(X_test, y_test), 3))
# [loop-end]
assert learner.n_labeled_ == 70
assert learner.score(X_test, y_test) > 0.8

# [committee]
from sklearn.ensemble import RandomForestClassifier

from skal import CommitteeSampler

# Bagging is built in: three members, each on a (stratified) bootstrap.
committee = CommitteeSampler(
    RandomForestClassifier(n_estimators=20),
    n_members=3,
    measure="vote_entropy",
    batch_size=10,
    random_state=0,
).fit(X_train, y_known)
idx = committee.query()
committee.teach(y=y_train[idx], indices=idx)
# [committee-end]
assert committee.n_labeled_ == 30

# [cold]
# No labels at all: the first batch comes from the cold start.
y_none = np.full_like(y_train, UNLABELED)
cold = UncertaintySamplingClassifier(
    LogisticRegression(max_iter=1000),
    batch_size=10,
    cold_start="typiclust",
    random_state=0,
).fit(X_train, y_none)
idx = cold.query()
# [cold-end]
assert len(set(idx)) == 10

# [curves]
from skal import RandomSampler
from skal.evaluation import learning_curves

# Simulated labeling on seeded, paired train/test splits, against random.
results = learning_curves(
    {
        "margin": UncertaintySamplingClassifier(
            LogisticRegression(max_iter=1000), batch_size=20, n_initial=20
        ),
        "random": RandomSampler(
            LogisticRegression(max_iter=1000), batch_size=20, n_initial=20
        ),
    },
    X,
    y,
    budget=100,
    n_repeats=2,
    random_state=0,
)
print(results.to_string())
# [curves-end]
assert set(results.learners) == {"margin", "random"}

# [scale]
import dask.array as da

# A new pool of 250,000 rows: scored chunk by chunk in bounded memory, on two
# threads; a dask array is scored where it lives, one task per block.
X_big = np.tile(X_train, (200, 1))
learner.set_params(n_jobs=2)
idx = learner.query(X_big, n_instances=100)
idx_dask = learner.query(da.from_array(X_big, chunks=(50_000, -1)), n_instances=100)
# [scale-end]
assert np.array_equal(np.sort(idx), np.sort(idx_dask))
print("skal side: ok")
