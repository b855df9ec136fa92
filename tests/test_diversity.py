"""Batch diversity: the selection math (property-tested), memory bounds, and
the ``batch_mode`` / ``density_weight`` options of the learners."""

import pickle
import time
import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn import config_context
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import pairwise_distances
from sklearn.model_selection import GridSearchCV
from sklearn.utils.estimator_checks import parametrize_with_checks

from skal import RepresentativeSampler, UncertaintySamplingClassifier
from skal.selection import (
    cluster_diverse,
    density_weighted,
    information_density,
    kcenter_greedy,
    ranked_batch,
    representatives,
)
from skal.utils.estimator_checks import sklearn_expected_failures

# Small integer grids make duplicates and equal distances (ties) common.
points_st = st.integers(2, 40).flatmap(
    lambda n: arrays(
        float, (n, 2), elements=st.integers(-3, 3).map(float), unique=False
    )
)


@st.composite
def pool_and_k(draw):
    X = draw(points_st)
    k = draw(st.integers(1, X.shape[0]))
    n_lab = draw(st.integers(0, 3))
    X_lab = draw(arrays(float, (n_lab, 2), elements=st.integers(-3, 3).map(float)))
    scores = draw(
        arrays(float, X.shape[0], elements=st.sampled_from([0.0, 0.25, 0.5, 1.0]))
    )
    return X, k, X_lab, scores


def _check_batch(idx, k, n):
    assert idx.shape == (k,)
    assert idx.dtype.kind == "i"
    assert np.unique(idx).shape == (k,)
    assert idx.min() >= 0 and idx.max() < n


@settings(max_examples=60, deadline=None)
@given(case=pool_and_k(), seed=st.integers(0, 1000))
def test_kcenter_greedy_each_pick_is_the_farthest_point(case, seed):
    X, k, X_lab, scores = case
    idx = kcenter_greedy(X, k, X_labeled=X_lab, scores=scores, random_state=seed)
    _check_batch(idx, k, X.shape[0])
    centers = list(X_lab)
    for j in idx:
        rest = np.setdiff1d(np.arange(X.shape[0]), idx[: list(idx).index(j)])
        if centers:
            nearest = pairwise_distances(X, np.array(centers)).min(axis=1)
        else:
            nearest = np.full(X.shape[0], np.inf)
        # Greedy invariant: no unpicked point is farther from the centers.
        assert nearest[j] >= nearest[rest].max() - 1e-9
        # Among (near) ties the higher score wins.
        tied = rest[np.isclose(nearest[rest], nearest[j], atol=1e-9)]
        assert scores[j] >= scores[tied].max()
        centers.append(X[j])
    again = kcenter_greedy(X, k, X_labeled=X_lab, scores=scores, random_state=seed)
    np.testing.assert_array_equal(idx, again)


@settings(max_examples=60, deadline=None)
@given(case=pool_and_k(), seed=st.integers(0, 1000), alpha=st.sampled_from([None, 0.5]))
def test_ranked_batch_each_pick_maximises_the_ranked_objective(case, seed, alpha):
    X, k, X_lab, scores = case
    idx = ranked_batch(scores, X, k, X_labeled=X_lab, alpha=alpha, random_state=seed)
    _check_batch(idx, k, X.shape[0])
    span = scores.max() - scores.min()
    u = (scores - scores.min()) / span if span > 0 else np.zeros_like(scores)
    centers, n = list(X_lab), X.shape[0]
    for t, j in enumerate(idx):
        if centers:
            d = pairwise_distances(X, np.array(centers)).min(axis=1)
        else:
            d = np.full(n, np.inf)
        a = (n - t) / (n + X_lab.shape[0]) if alpha is None else alpha
        objective = a * (1 - 1 / (1 + d)) + (1 - a) * u
        rest = np.setdiff1d(np.arange(n), idx[:t])
        assert objective[j] >= objective[rest].max() - 1e-9
        centers.append(X[j])
    again = ranked_batch(scores, X, k, X_labeled=X_lab, alpha=alpha, random_state=seed)
    np.testing.assert_array_equal(idx, again)


@settings(max_examples=40, deadline=None)
@given(case=pool_and_k(), seed=st.integers(0, 1000))
def test_cluster_diverse_picks_among_the_best_deterministically(case, seed):
    X, k, _, scores = case
    idx = cluster_diverse(scores, X, k, random_state=seed)
    _check_batch(idx, k, X.shape[0])
    # Every pick comes from the 10 * k best.
    m = min(X.shape[0], 10 * k)
    assert scores[idx].min() >= np.sort(scores)[::-1][m - 1]
    np.testing.assert_array_equal(idx, cluster_diverse(scores, X, k, random_state=seed))


@settings(max_examples=40, deadline=None)
@given(
    X=arrays(float, (12, 2), elements=st.floats(-5, 5)),
    scores=arrays(float, (12,), elements=st.floats(0.01, 1.0)),
)
def test_cluster_diverse_with_one_cluster_picks_nearest_the_weighted_mean(X, scores):
    # Zhdanov (2019): k-means weighted by informativeness, then the candidate
    # nearest each center. With k=1 the center is the weighted mean.
    idx = cluster_diverse(scores, X, 1, n_candidates=12, random_state=0)
    center = (scores[:, None] * X).sum(axis=0) / scores.sum()
    d = ((X - center) ** 2).sum(axis=1)
    assert d[idx[0]] <= d.min() + 1e-9


def test_cluster_diverse_weights_pull_the_pick_to_informative_samples():
    X = np.array([[0.0], [1.0], [2.0], [10.0], [11.0], [12.0]])
    heavy_left = cluster_diverse(
        [5.0, 1, 1, 1, 1, 5.0], X, 2, n_candidates=6, random_state=0
    )
    assert sorted(heavy_left.tolist()) == [0, 5]
    uniform = cluster_diverse([1.0] * 6, X, 2, n_candidates=6, random_state=0)
    assert sorted(uniform.tolist()) == [1, 4]


@settings(max_examples=30, deadline=None)
@given(X=points_st)
def test_information_density_is_the_mean_similarity(X):
    density = information_density(X, reference=X)
    brute = (1 / (1 + pairwise_distances(X))).mean(axis=1)
    np.testing.assert_allclose(density, brute, rtol=1e-9)
    assert np.all((density > 0) & (density <= 1))


def test_information_density_does_not_depend_on_the_chunking():
    X = np.random.default_rng(0).normal(size=(3000, 4))
    full = information_density(X, reference=X[:500])
    with config_context(working_memory=1):
        chunked = information_density(X, reference=X[:500])
    np.testing.assert_allclose(full, chunked)
    # The default reference is a seeded subsample: reproducible.
    np.testing.assert_array_equal(
        information_density(X, n_reference=100, random_state=3),
        information_density(X, n_reference=100, random_state=3),
    )


def test_density_weighting():
    scores = np.array([0.2, 0.4])
    np.testing.assert_array_equal(density_weighted(scores, [0.5, 0.1], 0), scores)
    np.testing.assert_allclose(density_weighted(scores, [0.5, 0.1], 2), [0.05, 0.004])
    with pytest.raises(ValueError, match="non-negative.*density_weight=0"):
        density_weighted([-1.0, 0.5], [0.5, 0.5], 1.0)


def _duplicated_clusters():
    """Five tight clusters; the first one holds the 30 best scores."""
    rng = np.random.default_rng(0)
    centers = np.array([[0, 0], [10, 0], [0, 10], [10, 10], [5, 20]], float)
    X = np.repeat(centers, 30, axis=0) + rng.normal(scale=0.01, size=(150, 2))
    scores = np.repeat([0.9, 0.8, 0.7, 0.6, 0.5], 30) + rng.uniform(0, 0.01, 150)
    return X, scores, np.repeat(np.arange(5), 30)


def test_a_diverse_batch_covers_more_clusters_than_top_k():
    X, scores, cluster = _duplicated_clusters()
    top = np.argsort(-scores)[:5]
    assert np.unique(cluster[top]).shape[0] == 1
    for idx in [
        kcenter_greedy(X, 5, scores=scores, random_state=0),
        ranked_batch(scores, X, 5, random_state=0),
        cluster_diverse(scores, X, 5, n_candidates=150, random_state=0),
    ]:
        assert np.unique(cluster[idx]).shape[0] == 5


@pytest.mark.parametrize("method", ["kcenter", "kmeans", "density"])
def test_representatives_cover_the_clusters(method):
    X, _, cluster = _duplicated_clusters()
    idx = representatives(X, 5, method=method, random_state=0)
    _check_batch(idx, 5, X.shape[0])
    assert np.unique(cluster[idx]).shape[0] == 5


def test_sparse_features_work():
    X, scores, cluster = _duplicated_clusters()
    Xs = sp.csr_matrix(np.abs(X))
    for idx in [
        kcenter_greedy(Xs, 5, scores=scores, random_state=0),
        ranked_batch(scores, Xs, 5, random_state=0),
        cluster_diverse(scores, Xs, 5, n_candidates=150, random_state=0),
    ]:
        _check_batch(idx, 5, X.shape[0])
    np.testing.assert_allclose(
        information_density(Xs, reference=Xs[:50]),
        information_density(np.abs(X), reference=np.abs(X[:50])),
    )


@pytest.mark.parametrize(
    "select",
    [
        lambda X, s: kcenter_greedy(X, 20, X_labeled=X[:100], scores=s, random_state=0),
        lambda X, s: ranked_batch(s, X, 20, X_labeled=X[:100], random_state=0),
        lambda X, s: cluster_diverse(s, X, 20, random_state=0),
        lambda X, s: information_density(X, random_state=0)[:20],
    ],
    ids=["kcenter", "ranked", "cluster", "density"],
)
def test_selection_is_memory_bounded_on_a_large_pool(select):
    # The pool's n x n distance matrix would take 320 GB; even an n x k one
    # would show up in the peak below.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200_000, 8))
    scores = rng.random(200_000)
    tracemalloc.start()
    start = time.perf_counter()
    try:
        idx = select(X, scores)
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(idx) == 20
    assert elapsed < 20
    # X itself is 12.8 MB: allow a few vectors of n and small chunks.
    assert peak < 100 * 2**20, f"peak {peak / 2**20:.0f} MiB"


def test_bad_arguments_are_named():
    X, scores, _ = _duplicated_clusters()
    with pytest.raises(ValueError, match="k must be an integer in \\[1, 150\\]"):
        kcenter_greedy(X, 0)
    with pytest.raises(ValueError, match="alpha must be in"):
        ranked_batch(scores, X, 2, alpha=2.0)
    with pytest.raises(ValueError, match="2 features but the pool has 3"):
        kcenter_greedy(np.ones((4, 3)), 2, X_labeled=np.ones((1, 2)))
    with pytest.raises(ValueError, match="must be numeric"):
        kcenter_greedy(np.array([["a", "b"], ["c", "d"]], dtype=object), 1)
    with pytest.raises(ValueError, match="method must be one of"):
        representatives(X, 2, method="nope")


# ------------------------------------------------------------------ learners
def _boundary_pool(per_cluster=40):
    """Labeled points left (class 0) and right (class 1) of x = 0; the pool
    has five clusters of duplicates along the boundary, the one at the origin
    slightly more uncertain than the others."""
    rng = np.random.default_rng(1)
    ys = np.linspace(-10, 10, 9)
    X_lab = np.r_[np.c_[np.full(9, -5.0), ys], np.c_[np.full(9, 5.0), ys]]
    y_lab = np.r_[np.zeros(9, int), np.ones(9, int)]
    centers = np.array([[0, 0], [0.3, 5], [-0.3, -5], [0.6, 10], [-0.6, -10]])
    n_pool = 5 * per_cluster
    X_pool = np.repeat(centers, per_cluster, axis=0) + rng.normal(
        scale=0.01, size=(n_pool, 2)
    )
    cluster = np.repeat(np.arange(5), per_cluster)
    X = np.r_[X_lab, X_pool]
    y = np.r_[y_lab, np.full(n_pool, -1)]
    return X, y, np.r_[np.full(18, -1), cluster]


def _learner(**kw):
    kw.setdefault("random_state", 0)
    return UncertaintySamplingClassifier(LogisticRegression(), **kw)


@pytest.mark.parametrize("batch_mode", ["ranked", "kcenter", "cluster"])
def test_learner_diverse_batch_covers_more_clusters_than_top_k(batch_mode):
    X, y, cluster = _boundary_pool()
    plain = _learner(batch_size=8).fit(X, y).query()
    assert np.unique(cluster[plain]).shape[0] == 1
    learner = _learner(batch_size=8, batch_mode=batch_mode).fit(X, y)
    idx, scores = learner.query(return_scores=True)
    assert idx.shape == (8,) and np.unique(idx).shape == (8,)
    assert not np.isin(idx, np.arange(18)).any()
    assert np.unique(cluster[idx]).shape[0] >= 3
    np.testing.assert_allclose(scores, learner.informativeness()[idx - 18])
    # Seeded: the same learner makes the same choice.
    again = _learner(batch_size=8, batch_mode=batch_mode).fit(X, y).query()
    np.testing.assert_array_equal(idx, again)


def test_density_weight_skips_a_planted_uncertain_outlier():
    X, y, _ = _boundary_pool()
    outlier = np.array([[0.0, 300.0]])  # exactly on the boundary, far away
    X = np.r_[X, outlier]
    y = np.r_[y, -1]
    assert _learner().fit(X, y).query()[0] == X.shape[0] - 1
    weighted = _learner(density_weight=1.0).fit(X, y)
    assert weighted.query()[0] != X.shape[0] - 1
    # informativeness() carries the same weighting that query() ranks by.
    scores = weighted.informativeness()
    assert scores[-1] < scores.max()
    assert np.argmax(scores) + 18 == weighted.query()[0]
    # An external pool is weighted against itself.
    pool = X[18:]
    assert weighted.query(pool)[0] != pool.shape[0] - 1


def test_density_weight_with_top_k_on_an_external_pool_matches_brute_force():
    X, y, _ = _boundary_pool()
    learner = _learner(density_weight=2.0, batch_size=5).fit(X, y)
    pool = X[18::3]
    idx, scores = learner.query(pool, return_scores=True)
    base = UncertaintySamplingClassifier(LogisticRegression()).fit(X, y)
    brute = base.informativeness(pool) * information_density(pool, reference=pool) ** 2
    np.testing.assert_allclose(scores, np.sort(brute)[::-1][:5])


@pytest.mark.parametrize("batch_mode", ["top_k", "ranked", "kcenter", "cluster"])
def test_budget_simulation_with_every_batch_strategy(batch_mode):
    X, y, _ = _boundary_pool()
    y_full = np.r_[y[:18], (X[18:, 0] > 0).astype(int)]
    learner = _learner(
        batch_mode=batch_mode,
        density_weight=0.5,
        batch_size=4,
        budget=30,
        n_initial=6,
    ).fit(X, y_full)
    assert learner.n_labeled_ == 30
    assert np.unique(learner.labeled_indices_).shape == (30,)


def test_pickling_mid_loop_with_a_diverse_strategy():
    X, y, _ = _boundary_pool()
    learner = _learner(batch_size=4, batch_mode="kcenter", density_weight=1.0)
    learner.fit(X, y)
    first = learner.query()
    learner.teach(y=(X[first, 0] > 0).astype(int), indices=first)
    twin = pickle.loads(pickle.dumps(learner))
    np.testing.assert_array_equal(learner.query(), twin.query())


def test_large_remembered_pool_with_diversity_is_quick():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50_000, 8))
    y = np.full(50_000, -1)
    y[:20] = (X[:20, 0] > 0).astype(int)
    for strategy in ["kcenter", "cluster", "ranked"]:
        learner = _learner(batch_size=20, batch_mode=strategy, density_weight=1)
        start = time.perf_counter()
        idx = learner.fit(X, y).query()
        assert time.perf_counter() - start < 20
        assert np.unique(idx).shape == (20,)


def test_non_numeric_pool_is_measured_in_the_pipelines_features():
    X = np.array([["a", "x"], ["b", "y"], ["a", "y"], ["b", "x"]] * 5, dtype=object)
    y = np.r_[[0, 1, 0, 1], np.full(16, -1)]
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    est = make_pipeline(OneHotEncoder(), LogisticRegression())
    UncertaintySamplingClassifier(est, batch_size=2).fit(X, y).query()
    # In the model's space (the encoder fitted on the pool), distances exist.
    for params in ({"batch_mode": "kcenter"}, {"density_weight": 1.0}):
        learner = UncertaintySamplingClassifier(est, batch_size=2, **params)
        assert len(learner.fit(X, y).query()) == 2
    # On the raw input they do not: the error names the option and the fix.
    learner = UncertaintySamplingClassifier(
        est, batch_size=2, batch_mode="kcenter", feature_space="input"
    )
    with pytest.raises(
        ValueError, match="batch_mode='kcenter'.*numeric.*Pipeline.*feature_space"
    ):
        learner.fit(X, y).query()
    learner = UncertaintySamplingClassifier(
        est, batch_size=2, density_weight=1.0, feature_space="input"
    )
    with pytest.raises(ValueError, match="density_weight=1.0.*numeric"):
        learner.fit(X, y).query()


def test_invalid_batch_parameters_list_the_valid_ones():
    X, y, _ = _boundary_pool()
    with pytest.raises(ValueError, match="batch_mode.*'cluster'"):
        _learner(batch_mode="diverse").fit(X, y)
    with pytest.raises(ValueError, match="density_weight"):
        _learner(density_weight=-1.0).fit(X, y)


def test_grid_search_over_the_batch_parameters():
    X, y, _ = _boundary_pool()
    y_full = np.r_[y[:18], (X[18:, 0] > 0).astype(int)]
    search = GridSearchCV(
        _learner(batch_size=5, budget=20, n_initial=6),
        {"batch_mode": ["top_k", "kcenter"], "density_weight": [0.0, 1.0]},
        cv=3,
    ).fit(X, y_full)
    assert search.best_params_["batch_mode"] in ("top_k", "kcenter")
    assert len(search.cv_results_["mean_test_score"]) == 4


@parametrize_with_checks(
    [
        _learner(batch_mode="kcenter", density_weight=1.0),
        _learner(batch_mode="cluster"),
        _learner(batch_mode="ranked", cold_start="kcenter"),
    ],
    expected_failed_checks=sklearn_expected_failures,
)
def test_sklearn_compatible_with_diversity(estimator, check):
    check(estimator)


@pytest.mark.parametrize("batch_mode", ["kcenter", "cluster"])
def test_committee_diverse_batch_covers_more_clusters_than_top_k(batch_mode):
    from skal import CommitteeSampler

    # Clusters smaller than the 10 * batch_size best-scored candidates that
    # kcenter and cluster diversity choose among.
    X, y, cluster = _boundary_pool(per_cluster=12)

    def committee(**kw):
        return CommitteeSampler(
            LogisticRegression(),
            n_members=5,
            measure="consensus_entropy",
            batch_size=8,
            random_state=0,
            **kw,
        ).fit(X, y)

    plain = np.unique(cluster[committee().query()]).shape[0]
    idx = committee(batch_mode=batch_mode).query()
    assert np.unique(idx).shape == (8,) and not np.isin(idx, np.arange(18)).any()
    covered = np.unique(cluster[idx]).shape[0]
    assert covered >= 3 and covered > plain


@pytest.mark.parametrize("learner_name", ["uncertainty", "committee"])
def test_regressor_diverse_batch_covers_more_clusters_than_top_k(learner_name):
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.linear_model import LinearRegression
    from sklearn.tree import DecisionTreeRegressor

    from skal import CommitteeRegressor, UncertaintySamplingRegressor

    rng = np.random.default_rng(0)
    X_lab = np.linspace(0, 5, 6)
    # Duplicated clusters beyond the labeled range: uncertainty grows with x,
    # so plain top-k takes the whole farthest cluster.
    centers = np.array([8.0, 9.0, 10.0, 11.0, 12.0])
    X_pool = np.repeat(centers, 8) + rng.normal(scale=1e-3, size=40)
    X = np.r_[X_lab, X_pool].reshape(-1, 1)
    y = np.r_[np.sin(X_lab), np.full(40, np.nan)]
    cluster = np.r_[np.full(6, -1), np.repeat(np.arange(5), 8)]

    def learner(**kw):
        if learner_name == "uncertainty":
            return UncertaintySamplingRegressor(
                GaussianProcessRegressor(), batch_size=5, random_state=0, **kw
            )
        return CommitteeRegressor(
            [LinearRegression(), DecisionTreeRegressor(random_state=0)],
            batch_size=5,
            random_state=0,
            **kw,
        )

    plain = np.unique(cluster[learner().fit(X, y).query()]).shape[0]
    idx = learner(batch_mode="kcenter").fit(X, y).query()
    covered = np.unique(cluster[idx]).shape[0]
    assert covered >= 3 and covered > plain


# --------------------------------------- cached geometry = recomputation
def _distinct_digits():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    # Distinct rows: no two samples at distance 0, so no pick is a tie.
    _, first = np.unique(X, axis=0, return_index=True)
    keep = np.sort(first)[:900]
    return X[keep], y[keep]


def _scaled_learner(cls=None, **kw):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    cls = cls or UncertaintySamplingClassifier
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=300))
    return cls(model, random_state=0, **kw)


def _brute_force_batch(learner, X, batch_mode, k):
    """The batch from scratch: features of every row in the pool-fitted
    scaler's space, distances to every labeled row recomputed."""
    from sklearn.preprocessing import StandardScaler

    feats = StandardScaler().fit(X).transform(X)
    labeled = learner.labeled_indices_
    pool = np.setdiff1d(np.arange(X.shape[0]), labeled)
    scores = learner.informativeness()
    if batch_mode == "ranked":
        pos = ranked_batch(scores, feats[pool], k, X_labeled=feats[labeled])
        return pool[pos]
    top = np.argsort(-scores, kind="stable")[: 10 * k]
    pos = kcenter_greedy(
        feats[pool[top]], k, X_labeled=feats[labeled], scores=scores[top]
    )
    return pool[top[pos]]


@pytest.mark.parametrize("batch_mode", ["ranked", "kcenter"])
def test_batches_with_kept_distances_equal_a_recomputation(batch_mode):
    """Round after round the learner updates its distances with the new
    labels only (and, for ranked, measures them through the scaler's linear
    map); every batch equals the one computed from scratch."""
    X, y = _distinct_digits()
    y_partial = np.full_like(y, -1)
    y_partial[:30] = y[:30]
    learner = _scaled_learner(batch_mode=batch_mode, batch_size=8).fit(X, y_partial)
    for _ in range(4):
        idx = learner.query()
        np.testing.assert_array_equal(
            idx, _brute_force_batch(learner, X, batch_mode, 8)
        )
        learner.teach(y=y[idx], indices=idx)


@pytest.mark.parametrize(
    "make",
    [
        lambda: _scaled_learner(batch_mode="ranked", batch_size=6),
        lambda: _scaled_learner(batch_mode="kcenter", batch_size=6),
        lambda: _scaled_learner(cold_start="kcenter", batch_size=6),
        lambda: _scaled_learner(cold_start="density", batch_size=6),
    ],
    ids=["ranked", "kcenter", "cold-kcenter", "cold-density"],
)
def test_whole_pool_distances_equal_the_transformed_features(make):
    """A float pool is measured through the scaler's linear map, without a
    transformed copy; an integer copy of the same pool (not a float matrix)
    takes the transformed features: the batches are the same."""
    X, y = _distinct_digits()
    y_partial = np.full_like(y, -1)
    y_partial[:30] = y[:30]
    if "cold" in str(make()):
        y_partial[:] = -1
    linear, transformed = make(), make()
    linear.fit(X, y_partial)
    transformed.fit(X.astype(np.int64), y_partial)
    for _ in range(3):
        a, b = linear.query(), transformed.query()
        np.testing.assert_array_equal(a, b)
        if "cold" in str(make()):
            break
        linear.teach(y=y[a], indices=a)
        transformed.teach(y=y[b], indices=b)


@pytest.mark.parametrize(
    "head, linear",
    [
        ("scaler", True),
        ("pca", True),
        ("minmax", True),
        ("normalizer", False),
        ("polynomial", False),
    ],
)
def test_affine_pipeline_heads_are_read_as_linear_maps(head, linear):
    from sklearn.decomposition import PCA
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import (
        MinMaxScaler,
        Normalizer,
        PolynomialFeatures,
        StandardScaler,
    )

    from skal._features import FeatureSpace

    step = {
        "scaler": StandardScaler(),
        "pca": PCA(n_components=3, random_state=0),
        "minmax": MinMaxScaler(),
        "normalizer": Normalizer(),
        "polynomial": PolynomialFeatures(2),
    }[head]
    X = np.random.default_rng(0).normal(2.0, 3.0, size=(300, 5))
    space = FeatureSpace(
        "model",
        make_pipeline(step, LogisticRegression()),
        X,
        None,
        learned=False,
    )
    rows = space.linear_rows(X, model_ready=True)
    assert (rows is not None) == linear
    if linear:
        feats = space.features(X, model_ready=True, what="test")
        for j in (0, 17, 299):
            np.testing.assert_allclose(
                rows.distances_to(j),
                pairwise_distances(feats, feats[j : j + 1]).ravel(),
                rtol=1e-9,
                atol=1e-9,
            )


@pytest.mark.parametrize(
    "make",
    [
        lambda: _scaled_learner(batch_mode="ranked", batch_size=20),
        lambda: _scaled_learner(
            cls=RepresentativeSampler, method="kcenter", batch_size=20
        ),
        lambda: _scaled_learner(
            cls=RepresentativeSampler, method="density", batch_size=20
        ),
    ],
    ids=["ranked", "representative-kcenter", "representative-density"],
)
def test_whole_pool_selection_allocates_no_copy_of_the_pool(make):
    """Ranked batches and label-free k-center over a scaled pool allocate a
    few vectors per row, not the scaled copy of the pool."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100_000, 64))
    y = np.full(X.shape[0], -1)
    y[:40] = np.arange(40) % 2
    X[y == 1, 0] += 2.0
    with config_context(working_memory=4):
        learner = make().fit(X, y)
        learner.query()  # caches: densities, distances to the labeled rows
        tracemalloc.start()
        try:
            learner.query()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < 0.35 * X.nbytes, f"{peak / 2**20:.0f} MiB"


def test_pool_scaler_learns_in_chunks_what_a_whole_fit_learns():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skal._features import FeatureSpace

    X = np.random.default_rng(1).normal(5.0, 2.0, size=(20_000, 6))
    with config_context(working_memory=0.1):  # chunks of a few hundred rows
        space = FeatureSpace(
            "model",
            make_pipeline(StandardScaler(), LogisticRegression()),
            X,
            None,
            learned=False,
        )
        feats = space.features(X, model_ready=True, what="test")
    np.testing.assert_allclose(
        feats, StandardScaler().fit(X).transform(X), rtol=1e-9, atol=1e-9
    )
