"""Informativeness measures: model outputs in, one score per sample out.

Every function here is pure numpy/scipy, vectorised over samples, and follows
one convention: **higher means more informative**. Nothing here knows about
estimators or state, so the math can be property-tested on its own.

Shapes
------
- ``proba``: ``(n_samples, n_classes)``, rows on the probability simplex.
- ``member_proba``: ``(n_members, n_samples, n_classes)``, one ``proba`` per
  committee member, ensemble member or stochastic (MC-dropout) forward pass.
- ``votes``: ``(n_members, n_samples)`` integer class indices in
  ``[0, n_classes)``.

The registry :data:`MEASURES` holds every measure as a :class:`Measure`
with one calling convention, ``measure(values)``, what it reads, and the
range of its scores; the learners' ``measure=`` parameter takes its names.
"""

import numpy as np
from scipy.special import entr, rel_entr

__all__ = [
    "ALIASES",
    "INPUTS",
    "MEASURES",
    "PROBA_ATOL",
    "Measure",
    "check_proba",
    "feed",
    "get_measure",
    "measures_for",
    "vote_fractions",
    "least_confidence",
    "margin",
    "ratio",
    "entropy",
    "vote_entropy",
    "consensus_entropy",
    "kl_max_disagreement",
    "variation_ratios",
    "mutual_information",
    "mean_std",
    "committee_variance",
]


#: Tolerance on probabilities: estimators compute in float32 (networks) or
#: accumulate rounding error in a softmax; a row summing to 1 +- 1e-3 and
#: values in [-1e-3, 1 + 1e-3] are probabilities.
PROBA_ATOL = 1e-3


def check_proba(proba, *, n_classes=None, source="proba", ndim=2, advice=""):
    """Validate predicted probabilities and say which output is wrong.

    Every row (the last axis) must be a point of the probability simplex, up
    to :data:`PROBA_ATOL`: finite, non-negative, summing to one. Anything else
    (logits, an unnormalised last layer, NaN from a diverged fit) would rank
    samples by meaningless numbers, so it is refused.

    Parameters
    ----------
    proba : array-like of shape (..., n_classes)
        Probabilities; ``ndim`` axes.
    n_classes : int, default=None
        The width the last axis must have; None skips that check.
    source : str, default="proba"
        What produced ``proba`` (e.g. ``"LogisticRegression.predict_proba"``),
        named in the error.
    ndim : int, default=2
        Number of axes: 2 for ``(n_samples, n_classes)``, 3 for members.
    advice : str, default=""
        Appended to the error (how to fix the producer).

    Returns
    -------
    proba : ndarray of float

    Examples
    --------
    >>> from skal.scoring import check_proba
    >>> check_proba([[0.2, 0.8]])
    array([[0.2, 0.8]])
    >>> check_proba([[0.7, 0.7]], source="MyModel.predict_proba")
    Traceback (most recent call last):
    ...
    ValueError: MyModel.predict_proba returned rows that are not probabilities: ...
    """
    proba = np.asarray(proba, dtype=float)
    if proba.ndim != ndim:
        raise ValueError(
            f"{source} must be a {ndim}-d array of probabilities, got shape "
            f"{proba.shape}."
        )
    if proba.shape[-1] == 0:
        raise ValueError(f"{source} has no class column (shape {proba.shape}).")
    if n_classes is not None and proba.shape[-1] != n_classes:
        raise ValueError(
            f"{source} returned {proba.shape[-1]} probability columns for "
            f"{n_classes} classes. {advice}".rstrip()
        )
    if proba.size == 0:
        return proba
    # Two passes: row sums catch NaN, inf and unnormalised rows; the minimum
    # catches negative values (with rows summing to 1 and no negative value,
    # nothing can exceed 1).
    sums = proba.sum(axis=-1)
    low = proba.min()
    bad_sum = not np.all(np.abs(sums - 1.0) <= PROBA_ATOL)
    if bad_sum or low < -PROBA_ATOL:
        if np.isnan(sums).any():
            what = "NaN (a diverged fit, or NaN in the input)"
        elif not np.isfinite(sums).all():
            what = "infinite values"
        elif low < -PROBA_ATOL:
            what = f"negative values (down to {low:.3g})"
        else:
            finite = sums[np.isfinite(sums)]
            what = (
                f"rows summing to between {finite.min():.4g} and {finite.max():.4g} "
                "instead of 1"
            )
        message = (
            f"{source} returned rows that are not probabilities: {what}. "
            "Informativeness ranks samples by probabilities, so logits, scores "
            "or an unnormalised output cannot be used; end the model in a "
            "softmax or use a probabilistic classifier (or "
            "sklearn.calibration.CalibratedClassifierCV). " + advice
        )
        raise ValueError(message.rstrip())
    return proba


def _check_proba(proba, name="proba", ndim=2):
    return check_proba(proba, source=name, ndim=ndim)


#: Rows per block in :func:`_top_two`: three float64 vectors of this length
#: stay in a core's L2 cache.
_TOP_TWO_BLOCK = 8192


def _top_two(proba):
    """Largest and second largest probability of each row."""
    n_samples, n_classes = proba.shape
    if n_classes == 1:
        return proba[:, 0], np.zeros(n_samples)
    # np.partition(axis=1) pays one call per row and dominated the query time
    # on large pools. A running (first, second) pair updated one class column
    # at a time does a few vectorised passes instead, and returns the very same
    # values; blocks of rows keep those passes in cache.
    first = np.empty(n_samples)
    second = np.empty(n_samples)
    low = np.empty(min(n_samples, _TOP_TWO_BLOCK))
    for start in range(0, n_samples, _TOP_TWO_BLOCK):
        block = proba[start : start + _TOP_TWO_BLOCK]
        top = first[start : start + _TOP_TWO_BLOCK]
        runner_up = second[start : start + _TOP_TWO_BLOCK]
        np.maximum(block[:, 0], block[:, 1], out=top)
        np.minimum(block[:, 0], block[:, 1], out=runner_up)
        tmp = low[: top.shape[0]]
        for column in range(2, n_classes):
            value = block[:, column]
            np.minimum(top, value, out=tmp)
            np.maximum(runner_up, tmp, out=runner_up)
            np.maximum(top, value, out=top)
    return first, second


def least_confidence(proba):
    """Least confidence: ``1 - max_k p_k``.

    Lewis & Gale (1994). Zero on a one-hot row, ``1 - 1/K`` on the uniform row.

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_classes)
        Predicted class probabilities.

    Returns
    -------
    scores : ndarray of shape (n_samples,)

    Examples
    --------
    >>> from skal.scoring import least_confidence
    >>> least_confidence([[0.9, 0.1], [0.5, 0.5]])
    array([0.1, 0.5])
    """
    return _least_confidence(_check_proba(proba))


def margin(proba):
    """Margin uncertainty: ``1 - (p_(1) - p_(2))``.

    Scheffer et al. (2001): the gap between the two most probable classes,
    turned so that a small gap scores high. In ``[0, 1]``; zero on a one-hot
    row, one on the uniform row.

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_classes)
        Predicted class probabilities.

    Returns
    -------
    scores : ndarray of shape (n_samples,)

    Examples
    --------
    >>> from skal.scoring import margin
    >>> margin([[0.7, 0.2, 0.1], [0.4, 0.4, 0.2]])
    array([0.5, 1. ])
    """
    return _margin(_check_proba(proba))


def ratio(proba):
    """Ratio of the two largest probabilities: ``p_(2) / p_(1)``.

    A scale-free variant of the margin. In ``[0, 1]``; zero on a one-hot row,
    one whenever the two leading classes tie.

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_classes)
        Predicted class probabilities.

    Returns
    -------
    scores : ndarray of shape (n_samples,)

    Examples
    --------
    >>> from skal.scoring import ratio
    >>> ratio([[0.8, 0.2], [0.5, 0.5]])
    array([0.25, 1.  ])
    """
    return _ratio(_check_proba(proba))


def entropy(proba):
    """Shannon entropy of the predictive distribution, in nats.

    Shannon (1948); as a query strategy, Settles (2009). In ``[0, log K]``:
    zero on a one-hot row, ``log K`` on the uniform row; ``0 log 0 = 0``.

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_classes)
        Predicted class probabilities.

    Returns
    -------
    scores : ndarray of shape (n_samples,)

    Examples
    --------
    >>> import numpy as np
    >>> from skal.scoring import entropy
    >>> np.round(entropy([[1.0, 0.0], [0.5, 0.5]]), 4)
    array([0.    , 0.6931])
    """
    return _entropy(_check_proba(proba))


def vote_fractions(votes, n_classes):
    """Fraction of members voting for each class.

    Parameters
    ----------
    votes : array-like of shape (n_members, n_samples)
        Each member's predicted class index for each sample.
    n_classes : int
        Number of classes ``K``.

    Returns
    -------
    fractions : ndarray of shape (n_samples, n_classes)
        Rows sum to one.

    Examples
    --------
    >>> from skal.scoring import vote_fractions
    >>> vote_fractions([[0, 1], [0, 0]], n_classes=2)
    array([[1. , 0. ],
           [0.5, 0.5]])
    """
    votes = np.asarray(votes)
    if votes.ndim != 2:
        raise ValueError(
            f"votes must have shape (n_members, n_samples), got {votes.shape}."
        )
    if n_classes < 1:
        raise ValueError(f"n_classes must be >= 1, got {n_classes}.")
    if votes.size and (votes.min() < 0 or votes.max() >= n_classes):
        raise ValueError(
            f"votes must be class indices in [0, {n_classes}); got values in "
            f"[{votes.min()}, {votes.max()}]. Encode labels with "
            "np.searchsorted(classes_, labels) first."
        )
    n_members, n_samples = votes.shape
    # One bincount over (sample, class) cells instead of a loop over members.
    cells = votes.astype(np.intp) + n_classes * np.arange(n_samples)
    counts = np.bincount(cells.ravel(), minlength=n_samples * n_classes)
    return counts.reshape(n_samples, n_classes) / n_members


def vote_entropy(votes, n_classes):
    """Vote entropy of a committee's hard votes.

    Dagan & Engelson (1995): the entropy of the fraction of members voting for
    each class. Zero when the committee agrees, ``log(min(K, M))`` at most.

    Parameters
    ----------
    votes : array-like of shape (n_members, n_samples)
        Each member's predicted class index for each sample.
    n_classes : int
        Number of classes ``K``.

    Returns
    -------
    scores : ndarray of shape (n_samples,)

    Examples
    --------
    >>> import numpy as np
    >>> from skal.scoring import vote_entropy
    >>> np.round(vote_entropy([[0, 0], [0, 1]], n_classes=2), 4)
    array([0.    , 0.6931])
    """
    return _entropy(vote_fractions(votes, n_classes))


def variation_ratios(votes, n_classes):
    """Variation ratio of a committee's votes: ``1 - (modal count / M)``.

    Freeman (1965); used with MC-dropout samples by Gal et al. (2017). Zero
    when all members agree.

    Parameters
    ----------
    votes : array-like of shape (n_members, n_samples)
        Each member's predicted class index for each sample.
    n_classes : int
        Number of classes ``K``.

    Returns
    -------
    scores : ndarray of shape (n_samples,)

    Examples
    --------
    >>> from skal.scoring import variation_ratios
    >>> variation_ratios([[0, 1], [0, 1], [0, 0], [0, 2]], n_classes=3)
    array([0. , 0.5])
    """
    return _least_confidence(vote_fractions(votes, n_classes))


def consensus_entropy(member_proba):
    """Entropy of the committee's mean predictive distribution.

    McCallum & Nigam (1998) "soft vote entropy". In ``[0, log K]``.

    Parameters
    ----------
    member_proba : array-like of shape (n_members, n_samples, n_classes)
        Each member's predicted probabilities.

    Returns
    -------
    scores : ndarray of shape (n_samples,)

    Examples
    --------
    >>> import numpy as np
    >>> from skal.scoring import consensus_entropy
    >>> p = [[[1.0, 0.0]], [[0.0, 1.0]]]
    >>> np.round(consensus_entropy(p), 4)
    array([0.6931])
    """
    return _consensus_entropy(_check_proba(member_proba, "member_proba", ndim=3))


def kl_max_disagreement(member_proba):
    """Largest KL divergence of a member from the committee consensus.

    McCallum & Nigam (1998): ``max_m KL(p_m || mean_m p_m)``. Zero when all
    members agree; at most ``log M``.

    Parameters
    ----------
    member_proba : array-like of shape (n_members, n_samples, n_classes)
        Each member's predicted probabilities.

    Returns
    -------
    scores : ndarray of shape (n_samples,)

    Examples
    --------
    >>> import numpy as np
    >>> from skal.scoring import kl_max_disagreement
    >>> p = [[[1.0, 0.0], [0.5, 0.5]], [[0.0, 1.0], [0.5, 0.5]]]
    >>> np.round(kl_max_disagreement(p), 4)
    array([0.6931, 0.    ])
    """
    return _kl_max_disagreement(_check_proba(member_proba, "member_proba", ndim=3))


def mutual_information(member_proba):
    """BALD: mutual information between the prediction and the model.

    Houlsby et al. (2011), with MC dropout Gal et al. (2017):
    ``H(mean_m p_m) - mean_m H(p_m)``. In ``[0, consensus_entropy]``: high
    when members are individually confident but disagree.

    Parameters
    ----------
    member_proba : array-like of shape (n_members, n_samples, n_classes)
        Probabilities from committee members, ensemble members or stochastic
        forward passes.

    Returns
    -------
    scores : ndarray of shape (n_samples,)

    Examples
    --------
    >>> import numpy as np
    >>> from skal.scoring import mutual_information
    >>> p = [[[1.0, 0.0], [0.5, 0.5]], [[0.0, 1.0], [0.5, 0.5]]]
    >>> np.round(mutual_information(p), 4)
    array([0.6931, 0.    ])
    """
    return _mutual_information(_check_proba(member_proba, "member_proba", ndim=3))


def mean_std(member_proba):
    """Mean over classes of the standard deviation of each class probability.

    Kampffmeyer et al. (2016): ``mean_k sqrt(E[p_k^2] - E[p_k]^2)`` over
    stochastic (MC-dropout) passes or ensemble members. Zero when all members
    agree; at most 0.5.

    Parameters
    ----------
    member_proba : array-like of shape (n_members, n_samples, n_classes)
        Probabilities from stochastic passes or ensemble members.

    Returns
    -------
    scores : ndarray of shape (n_samples,)

    Examples
    --------
    >>> from skal.scoring import mean_std
    >>> mean_std([[[1.0, 0.0], [0.5, 0.5]], [[0.0, 1.0], [0.5, 0.5]]])
    array([0.5, 0. ])
    """
    return _mean_std(_check_proba(member_proba, "member_proba", ndim=3))


def committee_variance(member_predictions):
    """Variance of a regression committee's predictions (Burbidge et al. 2007).

    Parameters
    ----------
    member_predictions : array-like of shape (n_members, n_samples)
        Each member's predicted target.

    Returns
    -------
    scores : ndarray of shape (n_samples,)

    Examples
    --------
    >>> from skal.scoring import committee_variance
    >>> committee_variance([[1.0, 2.0], [3.0, 2.0]])
    array([1., 0.])
    """
    preds = np.asarray(member_predictions, dtype=float)
    if preds.ndim != 2:
        raise ValueError(
            "member_predictions must have shape (n_members, n_samples), got "
            f"{preds.shape}."
        )
    if not np.isfinite(preds).all():
        raise ValueError("member_predictions contain NaN or infinite values.")
    return _variance(preds)


# ------------------------------------------------------------------ cores
# The measures' arithmetic on inputs already validated: the learners check an
# estimator's output once (naming the estimator) and call these.


def _least_confidence(proba):
    return 1.0 - proba.max(axis=1)


def _margin(proba):
    first, second = _top_two(proba)
    return 1.0 - (first - second)


def _ratio(proba):
    first, second = _top_two(proba)
    return np.divide(second, first, out=np.zeros_like(first), where=first > 0)


def _entropy(proba):
    return entr(proba).sum(axis=1)


def _consensus_entropy(member_proba):
    return entr(member_proba.mean(axis=0)).sum(axis=1)


def _kl_max_disagreement(member_proba):
    consensus = member_proba.mean(axis=0, keepdims=True)
    # rel_entr gives 0 where p_m == 0; consensus > 0 wherever p_m > 0.
    kl = rel_entr(member_proba, consensus).sum(axis=2)
    return np.maximum(kl.max(axis=0), 0.0)


def _mutual_information(member_proba):
    total = entr(member_proba.mean(axis=0)).sum(axis=1)
    expected = entr(member_proba).sum(axis=2).mean(axis=0)
    # Jensen guarantees 0 <= MI <= total; clip the floating-point excess.
    return np.clip(total - expected, 0.0, total)


def _mean_std(member_proba):
    return member_proba.std(axis=0).mean(axis=1)


def _variance(member_predictions):
    return member_predictions.var(axis=0)


def _std(std):
    return np.asarray(std, dtype=float)


# --------------------------------------------------------------- registry
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

    Examples
    --------
    >>> from skal.scoring import MEASURES
    >>> margin = MEASURES["margin"]
    >>> margin.reads, margin([[0.5, 0.5]]).tolist()
    ('proba', [1.0])
    >>> float(MEASURES["entropy"].normalized([[0.5, 0.5]], n_classes=2)[0])
    1.0
    """

    def __init__(self, name, core, reads, upper=None, description=""):
        if reads not in INPUTS:
            raise ValueError(f"reads must be one of {INPUTS}, got {reads!r}.")
        self.name = name
        self.core = core
        self.reads = reads
        self._upper = upper
        self.description = description

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

    def __call__(self, values):
        return self.core(self.check(values))

    def upper(self, n_classes=None, n_members=None):
        """The largest possible score, or ``inf`` for an unbounded measure."""
        if self._upper is None:
            return float("inf")
        return float(self._upper(n_classes, n_members))

    def normalized(self, values, *, n_classes=None, n_members=None):
        """Scores divided by :meth:`upper` (in ``[0, 1]`` for a bounded
        measure); an unbounded measure's scores are returned as they are."""
        scores = self(values)
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


def _log(n):
    return np.log(max(int(n), 1))


def _k_and_m(k, m):
    return min(k, m) if m is not None else k


#: Every built-in measure, by the name learners take as ``measure=``.
MEASURES = {
    m.name: m
    for m in [
        Measure("margin", _margin, "proba", lambda k, m: 1.0, "1 - (p(1) - p(2))"),
        Measure(
            "least_confidence",
            _least_confidence,
            "proba",
            lambda k, m: 1.0 - 1.0 / k,
            "1 - max p",
        ),
        Measure("ratio", _ratio, "proba", lambda k, m: 1.0, "p(2) / p(1)"),
        Measure("entropy", _entropy, "proba", lambda k, m: _log(k), "entropy"),
        Measure(
            "vote_entropy",
            _entropy,
            "vote_fractions",
            lambda k, m: _log(_k_and_m(k, m)),
            "entropy of the members' votes",
        ),
        Measure(
            "variation_ratios",
            _least_confidence,
            "vote_fractions",
            lambda k, m: 1.0 - 1.0 / _k_and_m(k, m),
            "1 - modal vote fraction",
        ),
        Measure(
            "consensus_entropy",
            _consensus_entropy,
            "member_proba",
            lambda k, m: _log(k),
            "entropy of the members' mean probabilities",
        ),
        Measure(
            "kl_max_disagreement",
            _kl_max_disagreement,
            "member_proba",
            lambda k, m: _log(m),
            "largest KL divergence of a member from the consensus",
        ),
        Measure(
            "mutual_information",
            _mutual_information,
            "member_proba",
            lambda k, m: min(_log(k), _log(m if m is not None else k)),
            "BALD: mutual information between prediction and model",
        ),
        Measure(
            "mean_std",
            _mean_std,
            "member_proba",
            lambda k, m: 0.5,
            "mean standard deviation of the class probabilities",
        ),
        Measure(
            "variance",
            _variance,
            "member_predictions",
            None,
            "variance of the members' predictions",
        ),
        Measure("std", _std, "std", None, "predictive standard deviation"),
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
