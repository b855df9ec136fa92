"""Does active learning pay? Learning curves over seeded repeats, and the
numbers that rank them against random sampling.

- :func:`learning_curves` runs every learner's simulated labeling on
  repeated, paired train/test splits (``skal.evaluation.curves``);
- :class:`LearningCurveResults` holds the curves and summarises them
  (``skal.evaluation.results``);
- :func:`area_under_learning_curve`, :func:`deficiency`,
  :func:`pooled_deficiency`, :func:`labels_to_reach` and :func:`gap_closed`
  are the curve math (``skal.evaluation.metrics``).
"""

from skal.evaluation.curves import learning_curves, make_learners
from skal.evaluation.metrics import (
    DEFICIENCY_MIN_GAP,
    area_under_learning_curve,
    deficiency,
    gap_closed,
    labels_to_reach,
    pooled_deficiency,
)
from skal.evaluation.results import LearningCurveResults

__all__ = [
    "DEFICIENCY_MIN_GAP",
    "LearningCurveResults",
    "area_under_learning_curve",
    "deficiency",
    "gap_closed",
    "labels_to_reach",
    "learning_curves",
    "make_learners",
    "pooled_deficiency",
]
