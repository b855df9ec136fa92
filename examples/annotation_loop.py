"""
The annotation loop: an oracle, stopping criteria, a journal, and resume
=========================================================================

A simulated annotator (the known digits labels) answers the questions of a
margin-sampling learner, and every answer is committed to an SQLite journal.
The first session ends after 40 labels, as if the annotator went home. The
second session opens the same journal: it retrains on those 40 labels, asks
none of them again, and goes on until the model reaches the target accuracy
on a validation set or its predictions stop changing.

Run: ``python examples/annotation_loop.py``
"""

import os
import tempfile

from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skal import UncertaintySamplingClassifier
from skal.journal import Journal
from skal.loop import AnnotationLoop
from skal.oracles import KnownLabels
from skal.stopping import StabilizingPredictions, TargetScore

# %%
# The data and the learner
# ------------------------
# A validation set measures the model; the rest is the pool to label.

X, y = load_digits(return_X_y=True)
X_pool, X_val, y_pool, y_val = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)


def make_learner():
    return UncertaintySamplingClassifier(
        make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
        measure="margin",
        batch_size=10,
        random_state=0,
    )


# %%
# The annotator
# -------------
# :class:`~skal.oracles.KnownLabels` answers from known labels; this one also
# writes down what it was asked, to show that a resumed session asks nothing
# twice.


class Annotator(KnownLabels):
    """The known labels, keeping a list of what they were asked."""

    def __init__(self, y):
        super().__init__(y)
        self.asked = []

    def ask(self, sample, index):
        self.asked.append(index)
        return super().ask(sample, index)


def report(loop, record):
    accuracy = loop.learner.score(X_val, y_val)
    print(
        f"round {record['round']:2d}  labels {record['n_bought']:3d}  "
        f"accuracy {accuracy:.3f}"
    )


# %%
# Monday: 40 labels, then the annotator goes home
# ------------------------------------------------
# Every answer is committed to the journal before the model refits.

journal = os.path.join(tempfile.mkdtemp(), "digits.journal.sqlite")

print("session 1")
monday = Annotator(y_pool)
first = AnnotationLoop(
    make_learner(),
    X_pool,
    monday,
    budget=40,
    journal=journal,
    callbacks=report,
    verbose=0,
).run()
print(f"stopped: {first.stop_reason_}")

# %%
# Tuesday: resume from the journal
# --------------------------------
# The new loop retrains on Monday's labels and stops at the target accuracy or
# when its predictions stop changing, whichever comes first.

print("session 2 (resumed from the journal)")
tuesday = Annotator(y_pool)
stopping = TargetScore(X_val, y_val, target=0.93) | StabilizingPredictions(
    X_pool[:400], threshold=0.99, window=3
)
second = AnnotationLoop(
    make_learner(),
    X_pool,
    tuesday,
    budget=400,
    stopping=stopping,
    journal=journal,
    callbacks=report,
    verbose=0,
).run()
print(f"stopped: {second.stop_reason_}")
print(f"asked twice: {len(set(monday.asked) & set(tuesday.asked))}")
with Journal(journal, readonly=True) as saved:
    print(
        f"journal: {saved.n_labels()} labels from {len(monday.asked)} + "
        f"{len(tuesday.asked)} questions"
    )
