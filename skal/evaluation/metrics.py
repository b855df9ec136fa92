"""The numbers that summarise learning curves: pure numpy, usable on curves
from anywhere.

- :func:`area_under_learning_curve`: the normalised area (AULC), the mean
  score over the label range.
- :func:`deficiency` (and :func:`pooled_deficiency` over repeats): Baram,
  El-Yaniv and Luz (2004); below 1 means the strategy is closer to the best
  score than random sampling, on average over the label range.
- :func:`labels_to_reach`: how many labels a curve needs to reach a score,
  which gives the label savings against random sampling.
- :func:`gap_closed`: the share of the gap between random sampling and the
  whole pool that a strategy's final score closes.
"""

import math

import numpy as np

__all__ = [
    "DEFICIENCY_MIN_GAP",
    "area_under_learning_curve",
    "deficiency",
    "gap_closed",
    "labels_to_reach",
    "pooled_deficiency",
]


def _check_curve(n_labeled, scores):
    n_labeled = np.asarray(n_labeled, dtype=float)
    scores = np.asarray(scores, dtype=float)
    if n_labeled.ndim != 1 or scores.shape != n_labeled.shape:
        raise ValueError(
            "n_labeled and scores must be 1-d arrays of the same length, got "
            f"shapes {n_labeled.shape} and {scores.shape}."
        )
    if n_labeled.size == 0:
        raise ValueError("A learning curve needs at least one point.")
    if np.any(np.diff(n_labeled) <= 0):
        raise ValueError("n_labeled must be strictly increasing.")
    return n_labeled, scores


def area_under_learning_curve(n_labeled, scores):
    """Normalised area under a learning curve (AULC).

    The trapezoidal area under ``scores`` against ``n_labeled``, divided by
    the width of the label range: the mean score over the labels spent, in
    the units of the score (so in [0, 1] for accuracy). A strategy that gets
    good early has a larger AULC than one reaching the same final score late.

    Parameters
    ----------
    n_labeled : array-like of shape (n_points,)
        Strictly increasing label counts.
    scores : array-like of shape (n_points,)
        Score after each count.

    Returns
    -------
    aulc : float
        With a single point, that point's score.

    Examples
    --------
    >>> from skal.evaluation import area_under_learning_curve
    >>> area_under_learning_curve([10, 20, 30], [0.5, 0.7, 0.9])
    0.7
    >>> area_under_learning_curve([10, 20, 30], [0.5, 0.9, 0.9])
    0.8
    """
    n_labeled, scores = _check_curve(n_labeled, scores)
    if n_labeled.size == 1:
        return float(scores[0])
    area = np.sum(np.diff(n_labeled) * (scores[1:] + scores[:-1]) / 2)
    return float(round(area / (n_labeled[-1] - n_labeled[0]), 12))


def deficiency(n_labeled, scores, baseline_n_labeled, baseline_scores, full_score):
    """Deficiency of a learning curve against a baseline (Baram et al. 2004).

    .. math::

        \\mathrm{def} = \\frac{\\sum_t (a^* - a_t)}{\\sum_t (a^* - r_t)}

    where ``a_t`` and ``r_t`` are the scores of the strategy and of the
    baseline (random sampling) after ``t`` labels. The sum runs over every
    integer label count in the range both curves cover, with the curves
    interpolated linearly between rounds. Below 1: the strategy closes the
    gap to ``a*`` faster than the baseline; 1: no better; above 1: worse.

    Baram et al. take ``a*`` as the score of the model trained on every
    training label, assuming no curve exceeds it. On a small test set a
    curve often does, and the ratio of two tiny or negative gaps then
    explodes (a strategy better by every other measure can get 1.4 +- 1.3).
    Here ``a*`` is the largest of ``full_score`` and every score of both
    curves, so that both gaps are non-negative, and the deficiency is NaN when
    the baseline's mean gap is below 0.01 (one point of accuracy): random
    sampling is then as good as the best score seen, and there is nothing to
    be deficient against.

    Parameters
    ----------
    n_labeled, scores : array-like of shape (n_points,)
        The strategy's learning curve.
    baseline_n_labeled, baseline_scores : array-like of shape (n_base,)
        The baseline's learning curve.
    full_score : float
        Score reached with every training label.

    Returns
    -------
    deficiency : float
        NaN when it is not meaningful (see above) or the curves share no label
        count.

    References
    ----------
    .. [1] Y. Baram, R. El-Yaniv and K. Luz, "Online choice of active
       learning algorithms", JMLR 5, 2004.

    Examples
    --------
    >>> from skal.evaluation import deficiency
    >>> n = [10, 20, 30]
    >>> deficiency(n, [0.7, 0.8, 0.85], n, [0.5, 0.7, 0.8], full_score=0.9)
    0.5
    >>> deficiency(n, [0.5, 0.7, 0.8], n, [0.5, 0.7, 0.8], full_score=0.9)
    1.0
    >>> round(deficiency(n, [0.9, 0.95, 0.95], n, [0.5, 0.7, 0.8], full_score=0.9), 4)
    0.0474
    """
    gaps = _gaps(n_labeled, scores, baseline_n_labeled, baseline_scores, full_score)
    if gaps is None:
        return float("nan")
    gap_a, gap_b, n_points = gaps
    if gap_b < DEFICIENCY_MIN_GAP * n_points:
        return float("nan")
    return float(round(gap_a / gap_b, 12))


#: Mean gap (in score units) below which the baseline is as good as the best
#: score seen and :func:`deficiency` is not defined.
DEFICIENCY_MIN_GAP = 0.01


def _gaps(n_labeled, scores, baseline_n_labeled, baseline_scores, full_score):
    """Summed gaps to ``a*`` of a curve and its baseline, and their length."""
    n_a, s_a = _check_curve(n_labeled, scores)
    n_b, s_b = _check_curve(baseline_n_labeled, baseline_scores)
    lo = math.ceil(max(n_a[0], n_b[0]))
    hi = math.floor(min(n_a[-1], n_b[-1]))
    if hi < lo:
        return None
    best = max(float(full_score), float(s_a.max()), float(s_b.max()))
    t = np.arange(lo, hi + 1, dtype=float)
    gap_a = float(np.sum(best - np.interp(t, n_a, s_a)))
    gap_b = float(np.sum(best - np.interp(t, n_b, s_b)))
    return gap_a, gap_b, t.shape[0]


def pooled_deficiency(curves, baselines, full_scores):
    """Deficiency of repeated curves, pooled: summed gaps over summed gaps.

    A mean of per-repeat ratios is dominated by the repeats whose baseline gap
    is smallest; the ratio of the gaps summed over repeats weighs each repeat
    by how much there was to gain.

    Parameters
    ----------
    curves, baselines : list of (n_labeled, scores)
        The strategy's and the baseline's curve of each repeat, paired.
    full_scores : list of float
        Each repeat's ``full_score``.

    Returns
    -------
    deficiency : float
        NaN when the baseline's mean gap over all repeats is below
        :data:`DEFICIENCY_MIN_GAP`.

    Examples
    --------
    >>> from skal.evaluation import pooled_deficiency
    >>> n = [10, 20, 30]
    >>> pooled_deficiency([(n, [0.7, 0.8, 0.85])], [(n, [0.5, 0.7, 0.8])], [0.9])
    0.5
    """
    total_a = total_b = points = 0.0
    for (n_a, s_a), (n_b, s_b), full in zip(
        curves, baselines, full_scores, strict=True
    ):
        gaps = _gaps(n_a, s_a, n_b, s_b, full)
        if gaps is not None:
            total_a += gaps[0]
            total_b += gaps[1]
            points += gaps[2]
    if not points or total_b < DEFICIENCY_MIN_GAP * points:
        return float("nan")
    return float(round(total_a / total_b, 12))


def gap_closed(scores, baseline_scores, full_scores):
    """Share of the gap from the baseline to the whole pool a strategy closes.

    Paired over repeats and pooled like :func:`pooled_deficiency`: the summed
    gains over random sampling divided by the summed gaps between random
    sampling and a model trained on the whole pool. 1 means the strategy's
    labels were as good as every label of the pool; 0, no better than the
    baseline's; negative, worse.

    Parameters
    ----------
    scores, baseline_scores, full_scores : array-like of shape (n_repeats,)
        Per repeat: the strategy's final score, the baseline's final score
        with the same budget, and the whole pool's score.

    Returns
    -------
    gap_closed : float
        NaN when the mean gap is below :data:`DEFICIENCY_MIN_GAP` (the
        baseline already matches the whole pool).

    Examples
    --------
    >>> from skal.evaluation import gap_closed
    >>> gap_closed([0.95, 0.94], [0.91, 0.92], [0.96, 0.97])
    0.6
    """
    a, b, full = (
        np.asarray(v, dtype=float) for v in (scores, baseline_scores, full_scores)
    )
    if not a.shape == b.shape == full.shape or a.ndim != 1 or a.size == 0:
        raise ValueError(
            "scores, baseline_scores and full_scores must be 1-d, non-empty and "
            f"of one length; got shapes {a.shape}, {b.shape}, {full.shape}."
        )
    gap = float(np.sum(full - b))
    if gap < DEFICIENCY_MIN_GAP * a.size:
        return float("nan")
    return float(round(np.sum(a - b) / gap, 12))


def labels_to_reach(n_labeled, scores, target):
    """Labels a learning curve needs to reach ``target``.

    The first crossing of ``target``, interpolated linearly between the two
    rounds around it.

    Parameters
    ----------
    n_labeled : array-like of shape (n_points,)
        Strictly increasing label counts.
    scores : array-like of shape (n_points,)
        Score after each count.
    target : float
        The score to reach.

    Returns
    -------
    n : float
        NaN if the curve never reaches ``target``.

    Examples
    --------
    >>> from skal.evaluation import labels_to_reach
    >>> labels_to_reach([10, 20, 30], [0.5, 0.7, 0.9], 0.8)
    25.0
    >>> labels_to_reach([10, 20, 30], [0.5, 0.7, 0.9], 0.95)
    nan
    """
    n_labeled, scores = _check_curve(n_labeled, scores)
    reached = np.flatnonzero(scores >= target)
    if reached.size == 0:
        return float("nan")
    i = reached[0]
    if i == 0:
        return float(n_labeled[0])
    x0, x1, s0, s1 = n_labeled[i - 1], n_labeled[i], scores[i - 1], scores[i]
    return float(x0 + (target - s0) / (s1 - s0) * (x1 - x0))
