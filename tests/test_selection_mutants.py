"""Known values, edge cases and errors of skal.selection that mutation
testing (tools/mutation.sh, docs/mutation-testing.md) found untested.

Expected values are derived by hand in the comments or computed by an
independent route (scikit-learn's pairwise distances, a brute-force loop).
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import pairwise_distances

from skal.selection import (
    LinearRows,
    chunk_rows,
    chunked_top_k,
    cover_clusters,
    density_weighted,
    information_density,
    kcenter_greedy,
    kmeans_clusters,
    kmeans_representatives,
    local_density,
    nearest_distances,
    ranked_batch,
    reference_rows,
    representatives,
    top_k,
    typiclust,
)
from skal.selection._distances import distances_to, normalize


# ------------------------------------------------------------------ top-k
def test_top_k_of_zero_is_empty_and_negative_k_is_refused():
    assert top_k([0.3, 0.9], 0, random_state=0).tolist() == []
    assert top_k([0.3, 0.9], 5, random_state=0).tolist() == [1, 0]
    with pytest.raises(ValueError, match="k must be >= 0, got -1"):
        top_k([0.3, 0.9], -1)


def test_chunked_top_k_scores_chunks_of_the_size_asked():
    s = np.array([0.3, 0.8, 0.1, 0.6, 0.9])
    seen = []

    def score(batch):
        seen.append(batch.stop - batch.start)
        return s[batch]

    idx, best = chunked_top_k(score, 5, 2, chunk_size=1, random_state=0)
    assert seen == [1] * 5
    assert idx.tolist() == [4, 1] and best.tolist() == [0.9, 0.8]
    seen.clear()
    idx, _ = chunked_top_k(score, 5, 2, random_state=0)  # None: one chunk
    assert seen == [5] and idx.tolist() == [4, 1]
    idx, best = chunked_top_k(score, 0, 3)
    assert idx.dtype == np.intp and idx.shape == (0,) and best.shape == (0,)


def test_chunked_top_k_names_the_chunk_that_returned_too_few_scores():
    with pytest.raises(ValueError, match="returned 1 scores for a chunk of 2 rows"):
        chunked_top_k(lambda b: np.zeros(1 if b.start else 2), 4, 1, chunk_size=2)


def test_chunk_rows_bounds():
    # 1 MiB of working memory, one byte per row: 2**20 rows.
    assert chunk_rows(10**9, row_bytes=1, working_memory=1) == 2**20
    assert chunk_rows(10**9, row_bytes=0, working_memory=1) == 2**20
    assert chunk_rows(1, row_bytes=8, working_memory=1) == 1
    assert chunk_rows(0, row_bytes=8, working_memory=1) == 1
    assert chunk_rows(10, row_bytes=2**30, working_memory=1) == 1


# ----------------------------------------------------------------- density
def _local_density_brute(X, R, n_neighbors, metric="euclidean"):
    """1 / mean distance to the reference rows ranked 2 .. n_neighbors + 1."""
    D = np.sort(pairwise_distances(X, R, metric=metric), axis=1)
    if R.shape[0] == 1:
        return D[:, 0]
    kk = max(1, min(n_neighbors, R.shape[0] - 1))
    return D[:, 1 : kk + 1].mean(axis=1)


@pytest.mark.parametrize("n_neighbors", [1, 2, 10])
@pytest.mark.parametrize("metric", ["euclidean", "manhattan"])
def test_local_density_equals_its_formula(n_neighbors, metric):
    rng = np.random.default_rng(0)
    X, R = rng.normal(size=(30, 3)), rng.normal(size=(6, 3))
    mean = _local_density_brute(X, R, n_neighbors, metric)
    np.testing.assert_allclose(
        local_density(X, reference=R, n_neighbors=n_neighbors, metric=metric),
        1 / mean,
        rtol=1e-10,
    )


def test_local_density_defaults_and_tiny_references():
    rng = np.random.default_rng(1)
    X, R = rng.normal(size=(20, 2)), rng.normal(size=(15, 2))
    # The default of 10 neighbours.
    np.testing.assert_allclose(
        local_density(X, reference=R), 1 / _local_density_brute(X, R, 10)
    )
    # One reference row: the distance to it; two: the farther one.
    np.testing.assert_allclose(
        local_density(X, reference=R[:1]), 1 / _local_density_brute(X, R[:1], 10)
    )
    np.testing.assert_allclose(
        local_density(X, reference=R[:2]), 1 / _local_density_brute(X, R[:2], 10)
    )


def test_local_density_of_duplicates_is_large_and_finite():
    X = np.array([[0.0], [0.0], [1.0], [3.0]])
    # Mean distances with one neighbour (the nearest row skipped): 0, 0, 1, 2;
    # the floor is 1e-6 times the median positive one (1.5).
    np.testing.assert_allclose(
        local_density(X, n_neighbors=1), [1 / 1.5e-6, 1 / 1.5e-6, 1.0, 0.5]
    )
    # Nothing but duplicates: the floor is 1e-6.
    np.testing.assert_allclose(local_density(np.ones((3, 2))), [1e6] * 3)


def test_information_density_with_a_reference_and_a_metric():
    rng = np.random.default_rng(2)
    X, R = rng.normal(size=(25, 3)), rng.normal(size=(7, 3))
    for metric in ("euclidean", "manhattan"):
        np.testing.assert_allclose(
            information_density(X, reference=R, metric=metric),
            (1 / (1 + pairwise_distances(X, R, metric=metric))).mean(axis=1),
        )


def test_the_default_reference_is_that_many_distinct_rows_of_the_pool():
    X = np.random.default_rng(3).normal(size=(1001, 2))
    density = information_density(X, random_state=0)  # n_reference=1000
    similarity = 1 / (1 + pairwise_distances(X))
    # Some single row is left out of the reference, none is drawn twice.
    without = (similarity.sum(axis=1, keepdims=True) - similarity) / 1000
    assert np.isclose(without, density[:, None], rtol=1e-12).all(axis=0).any()
    np.testing.assert_array_equal(density, information_density(X, random_state=0))
    np.testing.assert_array_equal(
        local_density(X, random_state=0),
        local_density(X, n_reference=1000, random_state=0),
    )
    assert not np.array_equal(
        local_density(X, random_state=0), local_density(X, random_state=1)
    )


def test_density_errors_name_the_option():
    X = np.zeros((3, 2))
    with pytest.raises(ValueError, match="^information density measures"):
        information_density([["a", "b"]])
    with pytest.raises(ValueError, match="^information density measures"):
        information_density(X, reference=[["a", "b"]])
    with pytest.raises(ValueError, match="^local density measures"):
        local_density([["a", "b"]])
    with pytest.raises(ValueError, match="^local density measures"):
        local_density(X, reference=[["a", "b"]])


def test_density_weighting_accepts_zero_scores_and_names_the_fix():
    np.testing.assert_allclose(density_weighted([0.0, 0.5], [0.5, 0.5], 1), [0, 0.25])
    with pytest.raises(
        ValueError, match=r"^density_weight multiplies .* set density_weight=0\.$"
    ):
        density_weighted([-1.0, 0.5], [0.5, 0.5], 1.0)


@settings(max_examples=50, deadline=None)
@given(n=st.integers(1, 300), r=st.integers(1, 300))
def test_reference_rows_are_evenly_spaced_distinct_rows(n, r):
    rows = reference_rows(n, r)
    assert rows.dtype == np.intp
    assert rows.shape == (min(n, r),)
    assert np.all(np.diff(rows) > 0)
    assert rows[0] == 0 and rows[-1] == (n - 1 if r > 1 else 0)
    if r > 1:
        # Gaps differ by at most one row: evenly spaced.
        assert np.ptp(np.diff(rows)) <= 1 if rows.shape[0] > 1 else True


def test_reference_rows_known_values():
    assert reference_rows(10, 4).tolist() == [0, 3, 6, 9]
    assert reference_rows(101, 11).tolist() == list(range(0, 101, 10))
    assert reference_rows(3).tolist() == [0, 1, 2]  # default: up to 1000
    assert reference_rows(5, 0).tolist() == [0]  # at least one row
    assert reference_rows(0, 5).tolist() == []


# --------------------------------------------------------------- distances
def test_distances_to_one_row_equal_scikit_learns():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(40, 5)) * 1e3
    for j in (0, 17):
        want = pairwise_distances(X, X[j : j + 1]).ravel()
        # scikit-learn rounds the distance of the row to itself, not zero.
        np.testing.assert_allclose(distances_to(X, j), want, rtol=1e-9, atol=1e-3)
        np.testing.assert_allclose(
            distances_to(sp.csr_matrix(X), j), want, rtol=1e-9, atol=1e-3
        )
        np.testing.assert_allclose(
            distances_to(X, j, "manhattan"),
            pairwise_distances(X, X[j : j + 1], metric="manhattan").ravel(),
        )


def test_a_pick_and_its_duplicates_are_at_distance_zero_not_nan():
    # |x|^2 - 2 x.c + |c|^2 rounds to a tiny negative or positive number.
    X = np.array([[1e8 + 0.1, 3e8 + 0.7], [1e8 + 0.1, 3e8 + 0.7], [0.0, 1.0]])
    d = distances_to(X, 0)
    assert d[0] == 0.0 and not np.isnan(d).any() and d[1] < 1e-3
    rows = LinearRows(X, A=np.eye(2))
    d = rows.distances_to(0)
    assert d[0] == 0.0 and not np.isnan(d).any() and d[1] < 1e-3


@pytest.mark.parametrize("sparse", [False, True])
def test_linear_rows_measure_distances_of_the_mapped_rows(sparse):
    rng = np.random.default_rng(5)
    X, A = rng.normal(size=(30, 4)), rng.normal(size=(3, 4))
    mapped = X @ A.T
    rows = LinearRows(sp.csr_matrix(X) if sparse else X, A=A)
    assert rows.shape == (30, 3)
    plain = LinearRows(sp.csr_matrix(X) if sparse else X)
    assert plain.shape == (30, 4)
    for j in (0, 29):
        np.testing.assert_allclose(
            rows.distances_to(j),
            pairwise_distances(mapped, mapped[j : j + 1]).ravel(),
            atol=1e-9,
        )
        np.testing.assert_allclose(
            plain.distances_to(j),
            pairwise_distances(X, X[j : j + 1]).ravel(),
            atol=1e-9,
        )
    np.testing.assert_array_equal(
        kcenter_greedy(rows, 5, random_state=0),
        kcenter_greedy(mapped, 5, random_state=0),
    )


def test_linear_rows_norms_computed_in_chunks_equal_the_whole():
    # 4 Mi elements per chunk over (20000 + 1) columns: 209 rows, three chunks.
    rng = np.random.default_rng(6)
    X, A = rng.normal(size=(500, 1)), rng.normal(size=(20_000, 1))
    rows = LinearRows(X, A=A)
    np.testing.assert_allclose(rows.sq_norms, (X**2).ravel() * (A**2).sum())
    np.testing.assert_allclose(
        rows.distances_to(3), np.abs(X - X[3]).ravel() * np.sqrt((A**2).sum())
    )


def test_nearest_distances_and_normalize():
    X = np.array([[0.0, 0.0], [3.0, 4.0]])
    centers = np.array([[0.0, 1.0], [2.0, 2.0]])
    # (3, 4) is sqrt(5) from (2, 2) (3 in Manhattan), (0, 0) is 1 from (0, 1).
    np.testing.assert_allclose(nearest_distances(X, centers), [1.0, np.sqrt(5)])
    assert nearest_distances(X, centers, metric="manhattan").tolist() == [1.0, 3.0]
    assert nearest_distances(X, np.empty((0, 2))).tolist() == [np.inf, np.inf]
    assert nearest_distances(X, None).tolist() == [np.inf, np.inf]
    assert normalize(np.array([2.0, 4.0, 3.0])).tolist() == [0.0, 1.0, 0.5]
    assert normalize(np.array([3.0, 3.0, 3.0])).tolist() == [0.0, 0.0, 0.0]


# ---------------------------------------------------------------- k-center
LINE = np.array([[0.0], [1.0], [2.0], [6.0], [10.0]])


def test_kcenter_takes_kept_distances_an_available_mask_and_a_metric():
    # Kept distances instead of X_labeled: the farthest first.
    assert kcenter_greedy(LINE, 2, nearest=[0, 1, 2, 6, 10]).tolist() == [4, 3]
    assert kcenter_greedy(LINE, 2, nearest=[0, 1, 2, 6, 10.0]).dtype == np.intp
    # Row 4 unavailable: it still counts as a sample, never as a pick.
    assert kcenter_greedy(
        LINE, 2, nearest=[0, 1, 2, 6, 10], available=[1, 1, 1, 1, 0]
    ).tolist() == [3, 2]
    # Manhattan on 2-d points: (0, 0) labeled; (3, 3) is 6 away, (0, 5) is 5.
    P = np.array([[3.0, 3.0], [0.0, 5.0], [0.0, 0.5]])
    assert kcenter_greedy(P, 1, X_labeled=[[0.0, 0.0]], metric="manhattan")[0] == 0
    assert kcenter_greedy(P, 1, X_labeled=[[0.0, 0.0]])[0] == 1  # euclidean
    # An empty labeled set is no labeled set.
    assert kcenter_greedy(LINE, 1, X_labeled=[], scores=[0, 0, 0, 0, 1])[0] == 4


def test_kcenter_weights_scale_the_distances():
    # Without weights 10 is farthest from 0; weights 1, 1, 1, 5, 1 make
    # 6 * 5 = 30 the largest product.
    w = [1.0, 1.0, 1.0, 5.0, 1.0]
    assert kcenter_greedy(LINE, 1, nearest=[0, 1, 2, 6, 10], weights=w)[0] == 3
    with pytest.raises(ValueError, match="weights must be 5 positive numbers"):
        kcenter_greedy(LINE, 1, weights=[1.0, 1.0, 0.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="weights must be 5 positive numbers"):
        kcenter_greedy(LINE, 1, weights=[1.0, 1.0])


def test_kcenter_first_pick_goes_to_the_best_score_then_at_random():
    # Nothing labeled: every distance is infinite, the scores decide; infinite
    # scores are allowed here (they only break ties).
    assert kcenter_greedy(LINE, 1, scores=[0, 0, np.inf, 0, 0])[0] == 2
    firsts = {int(kcenter_greedy(LINE, 1, random_state=s)[0]) for s in range(30)}
    assert len(firsts) > 1
    again = {int(kcenter_greedy(LINE, 1, random_state=7)[0]) for _ in range(3)}
    assert len(again) == 1


def test_kcenter_errors_name_the_selector_and_the_parameter():
    with pytest.raises(ValueError, match="^k-center selection measures distances"):
        kcenter_greedy([["a"], ["b"]], 1)
    with pytest.raises(ValueError, match="^k-center selection measures distances"):
        kcenter_greedy(LINE, 1, X_labeled=[["a"]])
    with pytest.raises(ValueError, match="Pass X_labeled or nearest, not both"):
        kcenter_greedy(LINE, 1, X_labeled=LINE[:1], nearest=np.zeros(5))
    for bad in ([0.0] * 4, [0, 1, np.nan, 1, 1], [0, 1, -1, 1, 1]):
        with pytest.raises(ValueError, match="nearest must hold 5 non-negative"):
            kcenter_greedy(LINE, 1, nearest=bad)
    with pytest.raises(ValueError, match="available must be 5 booleans"):
        kcenter_greedy(LINE, 1, available=[True, False])
    with pytest.raises(ValueError, match="LinearRows measure Euclidean distances"):
        kcenter_greedy(LinearRows(LINE), 1, metric="manhattan")
    with pytest.raises(ValueError, match="not as X_labeled"):
        kcenter_greedy(LinearRows(LINE), 1, X_labeled=LINE[:1])
    # Zero kept distances are fine: those rows are labeled already.
    assert kcenter_greedy(LINE, 1, nearest=[0.0, 0, 0, 0, 1])[0] == 4


# ------------------------------------------------------------ ranked batch
def test_ranked_batch_with_kept_distances_and_alpha_at_its_ends():
    scores = [0.0, 0.2, 0.1, 0.9, 1.0]
    near = [0.0, 1.0, 2.0, 6.0, 10.0]
    # alpha = 1: novelty alone, the farthest; alpha = 0: the best score.
    assert ranked_batch(scores, LINE, 1, nearest=near, n_labeled=1, alpha=1)[0] == 4
    assert ranked_batch(scores[::-1], LINE, 1, alpha=0)[0] == 0
    # With kept distances the paper's alpha counts the labeled samples:
    # |U| = 5, |L| = 45 gives alpha = 0.1 and the best score wins; |L| = 0
    # gives alpha = 1 and novelty (every distance equal) ties, broken by u.
    near = [3.0, 3.0, 3.0, 3.0, 3.0]
    low = [1.0, 0.0, 0.0, 0.0, 0.0]
    assert ranked_batch(low, LINE, 1, nearest=near, n_labeled=45)[0] == 0
    assert ranked_batch(low, LINE, 1, nearest=near, n_labeled=0)[0] == 0
    # The pick joins the labeled set: the second pick moves away from it.
    # Second pick, alpha = 0.5: row 1 scores 0.5 * (1 / 2) + 0.5 * 0.3 = 0.4,
    # row 4 0.5 * (10 / 11) = 0.45.
    two = ranked_batch([1.0, 0.3, 0.0, 0.0, 0.0], LINE, 2, alpha=0.5)
    assert two.tolist() == [0, 4]


def test_ranked_batch_available_rows_form_the_pool():
    # Row 4 unavailable: its score does not stretch the scale, it is never
    # picked, and the others rank as if it were absent.
    scores = [0.1, 0.2, 0.3, 0.4, 100.0]
    got = ranked_batch(scores, LINE, 4, alpha=0, available=[1, 1, 1, 1, 0])
    assert got.tolist() == [3, 2, 1, 0]
    alone = ranked_batch(scores[:4], LINE[:4], 4, alpha=0)
    assert alone.tolist() == got.tolist()


def test_ranked_batch_errors():
    with pytest.raises(ValueError, match="^4 scores for 5 samples"):
        ranked_batch([0.1] * 4, LINE, 1)
    for alpha in (-0.1, 1.1):
        with pytest.raises(ValueError, match="alpha must be in"):
            ranked_batch([0.1] * 5, LINE, 1, alpha=alpha)
    with pytest.raises(ValueError, match="Give n_labeled with nearest"):
        ranked_batch([0.1] * 5, LINE, 1, nearest=np.ones(5))
    with pytest.raises(ValueError, match="^ranked batch selection measures"):
        ranked_batch([0.1, 0.2], [["a"], ["b"]], 1)
    with pytest.raises(ValueError, match="^ranked batch selection measures"):
        ranked_batch([0.1] * 5, LINE, 1, X_labeled=[["a"]])


# ------------------------------------------------------- cluster diversity
def test_cluster_diverse_errors_and_small_candidate_sets():
    X = np.array([[0.0], [0.1], [5.0], [5.1]])
    with pytest.raises(ValueError, match="^cluster diversity weights k-means"):
        __import__("skal.selection").selection.cluster_diverse([-1.0, 0, 0, 0], X, 1)
    from skal.selection import cluster_diverse

    with pytest.raises(ValueError, match="n_candidates=1 must be at least k=2"):
        cluster_diverse([0.1] * 4, X, 2, n_candidates=1)
    # As many candidates as picks: the best ones, best first.
    assert cluster_diverse([0.1, 0.4, 0.3, 0.2], X, 2, n_candidates=2).tolist() == [
        1,
        2,
    ]
    # Zero scores (a certain model): the candidates are clustered unweighted.
    assert sorted(cluster_diverse([0.0] * 4, X, 2, random_state=0).tolist()) in (
        [0, 2],
        [0, 3],
        [1, 2],
        [1, 3],
    )
    with pytest.raises(ValueError, match="pick must be 'nearest' or 'best'"):
        cluster_diverse([0.1] * 4, X, 2, n_candidates=4, pick="worst")


def test_cluster_diverse_pick_best_takes_each_clusters_most_informative():
    from skal.selection import cluster_diverse

    X = np.array([[0.0], [1.0], [2.0], [10.0], [11.0], [12.0]])
    scores = [0.1, 0.2, 0.9, 0.3, 0.8, 0.4]
    # Unweighted means would pick 1 and 4; "best" takes 2 and 4.
    best = cluster_diverse(scores, X, 2, n_candidates=6, pick="best", random_state=0)
    assert sorted(best.tolist()) == [2, 4]
    near = cluster_diverse(scores, X, 2, n_candidates=6, random_state=0)
    # Weighted centers: (0.1*0 + 0.2*1 + 0.9*2) / 1.2 = 1.67 -> row 2;
    # (0.3*10 + 0.8*11 + 0.4*12) / 1.5 = 11.07 -> row 4.
    assert sorted(near.tolist()) == [2, 4]


# ------------------------------------------------- k-means representatives
# Two clusters: rows 0-2 around 3.33 (nearest: 2.0, row 1), rows 3-6 around
# 103.25 (nearest: 102, row 5).
TWO = np.array([[1.0], [2.0], [7.0], [100.0], [101.0], [102.0], [110.0]])


@pytest.mark.parametrize("sparse", [False, True])
def test_kmeans_representatives_are_the_rows_nearest_the_centroids(sparse):
    X = sp.csr_matrix(TWO) if sparse else TWO
    # The larger cluster first.
    assert kmeans_representatives(X, 2, random_state=0).tolist() == [5, 1]
    # One cluster: its mean 423 / 7 = 60.4 is nearest 100 (row 3).
    assert kmeans_representatives(X, 1, random_state=0).tolist() == [3]
    assert sorted(kmeans_representatives(X, 7, random_state=0).tolist()) == list(
        range(7)
    )
    with pytest.raises(ValueError, match=r"k must be in \[1, 7\] for 7 samples"):
        kmeans_representatives(X, 0)


def test_kmeans_representatives_are_reproducible_and_name_the_fix():
    X = np.random.default_rng(7).uniform(size=(200, 2))
    a = kmeans_representatives(X, 8, random_state=3)
    np.testing.assert_array_equal(a, kmeans_representatives(X, 8, random_state=3))
    with pytest.raises(ValueError, match="^initial='kmeans' clusters the raw"):
        kmeans_representatives(np.array([["a"], ["b"]], dtype=object), 1)


def test_kmeans_clusters_known_clustering():
    clusters, dist, centers = kmeans_clusters(TWO, 2, random_state=0)
    assert len(set(clusters[:3])) == 1 and len(set(clusters[3:])) == 1
    assert clusters[0] != clusters[3]
    np.testing.assert_allclose(centers[clusters[0]], [10 / 3])
    np.testing.assert_allclose(centers[clusters[3]], [103.25])
    np.testing.assert_allclose(dist, ((TWO - centers[clusters]) ** 2).ravel())
    sparse = kmeans_clusters(sp.csr_matrix(TWO), 2, random_state=0)
    np.testing.assert_allclose(sparse[1], dist)
    # Clipped to [1, n_samples]; duplicates give distances of exactly >= 0.
    assert kmeans_clusters(TWO, 0)[2].shape == (1, 1)
    assert kmeans_clusters(TWO, 50)[2].shape[0] == 7
    dup = np.repeat([[1e8 + 0.1, 3e8 + 0.7]], 4, axis=0)
    assert kmeans_clusters(dup, 1)[1].min() >= 0.0
    # More than 50 clusters: MiniBatchKMeans, the same contract.
    X = np.random.default_rng(8).normal(size=(120, 2))
    clusters, dist, centers = kmeans_clusters(X, 60, random_state=0)
    assert centers.shape == (60, 2) and clusters.max() < 60
    np.testing.assert_allclose(
        dist, ((X - centers[clusters]) ** 2).sum(axis=1), atol=1e-9
    )
    with pytest.raises(ValueError, match="^k-means clustering measures"):
        kmeans_clusters([["a"]], 1)


# ----------------------------------------------------------- cover_clusters
CLUSTERS = [0, 0, 0, 1, 1, 2]
DIST = [0.5, 0.1, 0.9, 0.2, 0.3, 0.0]
CENTERS = np.array([[0.0], [1.0], [10.0]])


def test_cover_clusters_by_hand():
    # Nothing labeled: the largest cluster (0) and its row nearest the
    # centroid (1); then size * distance: cluster 2 (1 * 10) over cluster 1
    # (2 * 1); then cluster 1 (row 3). Every centroid is then covered (0):
    # the larger cluster, 0, gives its next rows 0 and 2, then cluster 1 row 4.
    got = cover_clusters(CLUSTERS, DIST, CENTERS, 6)
    assert got.tolist() == [1, 5, 3, 0, 2, 4]
    assert got.dtype == np.intp
    # Labeled near centroids 1 and 2 (distance 0), cluster 0 at 9: 3 * 9.
    assert cover_clusters(CLUSTERS, DIST, CENTERS, 1, nearest=[9, 0, 0]).tolist() == [1]
    # Row 1 unavailable: cluster 0's next nearest row, 0.
    available = [True, False, True, True, True, True]
    assert cover_clusters(CLUSTERS, DIST, CENTERS, 2, available=available).tolist() == [
        0,
        5,
    ]
    # Equal clusters: the first.
    assert cover_clusters([1, 0], [0.0, 0.0], np.array([[0.0], [5.0]]), 1).tolist() == [
        1
    ]
    with pytest.raises(ValueError, match=r"k must be in \[1, 5\] \(the available"):
        cover_clusters(CLUSTERS, DIST, CENTERS, 6, available=available)
    with pytest.raises(ValueError, match=r"k must be in \[1, 6\]"):
        cover_clusters(CLUSTERS, DIST, CENTERS, 0)


# ---------------------------------------------------------------- typiclust
def _typicality(X, n_neighbors):
    D = np.sort(pairwise_distances(X), axis=1)
    kk = min(n_neighbors, X.shape[0] - 1)
    return -D[:, 1 : kk + 1].mean(axis=1)


@pytest.mark.parametrize("n_neighbors", [1, 3, 20])
def test_typiclust_with_one_cluster_picks_the_most_typical_samples(n_neighbors):
    X = np.random.default_rng(9).normal(size=(40, 2))
    # One cluster (max_clusters=1): the picks are the most typical rows, in
    # order.
    got = typiclust(X, 3, n_neighbors=n_neighbors, max_clusters=1, random_state=0)
    typicality = _typicality(X, n_neighbors)
    # (Mutual nearest neighbours tie with one neighbour: compare the values.)
    np.testing.assert_allclose(typicality[got], np.sort(typicality)[::-1][:3])


def test_typiclust_goes_to_the_clusters_the_labels_leave_uncovered():
    rng = np.random.default_rng(10)
    big = rng.normal(size=(30, 2))
    small = rng.normal(size=(10, 2)) + 50
    X = np.r_[big, small]
    # Nothing labeled: the larger cluster first, then the other.
    got = typiclust(X, 2, random_state=0)
    assert got[0] < 30 <= got[1]
    # One label in the large cluster: n_clusters = 2, the small one first.
    got = typiclust(X, 1, X_labeled=big[:1] + 0.01, random_state=0)
    assert got[0] >= 30
    # A single-member cluster is typical enough (typicality 0).
    X = np.r_[big, [[100.0, 100.0]]]
    assert set(typiclust(X, 2, random_state=0).tolist()) >= {30}


def test_typiclust_on_a_large_cluster_picks_near_its_centre():
    # 5000 members: 1000 references, chunks of 4096 members.
    X = np.random.default_rng(11).normal(size=(5000, 2))
    pick = typiclust(X, 1, random_state=0)[0]
    norms = np.linalg.norm(X, axis=1)
    assert norms[pick] < np.percentile(norms, 20)
    np.testing.assert_array_equal(pick, typiclust(X, 1, random_state=0)[0])


def test_typiclust_errors():
    with pytest.raises(ValueError, match="^typiclust measures"):
        typiclust([["a"], ["b"]], 1)
    with pytest.raises(ValueError, match=r"k must be an integer in \[1, 3\]"):
        typiclust(np.zeros((3, 2)), 4)
    with pytest.raises(ValueError, match="2 features but the pool has 3"):
        typiclust(np.zeros((3, 3)), 1, X_labeled=np.zeros((1, 2)))


# ----------------------------------------------------------- representatives
def test_representatives_pass_their_parameters_to_the_method():
    X = np.random.default_rng(12).normal(size=(60, 2))
    lab = X[:2] + 0.01
    near = nearest_distances(X, lab)
    avail = np.arange(60) % 3 > 0
    density = local_density(X)
    # The default method is k-center.
    np.testing.assert_array_equal(
        representatives(X, 4, random_state=0),
        kcenter_greedy(X, 4, random_state=0),
    )
    for kwargs in (
        {"X_labeled": lab},
        {"nearest": near},
        {"available": avail},
        {"metric": "manhattan"},
    ):
        np.testing.assert_array_equal(
            representatives(X, 4, method="kcenter", random_state=0, **kwargs),
            kcenter_greedy(X, 4, random_state=0, **kwargs),
        )
        np.testing.assert_array_equal(
            representatives(
                X, 4, method="density", density=density, random_state=0, **kwargs
            ),
            kcenter_greedy(
                X, 4, scores=density, weights=density, random_state=0, **kwargs
            ),
        )
    np.testing.assert_array_equal(
        representatives(X, 4, method="density", random_state=0),
        kcenter_greedy(X, 4, scores=density, weights=density, random_state=0),
    )
    np.testing.assert_array_equal(
        representatives(X, 3, method="typiclust", X_labeled=lab, random_state=0),
        typiclust(X, 3, X_labeled=lab, random_state=0),
    )
    np.testing.assert_array_equal(
        representatives(X, 3, method="kmeans", random_state=0),
        kmeans_representatives(X, 3, random_state=0),
    )
    rows = LinearRows(X)
    np.testing.assert_array_equal(
        representatives(rows, 3, method="density", density=density, random_state=0),
        kcenter_greedy(X, 3, scores=density, weights=density, random_state=0),
    )


def test_representatives_errors_name_the_method():
    with pytest.raises(ValueError, match="method='density' on LinearRows needs"):
        representatives(LinearRows(LINE), 1, method="density")
    with pytest.raises(ValueError, match="^density selection measures"):
        representatives([["a"]], 1, method="density")
    with pytest.raises(ValueError, match="^kmeans measures"):
        representatives([["a"]], 1, method="kmeans")
    with pytest.raises(ValueError, match=r"method must be one of \['kcenter'"):
        representatives(LINE, 1, method="nope")


# ------------------------------------------------------ second mutation run
def test_top_k_keyed_larger_keys_win_ties():
    from skal.selection import top_k_keyed

    scores, keys = np.array([0.5, 0.5, 0.5, 0.1]), np.array([0.1, 0.9, 0.5, 1.0])
    assert top_k_keyed(scores, keys, 1).tolist() == [1]
    assert top_k_keyed(scores, keys, 2).tolist() == [1, 2]
    assert top_k_keyed(scores, keys, 4).tolist() == [1, 2, 0, 3]


def test_check_scores_refuses_inf_unless_allowed():
    from skal.selection import check_scores

    assert check_scores([1, 2]).dtype == np.float64
    with pytest.raises(ValueError, match="^informativeness scores contain infinite"):
        check_scores([1.0, np.inf])
    with pytest.raises(ValueError, match="^informativeness scores contain NaN;"):
        check_scores([np.nan, np.inf], allow_inf=True)
    with pytest.raises(ValueError, match=r"NaN or inf in X, or a failed fit"):
        top_k([np.nan], 1)
    assert check_scores([1.0, np.inf], allow_inf=True)[1] == np.inf
    with pytest.raises(ValueError, match="scores must be 1-d"):
        check_scores([[1.0]])


def test_duplicates_of_a_large_pick_are_at_distance_zero_not_nan():
    # Found by search: 30 copies of this row give |x|^2 - 2 x.x + |x|^2 < 0.
    rng = np.random.default_rng(0)
    for _ in range(6):
        x = rng.normal(size=(1, 10)) * 1e6
    X = np.repeat(x, 30, axis=0)
    sq = (X**2).sum(axis=1)
    assert (sq - 2 * X @ X[0] + sq[0] < 0).any()  # the case this test is about
    for d in (distances_to(X, 0), LinearRows(X).distances_to(0)):
        assert not np.isnan(d).any() and d.max() < 1.0


def test_ranked_batch_uses_the_kept_distances_and_breaks_ties_at_random():
    # alpha = 1: the farthest by the kept distances (row 3), not by score.
    near = [0.0, 1.0, 2.0, 10.0, 6.0]
    scores = [0.0, 0.2, 0.1, 0.3, 1.0]
    assert ranked_batch(scores, LINE, 1, nearest=near, n_labeled=1, alpha=1)[0] == 3
    firsts = {
        int(ranked_batch([0.5] * 5, LINE, 1, random_state=s)[0]) for s in range(30)
    }
    assert len(firsts) > 1


def test_ranked_batch_paper_alpha_without_labeled_samples():
    X = np.random.default_rng(13).normal(size=(12, 2))
    scores = np.random.default_rng(14).random(12)
    idx = ranked_batch(scores, X, 4, random_state=0)
    u = (scores - scores.min()) / (scores.max() - scores.min())
    for t, j in enumerate(idx):
        d = pairwise_distances(X, X[idx[:t]]).min(axis=1) if t else np.full(12, np.inf)
        a = (12 - t) / 12  # |U| / (|U| + |L|), nothing labeled
        objective = a * (1 - 1 / (1 + d)) + (1 - a) * u
        rest = np.setdiff1d(np.arange(12), idx[:t])
        assert objective[j] >= objective[rest].max() - 1e-12


def test_cluster_diverse_clusters_ten_candidates_per_pick_and_small_weights():
    from skal.selection import cluster_diverse

    # Ten best at -5..-1 and 1..5 (mean 0), the eleventh at 0: left out of the
    # default 10 * k candidates, so the pick is one of +-1.
    X = np.r_[np.arange(-5, 0), np.arange(1, 6), [0]].astype(float)[:, None]
    scores = np.r_[np.ones(10), 0.5]
    assert abs(X[cluster_diverse(scores, X, 1, random_state=0)[0], 0]) == 1
    # Weights summing to less than one still weigh.
    X = np.array([[0.0], [1.0], [2.0], [10.0], [11.0], [12.0]])
    light = cluster_diverse(
        [0.05, 0.01, 0.01, 0.01, 0.01, 0.05], X, 2, n_candidates=6, random_state=0
    )
    assert sorted(light.tolist()) == [0, 5]


def test_cluster_diverse_takes_lists_and_data_frames():
    from skal.selection import cluster_diverse

    pd = pytest.importorskip("pandas")
    X = np.array([[0.0], [0.1], [0.2], [9.0], [9.1]])
    scores = [0.9, 0.8, 0.7, 0.2, 0.1]
    want = cluster_diverse(scores, X, 2, random_state=0)
    np.testing.assert_array_equal(
        cluster_diverse(scores, X.tolist(), 2, random_state=0), want
    )
    np.testing.assert_array_equal(
        cluster_diverse(
            scores, pd.DataFrame(X, index=[5, 4, 3, 2, 1]), 2, random_state=0
        ),
        want,
    )
    with pytest.raises(ValueError, match="^cluster diversity measures"):
        cluster_diverse(scores, [["a"], ["b"], ["c"], ["d"], ["e"]], 2)


def test_check_features_converts_to_float_and_names_the_fix():
    from skal.selection import check_features

    assert check_features([[1, 2]]).dtype == np.float64
    with pytest.raises(ValueError) as info:
        check_features([["a"]])
    for fix in ("Pipeline", "feature_space='model'", "turn the option off"):
        assert fix in str(info.value)


def test_clusterings_are_reproducible_with_random_state():
    X = np.random.default_rng(15).uniform(size=(300, 2))
    a = kmeans_clusters(X, 8, random_state=4)
    b = kmeans_clusters(X, 8, random_state=4)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(
        typiclust(X, 6, random_state=4), typiclust(X, 6, random_state=4)
    )


def test_cover_clusters_prefers_the_larger_cluster_and_reads_masks():
    # Nothing labeled: cluster 1 (two rows) before cluster 0 (one row).
    centers = np.array([[0.0], [5.0], [9.0]])
    assert cover_clusters([0, 1, 1], [0.0, 0.2, 0.1], centers, 1).tolist() == [2]
    # Cluster 2 has no rows (and no warning about its 0 * inf); an integer
    # mask is a mask.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cover_clusters([0, 1, 1], [0.0, 0.2, 0.1], centers, 3)
    got = cover_clusters([0, 1, 1], [0.0, 0.2, 0.1], centers, 2, available=[1, 1, 0])
    assert got.tolist() == [1, 0]


def test_typiclust_small_clusters_defaults_and_bookkeeping():
    rng = np.random.default_rng(16)
    # One cluster of 8 with 20 neighbours asked: 7 are used.
    X = rng.normal(size=(8, 2))
    got = typiclust(X, 2, max_clusters=1, random_state=0)
    typicality = _typicality(X, 20)
    np.testing.assert_allclose(typicality[got], np.sort(typicality)[::-1][:2])
    # The default of 20 neighbours, on a cluster of 40.
    X = rng.normal(size=(40, 2))
    np.testing.assert_array_equal(
        typiclust(X, 3, max_clusters=1, random_state=0),
        typiclust(X, 3, n_neighbors=20, max_clusters=1, random_state=0),
    )
    # k = n: every row, each once, clusters closing as they run out.
    assert sorted(typiclust(X[:9], 9, random_state=0).tolist()) == list(range(9))
    # One feature, three groups: three clusters (not one per feature).
    X = np.r_[rng.normal(size=10), rng.normal(size=10) + 50, rng.normal(size=10) + 99]
    got = typiclust(X[:, None], 3, random_state=0)
    assert sorted((got // 10).tolist()) == [0, 1, 2]
    with pytest.raises(ValueError, match="^typiclust measures"):
        typiclust(np.zeros((3, 1)), 1, X_labeled=[["a"]])


def test_typiclust_counts_labels_and_picks_alike():
    rng = np.random.default_rng(17)
    big, small = rng.normal(size=(30, 2)), rng.normal(size=(10, 2)) + 50
    X = np.r_[big, small]
    # Two clusters, one label in the big one: small (0 covered), then big
    # (1 and 1: the larger), then small (1 against 2).
    got = typiclust(X, 3, X_labeled=big[:1] + 0.01, max_clusters=2, random_state=0)
    assert (got >= 30).tolist() == [True, False, True]
    # Each pick is its cluster's most typical row.
    for pick, members in ((got[0], np.arange(30, 40)), (got[1], np.arange(30))):
        t = _typicality(X[members], 20)
        assert t[members.tolist().index(pick)] == pytest.approx(t.max())
