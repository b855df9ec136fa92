"""Property tests of the learning-curve math (skal.evaluation.metrics)."""

import math

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from skal.evaluation import (
    area_under_learning_curve,
    deficiency,
    gap_closed,
    labels_to_reach,
    pooled_deficiency,
)

score = st.floats(0.0, 1.0, allow_nan=False)


@st.composite
def curves(draw, n_points=None):
    k = draw(st.integers(2, 8)) if n_points is None else n_points
    steps = draw(st.lists(st.integers(1, 50), min_size=k - 1, max_size=k - 1))
    start = draw(st.integers(1, 50))
    n = np.cumsum([start, *steps]).astype(float)
    s = np.array(draw(st.lists(score, min_size=k, max_size=k)))
    return n, s


@st.composite
def paired_curves(draw):
    n, a = draw(curves())
    b = np.array(draw(st.lists(score, min_size=len(n), max_size=len(n))))
    return n, a, b


@given(curves())
def test_aulc_lies_between_the_worst_and_best_score(curve):
    n, s = curve
    aulc = area_under_learning_curve(n, s)
    assert s.min() - 1e-9 <= aulc <= s.max() + 1e-9


@given(curves(), st.floats(0.1, 10), st.floats(-1, 1))
def test_aulc_is_affine_in_the_scores_and_blind_to_the_label_unit(curve, a, c):
    n, s = curve
    base = area_under_learning_curve(n, s)
    assert math.isclose(
        area_under_learning_curve(n, a * s + c), a * base + c, abs_tol=1e-9
    )
    # Counting labels in tens changes nothing: the area is normalised.
    assert math.isclose(area_under_learning_curve(10 * n, s), base, abs_tol=1e-9)


@given(curves(), st.floats(0.0, 0.5))
def test_aulc_grows_with_every_score(curve, bump):
    n, s = curve
    assert area_under_learning_curve(n, s + bump) >= (
        area_under_learning_curve(n, s) - 1e-12
    )


@given(paired_curves(), score)
def test_deficiency_of_the_baseline_itself_is_one(curves, full):
    n, _, b = curves
    value = deficiency(n, b, n, b, full)
    assert math.isnan(value) or math.isclose(value, 1.0)


@given(paired_curves(), score)
def test_deficiency_is_non_negative_and_orders_strategies(curves, full):
    n, a, b = curves
    value = deficiency(n, a, n, b, full)
    assume(not math.isnan(value))
    assert value >= 0
    # A strategy better at every point is never more deficient.
    better = np.maximum(a, b)
    assert deficiency(n, better, n, b, full) <= value + 1e-9
    assert deficiency(n, better, n, b, full) <= 1 + 1e-9


@given(paired_curves(), score)
def test_pooling_one_repeat_is_the_plain_deficiency(curves, full):
    n, a, b = curves
    one = deficiency(n, a, n, b, full)
    pooled = pooled_deficiency([(n, a)], [(n, b)], [full])
    assert (math.isnan(one) and math.isnan(pooled)) or math.isclose(one, pooled)


@given(curves(), score)
def test_labels_to_reach_a_target_is_where_the_curve_crosses_it(curve, target):
    n, s = curve
    reach = labels_to_reach(n, s, target)
    if math.isnan(reach):
        assert s.max() < target
        return
    assert n[0] <= reach <= n[-1]
    # Before the crossing, the curve is below the target.
    assert np.all(s[n < reach - 1e-9] < target + 1e-9)
    # The interpolated curve meets the target there.
    assert math.isclose(np.interp(reach, n, s), target, abs_tol=1e-7) or (
        reach == n[0] and s[0] >= target
    )


@given(curves(), st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_a_higher_target_needs_no_fewer_labels(curve, t1, t2):
    n, s = curve
    lo, hi = sorted((t1, t2))
    r_lo, r_hi = labels_to_reach(n, s, lo), labels_to_reach(n, s, hi)
    if not math.isnan(r_hi):
        assert not math.isnan(r_lo) and r_lo <= r_hi + 1e-9


finals = st.lists(st.tuples(score, score, score), min_size=1, max_size=20)


@given(finals)
def test_gap_closed_of_the_baseline_is_zero_and_of_the_whole_pool_one(rows):
    _, b, full = map(np.array, zip(*rows, strict=True))
    assume(np.sum(full - b) >= 0.01 * len(b))
    assert math.isclose(gap_closed(b, b, full), 0.0, abs_tol=1e-9)
    assert math.isclose(gap_closed(full, b, full), 1.0)


@given(finals, st.floats(0.1, 10), st.floats(-1, 1), st.randoms())
@settings(max_examples=50)
def test_gap_closed_is_paired_and_unit_free(rows, scale, shift, rnd):
    a, b, full = map(np.array, zip(*rows, strict=True))
    value = gap_closed(a, b, full)
    assume(not math.isnan(value))
    order = list(range(len(a)))
    rnd.shuffle(order)
    # The order of the repeats does not matter, only their pairing...
    assert math.isclose(gap_closed(a[order], b[order], full[order]), value)
    # ...and neither does the unit of the score (points or fractions).
    t = lambda v: scale * v + shift  # noqa: E731
    if np.sum(t(full) - t(b)) >= 0.01 * len(b):
        assert math.isclose(
            gap_closed(t(a), t(b), t(full)), value, rel_tol=1e-6, abs_tol=1e-9
        )


@given(finals, st.floats(0.0, 0.5))
def test_gap_closed_grows_with_the_strategy_scores(rows, bump):
    a, b, full = map(np.array, zip(*rows, strict=True))
    value = gap_closed(a, b, full)
    assume(not math.isnan(value))
    assert gap_closed(a + bump, b, full) >= value - 1e-12


def test_gap_closed_refuses_unpaired_repeats():
    import pytest

    with pytest.raises(ValueError, match="one length"):
        gap_closed([0.9, 0.8], [0.7], [1.0, 1.0])
    assert math.isnan(gap_closed([0.9], [0.95], [0.951]))
