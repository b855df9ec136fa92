"""Capabilities a learner declares by inheriting a mixin.

Each mixin owns its parameters' constraints and overrides named hooks of
:class:`~skal.base.BaseActiveLearner`; the base never looks for a parameter
by name. A learner lists the mixins left of the base, as scikit-learn's
estimators list ``ClassifierMixin``, and spells out the parameters in its
``__init__``:

- :class:`DiverseBatchMixin`: ``batch_mode``, ``density_weight``,
  ``feature_space`` (overrides ``_select``, ``_scorer``, ``_feature_space``);
- :class:`WarmStartMixin`: ``warm_start`` (overrides ``_train``);
- :class:`DeclaredClassesMixin`: ``classes`` (``_declared_classes``).

Self-training (``self_training``) is in :mod:`skal.self_training`.
"""

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from skal._data import take_rows
from skal._delegation import templates
from skal._features import (
    FEATURE_SPACES,
    NearestCache,
    RowCache,
    density_reference,
    values_in_chunks,
)
from skal._labels import declared_classes
from skal._random import stream
from skal._scan import scan_scores, scan_top_k
from skal._warmstart import check_can_resume, resume_fit
from skal.selection import (
    cluster_diverse,
    density_weighted,
    information_density,
    kcenter_greedy,
    nearest_distances,
    ranked_batch,
)

__all__ = [
    "BATCH_MODES",
    "DeclaredClassesMixin",
    "DiverseBatchMixin",
    "GeometryMixin",
    "WarmStartMixin",
]

#: How ``query`` turns scores into a batch (the ``batch_mode`` parameter).
BATCH_MODES = ("top_k", "ranked", "kcenter", "cluster")

# kcenter and cluster diversity choose among the 10 * batch_size best-scored
# samples: Zhdanov's (2019) pre-filter, which keeps the batch informative and
# the distance work independent of the pool size.
_CANDIDATES_PER_PICK = 10


class _DensityWeighted:
    """A scorer whose scores are multiplied by density ** beta.

    Picklable and small: it holds the density of every candidate (a
    remembered pool, computed once per state of the feature space) or what
    is needed to compute it for new rows, never the learner."""

    def __init__(self, score_at, beta, *, density=None, space=None, reference=None):
        self.score_at = score_at
        self.beta = beta
        self.density = density
        self.space = space
        self.reference = reference

    def __call__(self, rows, start):
        scores = self.score_at(rows, start)
        if self.density is not None:
            density = self.density[start : start + scores.shape[0]]
        else:
            density = information_density(self.space(rows), reference=self.reference)
        return density_weighted(scores, density, self.beta)


class GeometryMixin:
    """What a learner measuring distances keeps about its pool: each row's
    distance to the labeled samples and per-row values (densities), cached
    for one fit and one state of the feature space."""

    def _distance_space_fixed(self):
        """Whether the space of :meth:`_distance_features` stays the same from
        round to round (a learner measuring distances in the input only, or
        in a Pipeline head fitted on the pool, says so)."""
        return self._space_for().fixed

    def _space_key(self):
        """What the cached geometry depends on: nothing in a fixed space, the
        model in one that follows the model."""
        return ("fixed",) if self._distance_space_fixed() else ("model", self._round)

    def _geometry(self):
        cache = getattr(self, "_geometry_cache", None)
        if cache is None or cache["pool"] is not self._pool:
            cache = {"pool": self._pool, "nearest": NearestCache(), "rows": {}}
            self._geometry_cache = cache
        return cache

    def _row_values(self, name, compute):
        """``compute()`` (one value per row given to fit, or anything computed
        from them), cached."""
        rows = self._geometry()["rows"]
        cache = rows.setdefault(name, RowCache())
        return cache.get(self._space_key(), compute)

    def _distance_features(self, rows, what):
        """Rows in the space distances are measured in."""
        return self._features(rows, what)

    def _distance_rows(self):
        """The data given to fit in the distance space as
        :class:`~skal.selection.LinearRows` (no transformed copy), or None
        where the space follows the model or is not linear."""
        if not self._distance_space_fixed():
            return None
        return self._space_for().linear_rows(self._pool.X, model_ready=False)

    def _whole_pool(self, pool):
        """``(rows, available)`` to select among the candidates as rows of
        the data given to fit, without copying them out; None if that
        cannot be done."""
        if not pool.remembered:
            return None
        rows = self._distance_rows()
        if rows is None:
            return None
        available = np.zeros(self._pool.n, dtype=bool)
        available[pool.candidates] = True
        return rows, available

    def _nearest_all(self, what):
        """Every remembered row's distance to its nearest labeled sample (the
        cached vector itself: selectors copy it)."""
        return self._geometry()["nearest"].get(
            self._space_key(),
            lambda rows: self._distance_features(rows, what),
            self._pool.X,
            self._pool.order,
            self._pool.X_outside,
        )

    def _nearest(self, pool, what, positions=None):
        """The distance of each candidate (or of the candidates at
        ``positions``) to its nearest labeled sample.

        In a fixed space, the distances of every remembered row are kept
        across rounds (:class:`~skal._features.NearestCache`). In a space that
        follows the model they change with every model, so they are measured
        only where they are needed: for ``positions`` (the top candidates of a
        k-center batch), O(candidates x labeled) instead of O(pool x labeled).
        """

        def features(rows):
            return self._distance_features(rows, what)

        if pool.remembered and self._distance_space_fixed():
            nearest = self._geometry()["nearest"].get(
                self._space_key(),
                features,
                self._pool.X,
                self._pool.order,
                self._pool.X_outside,
            )
            rows = pool.candidates if positions is None else pool.candidates[positions]
            return nearest[rows]
        rows = pool.candidates if positions is None else pool.candidates[positions]
        feats = features(take_rows(pool.source, rows))
        labeled = None
        if self._pool.n_labeled:
            labeled = features(self._pool.training_set()[0])
        return nearest_distances(feats, labeled)


class DiverseBatchMixin(GeometryMixin):
    """``batch_mode``, ``density_weight`` and ``feature_space``."""

    _diversity_constraints = {
        "batch_mode": [StrOptions(set(BATCH_MODES))],
        "density_weight": [Interval(Real, 0, None, closed="left")],
        "feature_space": [StrOptions(set(FEATURE_SPACES)), callable],
    }

    def _feature_space(self):
        return self.feature_space

    def _scorer(self, pool):
        score_at = super()._scorer(pool)
        beta = self.density_weight
        if not beta:
            return score_at
        what = f"density_weight={beta}"

        def features(rows):
            return self._features(rows, what)

        if pool.remembered:

            def pool_density():
                reference = density_reference(features, self._pool.X)
                return values_in_chunks(
                    lambda f: information_density(f, reference=reference),
                    features,
                    self._pool.X,
                )

            density = self._row_values("information_density", pool_density)
            return _DensityWeighted(score_at, beta, density=density[pool.candidates])
        # A new pool's density is its own: measured against its rows.
        searched = take_rows(pool.source, pool.candidates)
        reference = density_reference(features, searched)
        return _DensityWeighted(score_at, beta, space=features, reference=reference)

    def _select(self, pool, k):
        mode = self.batch_mode
        if mode == "top_k":
            return super()._select(pool, k)
        what = f"batch_mode={mode!r}"
        scorer = self._scorer(pool)
        rng = stream(self._seed, "select", self._round)
        chunk = self._chunk_size(pool.size)
        if mode == "ranked":
            scores = scan_scores(
                scorer,
                pool.source,
                pool.candidates,
                chunk_size=chunk,
                n_jobs=self.n_jobs,
                block=self._scan_block,
            )
            whole = self._whole_pool(pool)
            if whole is not None:
                # Over the rows of the data given to fit: distances through
                # the (linear) space, no copy of the candidates' features.
                rows, available = whole
                full = np.zeros(self._pool.n)
                full[pool.candidates] = scores
                picked = ranked_batch(
                    full,
                    rows,
                    k,
                    nearest=self._nearest_all(what),
                    n_labeled=self.n_labeled_,
                    available=available,
                    random_state=rng,
                )
                return picked, full[picked]
            feats = self._features(take_rows(pool.source, pool.candidates), what)
            pos = ranked_batch(
                scores,
                feats,
                k,
                nearest=self._nearest(pool, what),
                n_labeled=self.n_labeled_,
                random_state=rng,
            )
            return pool.candidates[pos], scores[pos]
        m = min(pool.size, _CANDIDATES_PER_PICK * k)
        top, top_scores = scan_top_k(
            scorer,
            pool.source,
            pool.candidates,
            m,
            keys=self._keys(),
            chunk_size=chunk,
            n_jobs=self.n_jobs,
            block=self._scan_block,
        )
        chosen = pool.candidates[top]
        feats = self._features(take_rows(pool.source, chosen), what)
        if mode == "kcenter":
            pos = kcenter_greedy(
                feats,
                k,
                nearest=self._nearest(pool, what, top),
                scores=top_scores,
                random_state=rng,
            )
        else:
            pos = cluster_diverse(
                top_scores, feats, k, n_candidates=m, random_state=rng
            )
        return chosen[pos], top_scores[pos]


class WarmStartMixin:
    """``warm_start``: retraining continues the fitted estimator."""

    _warm_start_constraints = {"warm_start": ["boolean"]}

    def _check_capabilities(self):
        super()._check_capabilities()
        if self.warm_start:
            for template in templates(self.estimator):
                check_can_resume(template, type(self).__name__)

    def _warm(self):
        return bool(self.warm_start)

    def _resumable(self, y):
        """A warm refit resumes only a model trained on the same classes (a
        network's output and label encoding were built for them)."""
        if not (self.warm_start and self._trained):
            return False
        if not self._classification():
            return True
        return np.array_equal(np.unique(y), getattr(self, "_trained_classes", None))

    def _train(self, X, y):
        resume = self._resumable(y)
        self._trained_classes = np.unique(y) if self._classification() else None
        if resume:
            return resume_fit(self.estimator_, X, y)
        return super()._train(X, y)


class DeclaredClassesMixin:
    """``classes``: every class label, declared up front."""

    _classes_constraints = {"classes": ["array-like", None]}

    def _declared_classes(self):
        if self.classes is None:
            return None
        return declared_classes(self.classes)

    def _check_capabilities(self):
        super()._check_capabilities()
        if self.classes is not None and not self._classification():
            raise ValueError(
                f"classes={self.classes!r} only applies to classifiers; "
                f"{self.estimator!r} is not one. Leave classes=None."
            )
