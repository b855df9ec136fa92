"""When to stop asking for labels: composable stopping criteria.

A criterion is a callback of the round engine (:mod:`skal.engine`): after
each round that changed the model it decides whether to stop, in an
:class:`~skal.loop.AnnotationLoop` and in a learner's simulated ``fit`` alike
(pass it in ``callbacks``). ``a | b`` stops when either does, ``a & b`` when
both do; any callable ``f(engine) -> bool`` is a criterion too. A criterion
reads ``engine.learner`` (the fitted active learner) and ``engine.n_bought_``
(labels given by the oracle so far), so it can also be driven by hand with
any object that has those two attributes.

A criterion that caps the labels (:class:`BudgetSpent`) also tells the engine
how many more it allows, so the last batch is shrunk and the cap is never
exceeded.
"""

import numpy as np
from sklearn.base import is_classifier

from skal.callbacks import Callback

__all__ = [
    "AllOf",
    "AnyOf",
    "BudgetSpent",
    "MaxUncertaintyBelow",
    "StabilizingPredictions",
    "StoppingCriterion",
    "TargetScore",
    "as_criterion",
]


class StoppingCriterion(Callback):
    """Base class of stopping criteria.

    Subclasses implement ``_check(engine) -> bool`` and may set ``reason_`` to
    say why they fired. Calling the criterion returns whether to stop.

    Attributes
    ----------
    reason_ : str or None
        Why the last call said to stop; None if it did not.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from skal.stopping import StoppingCriterion
    >>> class RoundLimit(StoppingCriterion):
    ...     def __init__(self, n_rounds):
    ...         self.n_rounds = n_rounds
    ...     def _check(self, engine):
    ...         if len(engine.history_) >= self.n_rounds:
    ...             self.reason_ = f"{self.n_rounds} rounds done"
    ...             return True
    ...         return False
    >>> limit = RoundLimit(2)
    >>> limit(SimpleNamespace(history_=[{}])), limit(SimpleNamespace(history_=[{}, {}]))
    (False, True)
    >>> limit.reason_
    '2 rounds done'
    """

    reason_ = None

    def on_model_change(self, engine):
        if self(engine):
            engine.stop(self.reason_ or repr(self))

    def __call__(self, engine):
        stop = bool(self._check(engine))
        if not stop:
            self.reason_ = None
        elif self.reason_ is None:
            self.reason_ = repr(self)
        return stop

    def _check(self, engine):  # pragma: no cover - abstract
        raise NotImplementedError

    def reset(self):
        """Forget the state gathered over previous calls."""
        self.reason_ = None

    def __or__(self, other):
        return AnyOf(self, other)

    def __ror__(self, other):
        return AnyOf(other, self)

    def __and__(self, other):
        return AllOf(self, other)

    def __rand__(self, other):
        return AllOf(other, self)


class _FunctionCriterion(StoppingCriterion):
    def __init__(self, func):
        self.func = func

    def _check(self, engine):
        stop = self.func(engine)
        if stop:
            name = getattr(self.func, "__name__", repr(self.func))
            self.reason_ = f"{name} returned {stop!r}"
        return stop

    def __repr__(self):
        return f"as_criterion({getattr(self.func, '__name__', self.func)!r})"


def as_criterion(criterion):
    """A :class:`StoppingCriterion` from a criterion, a callable or a list.

    Parameters
    ----------
    criterion : StoppingCriterion, callable, list of those, or None
        A callable is called as ``criterion(engine)`` and stops on a true
        result; a list stops when any of its members does.

    Returns
    -------
    criterion : StoppingCriterion or None
        None if ``criterion`` is None.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from skal.stopping import as_criterion
    >>> def enough(engine):
    ...     return engine.n_bought_ >= 3
    >>> crit = as_criterion(enough)
    >>> crit(SimpleNamespace(n_bought_=2)), crit(SimpleNamespace(n_bought_=3))
    (False, True)
    >>> crit.reason_
    'enough returned True'
    """
    if criterion is None or isinstance(criterion, StoppingCriterion):
        return criterion
    if isinstance(criterion, (list, tuple)):
        return AnyOf(*criterion)
    if callable(criterion):
        return _FunctionCriterion(criterion)
    raise TypeError(
        "A stopping criterion is a StoppingCriterion, a callable f(engine) -> bool "
        f"or a list of those; got {criterion!r}."
    )


class AnyOf(StoppingCriterion):
    """Stop when any member criterion says so.

    Every member is evaluated on every call, without short-circuit: stateful
    criteria such as :class:`StabilizingPredictions` must see every model.

    Parameters
    ----------
    *criteria : StoppingCriterion or callable
        The members; callables are wrapped by :func:`as_criterion`.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from skal.stopping import BudgetSpent
    >>> crit = BudgetSpent(10) | BudgetSpent(5)
    >>> crit(SimpleNamespace(n_bought_=7))
    True
    >>> crit.reason_
    'budget of 5 labels spent'
    """

    def __init__(self, *criteria):
        if not criteria:
            raise ValueError("AnyOf needs at least one criterion.")
        self.criteria = [as_criterion(c) for c in criteria]

    def _check(self, engine):
        fired = [c for c in self.criteria if c(engine)]
        self.reason_ = "; ".join(c.reason_ for c in fired) or None
        return bool(fired)

    def max_new_labels(self, engine):
        caps = [c.max_new_labels(engine) for c in self.criteria]
        caps = [c for c in caps if c is not None]
        return min(caps) if caps else None

    def reset(self):
        super().reset()
        for c in self.criteria:
            c.reset()

    def __repr__(self):
        return " | ".join(repr(c) for c in self.criteria)


class AllOf(StoppingCriterion):
    """Stop when every member criterion says so (all are evaluated each call).

    Parameters
    ----------
    *criteria : StoppingCriterion or callable
        The members; callables are wrapped by :func:`as_criterion`.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from skal.stopping import BudgetSpent
    >>> crit = BudgetSpent(10) & BudgetSpent(5)
    >>> crit(SimpleNamespace(n_bought_=7)), crit(SimpleNamespace(n_bought_=10))
    (False, True)
    """

    def __init__(self, *criteria):
        if not criteria:
            raise ValueError("AllOf needs at least one criterion.")
        self.criteria = [as_criterion(c) for c in criteria]

    def _check(self, engine):
        results = [c(engine) for c in self.criteria]
        if all(results):
            self.reason_ = " and ".join(c.reason_ for c in self.criteria)
        return all(results)

    def max_new_labels(self, engine):
        caps = [c.max_new_labels(engine) for c in self.criteria]
        return None if any(c is None for c in caps) else max(caps)

    def reset(self):
        super().reset()
        for c in self.criteria:
            c.reset()

    def __repr__(self):
        return " & ".join(repr(c) for c in self.criteria)


class BudgetSpent(StoppingCriterion):
    """Stop once the oracle has given ``n_labels`` labels.

    Like the engine's own ``budget``, it shrinks the last batch so that no
    more than ``n_labels`` are bought; it is for composing, e.g.
    ``BudgetSpent(500) | TargetScore(...)``.

    Parameters
    ----------
    n_labels : int
        Labels to buy (labels that came with the data do not count).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from skal.stopping import BudgetSpent
    >>> BudgetSpent(100)(SimpleNamespace(n_bought_=99))
    False
    """

    def __init__(self, n_labels):
        if int(n_labels) != n_labels or n_labels < 0:
            raise ValueError(f"n_labels must be a non-negative int, got {n_labels!r}.")
        self.n_labels = int(n_labels)

    def _check(self, engine):
        stop = engine.n_bought_ >= self.n_labels
        if stop:
            self.reason_ = f"budget of {self.n_labels} labels spent"
        return stop

    def max_new_labels(self, engine):
        return max(self.n_labels - engine.n_bought_, 0)

    def __repr__(self):
        return f"BudgetSpent({self.n_labels})"


class TargetScore(StoppingCriterion):
    """Stop when the model reaches a score on a labeled validation set.

    Parameters
    ----------
    X : array-like
        Validation samples (labeled separately from the pool).
    y : array-like
        Their labels.
    target : float
        Stop when the score is at least this.
    scoring : str or callable, default=None
        A scikit-learn scorer name or ``scorer(estimator, X, y)``; None uses
        the learner's ``score`` (accuracy for classifiers, R^2 for
        regressors).

    Attributes
    ----------
    scores_ : list of float
        The score after each call.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skal.stopping import TargetScore
    >>> X, y = load_iris(return_X_y=True)
    >>> model = LogisticRegression(max_iter=500).fit(X, y)
    >>> crit = TargetScore(X, y, target=0.9)
    >>> crit(SimpleNamespace(learner=model, n_bought_=150))
    True
    >>> crit.reason_
    'score 0.973 >= target 0.9'
    """

    def __init__(self, X, y, target, *, scoring=None):
        self.X = X
        self.y = y
        self.target = target
        self.scoring = scoring
        self.scores_ = []

    def _check(self, engine):
        learner = engine.learner
        if getattr(learner, "n_labeled_", 1) == 0:
            return False
        if self.scoring is None:
            score = learner.score(self.X, self.y)
        else:
            from sklearn.metrics import check_scoring

            score = check_scoring(learner, scoring=self.scoring)(
                learner, self.X, self.y
            )
        self.scores_.append(float(score))
        stop = score >= self.target
        if stop:
            self.reason_ = f"score {score:.3g} >= target {self.target}"
        return stop

    def reset(self):
        super().reset()
        self.scores_ = []

    def __repr__(self):
        return f"TargetScore(target={self.target}, scoring={self.scoring!r})"


def _agreement(a, b):
    """Cohen's kappa, with identical predictions agreeing perfectly.

    Kappa is 0/0 when both models predict one and the same class everywhere;
    that is total agreement, not a reason to keep labeling forever.
    """
    a, b = np.asarray(a), np.asarray(b)
    if np.array_equal(a, b):
        return 1.0
    from sklearn.metrics import cohen_kappa_score

    return float(cohen_kappa_score(a, b))


class StabilizingPredictions(StoppingCriterion):
    """Stop when successive models agree on a stop set (stabilizing predictions).

    After each round, the model predicts an unlabeled *stop set*; Cohen's
    kappa measures how much these predictions agree with the previous
    model's. Once agreement stays high over a window of rounds, further
    labels are unlikely to change the model much (Bloodgood & Vijay-Shanker
    2009). Their method averages kappa over a window of 3 comparisons and
    stops above 0.99 (``aggregate="mean"``, the default here);
    ``aggregate="min"`` asks instead that each kappa in the window be above
    the threshold, which is more conservative.

    The stop set needs no labels, so it can be large; a random sample of the
    pool serves. State is in memory: a resumed engine starts counting afresh.

    Parameters
    ----------
    X_stop : array-like
        Samples to compare predictions on.
    threshold : float, default=0.99
        Stop when the aggregated kappa is at least this.
    window : int, default=3
        Number of successive comparisons considered.
    aggregate : {"mean", "min"}, default="mean"
        How the window's kappas are combined before the comparison.

    Attributes
    ----------
    kappas_ : list of float
        Kappa between each model and the one before it.

    References
    ----------
    .. [1] M. Bloodgood and K. Vijay-Shanker, "A method for stopping active
       learning based on stabilizing predictions and the need for
       user-adjustable stopping", CoNLL 2009.

    Examples
    --------
    >>> import numpy as np
    >>> from types import SimpleNamespace
    >>> from sklearn.dummy import DummyClassifier
    >>> from skal.stopping import StabilizingPredictions
    >>> X = np.zeros((20, 1))
    >>> model = DummyClassifier().fit(X, [0] * 15 + [1] * 5)
    >>> crit = StabilizingPredictions(X, window=2)
    >>> [crit(SimpleNamespace(learner=model, n_bought_=n)) for n in range(4)]
    [False, False, True, True]
    >>> crit.kappas_
    [1.0, 1.0, 1.0]
    """

    def __init__(self, X_stop, *, threshold=0.99, window=3, aggregate="mean"):
        if aggregate not in ("mean", "min"):
            raise ValueError(f"aggregate must be 'mean' or 'min', got {aggregate!r}.")
        if int(window) != window or window < 1:
            raise ValueError(f"window must be a positive int, got {window!r}.")
        self.X_stop = X_stop
        self.threshold = threshold
        self.window = int(window)
        self.aggregate = aggregate
        self.kappas_ = []
        self._previous = None

    def _check(self, engine):
        learner = engine.learner
        if not is_classifier(learner):
            raise TypeError(
                "StabilizingPredictions compares class predictions with Cohen's "
                f"kappa; {type(learner).__name__} is not a classifier. Use "
                "TargetScore or MaxUncertaintyBelow for regression."
            )
        if getattr(learner, "n_labeled_", 1) == 0:
            return False
        predictions = np.asarray(learner.predict(self.X_stop))
        if self._previous is not None:
            self.kappas_.append(_agreement(self._previous, predictions))
        self._previous = predictions
        if len(self.kappas_) < self.window:
            return False
        recent = self.kappas_[-self.window :]
        value = float(np.mean(recent) if self.aggregate == "mean" else np.min(recent))
        stop = value >= self.threshold
        if stop:
            self.reason_ = (
                f"predictions stabilized ({self.aggregate} kappa {value:.4f} over "
                f"the last {self.window} rounds >= {self.threshold})"
            )
        return stop

    def reset(self):
        super().reset()
        self.kappas_ = []
        self._previous = None

    def __repr__(self):
        return (
            f"StabilizingPredictions(threshold={self.threshold}, "
            f"window={self.window}, aggregate={self.aggregate!r})"
        )


class MaxUncertaintyBelow(StoppingCriterion):
    """Stop when no pool sample is more informative than ``threshold``.

    Uses the learner's ``informativeness``, by default normalised to
    ``[0, 1]`` by the largest score its measure can give (1 for margin and
    ratio, ``1 - 1/K`` for least confidence, ``log K`` for entropy, see
    :meth:`skal.scoring.Measure.upper`), so one threshold means the same for
    every bounded measure: 0.2 stops once no sample is more than a fifth as
    uncertain as it could be. Measures without an upper bound (a regression
    committee's variance, expected gradient length) need
    ``normalize=False`` and a threshold on their own scale. Meaningless for
    :class:`~skal.RandomSampler`, whose samples all score 0.

    Parameters
    ----------
    threshold : float
        Stop when the maximum informativeness is below this.
    X : array-like, default=None
        Pool to score; None scores the learner's remembered unlabeled pool.
    normalize : bool, default=True
        Compare the normalised scores (in ``[0, 1]``) to ``threshold``.

    Attributes
    ----------
    max_scores_ : list of float
        The maximum informativeness at each call.

    Examples
    --------
    >>> import numpy as np
    >>> from types import SimpleNamespace
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skal import UncertaintySamplingClassifier
    >>> from skal.stopping import MaxUncertaintyBelow
    >>> X, y = load_iris(return_X_y=True)
    >>> y_partial = np.full_like(y, -1)
    >>> y_partial[[0, 50, 100]] = y[[0, 50, 100]]
    >>> learner = UncertaintySamplingClassifier(LogisticRegression()).fit(X, y_partial)
    >>> state = SimpleNamespace(learner=learner, n_bought_=3)
    >>> MaxUncertaintyBelow(0.5)(state), MaxUncertaintyBelow(1.0)(state)
    (False, True)
    """

    def __init__(self, threshold, *, X=None, normalize=True):
        self.threshold = threshold
        self.X = X
        self.normalize = normalize
        self.max_scores_ = []

    def _check(self, engine):
        learner = engine.learner
        if getattr(learner, "n_labeled_", 1) == 0:
            return False
        scores = np.asarray(learner.informativeness(self.X, normalize=self.normalize))
        if scores.size == 0:
            self.reason_ = "no unlabeled sample left to score"
            return True
        top = float(np.max(scores))
        self.max_scores_.append(top)
        stop = top < self.threshold
        if stop:
            self.reason_ = f"maximum informativeness {top:.3g} < {self.threshold}"
        return stop

    def reset(self):
        super().reset()
        self.max_scores_ = []

    def __repr__(self):
        return f"MaxUncertaintyBelow({self.threshold}, normalize={self.normalize})"
