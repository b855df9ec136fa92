"""The template every active learner follows: ``fit``, ``query``, ``teach``.

A strategy implements one hook, ``_score(X)``: the informativeness of rows
of X under the trained model, higher meaning more informative. The base
owns everything else (see docs/architecture.md):

- ``fit`` remembers the pool and trains on the labeled rows, or, with a
  ``budget``, runs a simulated labeling loop on the round engine
  (:mod:`skal.engine`), ``y`` being the oracle;
- ``query`` scores the pool through the one scoring path (:mod:`skal._scan`)
  and returns the best batch, or a cold start while there is no model;
- ``teach`` adds labels atomically and retrains;
- ``predict`` & co. delegate to the trained estimator.

Optional behaviour comes from mixins that override named hooks
(:mod:`skal._mixins`): diverse batches and density (``_select``), warm
starts (``_train``), declared classes and self-training.
"""

import copy
from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, MetaEstimatorMixin, _fit_context, clone
from sklearn.utils import check_array, get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from skal import _labels
from skal._data import as_rows, n_rows, take_rows
from skal._delegation import DelegationMixin, templates
from skal._features import FeatureSpace
from skal._pool import LabeledPool, check_positions
from skal._random import SEED_MAX, KeyStream, base_seed, seeded_fit, stream
from skal._scan import (
    PoolPositions,
    check_dask_pool,
    is_dask_array,
    is_distributed,
    scan_scores,
    scan_top_k,
    scoring_chunk_rows,
)
from skal.selection import representatives

__all__ = ["BaseActiveLearner", "COLD_STARTS", "UNLABELED"]

UNLABELED = _labels.UNLABELED

#: Label-free selections while there is no model (the ``cold_start`` parameter).
COLD_STARTS = ("random", "kmeans", "kcenter", "density", "typiclust")


class _QueryPool:
    """The rows a query searches: ``source[candidates]``; ``remembered`` if
    they are the unlabeled rows of the data given to ``fit``."""

    def __init__(self, source, candidates, remembered):
        self.source = source
        self.candidates = candidates
        self.remembered = remembered

    @property
    def size(self):
        return self.candidates.shape[0]


class BaseActiveLearner(DelegationMixin, MetaEstimatorMixin, BaseEstimator):
    """Base class of all active learners. Not for direct use.

    Subclasses define ``__init__`` with their full parameter list and
    implement ``_score(X) -> ndarray of shape (n_rows,)``; see "Write your
    own strategy" in the user guide.
    """

    _parameter_constraints: dict = {
        # Only `fit` is required of the estimator here: a strategy checks for
        # predict_proba itself, with an error that says what to do instead.
        "estimator": [HasMethods(["fit"])],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "budget": [Interval(Integral, 1, None, closed="left"), None],
        "n_initial": [Interval(Integral, 1, None, closed="left")],
        "cold_start": [StrOptions(set(COLD_STARTS))],
        "callbacks": [list, tuple, None],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
    }

    #: Scoring chunk boundaries fall on multiples of this many candidates (a
    #: learner seeding its randomness by position sets it).
    _scan_block = 1

    #: Whether ``_score`` passes the rows through the estimator, which then
    #: validates them. A learner whose scores do not (random sampling,
    #: hypothetical refits) sets it False, and its pools are validated here.
    _scores_rows_itself = True

    # ------------------------------------------------------------ hooks
    def _check_estimator(self):
        """Raise a helpful error if ``self.estimator`` cannot serve."""

    def _check_capabilities(self):
        """Validate what the mixins add (each mixin extends it via super())."""

    def _score(self, X):  # pragma: no cover - abstract
        """Informativeness of each row of ``X`` under ``estimator_``."""
        raise NotImplementedError

    def _score_at(self, X, start):
        """:meth:`_score` of rows that start at candidate position ``start``."""
        return self._score(X)

    def _select(self, pool, k):
        """The ``k`` best candidates of ``pool`` and their scores."""
        pos, scores = scan_top_k(
            self._scorer(pool),
            pool.source,
            pool.candidates,
            k,
            keys=self._keys(),
            chunk_size=self._chunk_size(pool.size),
            n_jobs=self.n_jobs,
            block=self._scan_block,
        )
        return pool.candidates[pos], scores

    def _train(self, X, y):
        """A model trained on ``(X, y)``: a fresh clone, fitted."""
        return self._fit_clone(X, y)

    def _fit_clone(self, X, y):
        """A fresh clone of ``estimator`` fitted on ``(X, y)``, its unset
        random states seeded from the learner's (networks too)."""
        seed = stream(self._seed, "train", self._round).integers(SEED_MAX)
        return seeded_fit(clone(self.estimator), X, y, int(seed))

    def _after_train(self, X, y):
        """Called after every retraining with the training set."""

    def _declared_classes(self):
        """The declared class labels, or None."""
        return None

    def _model_features(self, X):
        """``X`` as the trained model's final step reads it."""
        from skal._pipeline import transform_to_final

        return transform_to_final(self.estimator_, X)[1]

    def _feature_space(self):
        """Where distances are measured (see :mod:`skal._features`)."""
        return "model"

    def _learned_representation(self):
        """Whether the model learns its own representation (a network)."""
        return False

    def _row_bytes(self):
        """Bytes of temporaries one pool row costs while it is scored."""
        n_features = getattr(self, "n_features_in_", 1)
        n_outputs = len(getattr(self, "classes_", ())) or 1
        return 8 * (2 * n_features + 4 * n_outputs)

    # ----------------------------------------------------------- labels
    def _classification(self):
        return get_tags(self).estimator_type == "classifier"

    def _ready(self):
        """Whether a trained model ranks the pool (else: cold start)."""
        return getattr(self, "_trained", False)

    @property
    def labeled_indices_(self):
        check_is_fitted(self, "_pool")
        return self._pool.order

    # -------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Fit on the labeled rows of ``X`` and remember the rest as the pool.

        With ``budget=None``, rows whose label is the unlabeled marker (``-1``
        or None for classification, NaN for regression) form the pool that
        :meth:`query` searches when called without ``X``; the other rows train
        a clone of ``estimator``.

        With ``budget=N``, ``y`` must be fully labeled (every value, ``-1``
        included, is then a label): it is the oracle of a simulation on the
        round engine that starts from ``n_initial`` rows chosen by
        ``cold_start`` and buys ``batch_size`` labels per round, chosen by this
        strategy, until ``N`` labels are bought or a stopping criterion in
        ``callbacks`` fires. ``estimator_`` is then trained on those labels, so
        ``score`` measures what the strategy achieves on a budget.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, ...)
            All samples, labeled and unlabeled.
        y : array-like of shape (n_samples,)
            Labels; the unlabeled marker for rows without one.

        Returns
        -------
        self : object
            The fitted learner.
        """
        self._check_estimator()
        self._check_capabilities()
        X = as_rows(X)
        validate_data(self, X, reset=True, skip_check_array=True)
        n_samples = n_rows(X)
        if n_samples == 0:
            raise ValueError("X has 0 samples; fit needs at least one sample.")
        if is_dask_array(X):
            X = check_dask_pool(X)
        self._check_rows(X)
        y = _labels.check_y(y, n_samples)
        classification = self._classification()
        declared = self._declared_classes()
        self._seed = base_seed(self.random_state)
        self._round = 0
        self._pool = LabeledPool(X, y.dtype if y.dtype.kind != "U" else object)
        self.n_samples_fit_ = n_samples
        self._trained = False
        self._space = None
        self._column_map = None
        self._last_query = {}
        self._marker_seen = False
        self.history_ = []
        self.callbacks_ = []
        self.n_labeled_ = 0
        # Unfitted until labels arrive, so predict raises NotFittedError.
        self.estimator_ = clone(self.estimator)
        if declared is not None:
            self.classes_ = declared
        if self.budget is not None:
            from skal.engine import simulate

            if classification:
                _labels.check_oracle(y, declared)
            simulate(self, y)
            return self
        unlabeled = _labels.unlabeled_mask(y, classification)
        self._marker_seen = bool(unlabeled.any())
        labeled = np.flatnonzero(~unlabeled)
        if labeled.size:
            labels = _labels.check_labels(y[labeled], classification, declared)
            self._pool.add(labeled, labels)
            self._refit()
        self._record(labeled)
        return self

    def _refit(self):
        X_train, y_train = self._pool.training_set()
        if self._classification():
            seen = np.unique(y_train)
            if seen.shape[0] < 2:
                raise _labels.too_few_classes(
                    seen.tolist(), y_train.shape[0], marker_seen=self._marker_seen
                )
            declared = self._declared_classes()
            self.classes_ = seen if declared is None else declared
        self.estimator_ = self._train(X_train, y_train)
        self.n_labeled_ = int(y_train.shape[0])
        self._trained = True
        self._column_map = None
        est_classes = getattr(self.estimator_, "classes_", None)
        if (
            self._classification()
            and est_classes is not None
            and not np.array_equal(est_classes, self.classes_)
        ):
            self._column_map = np.searchsorted(self.classes_, est_classes)
        self._after_train(X_train, y_train)

    def _record(self, indices):
        indices = np.asarray(indices, dtype=np.intp)
        queried = self._last_query
        scores = [queried.get(int(i), (None, None))[0] for i in indices]
        record = {
            "round": len(self.history_),
            "n_labeled": int(getattr(self, "n_labeled_", 0)),
            "indices": indices,
            "scores": None
            if all(s is None for s in scores)
            else np.array([np.nan if s is None else s for s in scores]),
        }
        extra = [queried[int(i)][1] for i in indices if int(i) in queried]
        if extra and extra[0]:
            record.update(extra[0])
        self.history_.append(record)
        self._last_query = {}

    # ------------------------------------------------------------ query
    def _keys(self):
        return KeyStream(self._seed, self._round)

    def _chunk_size(self, n_pool):
        return scoring_chunk_rows(n_pool, self._row_bytes(), self._scan_block)

    def _scorer(self, pool):
        """``score_at(rows, start)``, on a copy without the remembered data
        when the work leaves this process."""
        if not is_distributed(self.n_jobs, pool.source):
            return self._score_at
        view = copy.copy(self)
        view._pool = self._pool.without_data()
        view._space = None
        return view._score_at

    def _query_pool(self, X, exclude):
        if X is None:
            source = self._pool.X
            candidates = self._pool.unlabeled()
        else:
            source = self._check_X_new(X)
            if is_dask_array(source):
                source = check_dask_pool(source)
            self._check_rows(source)
            candidates = PoolPositions(n_rows(source))
        if exclude is not None and len(exclude):
            n = n_rows(source)
            drop = np.zeros(n, dtype=bool)
            drop[check_positions(exclude, n, what="exclude")] = True
            candidates = np.asarray(candidates)
            candidates = candidates[~drop[candidates]]
        return _QueryPool(source, candidates, X is None)

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

    def query(self, X=None, n_instances=None, *, return_scores=False, exclude=None):
        """Indices of the pool samples whose labels would teach the most.

        Parameters
        ----------
        X : array-like of shape (n_pool, ...), default=None
            The pool to search. None searches the unlabeled rows of the data
            given to ``fit`` (indices then refer to that data).
        n_instances : int, default=None
            How many samples; ``batch_size`` if None.
        return_scores : bool, default=False
            Also return the informativeness of each chosen sample.
        exclude : array-like of int, default=None
            Positions (into the data given to ``fit``, or into ``X``) that
            must not be chosen, e.g. samples waiting for an answer.

        Returns
        -------
        indices : ndarray of shape (n_instances,)
            Distinct positions into the pool, most informative first (with a
            diverse ``batch_mode``: in the order they were picked). Ties are
            broken at random, reproducibly: the same state gives the same
            batch.
        scores : ndarray of shape (n_instances,)
            Only with ``return_scores=True``.
        """
        check_is_fitted(self, "_pool")
        k = self.batch_size if n_instances is None else n_instances
        if not isinstance(k, Integral) or k < 1:
            raise ValueError(f"n_instances must be a positive integer, got {k!r}.")
        pool = self._query_pool(X, exclude)
        if pool.size == 0:
            where = (
                "every sample given to fit is labeled (or excluded); pass a pool: "
                "query(X_pool)"
                if pool.remembered
                else "X has no rows left to choose"
            )
            raise ValueError(f"The pool is empty: {where}.")
        if k > pool.size:
            name = "batch_size" if n_instances is None else "n_instances"
            raise ValueError(
                f"{name}={k} is larger than the pool of {pool.size} unlabeled "
                f"samples; lower {name} or add samples to the pool."
            )
        if self._ready():
            idx, scores = self._select(pool, k)
        else:
            idx, scores = self._cold_start(pool, k)
        idx = np.asarray(idx, dtype=np.intp)
        if pool.remembered:
            info = self._query_info()
            self._last_query = {
                int(i): (float(s), info) for i, s in zip(idx, scores, strict=True)
            }
        return (idx, np.asarray(scores, dtype=float)) if return_scores else idx

    def _query_info(self):
        """Extra facts about the last query, kept in ``history_``."""
        return {}

    def _score_upper(self):
        """The largest score ``_score`` can give (inf when unbounded)."""
        return float("inf")

    def informativeness(self, X=None, *, normalize=False):
        """Every pool sample's informativeness (higher = more informative).

        For plots, stopping rules and custom selection; with
        ``batch_mode="top_k"``, :meth:`query` picks the top of this ranking.
        Includes the weighting of ``density_weight`` where the learner has it.

        Parameters
        ----------
        X : array-like of shape (n_pool, ...), default=None
            The pool; None scores the unlabeled rows remembered from ``fit``
            (in their order in that data).
        normalize : bool, default=False
            Divide by the largest score the measure can give, so that scores
            lie in ``[0, 1]`` whatever the measure; refused for unbounded
            measures.

        Returns
        -------
        scores : ndarray of shape (n_pool,)
        """
        check_is_fitted(self, "_pool")
        if not self._ready():
            raise ValueError(
                "No model yet: teach labels of at least two classes (one label, "
                "for regression) before scoring; query() picks a cold start "
                "without scores."
            )
        upper = self._score_upper()
        if normalize and not np.isfinite(upper):
            raise ValueError(
                f"{type(self).__name__}'s scores have no upper bound, so they "
                "cannot be normalized; use normalize=False and a threshold on "
                "their own scale."
            )
        pool = self._query_pool(X, None)
        scores = scan_scores(
            self._scorer(pool),
            pool.source,
            pool.candidates,
            chunk_size=self._chunk_size(pool.size),
            n_jobs=self.n_jobs,
            block=self._scan_block,
        )
        return scores / upper if normalize else scores

    # ------------------------------------------------------------ teach
    def _atomic(self, change):
        """Apply ``change()`` to the pool and retrain; on any failure, leave
        the learner exactly as it was."""
        pool_state = self._pool.snapshot()
        before = dict(vars(self))
        if self._warm() and self._trained:
            # A warm refit trains estimator_ in place: keep a copy to undo.
            before["estimator_"] = copy.deepcopy(self.estimator_)
        try:
            change()
            self._refit()
        except BaseException:
            self._pool.restore(pool_state)
            vars(self).clear()
            vars(self).update(before)
            raise

    def _warm(self):
        """Whether retraining continues the fitted estimator in place."""
        return False

    def teach(self, X=None, y=None, *, indices=None):
        """Add labels and refit, atomically.

        Either give new samples ``X`` with their labels (a pool you manage),
        or the ``indices`` returned by ``query()`` for the pool remembered
        from ``fit``; those rows are then never queried again. Everything is
        validated first, and if the refit fails the learner is left exactly
        as it was.

        Parameters
        ----------
        X : array-like of shape (n_new, ...), default=None
            New labeled samples. Leave None when passing ``indices``.
        y : array-like of shape (n_new,)
            Their labels.
        indices : array-like of int, default=None
            Positions into the data given to ``fit``.

        Returns
        -------
        self : object
            The refitted learner.
        """
        check_is_fitted(self, "_pool")
        if y is None:
            raise ValueError("teach needs the labels y.")
        if (X is None) == (indices is None):
            raise ValueError(
                "Pass either X (new samples) or indices (rows of the pool given to "
                "fit, as returned by query()), not both and not neither."
            )
        classification = self._classification()
        declared = self._declared_classes()
        if indices is not None:
            idx = check_positions(indices, self._pool.n)
            already = idx[self._pool.is_labeled(idx)]
            if already.size:
                raise ValueError(
                    f"Rows {already.tolist()[:10]} are already labeled; query() "
                    "never returns them, so these indices are stale (relabel() "
                    "corrects a label)."
                )
            labels = _labels.check_y(y, idx.shape[0])
            labels = _labels.check_labels(labels, classification, declared)
            self._atomic(lambda: self._pool.add(idx, labels))
        else:
            X = self._check_X_new(X)
            labels = _labels.check_y(y, n_rows(X))
            labels = _labels.check_labels(labels, classification, declared)
            idx = np.empty(0, dtype=np.intp)
            self._atomic(lambda: self._pool.add_outside(X, labels))
        self._round += 1
        self._record(idx)
        return self

    def relabel(self, y, indices):
        """Correct the labels of labeled rows of the remembered pool; refit.

        Parameters
        ----------
        y : array-like of shape (n_rows,)
            The correct labels.
        indices : array-like of int
            Labeled positions into the data given to ``fit``.

        Returns
        -------
        self : object
        """
        check_is_fitted(self, "_pool")
        idx = check_positions(indices, self._pool.n)
        labels = _labels.check_labels(
            _labels.check_y(y, idx.shape[0]),
            self._classification(),
            self._declared_classes(),
        )
        self._atomic(lambda: self._pool.relabel(idx, labels))
        self._round += 1
        return self

    def forget(self, indices):
        """Make labeled rows of the remembered pool unlabeled again; refit.

        Parameters
        ----------
        indices : array-like of int
            Labeled positions into the data given to ``fit``.

        Returns
        -------
        self : object
        """
        check_is_fitted(self, "_pool")
        idx = check_positions(indices, self._pool.n)

        def change():
            self._pool.forget(idx)
            if not self._pool.n_labeled:
                raise ValueError("forget() would leave no label to train on.")

        self._atomic(change)
        self._round += 1
        return self

    # ------------------------------------------------------- validation
    def _check_rows(self, X):
        """Refuse NaN / inf in a numeric pool that no estimator will see
        before the rows are labeled (see ``_scores_rows_itself``)."""
        if self._scores_rows_itself or is_dask_array(X):
            return
        numeric = (isinstance(X, np.ndarray) or sp.issparse(X)) and X.dtype.kind in "fc"
        if numeric and not get_tags(self).input_tags.allow_nan:
            check_array(
                X,
                accept_sparse=True,
                dtype=None,
                ensure_2d=False,
                ensure_min_samples=0,
                input_name="X",
            )

    def _check_X_new(self, X):
        """Validate samples arriving after fit against what fit saw."""
        X = as_rows(X)
        if hasattr(self, "n_features_in_") and getattr(X, "ndim", 2) == 1:
            raise ValueError(
                f"Expected a 2-d array of samples, got a 1-d array of shape "
                f"{X.shape}. Reshape your data with X.reshape(-1, 1) for a single "
                "feature or X.reshape(1, -1) for a single sample."
            )
        validate_data(self, X, reset=False, skip_check_array=True)
        return X

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = [get_tags(est).input_tags for est in templates(self.estimator)]
        tags.input_tags.sparse = all(t.sparse for t in inner)
        tags.input_tags.allow_nan = all(t.allow_nan for t in inner)
        tags.input_tags.pairwise = any(t.pairwise for t in inner)
        return tags
