"""modAL's side of docs/migration/modal.md (modAL-python 0.4.2.1).

Run in the peers' environment (benchmarks/peers_env.sh), not skal's:
    /tmp/skal-peers-venv/bin/python docs/migration/modal_peer.py
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

# [learner]
from modAL.models import ActiveLearner
from modAL.uncertainty import margin_sampling

# The labeled rows go in; the pool is yours to keep.
learner = ActiveLearner(
    estimator=LogisticRegression(max_iter=1000),
    query_strategy=margin_sampling,
    X_training=X_train[start],
    y_training=y_train[start],
)
X_pool = np.delete(X_train, start, axis=0)
y_pool = np.delete(y_train, start)
# [learner-end]

# [loop]
for _ in range(5):
    # Positions into X_pool, and the rows themselves.
    query_idx, query_rows = learner.query(X_pool, n_instances=10)
    learner.teach(X_pool[query_idx], y_pool[query_idx])
    # Keep the pool in step by hand.
    X_pool = np.delete(X_pool, query_idx, axis=0)
    y_pool = np.delete(y_pool, query_idx)
print(len(learner.y_training), round(learner.score(X_test, y_test), 3))
# [loop-end]
assert len(learner.y_training) == 70

# [committee]
from modAL.disagreement import vote_entropy_sampling
from modAL.models import Committee
from sklearn.ensemble import RandomForestClassifier

members = [
    ActiveLearner(
        estimator=RandomForestClassifier(n_estimators=20, random_state=seed),
        X_training=X_train[start],
        y_training=y_train[start],
        bootstrap_init=True,  # each member on a bootstrap resample
    )
    for seed in range(3)
]
committee = Committee(learner_list=members, query_strategy=vote_entropy_sampling)
query_idx, _ = committee.query(X_pool, n_instances=10)
committee.teach(X_pool[query_idx], y_pool[query_idx], bootstrap=True)
# [committee-end]
assert len(committee.learner_list[0].y_training) == 30  # 20 + 10

# [batch]
from functools import partial

from modAL.batch import uncertainty_batch_sampling

# Ranked batch mode (Cardoso et al. 2017): uncertain and diverse.
batch_learner = ActiveLearner(
    estimator=LogisticRegression(max_iter=1000),
    query_strategy=partial(uncertainty_batch_sampling, n_instances=10),
    X_training=X_train[start],
    y_training=y_train[start],
)
query_idx, _ = batch_learner.query(X_pool)
# [batch-end]
assert len(query_idx) == 10
print("modAL side: ok")
