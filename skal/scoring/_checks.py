"""Validation of model outputs before they are scored."""

import numpy as np

__all__ = ["PROBA_ATOL", "check_proba"]


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
    # Huge or infinite values overflow the sums (or give inf - inf): the
    # error below says so; numpy's RuntimeWarning would only come first.
    with np.errstate(over="ignore", invalid="ignore"):
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
