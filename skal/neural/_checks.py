"""Clear errors for networks whose outputs cannot serve as class probabilities."""

import numpy as np

from skal.scoring import check_proba

__all__ = ["check_probabilities"]

_SOFTMAX_FIX = (
    "End the network with a softmax: keras Dense(n_classes, "
    "activation='softmax'); torch nn.Softmax(dim=-1), or train the skorch net "
    "with criterion=torch.nn.CrossEntropyLoss so that skorch applies the "
    "softmax to its predictions."
)


def check_probabilities(proba, n_classes=None, *, source="The network"):
    """Check that a network's output is a probability simplex of the right width.

    Networks are free to end in logits, ReLUs or any number of units; the
    uncertainty measures are only meaningful on probabilities with one column
    per class. This raises an error that names the problem and the fix; the
    values are checked by :func:`skal.scoring.check_proba`.

    Parameters
    ----------
    proba : array-like of shape (..., n_columns)
        Predicted probabilities; the last axis holds the classes.
    n_classes : int, default=None
        The number of classes the columns must match; None skips that check.
    source : str, default="The network"
        What produced ``proba``, for the error message.

    Returns
    -------
    proba : ndarray
        The same values as a float ndarray.

    Raises
    ------
    ValueError
        If the width differs from ``n_classes``, a value is negative or NaN, or
        a row does not sum to one.

    Examples
    --------
    >>> from skal.neural import check_probabilities
    >>> check_probabilities([[0.2, 0.8]], n_classes=2)
    array([[0.2, 0.8]])
    >>> check_probabilities([[2.0, -1.0]])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: The network returned rows that are not probabilities: ...
    """
    proba = np.asarray(proba, dtype=float)
    if n_classes is not None and proba.shape[-1] != n_classes:
        raise ValueError(
            f"{source} outputs {proba.shape[-1]} columns but there are {n_classes} "
            "classes: the output layer needs one unit per class. With keras, size "
            "it from meta['n_classes_'] in the model function; with skorch, pass "
            "classes=<every class> to the net so that classes_ matches the output "
            "width (and declare the same classes= on the learner)."
        )
    return check_proba(
        proba, source=source, ndim=max(proba.ndim, 1), advice=_SOFTMAX_FIX
    )
