"""Matplotlib displays, in the style of scikit-learn's ``*Display`` objects.

- :class:`ActiveLearningCurveDisplay`: learning curves of several strategies
  (mean over repeats, with a band of one standard deviation), random sampling
  drawn dashed as the baseline to beat.
- :class:`InformativenessDisplay`: where a learner would query in a 2-d pool:
  the informativeness of every sample, over the plane, and the next batch.

Like scikit-learn's displays, each is built with ``from_*`` class methods (or
from precomputed values), draws with ``plot`` on a given or new ``ax``,
and keeps the matplotlib artists it drew as attributes ending in ``_``.
matplotlib is imported only when something is drawn.
"""

from skal.plotting._curves import ActiveLearningCurveDisplay
from skal.plotting._informativeness import InformativenessDisplay

__all__ = ["ActiveLearningCurveDisplay", "InformativenessDisplay"]
