"""Where distances are measured: the feature space of batch diversity,
density and the cold start, and what is cached about the pool in it.

``feature_space`` (a parameter of the learners that use distances):

- ``"model"`` (the default): the features the model's final step reads.
  For a :class:`~sklearn.pipeline.Pipeline` whose transformers learn without
  labels (scalers, TF-IDF, PCA...), the transformers are fitted once on the
  whole pool given to ``fit`` (unlabeled rows included) and that fixed
  space serves every round and the cold start: raw pixels or unscaled
  columns are not where distance means something to the model. Transformers
  that need labels are used as fitted in each round. A network's space is
  its penultimate layer (``skal.neural``). For a bare estimator, the input.
- ``"input"``: the numeric columns of X as given.
- a callable ``f(estimator_, X) -> features``: any representation of the
  trained model (the input before the first model).

A *fixed* space does not change between rounds, so a learner can keep each
pool row's distance to its nearest labeled row and update it with the new
labels only (:class:`NearestCache`), and compute densities once per fit.
"""

import warnings

import numpy as np
from sklearn.base import clone
from sklearn.utils import gen_batches

from skal._data import n_rows, take_rows
from skal._pipeline import split_final, transform_to_final
from skal._random import stream
from skal._scan import is_dask_array, scan_top_k, scoring_chunk_rows
from skal.selection import (
    LazyRows,
    LinearRows,
    check_features,
    local_density,
    nearest_distances,
    reference_rows,
    representatives,
)

__all__ = [
    "FEATURE_SPACES",
    "FeatureSpace",
    "FeatureSpaceMixin",
    "NearestCache",
    "RowCache",
    "feature_chunks",
    "nearest_in_chunks",
    "pool_rows",
    "values_in_chunks",
]

FEATURE_SPACES = ("model", "input")


def _fit_unsupervised(heads, X):
    """The Pipeline head fitted on ``X`` without labels, or None if it needs
    labels (or fails on this data).

    Steps with ``partial_fit`` (the scalers, IncrementalPCA) learn from the
    pool a chunk of rows at a time, each chunk mapped through the steps
    before: fitting a scaler on 10^6 rows would otherwise allocate a copy of
    the pool (its variance pass). A step without ``partial_fit`` is fitted on
    the whole (transformed) pool.
    """
    fitted = []
    heads = _steps(heads)
    chunked = _chunkable(X)
    Xt = X
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for position, head in enumerate(heads):
                head = clone(head)
                if chunked and hasattr(head, "partial_fit"):
                    for batch in feature_chunks(X):
                        head.partial_fit(_through(fitted, take_rows(X, batch)))
                else:
                    if chunked:
                        # The steps before learnt in chunks: their output now
                        # exists once, for a step that needs all of it.
                        Xt, chunked = _through(fitted, X), False
                    if position == len(heads) - 1:
                        head.fit(Xt)
                    else:
                        Xt = head.fit_transform(Xt)
                fitted.append(head)
    except (TypeError, ValueError):
        return None
    return fitted


def _steps(heads):
    """The transformers of ``heads``, Pipelines opened into their steps."""
    from sklearn.pipeline import Pipeline

    out = []
    for head in heads:
        if isinstance(head, Pipeline):
            out += _steps([step for _, step in head.steps])
        elif head is not None and head != "passthrough":
            out.append(head)
    return out


def _chunkable(X):
    return isinstance(X, np.ndarray) and X.ndim == 2 or hasattr(X, "tocsr")


def _through(heads, X):
    for head in heads:
        X = head.transform(X)
    return X


class FeatureSpace:
    """The space one learner measures distances in, for one fit.

    Parameters
    ----------
    feature_space : {"model", "input"} or callable
        The learner's parameter.
    estimator : estimator or list of estimators
        The learner's unfitted estimator (the template).
    X : container
        The data given to ``fit``.
    model_features : callable
        ``model_features(X) -> features`` of the learner's trained model, for
        spaces that follow the model (supervised Pipeline heads, networks).
    learned : bool
        Whether the learner's model has its own learned representation (a
        network), which then defines the ``"model"`` space.
    """

    def __init__(self, feature_space, estimator, X, model_features, *, learned):
        self.feature_space = feature_space
        self._model_features = model_features
        self._heads = None
        self.follows_model = False
        if callable(feature_space):
            self.follows_model = True
        elif feature_space == "model":
            if learned:
                self.follows_model = True
            elif not isinstance(estimator, (list, tuple)):
                heads, _ = split_final(estimator, fitted=False)
                if heads:
                    self._heads = _fit_unsupervised(heads, X)
                    self.follows_model = self._heads is None

    @property
    def fixed(self):
        """Whether the features are the same in every round."""
        return not self.follows_model

    def features(self, X, *, model_ready, what):
        """``X`` in this space, as a validated numeric matrix.

        Before the first model, a space that follows the model falls back to
        the input (there is no learned representation yet).
        """
        if self.follows_model and model_ready:
            if callable(self.feature_space):
                Xt = self.feature_space(self._estimator_for_callable, X)
            else:
                Xt = self._model_features(X)
        elif self._heads is not None:
            Xt = X
            for head in self._heads:
                Xt = head.transform(Xt)
        else:
            Xt = X
        return check_features(Xt, what=what)

    def bind_model(self, estimator):
        """The trained model a callable space reads."""
        self._estimator_for_callable = estimator

    def linear_rows(self, X, *, model_ready):
        """The rows of ``X`` (the data given to ``fit``) in this space as
        :class:`~skal.selection.LinearRows`, or None.

        Possible where the space is the input itself or a Pipeline head that
        is affine (scalers, PCA...), fitted on the pool, and ``X`` is a
        finite float matrix: selectors then measure distances over the whole
        pool without a transformed copy of it. Computed once per fit.
        """
        if self.follows_model and model_ready:
            return None
        cached = getattr(self, "_linear", None)
        if cached is not None and cached[0] is X:
            return cached[1]
        rows = _linear_rows(self._heads, X)
        self._linear = (X, rows)
        return rows


def _finite_float_matrix(X):
    if not (isinstance(X, np.ndarray) and X.ndim == 2 and X.dtype.kind == "f"):
        return False
    return all(np.isfinite(X[batch]).all() for batch in feature_chunks(X))


def _linear_rows(heads, X):
    """LinearRows of ``X`` through ``heads`` (None: the identity), or None
    when the heads are not affine on this data."""
    if not _finite_float_matrix(X):
        return None
    if not heads:
        return LinearRows(X)
    A = _affine_part(heads, X)
    return None if A is None else LinearRows(X, A)


#: Pipeline heads are probed for affinity on the identity of this many input
#: columns at most (the probe is a d x d matrix).
_MAX_PROBED_COLUMNS = 4096


def _affine_part(heads, X):
    """``A`` if ``heads(x) = A x + b`` on the rows of ``X``, else None.

    The map is read off the unit vectors (``f(e_i) - f(0)``) and checked on
    64 evenly spaced rows of ``X``: scalers and PCA pass, anything that
    clips, normalises rows or expands features fails and is used as a
    transform.
    """
    d = X.shape[1]
    if d > _MAX_PROBED_COLUMNS:
        return None

    def transform(rows):
        for head in heads:
            rows = head.transform(rows)
        rows = rows.toarray() if hasattr(rows, "toarray") else np.asarray(rows)
        return rows.astype(float, copy=False)

    sample = X[reference_rows(X.shape[0], 64)]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            probe = transform(np.vstack([np.zeros((1, d)), np.eye(d)]))
            mapped = transform(sample)
    except Exception:  # noqa: BLE001 - any failure: not usable as a linear map
        return None
    if probe.ndim != 2 or mapped.shape != (sample.shape[0], probe.shape[1]):
        return None
    offset = probe[0]
    A = (probe[1:] - offset).T
    scale = max(float(np.abs(mapped).max()), 1.0)
    if not np.allclose(sample @ A.T + offset, mapped, rtol=1e-7, atol=1e-9 * scale):
        return None
    return A


class RowCache:
    """One value per row of the data given to ``fit`` (a density, say),
    computed once per state of the feature space."""

    def __init__(self):
        self._key = None
        self._values = None

    def get(self, key, compute):
        if self._values is None or self._key != key:
            self._values = compute()
            self._key = key
        return self._values


class NearestCache:
    """Each remembered row's distance to its nearest labeled sample, kept
    across rounds in a fixed feature space.

    A round adds labels; only the distances to the new labeled samples are
    computed then (O(n_pool * new labels)), so a query's cost does not grow
    with the labels bought. Any other change (a relabel keeps it; a forgotten
    label, new outside samples, another space) starts afresh.
    """

    def __init__(self):
        self._nearest = None
        self._n_taken = 0
        self._key = None

    def get(self, key, features_of, X_fit, labeled_order, outside):
        """Distances of every row of ``X_fit`` to the labeled samples.

        ``features_of(X)`` maps rows to the space; ``labeled_order`` are the
        labeled rows of ``X_fit`` in labeling order and ``outside`` the
        outside samples taught with ``teach(X, y)`` (or None).
        """
        n_out = 0 if outside is None else n_rows(outside)
        stale = (
            self._nearest is None
            or self._key != (key, n_out)
            or labeled_order.shape[0] < self._n_taken
        )
        if stale:
            self._nearest = None
            self._n_taken = 0
            self._key = (key, n_out)
        new = labeled_order[self._n_taken :]
        if self._nearest is None:
            centers = []
            if labeled_order.shape[0]:
                centers.append(features_of(take_rows(X_fit, labeled_order)))
            if n_out:
                centers.append(features_of(outside))
            self._nearest = nearest_in_chunks(features_of, X_fit, centers)
        elif new.shape[0]:
            np.minimum(
                self._nearest,
                nearest_in_chunks(
                    features_of, X_fit, [features_of(take_rows(X_fit, new))]
                ),
                out=self._nearest,
            )
        self._n_taken = labeled_order.shape[0]
        return self._nearest


def feature_chunks(X, *, width=None, n=None):
    """Slices of rows of ``X`` (``n`` of them, all if None) to map into a
    feature space a chunk at a time: a pool's features never exist all at
    once (a Pipeline head's transform of 10^6 rows would be a copy of the
    pool)."""
    if n is None:
        n = n_rows(X)
    if width is None:
        width = X.shape[1] if getattr(X, "ndim", 1) == 2 else 64
    return gen_batches(n, scoring_chunk_rows(n, 16 * max(int(width), 1)))


def nearest_in_chunks(features_of, X, centers):
    """Each row's distance to its nearest row of any of ``centers`` (feature
    matrices), the rows of ``X`` mapped by ``features_of`` chunk by chunk."""
    centers = [c for c in centers if c.shape[0]]
    out = np.full(n_rows(X), np.inf)
    if not centers:
        return out
    for batch in feature_chunks(X):
        feats = features_of(take_rows(X, batch))
        part = out[batch]
        for c in centers:
            np.minimum(part, nearest_distances(feats, c), out=part)
        out[batch] = part
    return out


def values_in_chunks(fn, features_of, X):
    """``fn(features)`` of the rows of ``X``, one value per row, the rows
    mapped by ``features_of`` chunk by chunk (a density, say)."""
    out = np.empty(n_rows(X))
    for batch in feature_chunks(X):
        out[batch] = fn(features_of(take_rows(X, batch)))
    return out


def pool_rows(features_of, X, positions=None):
    """The rows of ``X`` at ``positions`` (all if None) mapped by
    ``features_of``, as :class:`~skal.selection.LazyRows` read in
    :func:`feature_chunks`: for the selectors that read every row (k-means,
    TypiClust) without a copy of the pool's features."""
    n = n_rows(X) if positions is None else positions.shape[0]

    def take(pos):
        return features_of(take_rows(X, pos if positions is None else positions[pos]))

    return LazyRows(take, n, chunks=lambda: feature_chunks(X, n=n))


def density_reference(features_of, X, n_reference=1000):
    """Features of at most ``n_reference`` evenly spaced rows of ``X``: the
    bounded sample densities are measured against."""
    rows = reference_rows(n_rows(X), n_reference)
    return features_of(take_rows(X, rows))


class FeatureSpaceMixin:
    """A learner's side of the feature space: the hooks that define it, the
    rows in it, and the cold start that uses it. Part of every learner (see
    :class:`~skal.base.BaseActiveLearner`)."""

    def _model_features(self, X):
        """``X`` as the trained model's final step reads it."""
        return transform_to_final(self.estimator_, X)[1]

    def _feature_space(self):
        """Where distances are measured (see :mod:`skal._features`)."""
        return "model"

    def _learned_representation(self):
        """Whether the model learns its own representation (a network)."""
        return False

    def _cold_start(self, pool, k):
        """``k`` candidates chosen without a model (``cold_start``)."""
        if self.cold_start == "random":
            pos, _ = scan_top_k(
                lambda rows, start: np.zeros(n_rows(rows)),
                pool.source,
                pool.candidates,
                k,
                keys=self._keys(),
                chunk_size=self._chunk_size(pool.size),
            )
            return pool.candidates[pos], np.zeros(k)
        what = f"cold_start={self.cold_start!r}"
        if self.cold_start in ("kcenter", "density") and pool.remembered:
            picked = self._cold_start_over_pool(pool, k, what)
            if picked is not None:
                return picked, np.zeros(k)
        if self.cold_start in ("kmeans", "typiclust"):
            # Read a chunk of rows at a time: no copy of the pool's features.
            feats = pool_rows(
                lambda rows: self._features(rows, what), pool.source, pool.candidates
            )
        else:
            feats = self._features(take_rows(pool.source, pool.candidates), what)
        labeled = self._labeled_features(what)
        pos = representatives(
            feats,
            k,
            method=self.cold_start,
            X_labeled=labeled,
            random_state=stream(self._seed, "cold_start", self._round),
        )
        return pool.candidates[pos], np.zeros(k)

    def _cold_start_over_pool(self, pool, k, what):
        """A k-center cold start over the rows of the data given to fit,
        through the (linear) space: no copy of the pool's features; None if
        the space is not linear."""
        space = self._space_for()
        rows = space.linear_rows(self._pool.X, model_ready=False)
        if rows is None:
            return None

        def features_of(X):
            return space.features(X, model_ready=False, what=what)

        labeled = self._labeled_features(what)
        nearest = nearest_in_chunks(
            features_of, self._pool.X, [] if labeled is None else [labeled]
        )
        density = None
        if self.cold_start == "density":
            reference = density_reference(features_of, self._pool.X)
            density = values_in_chunks(
                lambda f: local_density(f, reference=reference),
                features_of,
                self._pool.X,
            )
        available = np.zeros(self._pool.n, dtype=bool)
        available[pool.candidates] = True
        return representatives(
            rows,
            k,
            method=self.cold_start,
            nearest=nearest,
            density=density,
            available=available,
            random_state=stream(self._seed, "cold_start", self._round),
        )

    def _space_for(self):
        if (
            self._space is None
            or self._space.feature_space is not self._feature_space()
        ):
            self._space = FeatureSpace(
                self._feature_space(),
                self.estimator,
                self._pool.X,
                self._model_features,
                learned=self._learned_representation(),
            )
        if self._ready():
            self._space.bind_model(self.estimator_)
        return self._space

    def _features(self, X, what):
        """Rows of X in the learner's feature space (see :mod:`skal._features`).

        Distances are computed on the client: rows of a dask pool (the top
        candidates, or the whole pool for a ranked batch) are fetched first.
        """
        if is_dask_array(X):
            X = X.compute()
        return self._space_for().features(X, model_ready=self._ready(), what=what)

    def _labeled_features(self, what):
        """Features of every labeled sample (or None)."""
        if not self._pool.n_labeled:
            return None
        X_train, _ = self._pool.training_set()
        return self._features(X_train, what)
