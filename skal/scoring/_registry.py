"""The registry of measures: one calling convention, what each reads, the
range of its scores, and how a learner's outputs feed it."""

import numpy as np

from skal.scoring._checks import check_proba
from skal.scoring._measures import (
    checked_margin_core,
    consensus_entropy_core,
    entropy_core,
    kl_max_disagreement_core,
    least_confidence_core,
    margin_core,
    mean_std_core,
    mutual_information_core,
    ratio_core,
    std_core,
    variance_core,
    vote_fractions,
)

__all__ = [
    "ALIASES",
    "INPUTS",
    "MEASURES",
    "Measure",
    "feed",
    "get_measure",
    "measures_for",
]


#: What a measure reads (the ``reads`` of a :class:`Measure`):
#:
#: - ``"proba"``: ``(n_samples, n_classes)`` probabilities of one model (of a
#:   committee or of stochastic passes: their mean);
#: - ``"member_proba"``: ``(n_members, n_samples, n_classes)``;
#: - ``"vote_fractions"``: ``(n_samples, n_classes)`` fractions of members
#:   voting for each class;
#: - ``"member_predictions"``: ``(n_members, n_samples)`` regression outputs;
#: - ``"std"``: ``(n_samples,)`` a regressor's predictive standard deviation.
INPUTS = ("proba", "member_proba", "vote_fractions", "member_predictions", "std")


#: Inputs whose last axis is the classes.
_HAS_CLASSES = ("proba", "member_proba", "vote_fractions")


class Measure:
    """An informativeness measure of the registry :data:`MEASURES`.

    Every measure is called the same way, ``measure(values)``, on the one
    array named by :attr:`reads`, and returns one score per sample, higher
    meaning more informative. :meth:`upper` gives the largest score possible,
    so that a score can be put on a common ``[0, 1]`` scale
    (:meth:`normalized`), e.g. for a stopping threshold.

    Parameters
    ----------
    name : str
        The name learners accept as ``measure=``.
    core : callable
        ``core(values) -> scores`` on validated input.
    reads : str
        One of :data:`INPUTS`.
    upper : callable or None
        ``upper(n_classes, n_members) -> float``, the supremum of the
        scores; None for an unbounded measure.
    description : str
        One line, for tables and errors.
    finite : bool, default=False
        Whether ``core`` gives finite scores on every input that
        :meth:`check` accepts, so that the scores need no second check.

    Examples
    --------
    >>> from skal.scoring import MEASURES
    >>> margin = MEASURES["margin"]
    >>> margin.reads, margin([[0.5, 0.5]]).tolist()
    ('proba', [1.0])
    >>> float(MEASURES["entropy"].normalized([[0.5, 0.5]], n_classes=2)[0])
    1.0
    >>> margin.score([[0.7, 0.2, 0.1]], n_classes=3, source="M.predict_proba")
    array([0.5])
    """

    def __init__(self, name, core, reads, upper=None, description="", *, finite=False):
        if reads not in INPUTS:
            raise ValueError(f"reads must be one of {INPUTS}, got {reads!r}.")
        self.name = name
        self.core = core
        self.reads = reads
        self._upper = upper
        self.description = description
        self.finite = bool(finite)

    def check(self, values, *, n_classes=None, source=None):
        """Validate ``values`` as the input this measure reads."""
        source = source or self.reads
        if self.reads in ("proba", "vote_fractions"):
            return check_proba(values, n_classes=n_classes, source=source)
        if self.reads == "member_proba":
            return check_proba(values, n_classes=n_classes, source=source, ndim=3)
        values = np.asarray(values, dtype=float)
        ndim = 2 if self.reads == "member_predictions" else 1
        if values.ndim != ndim:
            raise ValueError(
                f"{source} must be a {ndim}-d array, got shape {values.shape}."
            )
        if not np.isfinite(values).all():
            raise ValueError(f"{source} contains NaN or infinite values.")
        if self.reads == "std" and values.size and values.min() < 0:
            raise ValueError(f"{source} contains negative standard deviations.")
        return values

    def score(self, values, *, n_classes=None, source=None):
        """Validate ``values`` (:meth:`check`) and score them (``core``).

        What the learners call on a model's output: the error names
        ``source``.
        """
        return self.core(self.check(values, n_classes=n_classes, source=source))

    def __call__(self, values):
        return self.core(self.check(values))

    def upper(self, n_classes=None, n_members=None):
        """The largest possible score, or ``inf`` for an unbounded measure."""
        if self._upper is None:
            return float("inf")
        return float(self._upper(n_classes, n_members))

    def normalized(self, values, *, n_classes=None, n_members=None):
        """Scores divided by :meth:`upper` (in ``[0, 1]`` for a bounded
        measure); an unbounded measure's scores are returned as they are.
        ``n_classes`` and ``n_members`` default to those of ``values``
        where it has them."""
        values = self.check(values)
        scores = self.core(values)
        if n_classes is None and self.reads in _HAS_CLASSES:
            n_classes = values.shape[-1]
        if n_members is None and self.reads == "member_proba":
            n_members = values.shape[0]
        top = self.upper(n_classes, n_members)
        if not np.isfinite(top) or top <= 0:
            return scores
        return scores / top

    def __repr__(self):
        return f"Measure({self.name!r}, reads={self.reads!r})"

    def __reduce__(self):
        # Built-in measures pickle by name (their bounds are lambdas).
        if MEASURES.get(self.name) is self:
            return (_registered, (self.name,))
        return super().__reduce__()


def _registered(name):
    return MEASURES[name]


class _Margin(Measure):
    """The margin, whose :meth:`score` validates and scores in one pass
    (the same decisions, errors and scores as ``core(check(values))``)."""

    def score(self, values, *, n_classes=None, source=None):
        return checked_margin_core(
            values, n_classes=n_classes, source=source or self.reads
        )


def _log(n):
    return np.log(max(int(n), 1))


def _k_and_m(k, m):
    return min(k, m) if m is not None else k


#: Every built-in measure, by the name learners take as ``measure=``.
MEASURES = {
    m.name: m
    for m in [
        _Margin(
            "margin",
            margin_core,
            "proba",
            lambda k, m: 1.0,
            "1 - (p(1) - p(2))",
            finite=True,
        ),
        Measure(
            "least_confidence",
            least_confidence_core,
            "proba",
            lambda k, m: 1.0 - 1.0 / k,
            "1 - max p",
            finite=True,
        ),
        Measure(
            "ratio", ratio_core, "proba", lambda k, m: 1.0, "p(2) / p(1)", finite=True
        ),
        Measure("entropy", entropy_core, "proba", lambda k, m: _log(k), "entropy"),
        Measure(
            "vote_entropy",
            entropy_core,
            "vote_fractions",
            lambda k, m: _log(_k_and_m(k, m)),
            "entropy of the members' votes",
        ),
        Measure(
            "variation_ratios",
            least_confidence_core,
            "vote_fractions",
            lambda k, m: 1.0 - 1.0 / _k_and_m(k, m),
            "1 - modal vote fraction",
            finite=True,
        ),
        Measure(
            "consensus_entropy",
            consensus_entropy_core,
            "member_proba",
            lambda k, m: _log(k),
            "entropy of the members' mean probabilities",
        ),
        Measure(
            "kl_max_disagreement",
            kl_max_disagreement_core,
            "member_proba",
            lambda k, m: _log(m),
            "largest KL divergence of a member from the consensus",
        ),
        Measure(
            "mutual_information",
            mutual_information_core,
            "member_proba",
            lambda k, m: min(_log(k), _log(m if m is not None else k)),
            "BALD: mutual information between prediction and model",
        ),
        Measure(
            "mean_std",
            mean_std_core,
            "member_proba",
            lambda k, m: 0.5,
            "mean standard deviation of the class probabilities",
        ),
        Measure(
            "variance",
            variance_core,
            "member_predictions",
            None,
            "variance of the members' predictions",
        ),
        Measure("std", std_core, "std", None, "predictive standard deviation"),
    ]
}

#: Aliases accepted as ``measure=`` (the literature's names).
ALIASES = {"bald": "mutual_information"}

#: What each kind of model output can feed: a committee's member
#: probabilities feed every classification measure (their mean feeds the
#: single-model ones, their argmax the vote ones).
_FEEDS = {
    "proba": ("proba",),
    "member_proba": ("proba", "member_proba", "vote_fractions"),
    "votes": ("vote_fractions",),
    "member_predictions": ("member_predictions", "std"),
    "std": ("std",),
}


def measures_for(output):
    """Names of the measures a model producing ``output`` can serve.

    Parameters
    ----------
    output : {"proba", "member_proba", "votes", "member_predictions", "std"}
        What the learner's model produces.

    Returns
    -------
    names : list of str

    Examples
    --------
    >>> from skal.scoring import measures_for
    >>> measures_for("votes")
    ['vote_entropy', 'variation_ratios']
    """
    feeds = _FEEDS[output]
    return [name for name, m in MEASURES.items() if m.reads in feeds]


def get_measure(measure, *, output, callable_reads=None):
    """The :class:`Measure` for a learner's ``measure`` parameter.

    Parameters
    ----------
    measure : str, Measure or callable
        A name of :data:`MEASURES` (or an alias), a :class:`Measure`, or a
        callable ``f(values) -> scores`` reading ``callable_reads``.
    output : str
        What the learner's model produces (see :func:`measures_for`).
    callable_reads : str, default=None
        What a callable reads; ``output`` (or ``"proba"`` for votes-free
        member outputs) if None.

    Returns
    -------
    measure : Measure

    Examples
    --------
    >>> from skal.scoring import get_measure
    >>> get_measure("bald", output="member_proba")
    Measure('mutual_information', reads='member_proba')
    >>> get_measure("kl_max_disagreement", output="proba")
    Traceback (most recent call last):
    ...
    ValueError: measure='kl_max_disagreement' reads member_proba, ...
    """
    if isinstance(measure, Measure):
        found = measure
    elif callable(measure):
        reads = callable_reads or output
        if reads == "votes":
            reads = "vote_fractions"
        name = getattr(measure, "__name__", repr(measure))
        return Measure(name, measure, reads)
    else:
        key = ALIASES.get(measure, measure)
        if key not in MEASURES:
            raise ValueError(
                f"Unknown measure={measure!r}; this learner takes one of "
                f"{measures_for(output)} or a callable."
            )
        found = MEASURES[key]
    if found.reads not in _FEEDS[output]:
        raise ValueError(
            f"measure={measure!r} reads {found.reads}, which this learner's model "
            f"({output}) cannot provide; choose one of {measures_for(output)}."
        )
    return found


def feed(measure, *, member_proba=None, votes=None, n_classes=None):
    """What ``measure`` reads, from a committee's (or stochastic passes')
    outputs: the mean probability, the member probabilities, or the vote
    fractions (from ``votes``, else from the members' argmax).

    Examples
    --------
    >>> import numpy as np
    >>> from skal.scoring import MEASURES, feed
    >>> P = np.array([[[1.0, 0.0]], [[0.0, 1.0]]])
    >>> feed(MEASURES["margin"], member_proba=P).tolist()
    [[0.5, 0.5]]
    >>> feed(MEASURES["vote_entropy"], member_proba=P, n_classes=2).tolist()
    [[0.5, 0.5]]
    """
    reads = measure.reads
    if reads == "member_proba":
        return member_proba
    if reads == "proba":
        return member_proba.mean(axis=0)
    if votes is None:
        votes = member_proba.argmax(axis=2)
        n_classes = member_proba.shape[2]
    return vote_fractions(votes, n_classes)
