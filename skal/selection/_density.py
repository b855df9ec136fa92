"""Density: how typical a sample is of the pool, to keep outliers out of a
batch (information density, local density) and to weight scores by it.

Densities are averaged over a bounded *reference* sample of the pool (at
most ``n_reference`` rows), a chunk of rows at a time, so memory and time per
row stay bounded whatever the pool size.
"""

import numpy as np
from sklearn.utils import gen_batches

from skal._random import as_generator
from skal.selection._distances import check_centers, check_features
from skal.selection._topk import check_scores, chunk_rows

__all__ = ["density_weighted", "information_density", "local_density", "reference_rows"]


def information_density(
    X, *, reference=None, n_reference=1000, metric="euclidean", random_state=None
):
    """Mean similarity of each sample to the pool, ``mean_r 1 / (1 + d(x, r))``.

    Settles & Craven (2008) weight informativeness by how representative a
    sample is of the input distribution, so that outliers are not queried just
    because the model is unsure about them. The mean runs over ``reference``
    rows (a random subsample of ``X`` of at most ``n_reference`` rows if not
    given) and is computed a chunk of rows at a time, so memory stays within
    scikit-learn's ``working_memory``. Similarity is
    ``1 / (1 + distance)``, in (0, 1] for any metric.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Samples to rate.
    reference : {array-like, sparse matrix} of shape (n_reference, n_features), \
            default=None
        The pool the density is measured against.
    n_reference : int, default=1000
        Size of the random subsample of ``X`` used when ``reference`` is None.
    metric : str, default="euclidean"
        Any metric of :func:`sklearn.metrics.pairwise_distances`.
    random_state : int, Generator or None
        Seeds the subsample.

    Returns
    -------
    density : ndarray of shape (n_samples,)
        In (0, 1].

    References
    ----------
    .. [1] B. Settles and M. Craven, "An analysis of active learning strategies
       for sequence labeling tasks", EMNLP 2008.

    Examples
    --------
    >>> import numpy as np
    >>> from skal.selection import information_density
    >>> X = np.array([[0.0], [0.1], [0.2], [10.0]])
    >>> d = information_density(X)
    >>> int(d.argmax()), int(d.argmin())
    (1, 3)
    """
    from sklearn.metrics import pairwise_distances

    X = check_features(X, what="information density")
    reference = _reference(
        X, reference, n_reference, random_state, "information density"
    )
    # Small chunks are faster than sklearn's default (cache-resident) and keep
    # the temporaries well inside `working_memory`.
    size = min(chunk_rows(X.shape[0], 16 * reference.shape[0]), 4096)
    density = np.empty(X.shape[0])
    for batch in gen_batches(X.shape[0], size):
        D = pairwise_distances(X[batch], reference, metric=metric)
        D += 1.0
        np.reciprocal(D, out=D)
        density[batch] = D.mean(axis=1)
    return density


def local_density(
    X,
    *,
    reference=None,
    n_neighbors=10,
    n_reference=1000,
    metric="euclidean",
    random_state=None,
):
    """K-nearest-neighbour density: ``1 / mean distance to the nearest rows``.

    Unlike :func:`information_density`, which favours the centre of the whole
    pool, this rates how crowded a sample's own neighbourhood is (Zhu et al.
    2008 use the K nearest neighbours for the same reason), so the core of
    every cluster scores high wherever the cluster lies. It scales as
    ``1 / distance``, so that ``density * distance`` is unit-free. The nearest
    reference row is skipped (it is the sample itself when the sample is in the
    reference); distances to the next ``n_neighbors`` are averaged, a chunk of
    rows at a time.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Samples to rate.
    reference : {array-like, sparse matrix} of shape (n_reference, n_features), \
            default=None
        The pool; a random subsample of ``X`` of at most ``n_reference`` rows
        if None.
    n_neighbors : int, default=10
        Neighbours averaged over (clipped to the reference size minus one).
    n_reference : int, default=1000
        Size of the subsample when ``reference`` is None.
    metric : str, default="euclidean"
        Any metric of :func:`sklearn.metrics.pairwise_distances`.
    random_state : int, Generator or None
        Seeds the subsample.

    Returns
    -------
    density : ndarray of shape (n_samples,)
        Positive; exact duplicates get a large finite value. Each sample's
        density depends on the sample and the reference only, so rating a
        pool a chunk of rows at a time gives the same values.

    References
    ----------
    .. [1] J. Zhu, H. Wang, T. Yao and B. K. Tsou, "Active learning with
       sampling by uncertainty and density for word sense disambiguation and
       text classification", COLING 2008.

    Examples
    --------
    >>> import numpy as np
    >>> from skal.selection import local_density
    >>> X = np.array([[0.0], [0.1], [0.2], [10.0], [10.1], [10.2], [50.0]])
    >>> d = local_density(X, n_neighbors=2)
    >>> int(d.argmin()), bool(np.isclose(d[1], d[4]))
    (6, True)
    """
    from sklearn.metrics import pairwise_distances

    X = check_features(X, what="local density")
    reference = _reference(X, reference, n_reference, random_state, "local density")
    n_ref = reference.shape[0]
    kk = max(1, min(int(n_neighbors), n_ref - 1))

    def mean_distances(rows):
        size = min(chunk_rows(rows.shape[0], 16 * n_ref), 4096)
        out = np.empty(rows.shape[0])
        for batch in gen_batches(rows.shape[0], size):
            D = pairwise_distances(rows[batch], reference, metric=metric)
            if n_ref > 1:
                D.partition(kk, axis=1)  # in place: no second block
                D = D[:, 1 : kk + 1]
            out[batch] = D.mean(axis=1)
        return out

    mean_dist = mean_distances(X)
    # A floor relative to the reference's own scale keeps duplicates finite
    # (and density * distance free of inf * 0); taken from the reference, it
    # is the same whichever rows, or chunks of rows, are rated.
    scale = mean_distances(reference)
    positive = scale[scale > 0]
    floor = 1e-6 * (np.median(positive) if positive.size else 1.0)
    return 1.0 / np.maximum(mean_dist, floor)


def reference_rows(n_samples, n_reference=1000):
    """Evenly spaced positions of at most ``n_reference`` of ``n_samples`` rows.

    Deterministic (no draw from any generator), so the density of a sample
    is a function of the pool alone.

    Examples
    --------
    >>> from skal.selection import reference_rows
    >>> reference_rows(10, 4).tolist()
    [0, 3, 6, 9]
    """
    n_reference = max(int(n_reference), 1)
    rows = np.linspace(0, n_samples - 1, min(n_samples, n_reference)).round()
    return np.unique(rows).astype(np.intp)


def _reference(X, reference, n_reference, random_state, what):
    if reference is not None:
        return check_centers(X, reference, what)
    n = X.shape[0]
    if n > n_reference:
        rows = as_generator(random_state).choice(n, n_reference, replace=False)
        return X[np.sort(rows)]
    return X


def density_weighted(scores, density, beta):
    """Information-density weighting: ``scores * density ** beta``.

    Parameters
    ----------
    scores : array-like of shape (n_samples,)
        Informativeness, non-negative.
    density : array-like of shape (n_samples,)
        From :func:`information_density`, in (0, 1].
    beta : float
        Weight of density; 0 leaves the scores unchanged.

    Returns
    -------
    weighted : ndarray of shape (n_samples,)

    References
    ----------
    .. [1] B. Settles and M. Craven, "An analysis of active learning strategies
       for sequence labeling tasks", EMNLP 2008.

    Examples
    --------
    >>> from skal.selection import density_weighted
    >>> density_weighted([0.5, 0.5], [1.0, 0.25], beta=1).tolist()
    [0.5, 0.125]
    """
    scores = check_scores(scores)
    if beta == 0:
        return scores
    if scores.size and scores.min() < 0:
        raise ValueError(
            "density_weight multiplies informativeness by density ** beta, which "
            f"ranks only non-negative scores correctly; got a minimum score of "
            f"{scores.min():.3g}. Make the strategy's scores non-negative or set "
            "density_weight=0."
        )
    return scores * np.asarray(density, dtype=float) ** beta
