"""scikit-activeml's side of docs/migration/scikit-activeml.md (1.0.1).

Run in the peers' environment (benchmarks/peers_env.sh), not skal's:
    /tmp/skal-peers-venv/bin/python docs/migration/scikit_activeml_peer.py
Each section between "# [name]" and "# [name-end]" is shown in the guide.
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
from skactiveml.classifier import SklearnClassifier
from skactiveml.utils import MISSING_LABEL

# MISSING_LABEL (NaN) marks the unlabeled rows, so y is a float array.
y_known = np.full(len(y_train), MISSING_LABEL)
y_known[start] = y_train[start]
clf = SklearnClassifier(LogisticRegression(max_iter=1000), classes=np.arange(10))
clf.fit(X_train, y_known)
# [setup-end]

# [loop]
from skactiveml.pool import UncertaintySampling

qs = UncertaintySampling(method="margin_sampling", random_state=0)
for _ in range(5):
    # The strategy is separate from the model: pass both, every time.
    idx = qs.query(X=X_train, y=y_known, clf=clf, fit_clf=False, batch_size=10)
    y_known[idx] = y_train[idx]
    clf.fit(X_train, y_known)
print(int(np.sum(~np.isnan(y_known))), round(clf.score(X_test, y_test), 3))
# [loop-end]
assert np.sum(~np.isnan(y_known)) == 70

# [committee]
from skactiveml.pool import QueryByCommittee
from sklearn.ensemble import BaggingClassifier, RandomForestClassifier

# A bagged estimator: its estimators_ are the committee.
ensemble = SklearnClassifier(
    BaggingClassifier(
        RandomForestClassifier(n_estimators=20), n_estimators=3, random_state=0
    ),
    classes=np.arange(10),
)
qbc = QueryByCommittee(method="vote_entropy", random_state=0)
idx = qbc.query(X=X_train, y=y_known, ensemble=ensemble, batch_size=10)
y_known[idx] = y_train[idx]
# [committee-end]
assert np.sum(~np.isnan(y_known)) == 80

# [cold]
from skactiveml.pool import TypiClust

# No labels at all: typical samples of uncovered clusters.
y_none = np.full(len(y_train), MISSING_LABEL)
idx = TypiClust(random_state=0).query(X=X_train, y=y_none, batch_size=10)
# [cold-end]
assert len(set(idx)) == 10
print("scikit-activeml side: ok")
