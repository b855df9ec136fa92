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
    "LazyRows",
    "LinearRows",
    "argmax_keyed",
    "check_available",
    "keys_for",
    "check_centers",
    "check_features",
    "check_k",
    "distances_to",
    "row_geometry",
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


class LinearRows:
    """Rows of ``X`` seen through a linear map ``x -> A x``, for selectors
    that measure Euclidean distances to one pick at a time: the mapped rows
    are never formed.

    A Pipeline head that is affine (scalers, PCA: ``f(x) = A x + b``) maps
    distances as ``||f(x) - f(c)|| = ||A (x - c)||``, so the distances from
    every row to a pick ``c`` are one matrix-vector product with the raw rows,
    ``X (A^T A c)``, and the squared norms ``||A x||^2`` computed once, a
    chunk of rows at a time: memory O(n_samples), whatever the number of
    features, instead of a transformed copy of the pool.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_inputs)
        Numeric rows (float).
    A : ndarray of shape (n_features, n_inputs), default=None
        The linear part of the map; None is the identity.

    Examples
    --------
    >>> import numpy as np
    >>> from skal.selection import LinearRows, kcenter_greedy
    >>> X = np.array([[0.0, 0.0], [0.0, 3.0], [1.0, 0.0]])
    >>> rows = LinearRows(X, A=np.diag([10.0, 1.0]))  # x scaled by 10
    >>> rows.distances_to(0).tolist()
    [0.0, 3.0, 10.0]
    >>> kcenter_greedy(rows, 1, nearest=[0.0, 3.0, 10.0]).tolist()
    [2]
    """

    def __init__(self, X, A=None):
        self.X = X
        self.M = None if A is None else np.asarray(A.T @ A)
        n_features = X.shape[1] if A is None else A.shape[0]
        self.shape = (X.shape[0], n_features)
        if A is None:
            self.sq_norms = row_norms(X, squared=True)
        else:
            from sklearn.utils import gen_batches

            self.sq_norms = np.empty(X.shape[0])
            size = max(1, (1 << 22) // max(A.shape[0] + A.shape[1], 1))
            for batch in gen_batches(X.shape[0], size):
                self.sq_norms[batch] = row_norms(
                    np.asarray(X[batch] @ A.T), squared=True
                )

    def distances_to(self, j):
        """Distances from every row to row ``j``, in the mapped space."""
        X = self.X
        x = np.asarray(X[j].todense()).ravel() if sp.issparse(X) else X[j]
        v = x if self.M is None else self.M @ x
        dots = np.asarray(X @ v).ravel()
        d2 = self.sq_norms - 2.0 * dots
        d2 += self.sq_norms[j]
        np.maximum(d2, 0.0, out=d2)
        d2[j] = 0.0
        return np.sqrt(d2, out=d2)


class LazyRows:
    """Rows of a pool whose features are computed on demand, a batch of
    positions at a time, for selectors that read every row but need few at
    once (k-means assignment, TypiClust's typicality): the features of a
    pool of 10^6 rows (a Pipeline head's transform of it) never exist all
    at once.

    Parameters
    ----------
    take : callable
        ``take(positions) -> features``: the validated numeric features of
        the rows at ``positions`` (an array of positions or a slice), the
        same for a row whichever batch it comes in.
    n_samples : int
        Number of rows.
    chunks : callable, default=None
        ``chunks() -> iterable of slices`` covering ``range(n_samples)``:
        the batches a selector reads every row in; slices of 4096 rows if
        None.
    n_features : int, default=None
        Number of features; read off the first row if None.

    Examples
    --------
    >>> import numpy as np
    >>> from skal.selection import LazyRows
    >>> X = np.array([[0.0], [1.0], [2.0]])
    >>> rows = LazyRows(lambda positions: 10 * X[positions], 3)
    >>> rows.shape, rows.take([2, 0]).ravel().tolist()
    ((3, 1), [20.0, 0.0])
    """

    def __init__(self, take, n_samples, *, chunks=None, n_features=None):
        self._take = take
        self._n_samples = int(n_samples)
        self._chunks = chunks
        self._n_features = n_features

    @classmethod
    def of(cls, X, *, what):
        """``X`` itself if it is LazyRows, else its validated rows."""
        if isinstance(X, cls):
            return X
        X = check_features(X, what=what)
        return cls(X.__getitem__, X.shape[0], n_features=X.shape[1])

    @property
    def shape(self):
        if self._n_features is None:
            self._n_features = self.take(slice(0, 1)).shape[1]
        return (self._n_samples, self._n_features)

    def take(self, positions):
        """Features of the rows at ``positions``."""
        return self._take(positions)

    def chunks(self):
        """Slices covering every row, the batches to read them in."""
        if self._chunks is not None:
            return self._chunks()
        from sklearn.utils import gen_batches

        return gen_batches(self._n_samples, 4096)


def nearest_centroids(rows, centers):
    """Each row's nearest centroid and its distance to it, a chunk of rows
    at a time (:class:`LazyRows` or a matrix).

    Examples
    --------
    >>> import numpy as np
    >>> from skal.selection import nearest_centroids
    >>> X, centers = np.array([[0.0], [9.0]]), np.array([[10.0], [1.0]])
    >>> labels, dist = nearest_centroids(X, centers)
    >>> labels.tolist(), dist.tolist()
    ([1, 0], [1.0, 1.0])
    """
    from sklearn.metrics import pairwise_distances_argmin_min

    rows = LazyRows.of(rows, what="k-means assignment")
    n = rows.shape[0]
    labels = np.empty(n, dtype=np.intp)
    dist = np.empty(n)
    for batch in rows.chunks():
        labels[batch], dist[batch] = pairwise_distances_argmin_min(
            rows.take(batch), centers
        )
    return labels, dist


class _MetricRows:
    """A feature matrix with a metric: what the selectors measure distances
    on, one pick at a time (:func:`row_geometry`)."""

    def __init__(self, X, metric):
        self.X = X
        self.metric = metric
        self.shape = X.shape
        self.sq_norms = squared_norms(X, metric)

    def distances_to(self, j):
        return distances_to(self.X, j, self.metric, self.sq_norms)


def row_geometry(X, metric="euclidean", *, what="batch diversity"):
    """What a selector measures distances on: a :class:`LinearRows` as given,
    or validated features with their metric."""
    if isinstance(X, LinearRows):
        if metric != "euclidean":
            raise ValueError(
                f"{what}: LinearRows measure Euclidean distances, not {metric!r}."
            )
        return X
    return _MetricRows(check_features(X, what=what), metric)


def check_available(available, n):
    """A boolean mask of the rows a selector may pick (all if None)."""
    if available is None:
        return np.ones(n, dtype=bool)
    available = np.asarray(available, dtype=bool)
    if available.shape != (n,):
        raise ValueError(f"available must be {n} booleans, one per sample.")
    return available


def keys_for(random_state, available):
    """Tie-break keys: one draw per available row, in row order, so a
    selection over some rows of a larger matrix breaks ties exactly as over
    those rows alone; unavailable rows get -inf."""
    from skal._random import as_generator

    keys = np.full(available.shape[0], -np.inf)
    keys[available] = as_generator(random_state).random(int(available.sum()))
    return keys


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
