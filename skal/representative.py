"""Label-free, representative selection: cover the pool, not the model's doubts.

:class:`RepresentativeSampler` never asks the model which samples it is unsure
of: it picks samples that represent the input distribution (a k-center cover,
k-means representatives, typical yet spread-out samples, TypiClust). It is
the cold start of every learner (their ``cold_start`` parameter uses the same
selectors) and a baseline of its own, stronger than random sampling when
labels are very few.
"""

import numpy as np
from sklearn.utils._param_validation import StrOptions

from skal._data import n_rows, take_rows
from skal._delegation import follow_estimator_type
from skal._docs import fill_doc
from skal._features import (
    FEATURE_SPACES,
    density_reference,
    pool_rows,
    values_in_chunks,
)
from skal._mixins import DeclaredClassesMixin, GeometryMixin
from skal._random import stream
from skal.base import BaseActiveLearner
from skal.selection import (
    MAX_FIT_ROWS,
    REPRESENTATIVE_METHODS,
    cover_clusters,
    kmeans_clusters,
    local_density,
    nearest_centroids,
    nearest_distances,
    reference_rows,
    representatives,
)
from skal.self_training import SelfTrainingMixin

__all__ = ["RepresentativeSampler"]

# method="kmeans" clusters the pool once; labeling every row of n_samples x
# n_clusters costs the most, so the clusters are capped (k-means fits on at
# most MAX_FIT_ROWS rows, a uniform spread of a larger pool).
_MAX_CLUSTERS = 1000


@fill_doc
class RepresentativeSampler(
    SelfTrainingMixin, GeometryMixin, DeclaredClassesMixin, BaseActiveLearner
):
    """Query samples that represent the pool, without using the model.

    Each query picks a batch by the geometry of the pool alone:

    - ``"kcenter"``: the greedy k-center core-set (Sener & Savarese 2018):
      each pick is the pool sample farthest from every labeled and already
      picked sample, so the labeled set covers the pool with the smallest
      radius;
    - ``"kmeans"``: one sample per k-means cluster, the one nearest its
      centroid (Nguyen & Smeulders' pre-clustering). The pool is clustered
      once per fit, into as many clusters as the ``budget`` (``10 *
      batch_size`` without one, at most 1000; k-means fits on at most
      10^5 evenly spaced rows of a larger pool); each pick goes to the cluster
      whose centroid is farthest from the labeled and picked samples,
      weighted by the cluster's size (:func:`skal.selection.cover_clusters`),
      so every query reuses the clustering and the labels steer it;
    - ``"density"``: density-weighted k-center: each pick maximises its local
      density (K-nearest-neighbour density, Zhu et al. 2008) times its
      distance to the nearest labeled or picked sample, so the batch spreads
      over the dense regions and skips outliers (a unit-free product, see
      :func:`skal.selection.representatives`).

    - ``"typiclust"``: the most typical sample of each cluster the labeled
      set leaves uncovered (Hacohen et al. 2022).

    Distances are Euclidean, in ``feature_space``: by default the features
    the estimator's final step reads (a Pipeline's transformers fitted on the
    whole pool), so that scaling or vectorising happens where the model does
    it.
    The wrapped estimator is only trained, never consulted for selection, so
    any estimator works, classifier or regressor; the sampler takes its type,
    and grid-searches and cross-validates like the learners it is compared
    with. Memory stays O(n_samples) (no pairwise distance matrix).

    Parameters
    ----------
    estimator : estimator object
        Any estimator implementing ``fit``. Cloned on fit.
    method : {"kcenter", "kmeans", "density", "typiclust"}, default="kcenter"
        The selection rule, see above (the learners' ``cold_start`` takes the
        same values).
    %(batch_size)s
    %(feature_space)s
    %(budget)s
    %(n_initial)s
    %(classes)s
    %(self_training)s
    %(common_tail)s

    Attributes
    ----------
    estimator_ : estimator object
        The clone trained on the labels bought so far.
    classes_ : ndarray of shape (n_classes,)
        Class labels, for classifiers.
    %(common_attributes)s

    See Also
    --------
    RandomSampler : The passive baseline.
    UncertaintySamplingClassifier : Its ``cold_start`` parameter accepts the
        same methods.

    Notes
    -----
    :meth:`informativeness` rates every pool sample without a model: its
    distance to the nearest labeled sample for ``"kcenter"`` (infinite before
    any label), its local density for ``"kmeans"`` and ``"density"``.
    ``"kmeans"`` clusters the pool given to ``fit`` once; a new pool passed
    to ``query(X)`` is clustered on its own, into ``batch_size`` clusters.

    References
    ----------
    .. [1] O. Sener and S. Savarese, "Active Learning for Convolutional Neural
       Networks: A Core-Set Approach", ICLR 2018.
    .. [2] J. Zhu, H. Wang, T. Yao and B. K. Tsou, "Active learning with
       sampling by uncertainty and density for word sense disambiguation and
       text classification", COLING 2008.
    .. [3] H. T. Nguyen and A. Smeulders, "Active learning using
       pre-clustering", ICML 2004.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_blobs
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skal import RepresentativeSampler
    >>> X, y = make_blobs(n_samples=300, centers=4, cluster_std=0.5,
    ...                   random_state=0)
    >>> sampler = RepresentativeSampler(LogisticRegression(), method="kmeans",
    ...                                 batch_size=4, random_state=0)
    >>> idx = sampler.fit(X, np.full(300, -1)).query()  # no label needed
    >>> sorted(set(y[idx].tolist()))
    [0, 1, 2, 3]
    >>> sampler = sampler.teach(y=y[idx], indices=idx)
    >>> sampler.n_labeled_, round(sampler.score(X, y), 2)
    (4, 1.0)
    """

    _parameter_constraints: dict = {
        **{
            key: value
            for key, value in BaseActiveLearner._parameter_constraints.items()
            if key != "cold_start"
        },
        "method": [StrOptions(set(REPRESENTATIVE_METHODS))],
        "feature_space": [StrOptions(set(FEATURE_SPACES)), callable],
        **DeclaredClassesMixin._classes_constraints,
        **SelfTrainingMixin._self_training_constraints,
    }

    def __init__(
        self,
        estimator,
        *,
        method="kcenter",
        batch_size=1,
        feature_space="model",
        budget=None,
        n_initial=10,
        classes=None,
        self_training=None,
        callbacks=None,
        n_jobs=None,
        random_state=None,
    ):
        self.estimator = estimator
        self.method = method
        self.batch_size = batch_size
        self.feature_space = feature_space
        self.budget = budget
        self.n_initial = n_initial
        self.classes = classes
        self.self_training = self_training
        self.callbacks = callbacks
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _feature_space(self):
        return self.feature_space

    def _what(self):
        return f"RepresentativeSampler(method={self.method!r})"

    def _ready(self):
        # Selection and scores never consult the model, so they need no label.
        return True

    def _cold_start(self, pool, k):
        return self._select(pool, k)

    def _features_of(self, rows):
        # The model never defines this space: it is the same before and after
        # the first labels.
        return self._space_for().features(rows, model_ready=False, what=self._what())

    def _distance_features(self, rows, what):
        return self._features_of(rows)

    def _pool_density(self):
        """The local density of every row given to fit, computed once."""

        def compute():
            reference = density_reference(self._features_of, self._pool.X)
            return values_in_chunks(
                lambda f: local_density(f, reference=reference),
                self._features_of,
                self._pool.X,
            )

        return self._row_values("local_density", compute)

    def _density(self, pool, pos=None):
        """The local density of the candidates (at ``pos`` only, if given:
        a row's density depends on the row and the reference alone)."""
        rows = pool.candidates if pos is None else pool.candidates[pos]
        if pool.remembered:
            return self._pool_density()[rows]
        reference = density_reference(self._features_of, self._pool.X)
        return local_density(
            self._features_of(take_rows(pool.source, rows)), reference=reference
        )

    def _distance_space_fixed(self):
        return True

    def _n_clusters(self):
        wanted = self.budget if self.budget is not None else 10 * self.batch_size
        return min(max(wanted, self.batch_size), _MAX_CLUSTERS)

    def _clusters(self):
        """The k-means clustering of the data given to fit, fitted once: on
        at most ``MAX_FIT_ROWS`` evenly spaced rows, every row then
        assigned to its nearest centroid a chunk at a time (a pool's
        features never exist all at once)."""

        def compute():
            rows = pool_rows(self._features_of, self._pool.X)
            sample = reference_rows(self._pool.n, MAX_FIT_ROWS)
            _, _, centers = kmeans_clusters(
                rows.take(sample),
                self._n_clusters(),
                random_state=stream(self._seed, "select", 0, 1),
            )
            clusters, dist = nearest_centroids(rows, centers)
            return clusters, dist, centers

        return self._row_values("kmeans", compute)

    def _centers_nearest(self, centers):
        """Each centroid's distance to its nearest labeled sample, updated
        with the new labels only (a forgotten label or a new outside sample
        starts afresh)."""
        state = self._geometry()["rows"].setdefault("kmeans_cover", {})
        order = self._pool.order
        n_out = 0 if self._pool.X_outside is None else n_rows(self._pool.X_outside)
        if (
            state.get("centers") is not centers
            or state["n_out"] != n_out
            or order.shape[0] < state["taken"]
        ):
            state.update(centers=centers, n_out=n_out, taken=0)
            state["nearest"] = np.full(centers.shape[0], np.inf)
            if n_out:
                outside = self._features_of(self._pool.X_outside)
                state["nearest"] = nearest_distances(centers, outside)
        new = order[state["taken"] :]
        if new.shape[0]:
            labeled = self._features_of(take_rows(self._pool.X, new))
            np.minimum(
                state["nearest"],
                nearest_distances(centers, labeled),
                out=state["nearest"],
            )
        state["taken"] = order.shape[0]
        return state["nearest"]

    def _cover(self, pool, k):
        """Positions of ``k`` candidates covering the fixed clustering."""
        clusters, dist, centers = self._clusters()
        available = np.zeros(self._pool.n, dtype=bool)
        available[pool.candidates] = True
        rows = cover_clusters(
            clusters,
            dist,
            centers,
            k,
            available=available,
            nearest=self._centers_nearest(centers),
        )
        return np.searchsorted(pool.candidates, rows)

    def _select(self, pool, k):
        if self.method == "kmeans" and pool.remembered:
            pos = self._cover(pool, k)
            return pool.candidates[pos], self._density(pool, pos)
        whole = self._whole_pool(pool) if self.method != "typiclust" else None
        if whole is not None:
            # k-center over the rows of the data given to fit, through the
            # (linear) space: no copy of the pool's features.
            rows, available = whole
            nearest = self._nearest_all(self._what())
            density = None
            if self.method == "density":
                density = self._pool_density()
            picked = representatives(
                rows,
                k,
                method=self.method,
                nearest=nearest,
                density=density,
                available=available,
                random_state=stream(self._seed, "select", self._round),
            )
            values = nearest if self.method == "kcenter" else density
            return picked, values[picked]
        nearest = None
        labeled = None
        if self.method in ("kcenter", "density"):
            feats = self._features_of(take_rows(pool.source, pool.candidates))
            nearest = self._nearest(pool, self._what())
        else:
            # k-means and TypiClust read a chunk of rows at a time: no copy
            # of the pool's features.
            feats = pool_rows(self._features_of, pool.source, pool.candidates)
            labeled = self._labeled_features(self._what())
        pos = representatives(
            feats,
            k,
            method=self.method,
            X_labeled=labeled,
            nearest=nearest,
            density=self._density(pool) if self.method == "density" else None,
            random_state=stream(self._seed, "select", self._round),
        )
        return pool.candidates[pos], self._scores(pool, pos, nearest)

    def _scores(self, pool, pos, nearest):
        if self.method == "kcenter":
            return nearest[pos]
        return self._density(pool, pos)

    def _score(self, X):
        if self.method == "kcenter":
            feats = self._features_of(X)
            return nearest_distances(feats, self._labeled_features(self._what()))
        reference = density_reference(self._features_of, self._pool.X)
        return local_density(self._features_of(X), reference=reference)

    def _labeled_features(self, what):
        if not self._pool.n_labeled:
            return None
        X_train, _ = self._pool.training_set()
        return self._features_of(X_train)

    def __sklearn_tags__(self):
        return follow_estimator_type(super().__sklearn_tags__(), self.estimator)
