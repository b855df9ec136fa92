"""Informativeness measures: model outputs in, one score per sample out.

Every function here is pure numpy/scipy, vectorised over samples, and follows
one convention: **higher means more informative**. Nothing here knows about
estimators or state, so the math can be property-tested on its own.

Shapes
------
- ``proba``: ``(n_samples, n_classes)``, rows on the probability simplex.
- ``member_proba``: ``(n_members, n_samples, n_classes)``, one ``proba`` per
  committee member, ensemble member or stochastic (MC-dropout) forward pass.
- ``votes``: ``(n_members, n_samples)`` integer class indices in
  ``[0, n_classes)``.

The registry :data:`MEASURES` holds every measure as a :class:`Measure`
with one calling convention, ``measure(values)``, what it reads, and the
range of its scores; the learners' ``measure=`` parameter takes its names.
"""

from skal.scoring._checks import PROBA_ATOL, check_proba
from skal.scoring._measures import (
    committee_variance,
    consensus_entropy,
    entropy,
    kl_max_disagreement,
    least_confidence,
    margin,
    mean_std,
    mutual_information,
    ratio,
    variation_ratios,
    vote_entropy,
    vote_fractions,
)
from skal.scoring._registry import (
    ALIASES,
    INPUTS,
    MEASURES,
    Measure,
    feed,
    get_measure,
    measures_for,
)

__all__ = [
    "ALIASES",
    "INPUTS",
    "MEASURES",
    "PROBA_ATOL",
    "Measure",
    "check_proba",
    "feed",
    "get_measure",
    "measures_for",
    "vote_fractions",
    "least_confidence",
    "margin",
    "ratio",
    "entropy",
    "vote_entropy",
    "consensus_entropy",
    "kl_max_disagreement",
    "variation_ratios",
    "mutual_information",
    "mean_std",
    "committee_variance",
]
