"""Known values, edge cases and errors of skal.scoring that mutation testing
(tools/mutation.sh, docs/mutation-testing.md) found untested.

Every expected value is computed by hand or by an independent formula (a
loop over members, ``np.sort``), never copied from the implementation's
output. Several samples per call: a measure that reduces over the wrong axis
(a mean over every sample instead of over classes) gives each sample the
same score, which one-row examples cannot see.
"""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import skal.scoring._measures as measures_module
from skal import scoring
from skal.scoring import MEASURES, PROBA_ATOL, check_proba
from skal.scoring._measures import checked_margin_core

LOG2 = np.log(2.0)

# Two members, three samples, two classes: the members disagree completely
# on sample 0, agree on the uniform row on sample 1, and agree on a one-hot
# row on sample 2.
TWO_MEMBERS = np.array(
    [
        [[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]],
        [[0.0, 1.0], [0.5, 0.5], [0.0, 1.0]],
    ]
)


@pytest.mark.parametrize(
    "name, expected",
    [
        # Class stds 0.5 and 0.5 on sample 0, zero on the others.
        ("mean_std", [0.5, 0.0, 0.0]),
        # KL([1, 0] || [0.5, 0.5]) = log 2 for both members of sample 0.
        ("kl_max_disagreement", [LOG2, 0.0, 0.0]),
        # H(mean) - mean H: log 2 - 0, log 2 - log 2, 0 - 0.
        ("mutual_information", [LOG2, 0.0, 0.0]),
        ("consensus_entropy", [LOG2, LOG2, 0.0]),
    ],
)
def test_committee_measures_score_each_sample_on_its_own(name, expected):
    np.testing.assert_allclose(MEASURES[name](TWO_MEMBERS), expected, atol=1e-12)
    np.testing.assert_allclose(
        getattr(scoring, name)(TWO_MEMBERS), expected, atol=1e-12
    )


def test_single_model_measures_score_each_sample_on_its_own():
    proba = np.array([[0.6, 0.3, 0.1], [1 / 3, 1 / 3, 1 / 3], [0.0, 0.0, 1.0]])
    np.testing.assert_allclose(scoring.margin(proba), [0.7, 1.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(
        scoring.least_confidence(proba), [0.4, 2 / 3, 0.0], atol=1e-12
    )
    np.testing.assert_allclose(scoring.ratio(proba), [0.5, 1.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(
        scoring.entropy(proba),
        [-(0.6 * np.log(0.6) + 0.3 * np.log(0.3) + 0.1 * np.log(0.1)), np.log(3), 0],
        atol=1e-12,
    )


@st.composite
def committees(draw):
    n_members = draw(st.integers(1, 5))
    n_samples = draw(st.integers(1, 8))
    n_classes = draw(st.integers(1, 5))
    raw = draw(
        arrays(
            float,
            (n_members, n_samples, n_classes),
            elements=st.one_of(st.just(0.0), st.floats(1e-3, 1.0)),
        )
    )
    raw[..., 0][raw.sum(axis=2) == 0] = 1.0
    return raw / raw.sum(axis=2, keepdims=True)


@settings(max_examples=60, deadline=None)
@given(member_proba=committees())
def test_committee_measures_equal_their_formulas_sample_by_sample(member_proba):
    n_members, n_samples, _ = member_proba.shape
    for i in range(n_samples):
        rows = member_proba[:, i, :]  # (n_members, n_classes)
        consensus = rows.mean(axis=0)
        # Kampffmeyer et al.: the mean over classes of sqrt(E[p^2] - E[p]^2).
        spread = np.sqrt(np.maximum((rows**2).mean(axis=0) - consensus**2, 0.0))
        kl = [
            sum(p * np.log(p / q) for p, q in zip(row, consensus, strict=True) if p > 0)
            for row in rows
        ]
        entropy = -sum(q * np.log(q) for q in consensus if q > 0)
        mean_member_entropy = np.mean(
            [-sum(p * np.log(p) for p in row if p > 0) for row in rows]
        )
        assert scoring.mean_std(member_proba)[i] == pytest.approx(
            spread.mean(), abs=1e-7
        )
        assert scoring.kl_max_disagreement(member_proba)[i] == pytest.approx(
            max(max(kl), 0.0), abs=1e-9
        )
        assert scoring.consensus_entropy(member_proba)[i] == pytest.approx(
            entropy, abs=1e-9
        )
        assert scoring.mutual_information(member_proba)[i] == pytest.approx(
            max(entropy - mean_member_entropy, 0.0), abs=1e-9
        )


def test_bald_of_agreeing_members_is_exactly_zero_never_negative():
    # H(mean) and the mean of H of identical members differ by rounding, in
    # either direction; a negative informativeness would rank below every
    # certain sample.
    proba = np.random.default_rng(0).dirichlet(np.ones(3), size=1000)
    member_proba = np.repeat(proba[None], 3, axis=0)
    mi = scoring.mutual_information(member_proba)
    assert mi.min() >= 0.0
    np.testing.assert_allclose(mi, 0.0, atol=1e-12)


def test_margin_and_ratio_over_several_blocks_of_rows():
    # 20,000 rows: three blocks of the top-two passes, the last one partial.
    proba = np.random.default_rng(0).dirichlet(np.ones(7), size=20_000)
    ordered = np.sort(proba, axis=1)
    np.testing.assert_allclose(
        scoring.margin(proba), 1 - (ordered[:, -1] - ordered[:, -2]), atol=1e-15
    )
    np.testing.assert_allclose(
        scoring.ratio(proba), ordered[:, -2] / ordered[:, -1], atol=1e-15
    )


# ------------------------------------------------------------------ votes
def test_vote_fractions_of_several_samples():
    votes = [[0, 1, 2], [0, 1, 1], [0, 0, 2], [1, 1, 2]]
    np.testing.assert_allclose(
        scoring.vote_fractions(votes, 3),
        [[0.75, 0.25, 0.0], [0.25, 0.75, 0.0], [0.0, 0.25, 0.75]],
    )
    np.testing.assert_allclose(scoring.variation_ratios(votes, 3), [0.25] * 3)


def test_votes_are_checked_with_errors_naming_the_fix():
    with pytest.raises(ValueError, match=r"class indices in \[0, 2\); got .*\[0, 2\]"):
        scoring.vote_entropy([[0, 2]], n_classes=2)  # 2 is not a class of 2
    with pytest.raises(ValueError, match=r"Encode labels with np\.searchsorted\("):
        scoring.vote_fractions([[-1, 0]], n_classes=2)
    with pytest.raises(ValueError, match=r"votes must have shape \(n_members"):
        scoring.vote_fractions([0, 1], n_classes=2)
    with pytest.raises(ValueError, match="n_classes must be >= 1, got 0"):
        scoring.vote_fractions([[0]], n_classes=0)


# -------------------------------------------------------- committee variance
def test_committee_variance_errors_name_the_input():
    with pytest.raises(ValueError, match=r"member_predictions must have shape"):
        scoring.committee_variance([1.0, 2.0])
    with pytest.raises(ValueError, match="member_predictions contain NaN"):
        scoring.committee_variance([[1.0, np.inf]])
    # A missing prediction (None) is a NaN, refused as such.
    with pytest.raises(ValueError, match="member_predictions contain NaN"):
        scoring.committee_variance([[1.0, None]])


# ------------------------------------------------------------- check_proba
def test_errors_name_the_member_input_of_committee_measures():
    for name in MEASURES_ON_MEMBERS:
        with pytest.raises(ValueError, match=r"^member_proba must be a 3-d array"):
            getattr(scoring, name)([[0.5, 0.5]])


MEASURES_ON_MEMBERS = [
    "consensus_entropy",
    "kl_max_disagreement",
    "mutual_information",
    "mean_std",
]


def test_check_proba_error_names_the_source_the_problem_and_the_fix():
    with pytest.raises(ValueError) as info:
        check_proba([[0.9, 0.9, 0.0]])
    message = str(info.value)
    # Rows summing to 1.8 with a zero in them: the sum is the problem.
    assert message.startswith(
        "proba returned rows that are not probabilities: rows summing to "
        "between 1.8 and 1.8 instead of 1."
    )
    for fix in ("logits", "unnormalised", "softmax", "CalibratedClassifierCV"):
        assert fix in message
    # Without advice the message ends with the fix, advice comes last.
    assert message.endswith("CalibratedClassifierCV).")
    with pytest.raises(ValueError, match=r"\. Use predict_proba\.$"):
        check_proba([[0.9, 0.9]], advice="Use predict_proba.")
    with pytest.raises(ValueError, match=r"probabilities: NaN \(a diverged fit"):
        check_proba([[np.nan, 1.0]])
    with pytest.raises(ValueError, match=r"probabilities: infinite values\."):
        check_proba([[np.inf, 0.0]])


def test_check_proba_checks_the_class_axis_of_member_probabilities():
    with pytest.raises(ValueError, match=r"^net has no class column"):
        check_proba(np.zeros((2, 3, 0)), ndim=3, source="net")
    # No samples is fine: nothing to score.
    assert check_proba(np.zeros((2, 0, 3)), ndim=3).shape == (2, 0, 3)
    with pytest.raises(
        ValueError, match=r"^net returned 2 probability columns for 3 classes\.$"
    ):
        check_proba(np.full((2, 4, 2), 0.5), ndim=3, n_classes=3, source="net")
    with pytest.raises(
        ValueError, match=r"returned 3 probability columns for 2 classes\.$"
    ):
        check_proba([[0.2, 0.3, 0.5]], n_classes=2)


def test_check_proba_returns_floats_and_judges_every_size():
    checked = check_proba([[1, 0], [0, 1]])
    assert checked.dtype == np.float64
    np.testing.assert_array_equal(checked, [[1.0, 0.0], [0.0, 1.0]])
    assert check_proba(np.empty((0, 2))).shape == (0, 2)
    with pytest.raises(ValueError, match="summing to between 5 and 5"):
        check_proba([[5.0]])  # a single value is still checked
    with pytest.raises(ValueError, match="NaN"):
        check_proba([[0.5, None]])


@pytest.mark.parametrize(
    "bad", [[[np.inf, np.inf]], [[1e308, 1e308]], [[np.inf, -np.inf]], [[np.nan, 1]]]
)
def test_broken_probabilities_raise_the_error_and_no_warning(bad):
    # Overflow or inf - inf in the checks' own arithmetic must not reach the
    # user as a RuntimeWarning before the error that says what is wrong.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="not probabilities"):
            check_proba(bad)
        with pytest.raises(ValueError, match="not probabilities"):
            MEASURES["margin"].score(bad)


# ------------------------------------------------- the fused margin check
class _Spy:
    def __init__(self):
        self.calls = 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return check_proba(*args, **kwargs)


@pytest.mark.parametrize(
    "proba, n_classes",
    [
        ([[0.3, 0.7]], None),
        ([[0.3, 0.7]], 2),
        ([[0.2, 0.0, 0.8], [0.0, 1.0, 0.0]], None),
        (np.random.default_rng(0).dirichlet(np.ones(10), size=20_000), 10),
    ],
)
def test_fused_margin_check_judges_valid_probabilities_in_one_pass(
    proba, n_classes, monkeypatch
):
    # The fused check exists to spare check_proba's passes over valid
    # probabilities; only doubtful rows are handed to check_proba.
    spy = _Spy()
    monkeypatch.setattr(measures_module, "check_proba", spy)
    got = checked_margin_core(proba, n_classes=n_classes)
    ordered = np.sort(np.asarray(proba), axis=1)
    np.testing.assert_allclose(got, 1 - (ordered[:, -1] - ordered[:, -2]))
    assert spy.calls == 0


def test_fused_margin_check_hands_doubtful_rows_to_check_proba(monkeypatch):
    # A row summing to 1 + PROBA_ATOL minus a few ulps is a probability, but
    # too near the edge for the fused check's own sum: check_proba judges.
    eps = np.finfo(float).eps
    row = np.array([0.2, 0.3, 0.5]) * (1 + PROBA_ATOL)
    while abs(row.sum() - 1.0) > PROBA_ATOL:
        row *= 1 - eps
    spy = _Spy()
    monkeypatch.setattr(measures_module, "check_proba", spy)
    got = checked_margin_core(np.array([[0.5, 0.0, 0.5], row]))
    np.testing.assert_allclose(got, [1.0, 1 - (row[2] - row[1])])
    assert spy.calls == 1


def test_fused_margin_check_refuses_where_summation_orders_disagree():
    # Rows that numpy's (pairwise) sum puts just outside the tolerance while a
    # left-to-right sum puts them just inside: the fused check sums in another
    # order than check_proba and must still refuse exactly these.
    eps = np.finfo(float).eps
    rng = np.random.default_rng(0)
    rows = []
    for _ in range(300):
        p = rng.dirichlet(np.ones(20)) * (1 + PROBA_ATOL)
        while abs(p.sum() - 1.0) <= PROBA_ATOL:
            p *= 1 + eps
        left_to_right = 0.0
        for value in p:
            left_to_right += value
        if abs(left_to_right - 1.0) <= PROBA_ATOL:
            rows.append(p)
    assert len(rows) >= 10  # the case exists; otherwise the test tests nothing
    for row in rows:
        with pytest.raises(ValueError, match="instead of 1"):
            checked_margin_core(row[None])


def test_fused_margin_check_errors_on_malformed_input():
    for bad in (0.5, [0.5, 0.5]):
        with pytest.raises(ValueError, match=r"^proba must be a 2-d array"):
            checked_margin_core(bad)
    with pytest.raises(ValueError, match=r"^proba returned rows that are not"):
        checked_margin_core([[0.9, 0.9]])
    with pytest.raises(ValueError, match="NaN"):
        checked_margin_core([[0.5, None]])


# ---------------------------------------------------------------- registry
def test_measure_check_names_the_source_or_what_it_reads():
    margin, entropy = MEASURES["margin"], MEASURES["entropy"]
    for measure in (margin, entropy):
        with pytest.raises(ValueError, match=r"^proba returned rows"):
            measure([[0.9, 0.9]])
        with pytest.raises(ValueError, match=r"^M\.predict_proba returned rows"):
            measure.score([[0.9, 0.9]], source="M.predict_proba")
        with pytest.raises(ValueError, match="2 probability columns for 3 classes"):
            measure.score([[0.5, 0.5]], n_classes=3)
    with pytest.raises(ValueError, match=r"^member_proba must be a 3-d"):
        MEASURES["mean_std"]([[0.5, 0.5]])
    with pytest.raises(ValueError, match=r"^P returned 2 probability columns for 3"):
        MEASURES["mean_std"].score(TWO_MEMBERS, n_classes=3, source="P")
    with pytest.raises(ValueError, match=r"^vote_fractions returned rows"):
        MEASURES["vote_entropy"]([[0.9, 0.9]])
    with pytest.raises(ValueError, match="2 probability columns for 3 classes"):
        MEASURES["vote_entropy"].score([[0.5, 0.5]], n_classes=3)


def test_regression_measures_check_their_input():
    variance, std = MEASURES["variance"], MEASURES["std"]
    np.testing.assert_allclose(
        variance.score([[-1.0, 2.0], [-3.0, 2.0]], source="R"), [1.0, 0.0]
    )
    # A deterministic regressor's std is zero: accepted, not informative.
    np.testing.assert_array_equal(std([0.0, 1.5]), [0.0, 1.5])
    assert std([1, 2]).dtype == np.float64
    with pytest.raises(ValueError, match=r"^R must be a 2-d array, got shape \(2,\)"):
        variance.score([1.0, 2.0], source="R")
    with pytest.raises(ValueError, match=r"^member_predictions contains NaN"):
        variance([[1.0, None]])
    with pytest.raises(ValueError, match=r"^R contains negative standard dev"):
        std.score([0.5, -0.1], source="R")
    with pytest.raises(ValueError, match=r"^std must be a 1-d array"):
        std([[0.5]])


def test_upper_bounds_of_the_registry():
    # Vote measures: at most min(K, M) distinct votes.
    assert MEASURES["vote_entropy"].upper(5, 3) == pytest.approx(np.log(3))
    assert MEASURES["vote_entropy"].upper(3, 5) == pytest.approx(np.log(3))
    assert MEASURES["vote_entropy"].upper(4) == pytest.approx(np.log(4))
    assert MEASURES["variation_ratios"].upper(5, 2) == pytest.approx(0.5)
    assert MEASURES["variation_ratios"].upper(3) == pytest.approx(2 / 3)
    # One class, or one member: nothing to be uncertain about.
    assert MEASURES["entropy"].upper(1) == 0.0
    assert MEASURES["kl_max_disagreement"].upper(3, 1) == 0.0
    assert MEASURES["variance"].upper() == np.inf


def test_normalized_scores_reach_one_on_the_most_informative_row():
    for name in ("least_confidence", "entropy", "margin", "ratio"):
        assert MEASURES[name].normalized([[0.25] * 4], n_classes=4)[0] == (
            pytest.approx(1.0)
        )
    assert MEASURES["mean_std"].normalized(TWO_MEMBERS)[0] == pytest.approx(1.0)
    # The classes and members default to those of the values.
    assert MEASURES["entropy"].normalized([[0.25] * 4])[0] == pytest.approx(1.0)
    np.testing.assert_allclose(
        MEASURES["kl_max_disagreement"].normalized(TWO_MEMBERS), [1.0, 0.0, 0.0]
    )
    # One class: the bound is 0, the (zero) scores are returned as they are.
    np.testing.assert_array_equal(
        MEASURES["entropy"].normalized([[1.0]], n_classes=1), [0.0]
    )


def test_measures_for_lists_exactly_what_an_output_feeds():
    assert scoring.measures_for("std") == ["std"]
    assert scoring.measures_for("member_predictions") == ["variance", "std"]
    assert scoring.measures_for("votes") == ["vote_entropy", "variation_ratios"]
    assert set(scoring.measures_for("proba")) == {
        "margin",
        "least_confidence",
        "ratio",
        "entropy",
    }


def test_get_measure_with_a_measure_or_a_callable():
    margin = MEASURES["margin"]
    assert scoring.get_measure(margin, output="member_proba") is margin
    with pytest.raises(ValueError, match="reads member_proba"):
        scoring.get_measure(MEASURES["mean_std"], output="votes")

    def first_class(values):
        return np.asarray(values)[:, 0]

    custom = scoring.get_measure(first_class, output="votes")
    assert (custom.name, custom.reads, custom.finite) == (
        "first_class",
        "vote_fractions",
        False,
    )
    assert custom.description == "" and custom.upper(2, 3) == np.inf
    np.testing.assert_array_equal(custom([[0.25, 0.75]]), [0.25])
    np.testing.assert_array_equal(custom.normalized([[0.25, 0.75]]), [0.25])

    class Scorer:
        def __call__(self, values):
            return np.ones(len(values))

        def __repr__(self):
            return "Scorer()"

    anonymous = scoring.get_measure(Scorer(), output="proba")
    assert anonymous.name == "Scorer()" and anonymous.reads == "proba"
    np.testing.assert_array_equal(anonymous([[0.5, 0.5]]), [1.0])
    with pytest.raises(ValueError, match=r"^reads must be one of \("):
        scoring.Measure("m", first_class, reads="logits")


def test_a_custom_measure_keeps_its_bound_and_finiteness():
    m = scoring.Measure("twice", lambda p: 2 * p[:, 0], "proba", lambda k, n: 2.0)
    assert m.upper(3) == 2.0 and not m.finite
    np.testing.assert_allclose(m.normalized([[0.5, 0.5]]), [0.5])
    assert scoring.Measure("f", np.sum, "proba", finite=True).finite is True


def test_normalized_reads_classes_and_members_from_the_values():
    # Consensus entropy of 2 classes over 3 samples: bounded by log 2.
    np.testing.assert_allclose(
        MEASURES["consensus_entropy"].normalized(TWO_MEMBERS), [1.0, 1.0, 0.0]
    )
    # Vote fractions carry no member count: the bound is log K.
    np.testing.assert_allclose(MEASURES["vote_entropy"].normalized([[0.5, 0.5]]), [1])


@pytest.mark.parametrize("layout", ["C", "F", "strided"])
@pytest.mark.parametrize("n_classes", [2, 3, 10])
def test_fused_margin_equals_the_plain_path_bit_for_bit(layout, n_classes):
    # The fused pass copies each block of rows class by class: the values
    # must be those of check_proba then margin_core, whatever the memory
    # layout of the probabilities, across several blocks.
    from skal.scoring._measures import margin_core

    rng = np.random.default_rng(n_classes)
    proba = rng.dirichlet(np.ones(n_classes), size=2 * 8192 + 5)
    if layout == "F":
        proba = np.asfortranarray(proba)
    elif layout == "strided":
        wide = np.zeros((proba.shape[0], 2 * n_classes))
        wide[:, ::2] = proba
        proba = wide[:, ::2]
    expected = margin_core(check_proba(proba))
    np.testing.assert_array_equal(checked_margin_core(proba), expected)
