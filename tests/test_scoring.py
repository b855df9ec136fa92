"""Property tests of the informativeness math in skal.scoring."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from skal import scoring

SINGLE = ["least_confidence", "margin", "ratio", "entropy"]
TOL = 1e-9


@st.composite
def proba_rows(draw, min_classes=1, max_classes=8, max_rows=20, zeros=True):
    """Rows on the simplex, often with exact zeros and exact ties."""
    n_classes = draw(st.integers(min_classes, max_classes))
    n_rows = draw(st.integers(1, max_rows))
    elements = st.one_of(
        st.just(0.0) if zeros else st.just(1.0),
        st.just(1.0),
        st.floats(1e-6, 1.0),
    )
    raw = draw(arrays(float, (n_rows, n_classes), elements=elements))
    raw[raw.sum(axis=1) == 0, 0] = 1.0
    return raw / raw.sum(axis=1, keepdims=True)


@st.composite
def committees(draw, max_members=6, max_classes=6, max_rows=10):
    n_members = draw(st.integers(1, max_members))
    n_classes = draw(st.integers(1, max_classes))
    n_rows = draw(st.integers(1, max_rows))
    raw = draw(
        arrays(
            float,
            (n_members, n_rows, n_classes),
            elements=st.one_of(st.just(0.0), st.floats(1e-6, 1.0)),
        )
    )
    empty = raw.sum(axis=2) == 0
    raw[..., 0][empty] = 1.0
    return raw / raw.sum(axis=2, keepdims=True)


def _measure(name):
    return scoring.MEASURES[name]


def _upper_bound(name, k):
    return {
        "least_confidence": 1 - 1 / k,
        "margin": 1.0 if k > 1 else 0.0,
        "ratio": 1.0 if k > 1 else 0.0,
        "entropy": np.log(k),
    }[name]


@pytest.mark.parametrize("name", SINGLE)
@given(proba=proba_rows())
def test_single_measures_are_bounded_and_finite(name, proba):
    scores = _measure(name)(proba)
    assert scores.shape == (proba.shape[0],)
    assert np.all(np.isfinite(scores))
    assert np.all(scores >= -TOL)
    assert np.all(scores <= _upper_bound(name, proba.shape[1]) + TOL)


@pytest.mark.parametrize("name", SINGLE)
@given(k=st.integers(1, 30), hot=st.data())
def test_single_measures_zero_on_one_hot(name, k, hot):
    proba = np.eye(k)[[hot.draw(st.integers(0, k - 1))]]
    assert _measure(name)(proba)[0] == pytest.approx(0.0, abs=TOL)


@pytest.mark.parametrize("name", SINGLE)
@given(proba=proba_rows(min_classes=2))
def test_single_measures_maximal_on_uniform(name, proba):
    k = proba.shape[1]
    uniform = np.full((1, k), 1 / k)
    top = _measure(name)(uniform)[0]
    assert top == pytest.approx(_upper_bound(name, k), abs=1e-9)
    assert np.all(_measure(name)(proba) <= top + TOL)


@pytest.mark.parametrize("name", SINGLE)
@given(proba=proba_rows(), perm_seed=st.integers(0, 2**16))
def test_single_measures_invariant_to_class_order(name, proba, perm_seed):
    perm = np.random.default_rng(perm_seed).permutation(proba.shape[1])
    np.testing.assert_allclose(
        _measure(name)(proba), _measure(name)(proba[:, perm]), atol=1e-12
    )


@given(proba=proba_rows(min_classes=2, max_classes=2, max_rows=30))
def test_binary_measures_rank_samples_identically(proba):
    """For K=2 least confidence, margin, ratio and entropy are all monotone in
    max p, so they order any pool the same way."""
    key = proba.max(axis=1)
    for name in SINGLE:
        scores = _measure(name)(proba)
        # Strictly more confident => not more informative.
        more_conf = key[:, None] > key[None, :] + 1e-9
        pairwise = scores[:, None] <= scores[None, :] + TOL
        assert np.all(pairwise[more_conf])
    np.testing.assert_allclose(
        scoring.margin(proba), 2 * scoring.least_confidence(proba), atol=1e-12
    )


@given(proba=proba_rows(min_classes=2))
def test_least_confidence_never_exceeds_margin(proba):
    # 1 - p1 <= 1 - p1 + p2.
    assert np.all(scoring.least_confidence(proba) <= scoring.margin(proba) + TOL)


def test_known_values():
    p = np.array([[0.6, 0.3, 0.1]])
    assert scoring.least_confidence(p)[0] == pytest.approx(0.4)
    assert scoring.margin(p)[0] == pytest.approx(0.7)
    assert scoring.ratio(p)[0] == pytest.approx(0.5)
    assert scoring.entropy(p)[0] == pytest.approx(-(np.log(p) * p).sum())


def test_nan_probabilities_are_rejected_with_a_clear_error():
    with pytest.raises(ValueError, match="NaN"):
        scoring.margin([[np.nan, 1.0]])
    with pytest.raises(ValueError, match="2-d"):
        scoring.entropy([0.5, 0.5])


# ---------------------------------------------------------------- committees
@given(member_proba=committees())
def test_bald_between_zero_and_consensus_entropy(member_proba):
    mi = scoring.mutual_information(member_proba)
    total = scoring.consensus_entropy(member_proba)
    assert np.all(np.isfinite(mi))
    assert np.all(mi >= 0)
    assert np.all(mi <= total + TOL)
    assert np.all(total <= np.log(member_proba.shape[2]) + TOL)


@given(proba=proba_rows(max_rows=5), n_members=st.integers(1, 5))
def test_committee_measures_zero_when_members_agree(proba, n_members):
    member_proba = np.repeat(proba[None], n_members, axis=0)
    np.testing.assert_allclose(scoring.mutual_information(member_proba), 0.0, atol=1e-9)
    np.testing.assert_allclose(
        scoring.kl_max_disagreement(member_proba), 0.0, atol=1e-9
    )
    np.testing.assert_allclose(scoring.mean_std(member_proba), 0.0, atol=1e-9)
    # The consensus of identical members is the member itself.
    np.testing.assert_allclose(
        scoring.consensus_entropy(member_proba), scoring.entropy(proba), atol=1e-9
    )
    votes = np.repeat(proba.argmax(axis=1)[None], n_members, axis=0)
    k = proba.shape[1]
    np.testing.assert_allclose(scoring.vote_entropy(votes, k), 0.0, atol=1e-12)
    np.testing.assert_allclose(scoring.variation_ratios(votes, k), 0.0, atol=1e-12)


@given(member_proba=committees())
def test_kl_max_disagreement_bounded_by_log_members(member_proba):
    kl = scoring.kl_max_disagreement(member_proba)
    assert np.all(np.isfinite(kl))
    assert np.all(kl >= 0)
    assert np.all(kl <= np.log(member_proba.shape[0]) + 1e-9)


@given(member_proba=committees(), seed=st.integers(0, 2**16))
def test_committee_measures_invariant_to_class_and_member_order(member_proba, seed):
    rng = np.random.default_rng(seed)
    classes = rng.permutation(member_proba.shape[2])
    members = rng.permutation(member_proba.shape[0])
    shuffled = member_proba[members][:, :, classes]
    for name in [
        "consensus_entropy",
        "kl_max_disagreement",
        "mutual_information",
        "mean_std",
    ]:
        f = scoring.MEASURES[name]
        np.testing.assert_allclose(f(member_proba), f(shuffled), atol=1e-9)


@st.composite
def vote_matrices(draw):
    n_classes = draw(st.integers(1, 6))
    n_members = draw(st.integers(1, 8))
    n_rows = draw(st.integers(1, 10))
    votes = draw(
        arrays(np.int64, (n_members, n_rows), elements=st.integers(0, n_classes - 1))
    )
    return votes, n_classes


@given(data=vote_matrices())
def test_vote_measures_bounds(data):
    votes, k = data
    m = votes.shape[0]
    ve = scoring.vote_entropy(votes, k)
    vr = scoring.variation_ratios(votes, k)
    assert np.all(ve >= -TOL)
    assert np.all(ve <= np.log(min(k, m)) + TOL)
    assert np.all(vr >= -TOL)
    assert np.all(vr <= 1 - 1 / m + TOL)
    # Both vanish exactly where the committee is unanimous.
    unanimous = np.all(votes == votes[0], axis=0)
    np.testing.assert_array_equal(ve <= 1e-12, unanimous)
    np.testing.assert_array_equal(vr <= 1e-12, unanimous)


@given(data=vote_matrices())
def test_vote_entropy_equals_entropy_of_vote_fractions(data):
    votes, k = data
    fractions = np.stack(
        [np.bincount(col, minlength=k) / votes.shape[0] for col in votes.T]
    )
    np.testing.assert_allclose(
        scoring.vote_entropy(votes, k), scoring.entropy(fractions), atol=1e-12
    )


def test_votes_out_of_range_get_a_clear_error():
    with pytest.raises(ValueError, match="class indices"):
        scoring.vote_entropy([[0, 3]], n_classes=2)


@given(
    preds=arrays(
        float,
        st.tuples(st.integers(1, 6), st.integers(1, 10)),
        elements=st.floats(-1e3, 1e3),
    )
)
def test_committee_variance_is_nonnegative_and_shift_invariant(preds):
    var = scoring.committee_variance(preds)
    assert np.all(var >= 0)
    np.testing.assert_allclose(
        scoring.committee_variance(preds + 7.0), var, rtol=1e-6, atol=1e-6
    )


@settings(max_examples=50)
@given(member_proba=committees(max_members=4))
def test_bald_is_consensus_minus_mean_member_entropy(member_proba):
    assume(member_proba.shape[0] >= 1)
    expected = scoring.consensus_entropy(member_proba) - np.mean(
        [scoring.entropy(p) for p in member_proba], axis=0
    )
    np.testing.assert_allclose(
        scoring.mutual_information(member_proba), np.maximum(expected, 0), atol=1e-9
    )


@given(member_proba=committees())
def test_mean_std_is_bounded_by_one_half(member_proba):
    scores = scoring.mean_std(member_proba)
    assert np.all(np.isfinite(scores))
    assert np.all(scores >= 0)
    assert np.all(scores <= 0.5 + 1e-12)


# ------------------------------------------------------------- registry
MEMBER_MEASURES = [
    "consensus_entropy",
    "kl_max_disagreement",
    "mutual_information",
    "mean_std",
]


@given(member_proba=committees())
def test_every_registered_measure_stays_within_its_upper_bound(member_proba):
    n_members, _, k = member_proba.shape
    for name, measure in scoring.MEASURES.items():
        if measure.reads in ("member_predictions", "std"):
            continue
        values = scoring.feed(measure, member_proba=member_proba)
        scores = measure(values)
        assert np.all(scores >= -TOL)
        assert np.all(scores <= measure.upper(k, n_members) + TOL), name
        normalized = measure.normalized(values, n_classes=k, n_members=n_members)
        assert np.all(normalized <= 1 + TOL)


@pytest.mark.parametrize(
    "name, values, expected",
    [
        # Known values computed by hand; each would catch a mutant (a max for
        # a mean, a missing "1 -", a swapped order).
        ("margin", [[0.6, 0.3, 0.1]], [0.7]),
        ("least_confidence", [[0.6, 0.3, 0.1]], [0.4]),
        ("ratio", [[0.6, 0.3, 0.1]], [0.5]),
        ("entropy", [[0.5, 0.25, 0.25]], [1.5 * np.log(2)]),
        (
            "vote_entropy",
            [[0.75, 0.25]],
            [-(0.75 * np.log(0.75) + 0.25 * np.log(0.25))],
        ),
        ("variation_ratios", [[0.75, 0.25]], [0.25]),
        (
            "consensus_entropy",
            [[[1.0, 0.0]], [[0.5, 0.5]]],
            [-(0.75 * np.log(0.75) + 0.25 * np.log(0.25))],
        ),
        # Member stds per class: |1 - 0.5| / 2 = 0.25 for both classes, and
        # for a 3-class row the stds 0.25, 0.25, 0: mean 1/6, max 1/4.
        ("mean_std", [[[1.0, 0.0, 0.0]], [[0.5, 0.5, 0.0]]], [1 / 6]),
        ("mutual_information", [[[1.0, 0.0]], [[0.0, 1.0]]], [np.log(2)]),
        ("kl_max_disagreement", [[[1.0, 0.0]], [[0.5, 0.5]]], [np.log(4 / 3)]),
        ("variance", [[1.0, 5.0], [3.0, 5.0]], [1.0, 0.0]),
        ("std", [0.5, 2.0], [0.5, 2.0]),
    ],
)
def test_known_values_of_every_measure(name, values, expected):
    np.testing.assert_allclose(scoring.MEASURES[name](values), expected, atol=1e-12)


def test_the_public_functions_and_the_registry_agree():
    rng = np.random.default_rng(0)
    proba = rng.dirichlet(np.ones(4), size=50)
    for name in ("margin", "least_confidence", "ratio", "entropy"):
        np.testing.assert_array_equal(
            getattr(scoring, name)(proba), scoring.MEASURES[name](proba)
        )
    member = rng.dirichlet(np.ones(4), size=(5, 50))
    for name in MEMBER_MEASURES:
        np.testing.assert_array_equal(
            getattr(scoring, name)(member), scoring.MEASURES[name](member)
        )
    votes = member.argmax(axis=2)
    fractions = scoring.vote_fractions(votes, 4)
    np.testing.assert_allclose(
        scoring.vote_entropy(votes, 4), scoring.MEASURES["vote_entropy"](fractions)
    )


def test_feed_adapts_member_outputs_to_what_a_measure_reads():
    member = np.array([[[0.9, 0.1]], [[0.2, 0.8]], [[0.6, 0.4]]])
    np.testing.assert_allclose(
        scoring.feed(scoring.MEASURES["margin"], member_proba=member), member.mean(0)
    )
    np.testing.assert_allclose(
        scoring.feed(scoring.MEASURES["vote_entropy"], member_proba=member),
        [[2 / 3, 1 / 3]],
    )
    assert scoring.feed(scoring.MEASURES["mean_std"], member_proba=member) is member


def test_get_measure_names_what_a_learner_can_serve():
    assert scoring.get_measure("bald", output="member_proba").name == (
        "mutual_information"
    )
    with pytest.raises(ValueError, match="reads member_proba"):
        scoring.get_measure("mean_std", output="proba")
    with pytest.raises(ValueError, match="Unknown measure='marg'"):
        scoring.get_measure("marg", output="proba")
    custom = scoring.get_measure(lambda p: p[:, 0], output="proba")
    assert custom.reads == "proba" and custom.upper() == np.inf


def test_measures_pickle_by_name():
    import pickle

    margin = scoring.MEASURES["margin"]
    assert pickle.loads(pickle.dumps(margin)) is margin


@pytest.mark.parametrize(
    "proba, what",
    [
        ([[0.7, 0.7]], "summing to between 1.4"),
        ([[1.2, -0.2]], "negative values"),
        ([[np.inf, 0.0]], "infinite values"),
        ([[np.nan, 1.0]], "NaN"),
        ([[2.0, -1.0, 0.0]], "negative values"),
    ],
)
def test_check_proba_refuses_what_is_not_a_probability(proba, what):
    with pytest.raises(ValueError, match="MyModel.predict_proba") as info:
        scoring.check_proba(proba, source="MyModel.predict_proba")
    assert what in str(info.value)


def test_check_proba_tolerates_float_error_and_checks_the_width():
    p = np.array([[0.5 + 4e-4, 0.5 - 4e-4 + 3e-4]], dtype=np.float32)
    scoring.check_proba(p)
    with pytest.raises(ValueError, match="3 probability columns for 2 classes"):
        scoring.check_proba([[0.2, 0.3, 0.5]], n_classes=2, source="net")


@pytest.mark.parametrize("name", ["margin", "entropy", "least_confidence", "ratio"])
def test_measures_refuse_invalid_probabilities(name):
    with pytest.raises(ValueError, match="not probabilities"):
        scoring.MEASURES[name]([[0.9, 0.9]])
