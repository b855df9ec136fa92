"""The learner contract, as a check suite: every skal learner, and any third
party's, must pass it.

Like scikit-learn's (and imbalanced-learn's) estimator checks, each check is
a function ``check(name, learner)`` that raises ``AssertionError`` when the
learner breaks the contract; :func:`parametrize_with_checks` turns them into
pytest cases and :func:`check_learner` runs them all at once. The contract:

- **chunk-invariant**: the same batch whatever the scoring chunk size
  (``working_memory``), the number of jobs, and (when dask is installed) on
  a dask array pool;
- **a function of state**: two queries without a ``teach`` return the same
  batch, and the same ``random_state`` reproduces a whole run;
- **picklable mid-loop**: a learner pickled between rounds continues with
  identical queries;
- **atomic teach**: a ``teach`` that fails leaves the learner exactly as it
  was, and a later ``teach`` works;
- **clean batches**: never a labeled row, an excluded row or a duplicate;
- **consistent scores**: the scores ``query`` returns are the learner's
  ``informativeness`` of those rows;
- **a real estimator**: ``clone`` keeps the parameters, and a simulated fit
  (``budget``) buys exactly ``budget`` labels.

Learners that need special data (texts, images, networks) pass it with
``data=(X, y)``; by default the checks generate small separable data for the
learner's task.
"""

import copy
import pickle
import warnings
from functools import partial

import numpy as np
from sklearn import config_context
from sklearn.base import clone, is_classifier

__all__ = [
    "CHECKS",
    "SKLEARN_EXPECTED_FAILURES",
    "check_learner",
    "learner_checks",
    "parametrize_with_checks",
    "sklearn_expected_failures",
]


# ------------------------------------------------------------------- data
def _default_data(learner):
    rng = np.random.default_rng(0)
    n_per, n_features = 40, 4
    centers = rng.normal(scale=3.0, size=(3, n_features))
    X = np.vstack([c + rng.normal(size=(n_per, n_features)) for c in centers])
    if is_classifier(learner):
        y = np.repeat([0, 1, 2], n_per)
    else:
        y = X @ rng.normal(size=n_features) + 0.1 * rng.normal(size=X.shape[0])
    # Duplicated rows make ties, so the tie-breaking is checked too.
    X = np.vstack([X, X[:20]])
    y = np.concatenate([y, y[:20]])
    return X, y


def _partial_labels(learner, y, n_labeled=12, seed=0):
    """y with all but ``n_labeled`` rows (spread over the classes) unlabeled."""
    rng = np.random.default_rng(seed)
    if is_classifier(learner):
        known = np.full(
            y.shape[0], -1, dtype=y.dtype if y.dtype.kind in "iu" else object
        )
        classes = np.unique(y)
        picks = np.concatenate(
            [
                rng.choice(
                    np.flatnonzero(y == c), n_labeled // len(classes), replace=False
                )
                for c in classes
            ]
        )
    else:
        known = np.full(y.shape[0], np.nan)
        picks = rng.choice(y.shape[0], n_labeled, replace=False)
    known[picks] = y[picks]
    return known


def _fitted(learner, data, **params):
    X, y = data
    learner = clone(learner).set_params(budget=None, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return learner.fit(X, _partial_labels(learner, y))


def _k(learner, X):
    return int(min(max(learner.get_params()["batch_size"], 3), 5))


def _query(learner, k):
    idx, scores = learner.query(n_instances=k, return_scores=True)
    return np.asarray(idx), np.asarray(scores)


def _assert_same(a, b, what):
    np.testing.assert_array_equal(a[0], b[0], err_msg=f"{what}: different batches")
    # Distances (and float32 networks) computed in other chunks differ in
    # the last bits; the batch itself must not change.
    np.testing.assert_allclose(
        a[1], b[1], rtol=1e-5, atol=1e-9, err_msg=f"{what}: different scores"
    )


# ----------------------------------------------------------------- checks
def check_query_is_a_function_of_state(name, learner, data):
    """Two queries without a teach return the same batch and scores."""
    fitted = _fitted(learner, data, random_state=0)
    k = _k(learner, data[0])
    _assert_same(_query(fitted, k), _query(fitted, k), f"{name} queried twice")


def check_reproducible(name, learner, data):
    """The same random_state gives the same run; a simulated fit too."""
    X, y = data
    runs = []
    for _ in range(2):
        fitted = _fitted(learner, data, random_state=3)
        batches = []
        for _ in range(2):
            idx, scores = _query(fitted, _k(learner, X))
            batches.append((idx, scores))
            fitted.teach(y=y[idx], indices=idx)
        runs.append(batches)
    for a, b in zip(*runs, strict=True):
        _assert_same(a, b, f"{name} with the same random_state")
    budget = 12 + 2 * _k(learner, X)
    sims = [
        clone(learner).set_params(budget=budget, n_initial=12, random_state=5).fit(X, y)
        for _ in range(2)
    ]
    np.testing.assert_array_equal(
        sims[0].labeled_indices_,
        sims[1].labeled_indices_,
        err_msg=f"{name}: a simulated fit is not reproducible",
    )
    assert sims[0].n_labeled_ == budget, (
        f"{name}: a simulated fit with budget={budget} bought "
        f"{sims[0].n_labeled_} labels"
    )


def check_batch_is_clean(name, learner, data):
    """No labeled row, excluded row or duplicate in a batch."""
    fitted = _fitted(learner, data, random_state=0)
    labeled = set(np.asarray(fitted.labeled_indices_).tolist())
    k = _k(learner, data[0])
    idx, _ = _query(fitted, k)
    assert len(set(idx.tolist())) == k, f"{name}: duplicates in {idx}"
    assert not labeled & set(idx.tolist()), f"{name}: queried labeled rows"
    exclude = idx[:2]
    again = np.asarray(fitted.query(n_instances=k, exclude=exclude))
    assert not set(again.tolist()) & set(exclude.tolist()), (
        f"{name}: query(exclude=...) returned excluded rows"
    )


def check_chunk_invariance(name, learner, data):
    """The same batch whatever working_memory and n_jobs."""
    X, _ = data
    k = _k(learner, X)
    reference = _query(_fitted(learner, data, random_state=1), k)
    with config_context(working_memory=0.001):
        _assert_same(
            _query(_fitted(learner, data, random_state=1), k),
            reference,
            f"{name} with tiny scoring chunks",
        )
        if "n_jobs" in learner.get_params():
            _assert_same(
                _query(_fitted(learner, data, random_state=1, n_jobs=2), k),
                reference,
                f"{name} with n_jobs=2",
            )


def check_dask_pool(name, learner, data):
    """A dask array pool gives the in-memory batch (skipped without dask)."""
    try:
        import dask.array as da
    except ImportError:  # pragma: no cover - dask is an extra
        return
    X, _ = data
    if not isinstance(X, np.ndarray):
        return
    fitted = _fitted(learner, data, random_state=2)
    k = _k(learner, X)
    expected = fitted.query(X, n_instances=k, return_scores=True)
    with dask_scheduler():
        got = fitted.query(
            da.from_array(X, chunks=(max(X.shape[0] // 3, 1), -1)),
            n_instances=k,
            return_scores=True,
        )
    _assert_same(got, expected, f"{name} on a dask array")


def dask_scheduler():
    import dask

    return dask.config.set(scheduler="synchronous")


def check_pickle_mid_loop(name, learner, data):
    """A learner pickled between rounds continues identically."""
    X, y = data
    fitted = _fitted(learner, data, random_state=4)
    idx, _ = _query(fitted, _k(learner, X))
    fitted.teach(y=y[idx], indices=idx)
    twin = pickle.loads(pickle.dumps(fitted))
    _assert_same(
        _query(twin, _k(learner, X)),
        _query(fitted, _k(learner, X)),
        f"{name} after pickling",
    )


def check_atomic_teach(name, learner, data):
    """A failing teach leaves the learner as it was; a later teach works."""
    X, y = data
    fitted = _fitted(learner, data, random_state=6)
    k = _k(learner, X)
    before = _query(fitted, k)
    n_labeled = fitted.n_labeled_
    labeled = np.asarray(fitted.labeled_indices_).copy()
    idx = before[0]
    bad = [np.array([np.nan] * len(idx))]
    if is_classifier(learner):
        # A label type the learner cannot mix with its labels so far.
        bad = [np.array([{"not": "a label"}] * len(idx), dtype=object)]
    for labels in bad:
        try:
            fitted.teach(y=labels, indices=idx)
        except Exception:  # noqa: BLE001 - any refusal is right here
            pass
        else:  # pragma: no cover - the label must be refused
            raise AssertionError(f"{name} accepted the labels {labels[:2]}")
        assert fitted.n_labeled_ == n_labeled, f"{name}: n_labeled_ changed"
        np.testing.assert_array_equal(
            fitted.labeled_indices_, labeled, err_msg=f"{name}: rows marked labeled"
        )
        _assert_same(_query(fitted, k), before, f"{name} after a failed teach")
    fitted.teach(y=y[idx], indices=idx)
    assert fitted.n_labeled_ == n_labeled + len(idx)


def check_scores_match_informativeness(name, learner, data):
    """The scores of a query are the informativeness of its rows."""
    X, _ = data
    fitted = _fitted(learner, data, random_state=0)
    idx, scores = _query(fitted, _k(learner, X))
    if not np.all(np.isfinite(scores)):
        return
    all_scores = np.asarray(fitted.informativeness())
    pool = np.setdiff1d(np.arange(X.shape[0]), fitted.labeled_indices_)
    by_row = dict(zip(pool.tolist(), all_scores.tolist(), strict=True))
    np.testing.assert_allclose(
        [by_row[int(i)] for i in idx],
        scores,
        rtol=1e-6,
        atol=1e-9,
        err_msg=f"{name}: query scores differ from informativeness",
    )


def check_clone_keeps_params(name, learner, data):
    """clone returns an unfitted learner with the same parameters."""
    twin = clone(learner)
    assert repr(twin.get_params(deep=False)) == repr(learner.get_params(deep=False))
    fitted = _fitted(learner, data)
    assert not hasattr(clone(fitted), "estimator_")
    copy.deepcopy(fitted)


#: Every check of the contract, by name.
CHECKS = {
    f.__name__: f
    for f in (
        check_clone_keeps_params,
        check_query_is_a_function_of_state,
        check_reproducible,
        check_batch_is_clean,
        check_chunk_invariance,
        check_dask_pool,
        check_pickle_mid_loop,
        check_atomic_teach,
        check_scores_match_informativeness,
    )
}


def learner_checks(learner, *, data=None):
    """The checks of the contract for ``learner``, as ``check(learner)``
    callables named after the check.

    Parameters
    ----------
    learner : skal active learner
        Unfitted; it is cloned.
    data : tuple (X, y), default=None
        Fully labeled data to draw pools and oracles from; small separable
        data for the learner's task if None.

    Yields
    ------
    check : callable
        ``check(learner)``, raising AssertionError on a breach.
    """
    data = _default_data(learner) if data is None else data
    for name, check in CHECKS.items():
        bound = partial(_run, check, data)
        bound.__name__ = name
        yield bound


def _run(check, data, learner):
    check(type(learner).__name__, learner, data)


def check_learner(learner, *, data=None, skip=()):
    """Run every check of the contract on ``learner``.

    Parameters
    ----------
    learner : skal active learner
    data : tuple (X, y), default=None
        See :func:`learner_checks`.
    skip : iterable of str, default=()
        Names of checks not to run.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skal import UncertaintySamplingClassifier
    >>> from skal.utils.estimator_checks import check_learner
    >>> check_learner(UncertaintySamplingClassifier(LogisticRegression()))
    """
    for check in learner_checks(learner, data=data):
        if check.__name__ not in skip:
            check(learner)


def parametrize_with_checks(learners, *, data=None, expected_failed_checks=None):
    """A pytest decorator that runs every contract check on every learner.

    As :func:`sklearn.utils.estimator_checks.parametrize_with_checks`: the
    decorated test takes ``learner`` and ``check`` and calls
    ``check(learner)``.

    Parameters
    ----------
    learners : list of learners
    data : tuple (X, y) or callable, default=None
        Data for every learner, or ``data(learner) -> (X, y)``.
    expected_failed_checks : callable, default=None
        ``f(learner) -> {check name: reason}`` of checks marked xfail.

    Returns
    -------
    decorator : pytest.mark.parametrize

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skal import RandomSampler
    >>> from skal.utils.estimator_checks import parametrize_with_checks
    >>> @parametrize_with_checks([RandomSampler(LogisticRegression())])
    ... def test_contract(learner, check):
    ...     check(learner)
    """
    import pytest

    cases = []
    for position, learner in enumerate(learners):
        learner_data = data(learner) if callable(data) else data
        failing = expected_failed_checks(learner) if expected_failed_checks else {}
        for check in learner_checks(learner, data=learner_data):
            marks = []
            if check.__name__ in failing:
                marks.append(pytest.mark.xfail(reason=failing[check.__name__]))
            cases.append(
                pytest.param(
                    learner,
                    check,
                    marks=marks,
                    id=f"{type(learner).__name__}{position}-{check.__name__}",
                )
            )
    return pytest.mark.parametrize("learner, check", cases)


#: scikit-learn's estimator checks that a skal learner fails by design, with
#: the reason; pass :func:`sklearn_expected_failures` as
#: ``expected_failed_checks`` to
#: :func:`sklearn.utils.estimator_checks.parametrize_with_checks`.
SKLEARN_EXPECTED_FAILURES = {
    "classifier": {
        "check_classifiers_classes": (
            "labels {-1, 1}: -1 marks unlabeled rows when budget is None, so "
            "only one class is labeled (with budget set, -1 is an ordinary "
            "class); scikit-learn exempts its own semi-supervised estimators by "
            "name"
        ),
    },
    "regressor": {
        "check_supervised_y_no_nan": (
            "NaN marks unlabeled regression targets: an all-NaN y is a valid cold start"
        ),
    },
}


def sklearn_expected_failures(estimator):
    """The scikit-learn checks ``estimator`` fails by design, with reasons.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skal import UncertaintySamplingClassifier
    >>> from skal.utils.estimator_checks import sklearn_expected_failures
    >>> list(sklearn_expected_failures(
    ...     UncertaintySamplingClassifier(LogisticRegression())))
    ['check_classifiers_classes']
    """
    kind = "classifier" if is_classifier(estimator) else "regressor"
    return dict(SKLEARN_EXPECTED_FAILURES[kind])
