"""TypiClust and the k-means representatives in bounded memory: the same
picks as the algorithm that held the pool's features (pools up to 10^5
rows), and the learners never ask for more than a bounded number of rows'
features at once."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from skal import RepresentativeSampler, UncertaintySamplingClassifier
from skal._random import as_generator, draw_seed
from skal.selection import (
    LazyRows,
    kmeans_representatives,
    nearest_centroids,
    typiclust,
)
from skal.selection._kmeans import MAX_FIT_ROWS


# ------------------------------------------- the algorithms as they were
def _typiclust_before(X, k, X_labeled=None, n_neighbors=20, max_clusters=500, rs=0):
    """typiclust before its memory was bounded (commit 97b34d9), pools up to
    10^5 rows: the pool and the labeled rows stacked, the typicality of
    every cluster."""
    from sklearn.cluster import KMeans, MiniBatchKMeans
    from sklearn.metrics import pairwise_distances

    n = X.shape[0]
    n_lab = 0 if X_labeled is None else X_labeled.shape[0]
    rng = as_generator(rs)
    everything = X if X_labeled is None else np.vstack([X, X_labeled])
    n_clusters = int(min(n_lab + k, max_clusters, everything.shape[0]))
    kind = KMeans if n_clusters <= 50 else MiniBatchKMeans
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = kind(n_clusters=n_clusters, n_init=1, random_state=draw_seed(rng))
        labels = model.fit(everything[np.arange(everything.shape[0])]).labels_
    pool_labels = labels[:n]
    covered = np.bincount(labels[n:], minlength=n_clusters).astype(float)
    size = np.bincount(pool_labels, minlength=n_clusters).astype(float)
    keys = rng.random(n)
    typicality = np.full(n, -np.inf)
    for c in np.flatnonzero(size):
        members = np.flatnonzero(pool_labels == c)
        ref = members
        if ref.shape[0] > 1000:
            ref = np.sort(rng.choice(members, 1000, replace=False))
        kk = min(int(n_neighbors), ref.shape[0] - 1)
        if kk < 1:
            typicality[members] = 0.0
            continue
        for start in range(0, members.shape[0], 4096):
            batch = members[start : start + 4096]
            D = pairwise_distances(X[batch], X[ref])
            typicality[batch] = -np.partition(D, kk, axis=1)[:, 1 : kk + 1].mean(1)
    available = np.ones(n, dtype=bool)
    left = size.copy()
    chosen = []
    for _ in range(k):
        open_ = np.flatnonzero(left > 0)
        c = open_[np.lexsort((-size[open_], covered[open_]))[0]]
        members = np.flatnonzero((pool_labels == c) & available)
        best = members[np.lexsort((-keys[members], -typicality[members]))[0]]
        chosen.append(best)
        available[best] = False
        covered[c] += 1
        left[c] -= 1
    return np.array(chosen)


def _kmeans_representatives_before(X, k, rs=0):
    from sklearn.cluster import KMeans
    from sklearn.utils.extmath import row_norms

    km = KMeans(n_clusters=k, n_init=1, random_state=draw_seed(as_generator(rs)))
    labels = km.fit(X).labels_
    own = km.cluster_centers_[labels]
    if sp.issparse(X):
        cross = np.asarray(X.multiply(own).sum(axis=1)).ravel()
    else:
        cross = np.einsum("ij,ij->i", X, own)
    dist = row_norms(X, squared=True) - 2 * cross + row_norms(own, squared=True)
    order = np.lexsort((dist, labels))
    first = order[np.r_[True, labels[order][1:] != labels[order][:-1]]]
    sizes = np.bincount(labels, minlength=k)[labels[first]]
    return first[np.argsort(-sizes, kind="stable")]


def _pool(n, seed=0, n_features=2, spread=6.0, n_centers=6):
    rng = np.random.default_rng(seed)
    centers = rng.normal(0, spread, size=(n_centers, n_features))
    return centers[rng.integers(0, n_centers, n)] + rng.normal(size=(n, n_features))


def _chunked(X, size=1000):
    """X as LazyRows read in chunks of ``size`` rows."""

    def chunks():
        return (slice(i, i + size) for i in range(0, X.shape[0], size))

    return LazyRows(lambda positions: X[positions], X.shape[0], chunks=chunks)


@pytest.mark.parametrize(
    "n, k, n_lab, max_clusters",
    [
        (300, 5, 0, 500),
        (300, 5, 12, 500),
        (2000, 60, 0, 500),  # MiniBatchKMeans (over 50 clusters)
        (2000, 30, 40, 40),
        (6000, 3, 0, 500),  # clusters of over 1000 members: 1000 references
        (6000, 4, 5, 2),
    ],
)
def test_typiclust_picks_what_it_picked_before(n, k, n_lab, max_clusters):
    X = _pool(n, seed=n + k)
    lab = X[:n_lab] + 0.01 if n_lab else None
    want = _typiclust_before(X, k, lab, max_clusters=max_clusters, rs=k)
    got = typiclust(X, k, X_labeled=lab, max_clusters=max_clusters, random_state=k)
    np.testing.assert_array_equal(got, want)
    # The same rows read through LazyRows, in other chunks: the same picks.
    got = typiclust(
        _chunked(X), k, X_labeled=lab, max_clusters=max_clusters, random_state=k
    )
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("k", [1, 7, 40])
def test_kmeans_representatives_pick_what_they_picked_before(sparse, k):
    X = _pool(9000, seed=k, n_features=5)
    if sparse:
        X = sp.csr_matrix(np.where(X > 0, X, 0.0))  # some zeros
    want = _kmeans_representatives_before(X, k, rs=k)
    np.testing.assert_array_equal(kmeans_representatives(X, k, random_state=k), want)
    # In chunks of 512 rows, or in one chunk (its distances a part at a time).
    for size in (512, 10_000):
        np.testing.assert_array_equal(
            kmeans_representatives(_chunked(X, size), k, random_state=k), want
        )


# ------------------------------------------------- pools over 10^5 rows
@pytest.fixture(scope="module")
def three_blobs():
    """1.2 * 10^5 rows in three far-apart blobs of 40000."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(120_000, 2)) + np.repeat([[0, 0], [50, 0], [0, 50]], 40_000, 0)
    return X, np.repeat([0, 1, 2], 40_000)


class _Counting:
    """LazyRows over X that record the size of every read."""

    def __init__(self, X):
        self.sizes = []
        self.X = X

    def take(self, positions):
        rows = self.X[positions]
        self.sizes.append(rows.shape[0])
        return rows

    def rows(self):
        return LazyRows(self.take, self.X.shape[0], n_features=self.X.shape[1])


def test_typiclust_over_a_large_pool_reads_bounded_batches(three_blobs):
    X, blob = three_blobs
    counting = _Counting(X)
    got = typiclust(counting.rows(), 2, X_labeled=X[:3] + 0.01, random_state=0)
    # Blob 0 is labeled: the picks go to the other two, near their centres.
    assert sorted(blob[got].tolist()) == [1, 2]
    centres = np.array([[50, 0], [0, 50]])[blob[got] - 1]
    assert np.all(np.linalg.norm(X[got] - centres, axis=1) < 0.5)
    # k-means learnt from at most 10^5 rows; every other read was a chunk,
    # and only the two clusters picked from were read for typicality.
    assert max(counting.sizes) <= MAX_FIT_ROWS
    assert sorted(counting.sizes)[-2] <= 4096
    assert sum(counting.sizes) <= MAX_FIT_ROWS + X.shape[0] + 2 * (40_000 + 1000)


def test_kmeans_representatives_over_a_large_pool(three_blobs):
    X, blob = three_blobs
    counting = _Counting(X)
    got = kmeans_representatives(counting.rows(), 3, random_state=0)
    assert sorted(blob[got].tolist()) == [0, 1, 2]
    centres = np.array([[0, 0], [50, 0], [0, 50]])[blob[got]]
    assert np.all(np.linalg.norm(X[got] - centres, axis=1) < 0.1)
    assert max(counting.sizes) <= MAX_FIT_ROWS
    assert sorted(counting.sizes)[-2] <= 4096


def test_nearest_centroids_reads_chunks():
    X = _pool(2500)
    centers = X[[3, 700, 1900]]
    labels, dist = nearest_centroids(_chunked(X, 100), centers)
    D = np.linalg.norm(X[:, None] - centers[None], axis=2)
    np.testing.assert_array_equal(labels, D.argmin(axis=1))
    np.testing.assert_allclose(dist, D.min(axis=1), atol=1e-9)


# ----------------------------------------------------------- the learners
class _Recording(TransformerMixin, BaseEstimator):
    """A Pipeline head that records how many rows each transform maps."""

    sizes = []

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        type(self).sizes.append(X.shape[0])
        return np.tanh(np.asarray(X))  # not affine: no LinearRows


@pytest.mark.parametrize(
    "make, labeled",
    [
        (lambda est: RepresentativeSampler(est, method="typiclust"), True),
        (lambda est: UncertaintySamplingClassifier(est, cold_start="typiclust"), 0),
        (lambda est: UncertaintySamplingClassifier(est, cold_start="kmeans"), 0),
    ],
    ids=["rep_typiclust", "cold_typiclust", "cold_kmeans"],
)
def test_learners_map_a_bounded_number_of_rows_at_once(make, labeled):
    import sklearn

    rng = np.random.default_rng(0)
    n = 2 * MAX_FIT_ROWS + 50_000
    X = rng.normal(size=(n, 8)) + 4 * rng.integers(0, 3, size=(n, 1))
    learner = make(make_pipeline(_Recording(), LogisticRegression()))
    learner.set_params(random_state=0, batch_size=5)
    y = np.full(n, -1)
    if labeled:
        y[:2], y[2:4] = 0, 1
    with sklearn.config_context(working_memory=1):
        learner.fit(X, y)
        _Recording.sizes.clear()
        picked = learner.query()
    assert len(set(picked.tolist())) == 5 and not set(picked.tolist()) & {0, 1, 2, 3}
    # The k-means sample is the largest read; the rest come in chunks. The
    # algorithm that held the features mapped every candidate at once.
    assert _Recording.sizes and max(_Recording.sizes) <= MAX_FIT_ROWS
    assert sorted(_Recording.sizes)[-2] < 10_000
