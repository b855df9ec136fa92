"""Distances for the diversity selectors: validated numeric features, one
column of distances at a time, nearest distances to a set of centers.

Nothing here builds an ``n_samples x n_samples`` (or ``n_samples x k``)
matrix: selectors keep one running vector of nearest distances and compute
the distances to one new pick at a time.
"""

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_array
from sklearn.utils.extmath import row_norms

__all__ = [
    "argmax_keyed",
    "check_centers",
    "check_features",
    "check_k",
    "distances_to",
    "nearest_distances",
    "normalize",
    "squared_norms",
]


def check_features(X, *, what="batch diversity"):
    """Validate features for distance computations: numeric, 2-d, finite.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Samples.
    what : str
        The option that needs distances, named in the error.

    Returns
    -------
    X : {ndarray, sparse matrix} of float

    Examples
    --------
    >>> from skal.selection import check_features
    >>> check_features([[1, 2], [3, 4]]).dtype
    dtype('float64')
    """
    try:
        return check_array(
            X, accept_sparse=("csr", "csc"), dtype=(np.float64, np.float32)
        )
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{what} measures distances between samples, whose features must be "
            f"numeric and finite ({exc}). For text or mixed columns, put the "
            "vectorizer in a Pipeline with the estimator (the distances are then "
            "measured in the features it produces, feature_space='model'), or "
            "turn the option off."
        ) from exc


def argmax_keyed(values, *tiebreaks):
    """Position of the lexicographic maximum of ``(values, *tiebreaks)``."""
    best = np.flatnonzero(values == values.max())
    for key in tiebreaks:
        if best.shape[0] == 1:
            break
        sub = key[best]
        best = best[sub == sub.max()]
    return int(best[0])


def squared_norms(X, metric="euclidean"):
    """Squared row norms for the Euclidean fast path (None for other metrics)."""
    return row_norms(X, squared=True) if metric == "euclidean" else None


def distances_to(X, j, metric="euclidean", sq_norms=None):
    """Distances from every row of X to row ``j``: one column, O(n) memory.

    The Euclidean path is plain numpy (``|x|^2 - 2 x.c + |c|^2``):
    scikit-learn's ``euclidean_distances`` would re-validate the whole pool at
    every pick, which dominated a k-center batch; the values are the same up
    to rounding.
    """
    if metric != "euclidean":
        from sklearn.metrics import pairwise_distances

        return pairwise_distances(X, X[j : j + 1], metric=metric).ravel()
    if sq_norms is None:
        sq_norms = squared_norms(X)
    dots = np.asarray((X @ X[j].T).todense()).ravel() if sp.issparse(X) else X @ X[j]
    d2 = sq_norms - 2.0 * dots
    d2 += sq_norms[j]
    np.maximum(d2, 0.0, out=d2)
    # The pick itself is at distance 0 exactly, whatever the rounding.
    d2[j] = 0.0
    return np.sqrt(d2, out=d2)


def nearest_distances(X, centers, metric="euclidean"):
    """Distance from each row of X to its nearest center, in chunks.

    Examples
    --------
    >>> import numpy as np
    >>> from skal.selection import nearest_distances
    >>> nearest_distances(np.array([[0.0], [3.0]]), np.array([[1.0]])).tolist()
    [1.0, 2.0]
    """
    from sklearn.metrics import pairwise_distances_argmin_min

    if centers is None or centers.shape[0] == 0:
        return np.full(X.shape[0], np.inf)
    return pairwise_distances_argmin_min(X, centers, metric=metric)[1]


def normalize(scores):
    """Min-max scale to [0, 1]; a constant vector maps to zeros."""
    low, high = scores.min(), scores.max()
    if high > low:
        return (scores - low) / (high - low)
    return np.zeros_like(scores)


def check_k(k, n_samples):
    if not isinstance(k, (int, np.integer)) or not 1 <= k <= n_samples:
        raise ValueError(
            f"k must be an integer in [1, {n_samples}] for {n_samples} samples, "
            f"got {k!r}."
        )


def check_centers(X, centers, what):
    if centers is None:
        return None
    if (centers.shape[0] if hasattr(centers, "shape") else len(centers)) == 0:
        return None
    centers = check_features(centers, what=what)
    if centers.shape[1] != X.shape[1]:
        raise ValueError(
            f"The labeled samples have {centers.shape[1]} features but the pool "
            f"has {X.shape[1]}."
        )
    return centers
