"""skal's side of docs/migration/modal.md.

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

# [learner]
from skal import UNLABELED, UncertaintySamplingClassifier

# The whole pool goes in; UNLABELED (-1) marks the rows without a label.
y_known = np.full_like(y_train, UNLABELED)
y_known[start] = y_train[start]
learner = UncertaintySamplingClassifier(
    LogisticRegression(max_iter=1000), measure="margin", batch_size=10
).fit(X_train, y_known)
# [learner-end]
assert learner.n_labeled_ == 20

# [loop]
for _ in range(5):
    # Positions into the pool that fit() remembered; none is asked twice.
    idx = learner.query()
    learner.teach(y=y_train[idx], indices=idx)
print(learner.n_labeled_, round(learner.score(X_test, y_test), 3))
# [loop-end]
assert learner.n_labeled_ == 70
assert learner.score(X_test, y_test) > 0.8
assert len(set(learner.labeled_indices_)) == 70  # nothing bought twice

# [committee]
from sklearn.ensemble import RandomForestClassifier

from skal import CommitteeSampler

# One estimator, bagged into three members on bootstrap resamples.
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

# [batch]
# Ranked batch mode (Cardoso et al. 2017): uncertain and diverse.
batch_learner = UncertaintySamplingClassifier(
    LogisticRegression(max_iter=1000),
    measure="least_confidence",
    batch_size=10,
    batch_mode="ranked",
).fit(X_train, y_known)
idx = batch_learner.query()
# [batch-end]
assert len(idx) == 10 and len(set(idx)) == 10
assert not set(idx) & set(start)

# [grid]
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

# With budget= set, fit() simulates buying 60 labels from the known y,
# and score() is the accuracy they reach: strategies are hyper-parameters.
search = GridSearchCV(
    UncertaintySamplingClassifier(
        make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
        budget=60,
        batch_size=20,
        n_initial=20,
        random_state=0,
    ),
    {"measure": ["margin", "entropy"], "batch_mode": ["top_k", "ranked"]},
    cv=3,
).fit(X_train, y_train)
print(search.best_params_)
# [grid-end]
assert set(search.best_params_) == {"measure", "batch_mode"}
assert search.best_score_ > 0.7

# [journal]
import os
import tempfile

from skal import AnnotationLoop, Journal
from skal.oracles import KnownLabels

path = os.path.join(tempfile.mkdtemp(), "digits.journal.sqlite")
# Every answer is committed before the model refits; run it again with the
# same journal and it resumes where it stopped, asking nothing twice.
loop = AnnotationLoop(
    UncertaintySamplingClassifier(LogisticRegression(max_iter=1000), batch_size=10),
    X_train,
    KnownLabels(y_train),  # or TerminalOracle, WidgetOracle, a function...
    budget=30,
    journal=path,
    verbose=0,
).run()
with Journal(path, readonly=True) as journal:
    print(journal.n_labels())
# [journal-end]
with Journal(path, readonly=True) as journal:
    assert journal.n_labels() == 30
print("skal side: ok")
