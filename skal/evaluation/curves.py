"""Learning curves of active learners over repeated seeded runs.

A *learning curve* is the test score of the model after each labeling round,
as a function of the number of labels bought. :func:`learning_curves` runs
every learner's simulated fit (``budget``) on repeated seeded train/test
splits and scores the model of every round on the test part, through a
callback of the round engine (:mod:`skal.engine`): no method of the learner
is patched, so any learner is evaluated, self-training included. Within one
repeat every learner sees the same split and, with the same seed, the same
initial labeled sample, so the comparison is paired.
"""

import ast
from numbers import Integral

import numpy as np
from joblib import effective_n_jobs
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.metrics import check_scoring
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state

from skal._data import as_rows, take_rows
from skal._pipeline import final_step
from skal.adaptive import AdaptiveSampler
from skal.base import BaseActiveLearner
from skal.baseline import RandomSampler
from skal.callbacks import ScoreEachModel
from skal.committee import CommitteeRegressor, CommitteeSampler
from skal.evaluation.results import LearningCurveResults
from skal.scoring import measures_for
from skal.uncertainty import (
    UncertaintySamplingClassifier,
    UncertaintySamplingRegressor,
)

__all__ = ["learning_curves", "make_learners"]

_UNCERTAINTY = measures_for("proba")
_SHORT_NAMES = ("adaptive", "random", *_UNCERTAINTY, "committee", "std")


def _check_task(learner, estimator, spec):
    """A classification learner for a regressor, or the other way round, is
    a mistake to name with the names that fit."""
    regression = is_regressor(estimator)
    if regression and is_classifier(learner):
        raise ValueError(
            f"{spec!r} is a classification learner, and "
            f"{type(final_step(estimator)).__name__} is a regressor; for "
            "regression use std, committee, random or a regression learner "
            "class (UncertaintySamplingRegressor, CommitteeRegressor)."
        )
    if is_classifier(estimator) and is_regressor(learner):
        raise ValueError(
            f"{spec!r} is a regression learner, and "
            f"{type(final_step(estimator)).__name__} is a classifier; for "
            "classification use adaptive, margin, committee, random or a "
            "classification learner class."
        )


def _parse_value(text):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _learner_classes():
    import skal

    classes = {}
    for name in skal.__all__:
        obj = getattr(skal, name, None)
        if (
            isinstance(obj, type)
            and issubclass(obj, BaseActiveLearner)
            and obj is not BaseActiveLearner
        ):
            classes[name.lower()] = obj
    return classes


def make_learners(specs, estimator, **params):
    """Build active learners from short names, as ``skal compare`` does.

    Parameters
    ----------
    specs : list of str
        Each one of:

        - ``"adaptive"``: an :class:`~skal.AdaptiveSampler`, the recommended
          learner;
        - ``"random"``: a :class:`~skal.RandomSampler`;
        - an uncertainty measure (``"margin"``, ``"entropy"``,
          ``"least_confidence"``, ``"ratio"``): an
          :class:`~skal.UncertaintySamplingClassifier` with that measure;
        - ``"committee"``: a :class:`~skal.CommitteeSampler`, or a
          :class:`~skal.CommitteeRegressor` for a regressor;
        - ``"std"``: an :class:`~skal.UncertaintySamplingRegressor` (the
          regressor's predictive standard deviation);
        - the name of any active learner class that :mod:`skal` exports
          (case-insensitive, e.g. ``"CommitteeSampler"``), optionally followed
          by ``:param=value`` settings, e.g.
          ``"CommitteeSampler:measure=kl_max_disagreement:n_members=3"``.
    estimator : estimator object
        The model every learner wraps.
    **params
        Parameters set on every learner that has them (``batch_size``,
        ``budget``, ``n_initial``, ``random_state``...).

    Returns
    -------
    learners : dict of {str: learner}
        Keyed by the spec, in order.

    Examples
    --------
    >>> from sklearn.naive_bayes import GaussianNB
    >>> from skal.evaluation import make_learners
    >>> learners = make_learners(
    ...     ["adaptive", "margin", "random"], GaussianNB(), batch_size=5
    ... )
    >>> [type(v).__name__ for v in learners.values()]
    ['AdaptiveSampler', 'UncertaintySamplingClassifier', 'RandomSampler']
    >>> learners["margin"].batch_size
    5
    >>> from sklearn.linear_model import BayesianRidge
    >>> learners = make_learners(["std", "committee", "random"], BayesianRidge())
    >>> [type(v).__name__ for v in learners.values()]
    ['UncertaintySamplingRegressor', 'CommitteeRegressor', 'RandomSampler']
    """
    classes = _learner_classes()
    learners = {}
    for spec in specs:
        spec = spec.strip()
        head, *options = spec.split(":")
        settings = {}
        for option in options:
            key, sep, value = option.partition("=")
            if not sep or not key:
                raise ValueError(
                    f"In {spec!r}, {option!r} is not a param=value setting."
                )
            settings[key.strip()] = _parse_value(value.strip())
        if head == "random":
            learner = RandomSampler(estimator)
        elif head == "adaptive":
            learner = AdaptiveSampler(estimator)
        elif head in _UNCERTAINTY:
            learner = UncertaintySamplingClassifier(estimator, measure=head)
        elif head == "committee":
            regression = is_regressor(estimator)
            learner = (CommitteeRegressor if regression else CommitteeSampler)(
                estimator
            )
        elif head == "std":
            learner = UncertaintySamplingRegressor(estimator)
        elif head.lower() in classes:
            learner = classes[head.lower()](estimator)
        else:
            valid = [
                *_SHORT_NAMES,
                *sorted(cls.__name__ for cls in classes.values()),
            ]
            raise ValueError(f"Unknown learner {head!r}; choose from {valid}.")
        _check_task(learner, estimator, spec)
        accepted = learner.get_params(deep=False)
        common = {k: v for k, v in params.items() if k in accepted}
        unknown = set(settings) - set(accepted)
        if unknown:
            raise ValueError(
                f"{type(learner).__name__} has no parameter {sorted(unknown)} "
                f"(in {spec!r}); its parameters are {sorted(accepted)}."
            )
        if spec in learners:
            raise ValueError(f"{spec!r} is listed twice.")
        learners[spec] = learner.set_params(**common, **settings)
    if not learners:
        raise ValueError("No learner given.")
    return learners


def _default_name(learner):
    if isinstance(learner, RandomSampler):
        return "random"
    measure = learner.get_params(deep=False).get("measure")
    if isinstance(learner, UncertaintySamplingClassifier) and isinstance(measure, str):
        return measure
    return type(learner).__name__


def _named_learners(learners):
    if isinstance(learners, dict):
        named = {str(k): v for k, v in learners.items()}
    else:
        learners = list(learners)
        named = {}
        for learner in learners:
            name = _default_name(learner)
            if name in named:
                raise ValueError(
                    f"Two learners would both be named {name!r}; pass a dict "
                    "{name: learner} to name them."
                )
            named[name] = learner
    if not named:
        raise ValueError("learners is empty; pass at least one active learner.")
    for name, learner in named.items():
        if not isinstance(learner, BaseActiveLearner):
            raise TypeError(
                f"learners[{name!r}] = {learner!r} is not an active learner; wrap "
                "the estimator in one, e.g. RandomSampler(estimator)."
            )
    return named


def _run_one(learner, X, y, train, test, seed, scoring, limit_threads):
    """One learner on one repeat: its learning curve."""
    with _thread_limit(limit_threads):
        learner = clone(learner)
        X_train, y_train = take_rows(X, train), y[train]
        X_test, y_test = take_rows(X, test), y[test]
        scorer = check_scoring(learner, scoring=scoring)
        recorder = ScoreEachModel(X_test, y_test, scorer)
        learner.set_params(
            random_state=seed, callbacks=[*(learner.callbacks or []), recorder]
        )
        learner.fit(X_train, y_train)
        curve = learner.callbacks_[-1].curve
        counts = sorted(curve)
        return counts, [curve[n] for n in counts]


def _reference(learner):
    """What the whole training split trains for the reference score: the
    wrapped estimator, or, for a committee of different estimators (a list),
    the committee itself with every label."""
    if isinstance(learner.estimator, (list, tuple)):
        return clone(learner).set_params(budget=None, callbacks=None)
    return learner.estimator


def _full_score(estimator, X, y, train, test, seed, scoring, limit_threads):
    """The estimator trained on the whole training split, scored on the test
    split: the reference of the deficiency."""
    with _thread_limit(limit_threads):
        full = clone(estimator)
        if isinstance(full, BaseActiveLearner):
            full.set_params(random_state=seed)
        full.fit(take_rows(X, train), y[train])
        return float(
            check_scoring(full, scoring=scoring)(full, take_rows(X, test), y[test])
        )


def _thread_limit(limit):
    """One BLAS thread per worker when workers run in parallel: two cores
    with two OpenBLAS threads per worker ran 5-10x slower."""
    from contextlib import nullcontext

    if not limit:
        return nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


def learning_curves(
    learners,
    X,
    y,
    *,
    budget=None,
    n_repeats=10,
    test_size=0.25,
    scoring=None,
    baseline="auto",
    random_state=None,
    n_jobs=None,
):
    """Learning curves of active learners over repeated seeded runs.

    For each repeat, ``X, y`` is split into a training pool and a test set
    (stratified for classifiers). Every learner then runs its simulated fit
    on the pool (``budget`` labels, ``y`` as the oracle) with the repeat's
    seed as its ``random_state``, so all learners of one repeat start from
    the same labeled sample. The model after each round is scored on the
    test set, and so is the estimator trained on the whole pool (the
    reference of :func:`deficiency`).

    Parameters
    ----------
    learners : dict of {str: learner} or list of learners
        Active learners (e.g. :class:`~skal.UncertaintySamplingClassifier`,
        :class:`~skal.RandomSampler`), fitted or not; they are cloned. A list
        names each by its ``measure`` (uncertainty sampling), ``"random"`` for
        a RandomSampler, else by its class name.
    X : {array-like, sparse matrix, DataFrame} of shape (n_samples, ...)
        All samples.
    y : array-like of shape (n_samples,)
        Every label (the oracle of the simulation and the test labels).
    budget : int, default=None
        Labels each learner buys; None keeps each learner's own ``budget``
        (which must then be set).
    n_repeats : int, default=10
        Number of seeded repeats (splits and initial samples).
    test_size : float or int, default=0.25
        Test part of each split, as in
        :func:`~sklearn.model_selection.train_test_split`.
    scoring : str, callable or None, default=None
        A scikit-learn scorer; None uses the estimator's ``score`` (accuracy
        for classifiers).
    baseline : str, "auto" or None, default="auto"
        Name of the learner that :func:`deficiency` and the label savings
        compare against. "auto": the only :class:`~skal.RandomSampler`
        among ``learners``, if there is exactly one.
    random_state : int, RandomState instance or None, default=None
        Seeds the repeats; an int gives identical results on every run,
        whatever ``n_jobs``.
    n_jobs : int, default=None
        Runs (learner, repeat) pairs in parallel with joblib; ``-1`` uses
        every core.

    Returns
    -------
    results : LearningCurveResults
        The curves, as a tidy table, with their summary.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skal import RandomSampler, UncertaintySamplingClassifier
    >>> from skal.evaluation import learning_curves
    >>> X, y = load_iris(return_X_y=True)
    >>> lr = LogisticRegression(max_iter=500)
    >>> results = learning_curves(
    ...     [UncertaintySamplingClassifier(lr, measure="margin", batch_size=10),
    ...      RandomSampler(lr, batch_size=10)],
    ...     X, y, budget=40, n_repeats=3, random_state=0,
    ... )
    >>> results.learners, results.baseline
    (['margin', 'random'], 'random')
    >>> n_labeled, scores = results.curve("margin")
    >>> n_labeled.tolist(), scores.shape
    ([10, 20, 30, 40], (3, 4))
    """
    # scikit-learn's wrappers carry its config (working_memory...) and the
    # caller's warning filters into the workers.
    from sklearn.utils.parallel import Parallel, delayed

    named = _named_learners(learners)
    if budget is not None:
        if not isinstance(budget, Integral) or budget < 1:
            raise ValueError(f"budget must be a positive integer, got {budget!r}.")
        named = {k: clone(v).set_params(budget=budget) for k, v in named.items()}
    for name, learner in named.items():
        if learner.get_params()["budget"] is None:
            raise ValueError(
                f"learners[{name!r}] has budget=None; set its budget or pass "
                "budget= to learning_curves."
            )
    if not isinstance(n_repeats, Integral) or n_repeats < 1:
        raise ValueError(f"n_repeats must be a positive integer, got {n_repeats!r}.")
    if baseline == "auto":
        randoms = [k for k, v in named.items() if isinstance(v, RandomSampler)]
        baseline = randoms[0] if len(randoms) == 1 else None
    elif baseline is not None and baseline not in named:
        raise ValueError(
            f"baseline={baseline!r} is not one of the learners {list(named)}."
        )

    X = as_rows(X)
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise ValueError(
            f"y must be 1-d with one label per row of X ({X.shape[0]}), got shape "
            f"{y.shape}."
        )
    first = next(iter(named.values()))
    classification = is_classifier(first)
    seeds = check_random_state(random_state).randint(
        np.iinfo(np.int32).max, size=n_repeats
    )
    positions = np.arange(X.shape[0])
    splits = [
        train_test_split(
            positions,
            test_size=test_size,
            random_state=int(seed),
            stratify=y if classification else None,
        )
        for seed in seeds
    ]
    tasks = [
        (name, int(seed), train, test)
        for seed, (train, test) in zip(seeds, splits, strict=True)
        for name in named
    ]
    # One reference fit per repeat and estimator, not per learner.
    estimators = {}
    for name, learner in named.items():
        estimators.setdefault(repr(learner.estimator), (name, _reference(learner)))
    references = [
        (key, int(seed), train, test)
        for seed, (train, test) in zip(seeds, splits, strict=True)
        for key in estimators
    ]
    limit = effective_n_jobs(n_jobs) > 1
    outputs = Parallel(n_jobs=n_jobs)(
        [
            delayed(_run_one)(named[name], X, y, train, test, seed, scoring, limit)
            for name, seed, train, test in tasks
        ]
        + [
            delayed(_full_score)(
                estimators[key][1], X, y, train, test, seed, scoring, limit
            )
            for key, seed, train, test in references
        ]
    )
    curves, fulls = outputs[: len(tasks)], outputs[len(tasks) :]
    full_of = {
        (key, seed): score
        for (key, seed, _, _), score in zip(references, fulls, strict=True)
    }
    records = [
        {
            "learner": name,
            "seed": seed,
            "n_labeled": n,
            "score": float(score),
            "full_score": full_of[(repr(named[name].estimator), seed)],
        }
        for (name, seed, _, _), (counts, scores) in zip(tasks, curves, strict=True)
        for n, score in zip(counts, scores, strict=True)
    ]
    if isinstance(scoring, str):
        score_name = scoring
    elif scoring is None:
        score_name = "accuracy" if classification else "R^2"
    else:
        score_name = "score"
    return LearningCurveResults(records, baseline=baseline, score_name=score_name)
