"""The fast query path chooses what the plain one chooses.

The margin validates the probabilities inside its top-two passes
(``MEASURES["margin"].score``), the scan trusts the scores of such a scorer
(:class:`skal._scan.FiniteScores`) and the running top-k merges only the
samples that can still enter the batch. Each is compared here with the plain
computation it replaces: ``check_proba`` then ``margin_core``, ``check_scores``,
and ``top_k_keyed`` over every candidate. No timing: see benchmarks/.
"""

import numpy as np
import pytest
import sklearn
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression

from skal import AdaptiveSampler, UncertaintySamplingClassifier
from skal._random import KeyStream
from skal._scan import FiniteScores, PoolPositions, _local_top_k, scan_top_k
from skal.scoring import MEASURES, PROBA_ATOL, check_proba
from skal.scoring._measures import checked_margin_core, margin_core
from skal.selection import top_k_keyed


def _plain(proba, n_classes=None, source="M.predict_proba"):
    """What the learners computed before: the check, then the core."""
    return margin_core(check_proba(proba, n_classes=n_classes, source=source))


def _outcome(fn, *args, **kwargs):
    try:
        return "ok", fn(*args, **kwargs)
    except ValueError as exc:
        return "error", str(exc)


def _assert_same_outcome(proba, n_classes=None):
    want = _outcome(_plain, proba, n_classes)
    got = _outcome(
        checked_margin_core, proba, n_classes=n_classes, source="M.predict_proba"
    )
    assert got[0] == want[0], (got, want)
    if want[0] == "ok":
        # The very same bits: a different rounding could reorder tied rows.
        np.testing.assert_array_equal(got[1].view(np.int64), want[1].view(np.int64))
    else:
        assert got[1] == want[1]


# Values around every edge check_proba decides on: exact zeros and ones, the
# tolerance on negatives, NaN, infinities, values above one.
_EDGES = st.sampled_from(
    [
        0.0,
        1.0,
        -PROBA_ATOL,
        -PROBA_ATOL * (1 + 1e-12),
        -PROBA_ATOL * (1 - 1e-12),
        -0.5,
        1.5,
        2.0,
        np.nan,
        np.inf,
        -np.inf,
    ]
)


@st.composite
def near_probabilities(draw, max_rows=40, max_classes=12):
    """Rows on the simplex, some scaled so that their sums sit on either
    side of the tolerance (within a few ulps of it), some with an edge
    value put in."""
    n_classes = draw(st.integers(1, max_classes))
    n_rows = draw(st.integers(0, max_rows))
    raw = draw(
        arrays(
            float,
            (n_rows, n_classes),
            elements=st.one_of(st.just(0.0), st.just(1.0), st.floats(1e-6, 1.0)),
        )
    )
    if n_rows:
        raw[raw.sum(axis=1) == 0, 0] = 1.0
    proba = raw / raw.sum(axis=1, keepdims=True) if n_rows else raw
    for _ in range(draw(st.integers(0, 3))):
        if not n_rows:
            break
        row = draw(st.integers(0, n_rows - 1))
        how = draw(st.sampled_from(["scale", "edge"]))
        if how == "scale":
            # Row sums of 1 +- tol, give or take a few ulps or 1e-9.
            sign = draw(st.sampled_from([-1.0, 1.0]))
            nudge = draw(st.sampled_from([0.0, 1e-15, -1e-15, 1e-12, -1e-12, 1e-9]))
            proba[row] *= 1.0 + sign * (PROBA_ATOL + nudge)
        else:
            col = draw(st.integers(0, n_classes - 1))
            proba[row, col] = draw(_EDGES)
    return proba


@settings(max_examples=400, deadline=None)
@given(proba=near_probabilities())
def test_fused_check_accepts_exactly_what_check_proba_accepts(proba):
    _assert_same_outcome(proba)
    _assert_same_outcome(proba, n_classes=proba.shape[1])


@settings(max_examples=200, deadline=None)
@given(
    proba=arrays(
        float,
        st.tuples(st.integers(1, 8), st.integers(1, 6)),
        elements=st.floats(allow_nan=True, allow_infinity=True, width=64),
    )
)
def test_fused_check_on_arbitrary_floats(proba):
    # Mostly not probabilities at all: the same errors, word for word.
    _assert_same_outcome(proba)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf, -0.5, 2.0, "scaled"])
@pytest.mark.parametrize("row", [0, 8191, 8192, 20_000 - 1])
def test_fused_check_finds_one_bad_row_in_any_block(bad, row):
    # Rows spread over three blocks of the top-two passes.
    proba = np.random.default_rng(0).dirichlet(np.ones(10), size=20_000)
    if bad == "scaled":
        proba[row] *= 1 + 2 * PROBA_ATOL
    else:
        proba[row, 3] = bad
    with pytest.raises(ValueError) as want:
        check_proba(proba, n_classes=10, source="M.predict_proba")
    with pytest.raises(ValueError) as got:
        MEASURES["margin"].score(proba, n_classes=10, source="M.predict_proba")
    assert str(got.value) == str(want.value)


def test_fused_check_shapes_and_dtypes():
    for proba in ([[0.2, 0.8]], np.float32([[0.25, 0.75], [0.5, 0.5]]), [[1], [1]]):
        _assert_same_outcome(proba)
    _assert_same_outcome(np.full((4, 3), 1 / 3), n_classes=4)  # wrong width
    _assert_same_outcome(np.full((2, 2, 2), 0.5))  # wrong ndim
    _assert_same_outcome(np.empty((0, 3)))
    _assert_same_outcome(np.empty((3, 0)))
    proba = np.random.default_rng(1).dirichlet(np.ones(5), size=100)
    _assert_same_outcome(np.asfortranarray(proba))
    _assert_same_outcome(proba[::2])  # strided rows


def test_margin_core_in_place_leaves_its_input_alone():
    proba = np.array([[0.6], [1.0]])
    np.testing.assert_array_equal(margin_core(proba), [0.4, 0.0])
    np.testing.assert_array_equal(proba, [[0.6], [1.0]])


@settings(max_examples=200, deadline=None)
@given(proba=near_probabilities(max_classes=6))
def test_measures_said_finite_are_finite_on_accepted_probabilities(proba):
    try:
        proba = check_proba(proba)
    except ValueError:
        return
    for measure in MEASURES.values():
        if measure.finite:
            assert np.isfinite(measure.core(proba)).all(), measure.name


def test_a_custom_measure_is_not_trusted():
    from skal.scoring import get_measure

    assert not get_measure(lambda p: p[:, 0], output="proba").finite
    assert MEASURES["margin"].finite and not MEASURES["entropy"].finite


# ------------------------------------------------------------------ top-k
def _plain_top_k(scores, keys, start, k):
    """The top ``k`` over every candidate at once."""
    all_keys = keys.draw(start, scores.shape[0])
    keep = top_k_keyed(scores, all_keys, k)
    return keep + start, scores[keep], all_keys[keep]


_SCORES = st.one_of(
    # Few distinct values: ties everywhere, the keys decide.
    st.sampled_from([0.0, 0.25, 0.5, 1.0, -np.inf, np.inf]),
    st.floats(-1e3, 1e3),
)


@settings(max_examples=300, deadline=None)
@given(
    scores=arrays(float, st.integers(1, 300), elements=_SCORES),
    k=st.integers(0, 60),
    chunk=st.integers(1, 120),
    start=st.integers(0, 10**6),
    seed=st.integers(0, 2**16),
)
def test_running_threshold_top_k_equals_the_plain_one(scores, k, chunk, start, seed):
    keys = KeyStream(seed, 0)

    def score_at(rows, lo):
        return scores[lo - start : lo - start + rows.shape[0]]

    got = _local_top_k(score_at, np.zeros((scores.shape[0], 1)), start, k, keys, chunk)
    want = _plain_top_k(scores, keys, start, k)
    for a, b in zip(got, want, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_scan_trusts_only_finite_scorers(n_jobs):
    scores = np.array([0.5, np.nan, 0.25, 0.75])

    def score_at(rows, start):
        return scores[start : start + rows.shape[0]]

    args = (np.zeros((4, 1)), PoolPositions(4), 2)
    with pytest.raises(ValueError, match="NaN"):
        scan_top_k(score_at, *args, keys=KeyStream(0, 0), chunk_size=2, n_jobs=n_jobs)
    # A trusted scorer is not checked (here, wrongly trusted, it does not
    # raise); its number of scores still is.
    scan_top_k(
        FiniteScores(score_at),
        *args,
        keys=KeyStream(0, 0),
        chunk_size=2,
        n_jobs=n_jobs,
    )
    with pytest.raises(ValueError, match="3 scores for a chunk of 2 rows"):
        scan_top_k(
            FiniteScores(lambda rows, start: np.zeros(3)),
            *args,
            keys=KeyStream(0, 0),
            chunk_size=2,
        )


# ------------------------------------------------------- whole queries
def _tied_pool(n, seed):
    # 30 distinct rows repeated: whole groups of samples share one score.
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(30, 5)) * 2
    return base[rng.integers(0, 30, size=n)]


def _labeled(n_classes, seed=0):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(n_classes), 15)
    X = rng.normal(size=(y.shape[0], 5)) + 2 * np.eye(5)[y % 5] * (1 + y // 5)[:, None]
    return X, y


class _Recording(ClassifierMixin, BaseEstimator):
    """LogisticRegression that records the probabilities of every call."""

    def fit(self, X, y):
        self.model_ = LogisticRegression(max_iter=500).fit(X, y)
        self.classes_ = self.model_.classes_
        self.calls_ = []
        return self

    def predict_proba(self, X):
        proba = self.model_.predict_proba(X)
        self.calls_.append(proba)
        return proba


def _expected_batch(learner, calls, k):
    """The plain path on the very probabilities the query saw: check_proba,
    margin_core, check_scores, top_k_keyed over the whole pool."""
    proba = np.concatenate(calls)
    scores = margin_core(check_proba(proba, n_classes=len(learner.classes_)))
    keys = KeyStream(learner._seed, learner._round).draw(0, proba.shape[0])
    keep = top_k_keyed(scores, keys, k)
    return keep, scores[keep]


@pytest.mark.parametrize("n_classes", [2, 3, 10])
@pytest.mark.parametrize("working_memory", [0.02, 0.3, 1024])
@pytest.mark.parametrize("ties", [True, False])
def test_query_chooses_the_plain_paths_batch(n_classes, working_memory, ties):
    X, y = _labeled(n_classes)
    rng = np.random.default_rng(n_classes)
    pool = _tied_pool(6000, n_classes) if ties else rng.normal(size=(6000, 5)) * 2
    for k in (1, 37, 400):
        learner = UncertaintySamplingClassifier(
            _Recording(), batch_size=k, random_state=k
        ).fit(X, y)
        with sklearn.config_context(working_memory=working_memory):
            learner.estimator_.calls_ = []
            idx, scores = learner.query(pool, return_scores=True)
        want_idx, want_scores = _expected_batch(learner, learner.estimator_.calls_, k)
        np.testing.assert_array_equal(idx, want_idx)
        np.testing.assert_array_equal(scores, want_scores)


def test_adaptive_sampler_scores_as_the_plain_path():
    # AdaptiveSampler's exploitation takes the scan's top 10 x batch
    # candidates, then clusters them: its scores are the plain path's, to
    # the bit, and asking twice gives the same batch.
    X, y = _labeled(3)
    pool = _tied_pool(3000, 5)
    X_all = np.vstack([X, pool])
    y_all = np.concatenate([y, np.full(pool.shape[0], -1)])
    learner = AdaptiveSampler(
        _Recording(), batch_size=10, exploration=0.0, random_state=2
    ).fit(X_all, y_all)
    with sklearn.config_context(working_memory=0.05):
        a = learner.query()
        np.testing.assert_array_equal(a, learner.query())
        learner.estimator_.calls_ = []
        scores = learner.informativeness()
    proba = np.concatenate(learner.estimator_.calls_)
    np.testing.assert_array_equal(scores, margin_core(check_proba(proba)))
    assert not np.isin(a, np.arange(X.shape[0])).any()


@pytest.mark.parametrize("bad", [np.nan, np.inf, -0.5, 1.5])
def test_query_refuses_what_check_proba_refuses(bad):
    X, y = _labeled(3)

    class Broken(_Recording):
        def predict_proba(self, X):
            proba = self.model_.predict_proba(X)
            self.calls_.append(None)
            if len(self.calls_) == 3:  # the third chunk
                proba[100, 1] = bad
                self.broken_ = proba.copy()
            return proba

    learner = UncertaintySamplingClassifier(Broken(), batch_size=5).fit(X, y)
    learner.estimator_.calls_ = []
    pool = np.random.default_rng(0).normal(size=(3000, 5))
    with sklearn.config_context(working_memory=0.1), pytest.raises(ValueError) as got:
        learner.query(pool)
    assert len(learner.estimator_.calls_) == 3
    with pytest.raises(ValueError) as want:
        check_proba(
            learner.estimator_.broken_, n_classes=3, source="Broken.predict_proba"
        )
    assert str(got.value) == str(want.value)


def test_density_weighted_scores_are_still_checked():
    # The density weighting wraps the trusted scorer: its scores are checked.
    X, y = _labeled(3)
    learner = UncertaintySamplingClassifier(
        LogisticRegression(), density_weight=1.0, batch_size=3, random_state=0
    ).fit(X, y)
    pool = np.random.default_rng(0).normal(size=(200, 5))
    scorer = learner._scorer(learner._query_pool(pool, None))
    assert not isinstance(scorer, FiniteScores)
    plain = UncertaintySamplingClassifier(LogisticRegression()).fit(X, y)
    assert isinstance(plain._scorer(plain._query_pool(pool, None)), FiniteScores)
