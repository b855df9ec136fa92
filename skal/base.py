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
from sklearn.base import BaseEstimator, MetaEstimatorMixin, _fit_context, clone
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from skal import _labels
from skal._corrections import CorrectionsMixin
from skal._data import as_rows, n_rows
from skal._delegation import DelegationMixin, templates
from skal._features import FeatureSpaceMixin
from skal._pool import LabeledPool, check_positions
from skal._query import PoolScanMixin
from skal._random import SEED_MAX, base_seed, seeded_fit, stream
from skal._scan import (
    check_dask_pool,
    is_dask_array,
)

__all__ = ["BaseActiveLearner", "COLD_STARTS", "UNLABELED"]

UNLABELED = _labels.UNLABELED

#: Label-free selections while there is no model (the ``cold_start`` parameter).
COLD_STARTS = ("random", "kmeans", "kcenter", "density", "typiclust")


class BaseActiveLearner(
    PoolScanMixin,
    CorrectionsMixin,
    FeatureSpaceMixin,
    DelegationMixin,
    MetaEstimatorMixin,
    BaseEstimator,
):
    """Base class of all active learners. Not for direct use.

    Subclasses implement ``_score(X) -> ndarray of shape (n_rows,)``. The
    ``__init__`` here stores the parameters every learner has; a subclass
    with parameters of its own defines ``__init__`` with the full list, as
    scikit-learn requires. See "Write your own strategy" in
    docs/architecture.md.
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

    def __init__(
        self,
        estimator,
        *,
        batch_size=1,
        budget=None,
        n_initial=10,
        cold_start="random",
        callbacks=None,
        n_jobs=None,
        random_state=None,
    ):
        self.estimator = estimator
        self.batch_size = batch_size
        self.budget = budget
        self.n_initial = n_initial
        self.cold_start = cold_start
        self.callbacks = callbacks
        self.n_jobs = n_jobs
        self.random_state = random_state

    # ------------------------------------------------------------ hooks
    def _check_estimator(self):
        """Raise a helpful error if ``self.estimator`` cannot serve."""

    def _check_capabilities(self):
        """Validate what the mixins add (each mixin extends it via super())."""

    def _score(self, X):  # pragma: no cover - abstract
        """Informativeness of each row of ``X`` under ``estimator_``."""
        raise NotImplementedError

    def _train(self, X, y):
        """A model trained on ``(X, y)``: a fresh clone, fitted."""
        return self._fit_clone(X, y)

    def _fit_clone(self, X, y):
        """A fresh clone of ``estimator`` fitted on ``(X, y)``, its unset
        random states seeded from the learner's (networks too)."""
        seed = stream(self._seed, "train", self._round).integers(SEED_MAX)
        return seeded_fit(clone(self.estimator), X, y, int(seed))

    def _start(self):
        """Called by ``fit`` before the first label: reset the strategy's own
        state, so that a refit starts afresh."""

    def _after_train(self, X, y):
        """Called after every retraining with the training set."""

    def _declared_classes(self):
        """The declared class labels, or None."""
        return None

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
        self._start()
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

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = [get_tags(est).input_tags for est in templates(self.estimator)]
        tags.input_tags.sparse = all(t.sparse for t in inner)
        tags.input_tags.allow_nan = all(t.allow_nan for t in inner)
        tags.input_tags.pairwise = any(t.pairwise for t in inner)
        return tags
