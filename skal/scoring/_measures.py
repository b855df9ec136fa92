"""The measures' arithmetic: public functions (validated) and their cores
(on validated input, for the learners)."""

import numpy as np
from scipy.special import entr, rel_entr

from skal.scoring._checks import PROBA_ATOL, check_proba

__all__ = [
    "committee_variance",
    "consensus_entropy",
    "entropy",
    "kl_max_disagreement",
    "least_confidence",
    "margin",
    "mean_std",
    "mutual_information",
    "ratio",
    "variation_ratios",
    "vote_entropy",
    "vote_fractions",
]


#: Rows per block in :func:`top_two`: three float64 vectors of this length
#: stay in a core's L2 cache.
_TOP_TWO_BLOCK = 8192


def _top_two_block(block, top, runner_up, tmp, total=None, columns=None):
    """Largest and second largest of each row of ``block`` (2 classes or
    more) into ``top`` and ``runner_up``; with ``total``, the row sums too,
    accumulated one class column at a time while the block is in cache.

    With ``columns`` (an ``(n_classes, len(block))`` buffer), the block is
    first copied there class by class: each pass then reads one contiguous
    row of the buffer instead of a strided column of the block (the same
    operations in the same order, so the same values to the bit).
    """
    if columns is not None:
        np.copyto(columns, block.T)
        block = columns.T
    np.maximum(block[:, 0], block[:, 1], out=top)
    np.minimum(block[:, 0], block[:, 1], out=runner_up)
    if total is not None:
        np.add(block[:, 0], block[:, 1], out=total)
    for column in range(2, block.shape[1]):
        value = block[:, column]
        np.minimum(top, value, out=tmp)
        np.maximum(runner_up, tmp, out=runner_up)
        np.maximum(top, value, out=top)
        if total is not None:
            np.add(total, value, out=total)


def top_two(proba):
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
    size = min(n_samples, _TOP_TWO_BLOCK)
    tmp = np.empty(size)
    columns = np.empty((n_classes, size)) if n_classes > 2 else None
    for start in range(0, n_samples, _TOP_TWO_BLOCK):
        stop = min(start + _TOP_TWO_BLOCK, n_samples)
        _top_two_block(
            proba[start:stop],
            first[start:stop],
            second[start:stop],
            tmp[: stop - start],
            columns=None if columns is None else columns[:, : stop - start],
        )
    return first, second


def _sum_slack(n_classes):
    """How far a row sum accumulated one class column at a time can be from
    numpy's ``sum(axis=-1)`` of the same row, for rows that
    :func:`~skal.scoring.check_proba` could accept.

    Any order of summing ``K`` floats is within ``(K - 1) u sum|x|`` of the
    exact sum (``u`` the unit roundoff, half of ``eps``), so two orders are
    within ``K eps sum|x|``; a row whose sum is within the tolerance and whose
    values are ``>= -tol`` has ``sum|x| <= 1 + (2K + 1) tol``. Twice that, to
    spare the proof: about 4e-15 for 10 classes.
    """
    eps = np.finfo(float).eps
    return 2.0 * n_classes * eps * (1.0 + (2 * n_classes + 1) * PROBA_ATOL)


def checked_margin_core(proba, *, n_classes=None, source="proba"):
    """:func:`~skal.scoring.check_proba` then :func:`margin_core`, in one pass.

    The same decisions, errors and margins (to the bit) as
    ``margin_core(check_proba(proba, n_classes=n_classes, source=source))``,
    in about half the passes over the probabilities: the row sums are
    accumulated inside the top-two passes and the minimum is taken per block,
    while each block of rows is in cache, and the margin is computed in
    place. Where a block's sums are not within the tolerance by more than the
    rounding difference between this summation order and numpy's
    (:func:`_sum_slack`), or its minimum is below ``-PROBA_ATOL``,
    ``check_proba`` itself judges the whole chunk: it accepts it (the margins
    stand) or raises its own error.
    """
    proba = np.asarray(proba, dtype=float)
    k = proba.shape[-1] if proba.ndim else 0
    if (
        proba.ndim != 2
        or proba.shape[0] == 0
        or k < 2
        or (n_classes is not None and k != n_classes)
    ):
        # Shapes check_proba refuses, no rows, one class: the plain path.
        return margin_core(check_proba(proba, n_classes=n_classes, source=source))
    n_samples = proba.shape[0]
    bound = PROBA_ATOL - _sum_slack(k)
    out = np.empty(n_samples)
    size = min(n_samples, _TOP_TWO_BLOCK)
    runner_up, tmp, total = np.empty(size), np.empty(size), np.empty(size)
    # Two columns are read once each: nothing for a copy to save.
    columns = np.empty((k, size)) if k > 2 else None
    doubtful = False
    # Broken probabilities (NaN, inf, huge values) are refused by check_proba
    # below, with its own error, not with warnings from the arithmetic.
    with np.errstate(invalid="ignore", over="ignore"):
        for start in range(0, n_samples, _TOP_TWO_BLOCK):
            stop = min(start + _TOP_TWO_BLOCK, n_samples)
            m = stop - start
            block, top = proba[start:stop], out[start:stop]
            cols = None if columns is None else columns[:, :m]
            _top_two_block(block, top, runner_up[:m], tmp[:m], total[:m], cols)
            # 1 - (first - second): margin_core's operations, in place.
            np.subtract(top, runner_up[:m], out=top)
            np.subtract(1.0, top, out=top)
            if not doubtful:
                deviation = np.abs(
                    np.subtract(total[:m], 1.0, out=total[:m]), out=tmp[:m]
                )
                # Written so that NaN (which compares False) is doubtful.
                doubtful = not (
                    deviation.max() <= bound
                    and (block if cols is None else cols).min() >= -PROBA_ATOL
                )
    if doubtful:
        check_proba(proba, n_classes=n_classes, source=source)
    return out


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
    return least_confidence_core(check_proba(proba))


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
    return margin_core(check_proba(proba))


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
    return ratio_core(check_proba(proba))


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
    return entropy_core(check_proba(proba))


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
    return entropy_core(vote_fractions(votes, n_classes))


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
    return least_confidence_core(vote_fractions(votes, n_classes))


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
    return consensus_entropy_core(
        check_proba(member_proba, source="member_proba", ndim=3)
    )


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
    return kl_max_disagreement_core(
        check_proba(member_proba, source="member_proba", ndim=3)
    )


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
    return mutual_information_core(
        check_proba(member_proba, source="member_proba", ndim=3)
    )


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
    return mean_std_core(check_proba(member_proba, source="member_proba", ndim=3))


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
    return variance_core(preds)


# ------------------------------------------------------------------ cores
# The measures' arithmetic on inputs already validated: the learners check an
# estimator's output once (naming the estimator) and call these.


def least_confidence_core(proba):
    return 1.0 - proba.max(axis=1)


def margin_core(proba):
    first, second = top_two(proba)
    if proba.shape[1] == 1:
        # first is a view of proba.
        return 1.0 - (first - second)
    # 1 - (first - second) in first's own memory: the same values.
    np.subtract(first, second, out=first)
    return np.subtract(1.0, first, out=first)


def ratio_core(proba):
    first, second = top_two(proba)
    return np.divide(second, first, out=np.zeros_like(first), where=first > 0)


def entropy_core(proba):
    return entr(proba).sum(axis=1)


def consensus_entropy_core(member_proba):
    return entr(member_proba.mean(axis=0)).sum(axis=1)


def kl_max_disagreement_core(member_proba):
    consensus = member_proba.mean(axis=0, keepdims=True)
    # rel_entr gives 0 where p_m == 0; consensus > 0 wherever p_m > 0.
    kl = rel_entr(member_proba, consensus).sum(axis=2)
    return np.maximum(kl.max(axis=0), 0.0)


def mutual_information_core(member_proba):
    total = entr(member_proba.mean(axis=0)).sum(axis=1)
    expected = entr(member_proba).sum(axis=2).mean(axis=0)
    # Jensen guarantees 0 <= MI <= total; clip the floating-point excess.
    return np.clip(total - expected, 0.0, total)


def mean_std_core(member_proba):
    return member_proba.std(axis=0).mean(axis=1)


def variance_core(member_predictions):
    return member_predictions.var(axis=0)


def std_core(std):
    return np.asarray(std, dtype=float)
