"""Learning curves of active learners over repeated seeded runs, and the
numbers that rank them against random sampling.

A *learning curve* is the test score of the model after each labeling round,
as a function of the number of labels bought. :func:`learning_curves` runs
every learner's simulated fit (``budget``) on repeated seeded train/test
splits and scores the model of every round on the test part. Within one
repeat every learner sees the same split and, with the same seed, the same
initial labeled sample, so the comparison is paired.

Each round's model is scored on the test part the moment the learner has
trained it, through the learner itself (``learner.score`` or the scorer
given), so the curve is exactly what the learner would have reported at that
point: committees, warm-started networks and aligned class columns included,
and no model is fitted twice.

Summaries of a curve (all pure numpy, usable on curves from elsewhere):

- :func:`area_under_learning_curve`: the normalised area (AULC), the mean
  score over the label range.
- :func:`deficiency`: Baram, El-Yaniv and Luz (2004); below 1 means the
  strategy is closer to the full-data score than random sampling, on average
  over the label range.
- :func:`labels_to_reach`: how many labels a curve needs to reach a score,
  which gives the label savings against random sampling.
"""

import ast
import csv
import json
import math
from numbers import Integral, Real

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.metrics import check_scoring
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state

from skal._data import as_rows, take_rows
from skal.base import BaseActiveLearner
from skal.baseline import RandomSampler
from skal.scoring import UNCERTAINTY_MEASURES
from skal.uncertainty import UncertaintySamplingClassifier

__all__ = [
    "LearningCurveResults",
    "area_under_learning_curve",
    "deficiency",
    "labels_to_reach",
    "learning_curves",
    "make_learners",
]

_COLUMNS = ("learner", "seed", "n_labeled", "score", "full_score")
_SUMMARY_COLUMNS = (
    "learner",
    "n_repeats",
    "final_score_mean",
    "final_score_std",
    "aulc_mean",
    "aulc_std",
    "deficiency_mean",
    "deficiency_std",
    "target",
    "labels_to_target",
    "label_savings",
)


# --------------------------------------------------------------- curve math
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
    baseline (random sampling) after ``t`` labels, and ``a*`` the score of the
    model trained on the whole training set. The sum runs over every integer
    label count in the range both curves cover, with the curves interpolated
    linearly between rounds. Below 1: the strategy closes the gap to ``a*``
    faster than the baseline; 1: no better; above 1: worse.

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
        NaN when the baseline's curve is not below ``full_score`` on average
        (the ratio is then meaningless) or the curves share no label count.

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
    """
    n_a, s_a = _check_curve(n_labeled, scores)
    n_b, s_b = _check_curve(baseline_n_labeled, baseline_scores)
    lo = math.ceil(max(n_a[0], n_b[0]))
    hi = math.floor(min(n_a[-1], n_b[-1]))
    if hi < lo:
        return float("nan")
    t = np.arange(lo, hi + 1, dtype=float)
    gap_a = np.sum(full_score - np.interp(t, n_a, s_a))
    gap_b = np.sum(full_score - np.interp(t, n_b, s_b))
    if not gap_b > 0:
        return float("nan")
    return float(round(gap_a / gap_b, 12))


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


# ---------------------------------------------------------- learner specs
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

        - ``"random"``: a :class:`~skal.RandomSampler`;
        - an uncertainty measure (``"margin"``, ``"entropy"``,
          ``"least_confidence"``, ``"ratio"``): an
          :class:`~skal.UncertaintySamplingClassifier` with that strategy;
        - the name of any active learner class that :mod:`skal` exports
          (case-insensitive, e.g. ``"CommitteeSampler"``), optionally followed
          by ``:param=value`` settings, e.g.
          ``"CommitteeSampler:disagreement=kl_max_disagreement:n_members=3"``.
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
    >>> learners = make_learners(["margin", "random"], GaussianNB(), batch_size=5)
    >>> {k: type(v).__name__ for k, v in learners.items()}
    {'margin': 'UncertaintySamplingClassifier', 'random': 'RandomSampler'}
    >>> learners["margin"].batch_size
    5
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
        elif head in UNCERTAINTY_MEASURES:
            learner = UncertaintySamplingClassifier(estimator, strategy=head)
        elif head.lower() in classes:
            learner = classes[head.lower()](estimator)
        else:
            valid = [
                "random",
                *UNCERTAINTY_MEASURES,
                *sorted(cls.__name__ for cls in classes.values()),
            ]
            raise ValueError(f"Unknown strategy {head!r}; choose from {valid}.")
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
        raise ValueError("No strategy given.")
    return learners


# ------------------------------------------------------------- simulation
def _default_name(learner):
    if isinstance(learner, RandomSampler):
        return "random"
    strategy = learner.get_params(deep=False).get("strategy")
    if isinstance(strategy, str):
        return strategy
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


def _run_one(learner, X, y, train, test, seed, scoring):
    """One learner on one repeat: its learning curve and the full-data score."""
    learner = clone(learner)
    if "random_state" in learner.get_params(deep=False):
        learner.set_params(random_state=seed)
    X_train, y_train = take_rows(X, train), y[train]
    X_test, y_test = take_rows(X, test), y[test]
    scorer = check_scoring(learner, scoring=scoring)
    curve = {}
    refit = learner._refit

    def refit_and_score():
        refit()
        # Score each round's model the moment it is trained: a warm-started
        # network or a committee cannot be rebuilt afterwards from the labels.
        curve[int(learner.n_labeled_)] = float(scorer(learner, X_test, y_test))

    learner._refit = refit_and_score
    learner.fit(X_train, y_train)
    full = clone(learner.estimator).fit(X_train, y_train)
    counts = sorted(curve)
    return counts, [curve[n] for n in counts], float(scorer(full, X_test, y_test))


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
        names each by its ``strategy``, ``"random"`` for a RandomSampler,
        else by its class name.
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
    ...     [UncertaintySamplingClassifier(lr, strategy="margin", batch_size=10),
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
    outputs = Parallel(n_jobs=n_jobs)(
        delayed(_run_one)(named[name], X, y, train, test, seed, scoring)
        for name, seed, train, test in tasks
    )
    records = [
        {
            "learner": name,
            "seed": seed,
            "n_labeled": n,
            "score": float(score),
            "full_score": full,
        }
        for (name, seed, _, _), (counts, scores, full) in zip(
            tasks, outputs, strict=True
        )
        for n, score in zip(counts, scores, strict=True)
    ]
    if isinstance(scoring, str):
        score_name = scoring
    elif scoring is None:
        score_name = "accuracy" if classification else "R^2"
    else:
        score_name = "score"
    return LearningCurveResults(records, baseline=baseline, score_name=score_name)


# ---------------------------------------------------------------- results
class LearningCurveResults:
    """Learning curves of several learners over repeats, as a tidy table.

    Made by :func:`learning_curves`, or read back with :meth:`read_csv` /
    :meth:`read_json`. Each record is one point of one curve: ``learner``,
    ``seed`` (of the repeat), ``n_labeled``, ``score``, and ``full_score``
    (the learner's estimator trained on the whole training pool of that
    repeat).

    Parameters
    ----------
    records : list of dict
        The points, with the keys above.
    baseline : str or None, default=None
        The learner that deficiency and label savings compare against.
    score_name : str, default="score"
        What ``score`` measures (an axis label for plots).

    Attributes
    ----------
    learners : list of str
        Learner names, in their order of first appearance.

    Examples
    --------
    >>> from skal.evaluation import LearningCurveResults
    >>> records = [
    ...     {"learner": name, "seed": seed, "n_labeled": n,
    ...      "score": s - 0.01 * seed, "full_score": 0.95}
    ...     for name, curve in [("margin", [0.6, 1.0]), ("random", [0.6, 0.8])]
    ...     for seed in (0, 1)
    ...     for n, s in zip([10, 20], curve)
    ... ]
    >>> results = LearningCurveResults(records, baseline="random")
    >>> row = results.summary(as_frame=False)[0]
    >>> row["learner"], row["aulc_mean"], row["label_savings"]
    ('margin', 0.795, 0.25)
    """

    def __init__(self, records, *, baseline=None, score_name="score"):
        records = [dict(r) for r in records]
        if not records:
            raise ValueError("records is empty: no learning curve to summarise.")
        for r in records:
            missing = set(_COLUMNS) - set(r)
            if missing:
                raise ValueError(f"record {r!r} lacks {sorted(missing)}.")
            r["learner"] = str(r["learner"])
            r["seed"] = int(r["seed"])
            r["n_labeled"] = int(r["n_labeled"])
            r["score"] = float(r["score"])
            r["full_score"] = float(r["full_score"])
        self.records = records
        self.learners = list(dict.fromkeys(r["learner"] for r in records))
        if baseline is not None and baseline not in self.learners:
            raise ValueError(
                f"baseline={baseline!r} is not one of the learners {self.learners}."
            )
        self.baseline = baseline
        self.score_name = score_name

    def __repr__(self):
        seeds = len({r["seed"] for r in self.records})
        return (
            f"LearningCurveResults(learners={self.learners}, n_repeats={seeds}, "
            f"baseline={self.baseline!r})"
        )

    # ---------------------------------------------------------------- curves
    def _per_seed(self, learner):
        if learner not in self.learners:
            raise KeyError(f"No learner {learner!r}; have {self.learners}.")
        by_seed = {}
        for r in self.records:
            if r["learner"] == learner:
                by_seed.setdefault(r["seed"], []).append(
                    (r["n_labeled"], r["score"], r["full_score"])
                )
        return {seed: sorted(points) for seed, points in by_seed.items()}

    def curve(self, learner):
        """One learner's curves on a common grid of label counts.

        Repeats whose rounds fell on other counts (e.g. extra random labels
        bought to see a second class) are interpolated onto the grid.

        Parameters
        ----------
        learner : str
            A name from :attr:`learners`.

        Returns
        -------
        n_labeled : ndarray of shape (n_points,)
            Every label count seen in any repeat.
        scores : ndarray of shape (n_repeats, n_points)
            One row per repeat, in seed order of appearance.

        Examples
        --------
        >>> from skal.evaluation import LearningCurveResults
        >>> results = LearningCurveResults(
        ...     [{"learner": "random", "seed": s, "n_labeled": n,
        ...       "score": n / 80 + s / 4, "full_score": 1.0}
        ...      for s in (0, 1) for n in (10, 20)],
        ...     baseline="random", score_name="accuracy")
        >>> n_labeled, scores = results.curve("random")
        >>> n_labeled.tolist(), scores.tolist()
        ([10, 20], [[0.125, 0.25], [0.375, 0.5]])
        """
        per_seed = self._per_seed(learner)
        grid = np.array(
            sorted({n for points in per_seed.values() for n, _, _ in points})
        )
        rows = []
        for points in per_seed.values():
            n, s, _ = _columns(points)
            rows.append(np.interp(grid, n, s))
        return grid, np.vstack(rows)

    # --------------------------------------------------------------- summary
    def summary(self, *, target=None, as_frame=None):
        """One row per learner: final score, AULC, deficiency, label savings.

        ``final_score``, ``aulc`` and ``deficiency`` are computed per repeat
        (paired with the baseline's run of the same seed, for deficiency),
        then averaged (``_mean``) with their standard deviation across repeats
        (``_std``). ``labels_to_target`` is read off the mean learning curve,
        which is smoother than any single repeat, and ``label_savings`` is
        ``1 - labels_to_target / baseline's labels_to_target``: the fraction
        of labels the strategy saves to reach ``target`` (0.4 = 40% fewer
        labels than random sampling).

        Parameters
        ----------
        target : float, default=None
            Score to reach; None takes the baseline's mean final score (what
            random sampling achieves with the whole budget).
        as_frame : bool, default=None
            Return a pandas DataFrame; None does so if pandas is installed.

        Returns
        -------
        summary : DataFrame or list of dict
            Columns: learner, n_repeats, final_score_mean, final_score_std,
            aulc_mean, aulc_std, deficiency_mean, deficiency_std, target,
            labels_to_target, label_savings. NaN where a value is undefined
            (no baseline, target never reached).
        """
        if target is None and self.baseline is not None:
            # Read off the same mean curve that labels_to_reach walks, so the
            # baseline reaches its own target exactly.
            target = float(self._mean_curve(self.baseline)[1][-1])
        if target is not None and not isinstance(target, Real):
            raise TypeError(f"target must be a number, got {target!r}.")
        base = None if self.baseline is None else self._per_seed(self.baseline)
        base_n = None
        if self.baseline is not None:
            base_n = labels_to_reach(*self._mean_curve(self.baseline), target)

        rows = []
        for name in self.learners:
            per_seed = self._per_seed(name)
            finals, aulcs, defs = [], [], []
            for seed, points in per_seed.items():
                n, s, full = _columns(points)
                finals.append(s[-1])
                aulcs.append(area_under_learning_curve(n, s))
                if base is not None and seed in base:
                    bn, bs, _ = _columns(base[seed])
                    defs.append(deficiency(n, s, bn, bs, full[0]))
            reach = float("nan")
            if target is not None:
                reach = labels_to_reach(*self._mean_curve(name), target)
            savings = float("nan")
            if base_n is not None and base_n > 0:
                savings = 1 - reach / base_n
            rows.append(
                {
                    "learner": name,
                    "n_repeats": len(per_seed),
                    "final_score_mean": _mean(finals),
                    "final_score_std": _std(finals),
                    "aulc_mean": _mean(aulcs),
                    "aulc_std": _std(aulcs),
                    "deficiency_mean": _mean(defs),
                    "deficiency_std": _std(defs),
                    "target": float("nan") if target is None else float(target),
                    "labels_to_target": reach,
                    "label_savings": round(savings, 12),
                }
            )
        return _table(rows, _SUMMARY_COLUMNS, as_frame)

    def _mean_curve(self, learner):
        grid, scores = self.curve(learner)
        return grid, scores.mean(axis=0)

    def to_string(self, *, target=None, digits=3, markdown=False):
        """The summary as a table (mean ± std over the repeats).

        Parameters
        ----------
        target : float, default=None
            As in :meth:`summary`.
        digits : int, default=3
            Decimals of scores.
        markdown : bool, default=False
            A Markdown table instead of aligned plain text.

        Returns
        -------
        text : str
            The table, then a line with the target score, if there is one.

        Examples
        --------
        >>> from skal.evaluation import LearningCurveResults
        >>> results = LearningCurveResults(
        ...     [{"learner": "random", "seed": s, "n_labeled": n,
        ...       "score": n / 80 + s / 4, "full_score": 1.0}
        ...      for s in (0, 1) for n in (10, 20)],
        ...     baseline="random", score_name="accuracy")
        >>> lines = results.to_string(markdown=True).splitlines()
        >>> print(lines[2])
        | random | 0.375 ± 0.125 | 0.312 ± 0.125 | 1.000 ± 0.000 | 20 | 0% |
        >>> print(lines[-1])
        target accuracy = 0.375 (final mean of 'random')
        """
        rows = self.summary(target=target, as_frame=False)

        def pm(row, key):
            mean, std = row[f"{key}_mean"], row[f"{key}_std"]
            if math.isnan(mean):
                return "-"
            return f"{mean:.{digits}f} ± {std:.{digits}f}"

        def num(value, fmt):
            return "-" if math.isnan(value) else format(value, fmt)

        header = (
            "learner",
            f"final {self.score_name}",
            "AULC",
            "deficiency",
            "labels to target",
            "label savings",
        )
        body = [
            (
                row["learner"],
                pm(row, "final_score"),
                pm(row, "aulc"),
                pm(row, "deficiency"),
                num(row["labels_to_target"], ".0f"),
                num(row["label_savings"], ".0%"),
            )
            for row in rows
        ]
        if markdown:
            lines = [f"| {' | '.join(r)} |" for r in [header, *body]]
            lines.insert(1, "|" + "---|" * len(header))
        else:
            widths = [max(len(r[i]) for r in [header, *body]) for i in range(6)]
            lines = [
                "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True))
                for r in [header, *body]
            ]
            lines.insert(1, "  ".join("-" * w for w in widths))
        target_row = rows[0]["target"]
        if not math.isnan(target_row):
            lines += [""] if markdown else []
            lines.append(
                f"target {self.score_name} = {target_row:.{digits}f}"
                + (f" (final mean of {self.baseline!r})" if target is None else "")
            )
        return "\n".join(line.rstrip() for line in lines)

    # ----------------------------------------------------------------- I/O
    def to_frame(self, *, as_frame=None):
        """The tidy table: one row per point of every curve.

        Parameters
        ----------
        as_frame : bool, default=None
            Return a pandas DataFrame; None does so if pandas is installed,
            else returns a list of dicts.

        Returns
        -------
        table : DataFrame or list of dict
            Columns: learner, seed, n_labeled, score, full_score.

        Examples
        --------
        >>> from skal.evaluation import LearningCurveResults
        >>> results = LearningCurveResults(
        ...     [{"learner": "random", "seed": s, "n_labeled": n,
        ...       "score": n / 80 + s / 4, "full_score": 1.0}
        ...      for s in (0, 1) for n in (10, 20)],
        ...     baseline="random", score_name="accuracy")
        >>> row = results.to_frame(as_frame=False)[1]
        >>> row["learner"], row["seed"], row["n_labeled"], row["score"]
        ('random', 0, 20, 0.25)
        """
        return _table(self.records, _COLUMNS, as_frame)

    def to_csv(self, path):
        """Write the tidy table to a CSV file (one row per curve point).

        Parameters
        ----------
        path : str or path-like

        Examples
        --------
        >>> from skal.evaluation import LearningCurveResults
        >>> results = LearningCurveResults(
        ...     [{"learner": "random", "seed": s, "n_labeled": n,
        ...       "score": n / 80 + s / 4, "full_score": 1.0}
        ...      for s in (0, 1) for n in (10, 20)],
        ...     baseline="random", score_name="accuracy")
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "curves.csv")
        >>> results.to_csv(path)
        >>> again = LearningCurveResults.read_csv(path, baseline="random")
        >>> again.records == results.records, again.baseline
        (True, 'random')
        """
        with open(path, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=_COLUMNS)
            writer.writeheader()
            writer.writerows({k: r[k] for k in _COLUMNS} for r in self.records)

    @classmethod
    def read_csv(cls, path, *, baseline=None, score_name="score"):
        """Read a table written by :meth:`to_csv`.

        Parameters
        ----------
        path : str or path-like
        baseline : str, default=None
            The CSV does not store it: name the baseline learner again.
        score_name : str, default="score"

        Returns
        -------
        results : LearningCurveResults
        """
        with open(path, newline="", encoding="utf-8") as f:
            records = list(csv.DictReader(f))
        return cls(records, baseline=baseline, score_name=score_name)

    def to_json(self, path):
        """Write the records, the baseline and the score name to a JSON file.

        Parameters
        ----------
        path : str or path-like

        Examples
        --------
        >>> from skal.evaluation import LearningCurveResults
        >>> results = LearningCurveResults(
        ...     [{"learner": "random", "seed": s, "n_labeled": n,
        ...       "score": n / 80 + s / 4, "full_score": 1.0}
        ...      for s in (0, 1) for n in (10, 20)],
        ...     baseline="random", score_name="accuracy")
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "curves.json")
        >>> results.to_json(path)
        >>> again = LearningCurveResults.read_json(path)
        >>> again.records == results.records, again.baseline
        (True, 'random')
        """
        payload = {
            "baseline": self.baseline,
            "score_name": self.score_name,
            "records": self.records,
        }
        with open(path, "w", encoding="utf-8") as f:
            json.dump(payload, f, indent=1)

    @classmethod
    def read_json(cls, path):
        """Read a file written by :meth:`to_json`.

        Parameters
        ----------
        path : str or path-like

        Returns
        -------
        results : LearningCurveResults
        """
        with open(path, encoding="utf-8") as f:
            payload = json.load(f)
        return cls(
            payload["records"],
            baseline=payload.get("baseline"),
            score_name=payload.get("score_name", "score"),
        )


def _columns(points):
    """(n_labeled, score, full_score) tuples to three float arrays."""
    return np.array(points, dtype=float).T


def _mean(values):
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    return float(values.mean()) if values.size else float("nan")


def _std(values):
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    return float(values.std()) if values.size else float("nan")


def _table(rows, columns, as_frame):
    if as_frame is None:
        try:
            import pandas  # noqa: F401
        except ImportError:
            as_frame = False
        else:
            as_frame = True
    if as_frame:
        import pandas as pd

        return pd.DataFrame([{c: r[c] for c in columns} for r in rows], columns=columns)
    return [{c: r[c] for c in columns} for r in rows]
