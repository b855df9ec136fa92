"""The active-learning meta-estimator machinery shared by every strategy.

:class:`BaseActiveLearner` owns the pool bookkeeping (which rows of the data
given to ``fit`` are labeled, in which order they were bought), the
``fit`` / ``query`` / ``teach`` cycle, the simulated fit under a label
``budget`` and the delegation of ``predict``-like methods to the wrapped
estimator. A strategy subclass only says how to score rows
(``_score_rows``) and what its estimator must offer (``_check_estimator``).
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    MetaEstimatorMixin,
    _fit_context,
    clone,
    is_classifier,
)
from sklearn.utils import check_random_state, gen_batches, get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from skal._data import as_rows, n_rows, stack_rows, take_rows
from skal._scale import (
    PoolPositions,
    candidate_rows,
    check_dask_pool,
    distributed_scores,
    distributed_top_k,
    is_dask_array,
    is_distributed,
    scoring_chunk_rows,
)
from skal._warmstart import check_can_resume, resume_fit
from skal.selection import (
    check_features,
    chunked_top_k,
    cluster_diverse,
    density_weighted,
    information_density,
    kcenter_greedy,
    ranked_batch,
    representatives,
)

__all__ = [
    "BaseActiveLearner",
    "UNLABELED",
    "BATCH_STRATEGIES",
    "BATCH_PARAMETER_CONSTRAINTS",
    "INITIAL_STRATEGIES",
]

#: Marker of an unlabeled row in ``y`` for classification (scikit-learn's
#: semi-supervised convention). Regression marks unlabeled rows with NaN.
UNLABELED = -1

#: How ``query`` turns scores into a batch (the ``batch_strategy`` parameter):
#: the ``k`` best ("top_k"), or a batch that is also diverse in feature space.
BATCH_STRATEGIES = ("top_k", "ranked", "kcenter", "cluster")

#: Constraints of the batch-diversity parameters. A learner offers them by
#: adding ``batch_strategy="top_k"`` and ``density_weight=0.0`` to its
#: ``__init__`` and ``**BATCH_PARAMETER_CONSTRAINTS`` to its constraints;
#: :meth:`BaseActiveLearner.query` reads them (and treats a learner without
#: them as plain top-k).
BATCH_PARAMETER_CONSTRAINTS = {
    "batch_strategy": [StrOptions(set(BATCH_STRATEGIES))],
    "density_weight": [Interval(Real, 0, None, closed="left")],
}

#: Label-free cold starts (the ``initial`` parameter).
INITIAL_STRATEGIES = ("random", "kmeans", "kcenter", "density")

# kcenter and cluster diversity choose among the 10 * batch_size best-scored
# samples: Zhdanov's (2019) pre-filter, which keeps the batch informative and
# the distance work independent of the pool size.
_CANDIDATES_PER_PICK = 10
# Rows the information density of a sample is averaged over.
_DENSITY_REFERENCE = 1000


def _templates(estimator):
    """The estimators a learner wraps: one, or a committee's list of them."""
    return list(estimator) if isinstance(estimator, (list, tuple)) else [estimator]


def _score_all(score_fn, n_pool, chunk_size):
    """Every candidate's score, computed chunk by chunk."""
    parts = [score_fn(sl) for sl in gen_batches(n_pool, chunk_size)]
    return np.concatenate(parts) if parts else np.empty(0)


def _estimator_has(attr):
    """Check the fitted estimator if there is one, else the unfitted one(s)."""

    def check(self):
        if hasattr(self, "estimator_"):
            return hasattr(self.estimator_, attr)
        return all(hasattr(est, attr) for est in _templates(self.estimator))

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
        "initial": [StrOptions(set(INITIAL_STRATEGIES))],
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
        """Retrain a fresh clone on every label bought so far.

        With ``warm_start=True`` (a parameter of some learners), continue
        training the current ``estimator_`` instead, unless this fit has
        trained nothing yet or the labeled classes changed (the network's
        output and label encoding were built for the old ones).
        """
        X_train, y_train = self._training_set()
        self.n_labeled_ = y_train.shape[0]
        seen = ()
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
        trained = self._trained_on
        if (
            getattr(self, "warm_start", False)
            and trained is not None
            and np.array_equal(trained, seen)
        ):
            self.estimator_ = resume_fit(self.estimator_, X_train, y_train)
        else:
            self.estimator_ = self._fit_estimator(X_train, y_train)
        pseudo = getattr(self, "_pseudo_labeler", None)
        if pseudo is not None:
            # Self-training (skal.self_training.SelfTrainingLearner): retrain on
            # the bought labels plus confident pseudo-labels of the pool, which
            # are recorded apart and never counted in n_labeled_.
            self.estimator_ = pseudo.refit(self, X_train, y_train)
        self._trained_on = seen
        self._column_map = None
        if self._is_classification():
            est_classes = getattr(self.estimator_, "classes_", None)
            if est_classes is not None and not np.array_equal(
                est_classes, self.classes_
            ):
                self._column_map = np.searchsorted(self.classes_, est_classes)

    def _fit_estimator(self, X, y):
        """The fitted model behind predict; committees fit their members here."""
        return clone(self.estimator).fit(X, y)

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
        if getattr(self, "warm_start", False):
            for template in _templates(self.estimator):
                check_can_resume(template, type(self).__name__)
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
        # Classes estimator_ was last trained on; None: nothing yet in this fit.
        self._trained_on = None
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
        if self.initial == "random":
            pos = self._rng.choice(candidates.shape[0], size=k, replace=False)
        else:
            feats = self._diversity_features(
                take_rows(X, candidates), f"initial={self.initial!r}"
            )
            pos = representatives(feats, k, method=self.initial, random_state=self._rng)
        return candidates[pos], np.zeros(k)

    def _pool(self, X):
        """The rows to search and their positions, for ``X`` or the memory."""
        if X is None:
            return self._X_fit, np.flatnonzero(~self._labeled_mask), True
        X = self._check_X_new(X)
        if is_dask_array(X):
            X = check_dask_pool(X)
        return X, PoolPositions(n_rows(X)), False

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
            Distinct positions into the pool, most informative first (with a
            diversity ``batch_strategy``: in the order they were picked). Ties
            are broken at random, reproducibly with ``random_state``.
        scores : ndarray of shape (n_instances,)
            Only with ``return_scores=True``.

        Notes
        -----
        Learners with a ``batch_strategy`` parameter choose the batch with:

        - ``"top_k"``: the ``n_instances`` best scores, streaming the pool in
          chunks (memory independent of the pool size);
        - ``"ranked"``: ranked batch mode over the whole pool (Cardoso et al.
          2017, :func:`skal.selection.ranked_batch`);
        - ``"kcenter"``: greedy k-center among the ``10 * n_instances`` best
          scored samples, the labeled samples being the initial centers (Sener
          & Savarese 2018, :func:`skal.selection.kcenter_greedy`);
        - ``"cluster"``: k-means over the ``10 * n_instances`` best scored
          samples, the best of each cluster (Zhdanov 2019,
          :func:`skal.selection.cluster_diverse`).

        ``density_weight=beta > 0`` multiplies every score by the sample's
        information density to the power ``beta`` (Settles & Craven 2008) before
        any of these. Diversity and density are measured on the raw numeric
        features of the pool (also for a Pipeline); non-numeric X raises a
        ``ValueError`` that names the option.
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
            idx, scores = self._select(source, candidates, k, remembered)
        return (idx, scores) if return_scores else idx

    # -------------------------------------------------------- batch diversity
    def _select(self, source, candidates, k, remembered):
        """Choose ``k`` of ``candidates`` (rows of ``source``) with the model.

        "top_k" streams the pool chunk by chunk and keeps the running best
        ``k``; the diversity strategies need features (see
        :meth:`_diversity_features`) and, for "kcenter" and "cluster", only
        those of the ``10 * k`` best-scored samples.
        """
        strategy = getattr(self, "batch_strategy", "top_k")
        n_pool = candidates.shape[0]
        score_fn = self._score_fn(source, candidates, remembered)
        chunk_size = scoring_chunk_rows(n_pool, self._row_bytes())
        if strategy == "top_k":
            if not getattr(self, "density_weight", 0.0) and is_distributed(
                self, source
            ):
                pos, scores = distributed_top_k(self, source, candidates, k, self._rng)
                return candidates[pos], scores
            pos, scores = chunked_top_k(
                score_fn,
                n_pool,
                k,
                random_state=self._rng,
                chunk_size=chunk_size,
            )
            return candidates[pos], scores
        what = f"batch_strategy={strategy!r}"
        if strategy == "ranked":
            scores = _score_all(score_fn, n_pool, chunk_size)
            feats = self._diversity_features(take_rows(source, candidates), what)
            pos = ranked_batch(
                scores,
                feats,
                k,
                X_labeled=self._labeled_features(what),
                random_state=self._rng,
            )
            return candidates[pos], scores[pos]
        m = min(n_pool, _CANDIDATES_PER_PICK * k)
        top, top_scores = chunked_top_k(
            score_fn, n_pool, m, random_state=self._rng, chunk_size=chunk_size
        )
        feats = self._diversity_features(take_rows(source, candidates[top]), what)
        if strategy == "kcenter":
            pos = kcenter_greedy(
                feats,
                k,
                X_labeled=self._labeled_features(what),
                scores=top_scores,
                random_state=self._rng,
            )
        else:
            pos = cluster_diverse(
                top_scores, feats, k, n_candidates=m, random_state=self._rng
            )
        return candidates[top[pos]], top_scores[pos]

    def _score_fn(self, source, candidates, remembered):
        """``slice -> scores`` of candidate rows, density-weighted if asked."""
        beta = getattr(self, "density_weight", 0.0)

        def score(sl):
            return self._score_rows(candidate_rows(source, candidates, sl))

        if not beta:
            return score
        what = f"density_weight={beta}"
        if remembered:
            density = self._remembered_density(what)[candidates]

            def weighted(sl):
                return density_weighted(score(sl), density[sl], beta)

            return weighted
        reference = self._density_reference(source, candidates, what)

        def weighted_new(sl):
            feats = self._diversity_features(take_rows(source, candidates[sl]), what)
            density = information_density(feats, reference=reference)
            return density_weighted(score(sl), density, beta)

        return weighted_new

    def _density_reference(self, source, candidates, what):
        # Evenly spaced rather than random rows: deterministic without drawing
        # from the tie-breaking generator, so informativeness() and query()
        # agree and the queries do not depend on whether it was called.
        n = candidates.shape[0]
        rows = np.unique(np.linspace(0, n - 1, min(n, _DENSITY_REFERENCE)).round())
        return self._diversity_features(
            take_rows(source, candidates[rows.astype(np.intp)]), what
        )

    def _remembered_density(self, what):
        """Density of every row given to fit, computed once per fit."""
        cache = getattr(self, "_density_cache", None)
        if cache is None or cache[0] is not self._X_fit:
            everything = np.arange(n_rows(self._X_fit))
            reference = self._density_reference(self._X_fit, everything, what)
            density = information_density(
                self._diversity_features(self._X_fit, what), reference=reference
            )
            self._density_cache = (self._X_fit, density)
        return self._density_cache[1]

    def _diversity_features(self, X, what):
        """Numeric features in which diversity and density are measured.

        The raw ``X`` as given to the learner, also when ``estimator`` is a
        Pipeline: the same space before and after the first labels (the cold
        start has no fitted transform), and no transform to run over the
        pool. Scale X beforehand if its columns have very different units.
        """
        return check_features(X, what=what)

    def _labeled_features(self, what):
        """Features of every labeled sample (or None): the existing centers."""
        if not getattr(self, "n_labeled_", 0):
            return None
        X_train, _ = self._training_set()
        return self._diversity_features(X_train, what)

    def informativeness(self, X=None):
        """Every pool sample's informativeness (higher = more informative).

        For plots and custom selection rules; :meth:`query` picks the top of
        this ranking (with ``batch_strategy="top_k"``). Includes the density
        weighting of ``density_weight``.

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
        source, candidates, remembered = self._pool(X)
        if not getattr(self, "density_weight", 0.0) and is_distributed(self, source):
            return distributed_scores(self, source, candidates)
        score_fn = self._score_fn(source, candidates, remembered)
        n_pool = candidates.shape[0]
        return _score_all(
            score_fn, n_pool, scoring_chunk_rows(n_pool, self._row_bytes())
        )

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
        inner = [get_tags(est).input_tags for est in _templates(self.estimator)]
        tags.input_tags.sparse = all(t.sparse for t in inner)
        tags.input_tags.allow_nan = all(t.allow_nan for t in inner)
        tags.input_tags.pairwise = any(t.pairwise for t in inner)
        return tags
