"""
Where would the learner ask?
============================

Informativeness over a 2-d pool. After a short simulated run on three blobs,
:class:`~skal.plotting.InformativenessDisplay` colours every pool sample (and
the plane behind it) by the learner's informativeness: margin sampling wants
the samples between classes. Red circles mark the next batch, crosses the
samples already labeled.

Run: ``python examples/informativeness_2d.py`` (writes
``informativeness_2d.png``)
"""

from sklearn.datasets import make_blobs
from sklearn.linear_model import LogisticRegression

from skal import UncertaintySamplingClassifier
from skal.plotting import InformativenessDisplay

# %%
# Thirty labels bought by margin sampling
# ---------------------------------------
# With ``budget`` set and every label known, ``fit`` simulates the labeling
# loop: it hides the labels and buys them eight at a time.

X, y = make_blobs(n_samples=300, centers=3, cluster_std=1.2, random_state=0)
learner = UncertaintySamplingClassifier(
    LogisticRegression(), measure="margin", batch_size=8, budget=30, random_state=0
).fit(X, y)

# %%
# The informativeness of the pool
# -------------------------------

display = InformativenessDisplay.from_estimator(
    learner, X, labeled=learner.labeled_indices_
)
display.ax_.set_title("margin sampling after 30 labels")
display.figure_.savefig("informativeness_2d.png", dpi=100)
print(f"next batch: {len(display.query_indices)} samples; wrote informativeness_2d.png")
