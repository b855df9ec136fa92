"""The active-learning meta-estimator machinery shared by every strategy.

:class:`BaseActiveLearner` owns the pool bookkeeping (which rows of the data
given to ``fit`` are labeled, in which order they were bought), the
``fit`` / ``query`` / ``teach`` cycle, the simulated fit under a label
``budget`` and the delegation of ``predict``-like methods to the wrapped
estimator. A strategy subclass only says how to score rows
(``_score_rows``) and what its estimator must offer (``_check_estimator``).
"""

from numbers import Integral

import numpy as np
from sklearn.base import (
    BaseEstimator,
    MetaEstimatorMixin,
    _fit_context,
    clone,
    is_classifier,
)
from sklearn.utils import check_random_state, get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from skal._data import as_rows, n_rows, stack_rows, take_rows
from skal.selection import chunk_rows, chunked_top_k, kmeans_representatives

__all__ = ["BaseActiveLearner", "UNLABELED"]

#: Marker of an unlabeled row in ``y`` for classification (scikit-learn's
#: semi-supervised convention). Regression marks unlabeled rows with NaN.
UNLABELED = -1


def _estimator_has(attr):
    """Check the fitted estimator if there is one, else the unfitted one."""

    def check(self):
        if hasattr(self, "estimator_"):
            return hasattr(self.estimator_, attr)
        return hasattr(self.estimator, attr)

    return check


class BaseActiveLearner(MetaEstimatorMixin, BaseEstimator):
    """Base class of all active learners. Not for direct use.

    Subclasses define ``__init__`` with their full parameter list, and
    implement ``_score_rows(X) -> ndarray (n_samples,)``.
    """

    _parameter_constraints: dict = {
        # Only `fit` is required of the estimator here: a strategy checks for
        # predict_proba itself, with an error that says what to do instead.
        "estimator": [HasMethods(["fit"])],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "budget": [Interval(Integral, 1, None, closed="left"), None],
        "n_initial": [Interval(Integral, 1, None, closed="left")],
        "initial": [StrOptions({"random", "kmeans"})],
        "random_state": ["random_state"],
    }

    # ------------------------------------------------------------------ hooks
    def _check_estimator(self):
        """Raise a helpful error if ``self.estimator`` cannot serve."""

    def _score_rows(self, X):  # pragma: no cover - abstract
        raise NotImplementedError

    def _row_bytes(self):
        """Bytes of temporaries one pool row costs while it is scored."""
        n_features = getattr(self, "n_features_in_", 1)
        n_outputs = len(getattr(self, "classes_", ())) or 1
        return 8 * (2 * n_features + 4 * n_outputs)

    # --------------------------------------------------------------- labels
    def _is_classification(self):
        return is_classifier(self)

    def _unlabeled_mask(self, y):
        if self._is_classification():
            if y.dtype.kind in "US":
                if np.any(y == str(UNLABELED)):
                    raise ValueError(
                        "y has a string dtype and contains '-1'. Unlabeled rows "
                        "are marked with the integer -1: use an object array, "
                        "e.g. np.array(labels, dtype=object)."
                    )
                return np.zeros(y.shape[0], dtype=bool)
            return np.asarray(y == UNLABELED, dtype=bool)
        return np.isnan(y.astype(float))

    def _check_y(self, y, n_samples):
        if isinstance(y, (list, tuple)):
            arr = np.asarray(y)
            # A list mixing strings and -1 would become all strings.
            y = np.asarray(y, dtype=object) if arr.dtype.kind in "US" else arr
        y = column_or_1d(y, warn=True)
        if y.shape[0] != n_samples:
            raise ValueError(
                f"X has {n_samples} samples but y has {y.shape[0]}; pass one label "
                "(or the unlabeled marker) per row."
            )
        return y

    def _check_labels(self, y):
        """Validate labels that train the estimator (no unlabeled marker)."""
        if self._is_classification():
            check_classification_targets(y)
            if getattr(self, "classes", None) is not None:
                unknown = np.setdiff1d(np.unique(y), self._declared_classes())
                if unknown.size:
                    raise ValueError(
                        f"Labels {unknown.tolist()} are not in classes="
                        f"{self._declared_classes().tolist()}; add them to "
                        "`classes` or fix the labels."
                    )
        else:
            y = np.asarray(y, dtype=float)
            if not np.isfinite(y).all():
                raise ValueError(
                    "y contains infinite values; regression targets must be "
                    "finite (NaN marks an unlabeled row)."
                )
        return y

    def _declared_classes(self):
        classes = np.asarray(self.classes)
        uniq = np.unique(classes)
        if uniq.shape[0] != classes.shape[0] or classes.ndim != 1:
            raise ValueError(
                f"classes must be a 1-d list of distinct labels, got {self.classes!r}."
            )
        return uniq

    # ------------------------------------------------------------- training
    def _training_set(self):
        X_lab = take_rows(self._X_fit, self.labeled_indices_)
        X_train = stack_rows([X_lab, self._X_extra])
        if X_train is None:
            X_train = X_lab
        y_train = np.concatenate([self._y_labeled, self._y_extra])
        return X_train, y_train

    def _refit(self):
        """Retrain a fresh clone on every label bought so far."""
        X_train, y_train = self._training_set()
        self.n_labeled_ = y_train.shape[0]
        if self._is_classification():
            seen = np.unique(y_train)
            if seen.shape[0] < 2:
                raise ValueError(
                    f"Only one class ({seen.tolist()}) is labeled among "
                    f"{y_train.shape[0]} labeled samples; the estimator needs at "
                    "least two classes. Label samples of another class (teach) "
                    "or, for a simulation, raise n_initial or budget."
                )
            declared = getattr(self, "classes", None) is not None
            self.classes_ = self._declared_classes() if declared else seen
        self.estimator_ = clone(self.estimator).fit(X_train, y_train)
        self._column_map = None
        if self._is_classification():
            est_classes = getattr(self.estimator_, "classes_", None)
            if est_classes is not None and not np.array_equal(
                est_classes, self.classes_
            ):
                self._column_map = np.searchsorted(self.classes_, est_classes)

    def _model_ready(self):
        return self.n_labeled_ > 0

    def _buy(self, indices, labels):
        """Mark remembered-pool rows as labeled, in the order given."""
        self._labeled_mask[indices] = True
        self.labeled_indices_ = np.concatenate([self.labeled_indices_, indices])
        self._y_labeled = np.concatenate([self._y_labeled, labels])

    def _record(self, indices, scores):
        self.history_.append(
            {
                "round": len(self.history_),
                "n_labeled": int(self.n_labeled_),
                "indices": np.asarray(indices, dtype=np.intp),
                "scores": None if scores is None else np.asarray(scores),
            }
        )

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Fit on the labeled rows of ``X`` and remember the rest as the pool.

        With ``budget=None``, rows whose label is the unlabeled marker (``-1``
        for classification, NaN for regression) form the pool that
        :meth:`query` searches when called without ``X``; the other rows train
        a clone of ``estimator``.

        With ``budget=N``, ``y`` must be fully labeled (every value, ``-1``
        included, is then a class label): it is used as the oracle of a
        simulation that starts from ``n_initial`` rows and buys ``batch_size``
        labels per round, chosen by this strategy, until ``N`` labels are
        bought. ``estimator_`` is then trained on those ``N``
        labels, so ``score`` measures what the strategy achieves on a budget.

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
        X = as_rows(X)
        validate_data(self, X, reset=True, skip_check_array=True)
        n_samples = n_rows(X)
        if n_samples == 0:
            raise ValueError("X has 0 samples; fit needs at least one sample.")
        y = self._check_y(y, n_samples)

        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        self._rng = np.random.default_rng(seed)
        self._X_fit = X
        self._labeled_mask = np.zeros(n_samples, dtype=bool)
        self.labeled_indices_ = np.empty(0, dtype=np.intp)
        self._y_labeled = np.empty(0, dtype=y.dtype)
        self._X_extra = None
        self._y_extra = np.empty(0, dtype=y.dtype)
        self.n_labeled_ = 0
        self.history_ = []
        # Unfitted until labels arrive, so predict raises NotFittedError.
        self.estimator_ = clone(self.estimator)
        if self._is_classification() and getattr(self, "classes", None) is not None:
            self.classes_ = self._declared_classes()

        if self.budget is None:
            labeled = np.flatnonzero(~self._unlabeled_mask(y))
            if labeled.size:
                self._buy(labeled, self._check_labels(y[labeled]))
                self._refit()
            self._record(labeled, None)
        else:
            self._simulate(X, y)
        return self

    def _simulate(self, X, y):
        # y is the oracle: every value is a label, -1 included, so that data
        # with classes {-1, 1} can be simulated and grid-searched.
        n_samples = y.shape[0]
        if not self._is_classification() and np.isnan(y.astype(float)).any():
            raise ValueError(
                f"budget={self.budget} simulates labeling with y as the oracle, so "
                "y must be fully labeled; it contains NaN. Set budget=None to learn "
                "from partially labeled data."
            )
        if self.budget > n_samples:
            raise ValueError(
                f"budget={self.budget} exceeds the {n_samples} samples in X; lower "
                "budget or pass more samples."
            )
        if self.n_initial > self.budget:
            raise ValueError(
                f"budget={self.budget} is smaller than n_initial={self.n_initial}; "
                "raise budget or lower n_initial."
            )
        y = self._check_labels(y)
        first, _ = self._cold_start(X, np.arange(n_samples), self.n_initial)
        self._buy(first, y[first])
        if self._is_classification():
            # A real annotator facing a single class keeps labeling random
            # samples until a second class shows up; those labels count.
            while (
                np.unique(self._y_labeled).shape[0] < 2
                and self._y_labeled.shape[0] < self.budget
            ):
                pool = np.flatnonzero(~self._labeled_mask)
                extra = pool[self._rng.integers(pool.shape[0])]
                self._buy(np.array([extra]), y[[extra]])
        self._refit()
        self._record(self.labeled_indices_, None)
        while self.n_labeled_ < self.budget:
            k = min(self.batch_size, self.budget - self.n_labeled_)
            idx, scores = self.query(n_instances=k, return_scores=True)
            self._buy(idx, y[idx])
            self._refit()
            self._record(idx, scores)

    # ---------------------------------------------------------------- query
    def _cold_start(self, X, candidates, k):
        """Pick ``k`` candidates without a model (``initial`` strategy)."""
        if self.initial == "kmeans":
            pos = kmeans_representatives(
                take_rows(X, candidates), k, random_state=self._rng
            )
        else:
            pos = self._rng.choice(candidates.shape[0], size=k, replace=False)
        return candidates[pos], np.zeros(k)

    def _pool(self, X):
        """The rows to search and their positions, for ``X`` or the memory."""
        if X is None:
            return self._X_fit, np.flatnonzero(~self._labeled_mask), True
        X = self._check_X_new(X)
        return X, np.arange(n_rows(X)), False

    def query(self, X=None, n_instances=None, *, return_scores=False):
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

        Returns
        -------
        indices : ndarray of shape (n_instances,)
            Distinct positions into the pool, most informative first. Ties are
            broken at random, reproducibly with ``random_state``.
        scores : ndarray of shape (n_instances,)
            Only with ``return_scores=True``.
        """
        check_is_fitted(self)
        k = self.batch_size if n_instances is None else n_instances
        if not isinstance(k, Integral) or k < 1:
            raise ValueError(f"n_instances must be a positive integer, got {k!r}.")
        source, candidates, remembered = self._pool(X)
        n_pool = candidates.shape[0]
        if n_pool == 0:
            where = (
                "every sample given to fit is labeled; pass a pool: query(X_pool)"
                if remembered
                else "X has no rows"
            )
            raise ValueError(f"The pool is empty: {where}.")
        if k > n_pool:
            name = "batch_size" if n_instances is None else "n_instances"
            raise ValueError(
                f"{name}={k} is larger than the pool of {n_pool} unlabeled samples; "
                f"lower {name} or add samples to the pool."
            )
        if not self._model_ready():
            idx, scores = self._cold_start(source, candidates, k)
        else:
            pos, scores = chunked_top_k(
                lambda sl: self._score_rows(take_rows(source, candidates[sl])),
                n_pool,
                k,
                random_state=self._rng,
                chunk_size=chunk_rows(n_pool, self._row_bytes()),
            )
            idx = candidates[pos]
        return (idx, scores) if return_scores else idx

    def informativeness(self, X=None):
        """Every pool sample's informativeness (higher = more informative).

        For plots and custom selection rules; :meth:`query` picks the top of
        this ranking.

        Parameters
        ----------
        X : array-like of shape (n_pool, ...), default=None
            The pool; None scores the unlabeled rows remembered from ``fit``
            (in their order in that data).

        Returns
        -------
        scores : ndarray of shape (n_pool,)
        """
        check_is_fitted(self)
        if not self._model_ready():
            raise ValueError(
                "No labeled samples yet: teach some labels before scoring "
                "(query() picks a cold start without scores)."
            )
        source, candidates, _ = self._pool(X)
        size = chunk_rows(candidates.shape[0], self._row_bytes())
        parts = [
            self._score_rows(take_rows(source, candidates[i : i + size]))
            for i in range(0, candidates.shape[0], size)
        ]
        return np.concatenate(parts) if parts else np.empty(0)

    # ---------------------------------------------------------------- teach
    def teach(self, X=None, y=None, *, indices=None):
        """Add labels and refit.

        Either give new samples ``X`` with their labels (a pool you manage),
        or the ``indices`` returned by ``query()`` for the pool remembered
        from ``fit``; those rows are then never queried again.

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
        check_is_fitted(self)
        if y is None:
            raise ValueError("teach needs the labels y.")
        if (X is None) == (indices is None):
            raise ValueError(
                "Pass either X (new samples) or indices (rows of the pool given to "
                "fit, as returned by query()), not both and not neither."
            )
        if indices is not None:
            idx = np.asarray(indices)
            if idx.ndim != 1 or (idx.size and idx.dtype.kind not in "iu"):
                raise ValueError("indices must be a 1-d array of integer positions.")
            idx = idx.astype(np.intp)
            n_fit = self._labeled_mask.shape[0]
            if idx.size and (idx.min() < 0 or idx.max() >= n_fit):
                raise ValueError(
                    f"indices must be positions in [0, {n_fit}) of the data given "
                    "to fit."
                )
            if np.unique(idx).shape[0] != idx.shape[0]:
                raise ValueError("indices contain duplicates; label each row once.")
            already = idx[self._labeled_mask[idx]]
            if already.size:
                raise ValueError(
                    f"Rows {already.tolist()} are already labeled; query() never "
                    "returns them, so these indices are stale."
                )
            y = self._check_labels(self._check_y(y, idx.shape[0]))
            self._buy(idx, y)
        else:
            X = self._check_X_new(X)
            y = self._check_labels(self._check_y(y, n_rows(X)))
            idx = np.empty(0, dtype=np.intp)
            self._X_extra = stack_rows([self._X_extra, X])
            self._y_extra = np.concatenate([self._y_extra, y])
        self._refit()
        self._record(idx, None)
        return self

    # ----------------------------------------------------------- delegation
    def _check_X_predict(self, X):
        check_is_fitted(self)
        return self._check_X_new(X)

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

    def _align(self, values, fill):
        if self._column_map is None:
            return values
        out = np.full((values.shape[0], len(self.classes_)), fill, dtype=float)
        out[:, self._column_map] = values
        return out

    @available_if(_estimator_has("predict"))
    def predict(self, X):
        """Predict with the wrapped estimator.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        X = self._check_X_predict(X)
        return self.estimator_.predict(X)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities, one column per entry of ``classes_``.

        Classes declared in ``classes`` but not yet labeled get probability 0.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        X = self._check_X_predict(X)
        proba = self.estimator_.predict_proba(X)
        return self._align(proba, 0.0)

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X):
        """Log of :meth:`predict_proba`, aligned to ``classes_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        X = self._check_X_predict(X)
        log_proba = self.estimator_.predict_log_proba(X)
        return self._align(log_proba, -np.inf)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X):
        """The wrapped estimator's decision function.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)

        Returns
        -------
        scores : ndarray
        """
        X = self._check_X_predict(X)
        return self.estimator_.decision_function(X)

    @available_if(_estimator_has("score"))
    def score(self, X, y):
        """The wrapped estimator's score (accuracy for classifiers, R^2 for
        regressors) on ``(X, y)``.

        After a simulated fit with ``budget``, this is the score reached with
        that many labels chosen by the strategy.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
        y : array-like of shape (n_samples,)

        Returns
        -------
        score : float
        """
        X = self._check_X_predict(X)
        return self.estimator_.score(X, y)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.input_tags.sparse = inner.input_tags.sparse
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        tags.input_tags.pairwise = inner.input_tags.pairwise
        return tags
