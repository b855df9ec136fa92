"""Self-training on top of active learning: free labels for confident samples.

:class:`SelfTrainingLearner` wraps any active classifier. Each time the
learner retrains, the pool samples its model is most confident about receive
pseudo-labels (the model's own prediction) and the model is retrained on the
bought labels plus those (Wang et al. 2016, "cost-effective active
learning"). Pseudo-labels are recomputed at every retraining, so a mistake
does not stick, and are recorded apart from the oracle's labels: they never
count as bought.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    _fit_context,
    clone,
    is_classifier,
)
from sklearn.utils import gen_batches, get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from skal._data import stack_rows, take_rows
from skal._scale import scoring_chunk_rows
from skal.base import BaseActiveLearner
from skal.selection import top_k

__all__ = ["SelfTrainingLearner"]


class _PseudoLabeler:
    """Called by ``BaseActiveLearner._refit``: adds confident pseudo-labels.

    Lives on the wrapped learner (not on the wrapper) so that it pickles with
    it and the learner's own simulated ``fit`` self-trains at every round.
    """

    def __init__(self, threshold, criterion, k_best, max_iter):
        self.threshold = threshold
        self.criterion = criterion
        self.k_best = k_best
        self.max_iter = max_iter

    def _confident(self, learner, estimator, pool):
        """Positions into ``pool`` to pseudo-label, and their labels."""
        X = learner._X_fit
        size = scoring_chunk_rows(pool.shape[0], learner._row_bytes())
        conf = np.empty(pool.shape[0])
        pred = np.empty(pool.shape[0], dtype=np.intp)
        for sl in gen_batches(pool.shape[0], max(size, 1)):
            proba = estimator.predict_proba(take_rows(X, pool[sl]))
            conf[sl] = proba.max(axis=1)
            pred[sl] = proba.argmax(axis=1)
        if self.criterion == "threshold":
            chosen = np.flatnonzero(conf > self.threshold)
        else:
            chosen = top_k(conf, min(self.k_best, conf.shape[0]), random_state=0)
        return chosen, estimator.classes_[pred[chosen]]

    def refit(self, learner, X_train, y_train):
        estimator = learner.estimator_
        pool = np.flatnonzero(~learner._labeled_mask)
        indices = np.empty(0, dtype=np.intp)
        labels = y_train[:0]
        n_iter, n_fits = 0, 1
        while pool.shape[0] and (self.max_iter is None or n_iter < self.max_iter):
            n_iter += 1
            chosen, new_labels = self._confident(learner, estimator, pool)
            if chosen.shape[0] == 0:
                break
            n_fits += 1
            indices = np.concatenate([indices, pool[chosen]])
            labels = np.concatenate([labels, new_labels.astype(y_train.dtype)])
            pool = np.delete(pool, chosen)
            X_all = stack_rows([X_train, take_rows(learner._X_fit, indices)])
            estimator = learner._fit_estimator(X_all, np.concatenate([y_train, labels]))
        learner.pseudo_indices_ = indices
        learner.pseudo_labels_ = labels
        learner.pseudo_n_fits_ = n_fits
        if not hasattr(learner, "pseudo_history_") or not learner.history_:
            # A new fit (history_ is reset there): start a new record.
            learner.pseudo_history_ = []
        learner.pseudo_history_.append(
            {
                "n_labeled": int(learner.n_labeled_),
                "n_pseudo": int(indices.shape[0]),
                "indices": indices,
                "labels": labels,
            }
        )
        return estimator


def _learner_has(attr):
    def check(self):
        if hasattr(self, "learner_"):
            return hasattr(self.learner_, attr)
        return hasattr(self.learner, attr)

    return check


class SelfTrainingLearner(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """Add confident pseudo-labels to an active classifier's training set.

    Wraps any skal classifier learner (uncertainty, committee, expected
    change, representative, random). Whenever the learner retrains, after
    ``fit``, ``teach`` and every round of a simulated ``budget`` fit, the
    unlabeled samples of the pool it remembers from ``fit`` that its model is
    confident about get the predicted label as a pseudo-label, and the model
    is retrained on bought labels plus pseudo-labels. Queries still go to
    uncertain samples, so the oracle labels the hard cases and self-training
    the easy ones (Wang et al. 2016).

    Pseudo-labels are recomputed from the model trained on bought labels at
    every retraining (they do not accumulate), they stay in the pool (an
    oracle label replaces a pseudo-label if the sample is queried), and they
    are recorded apart: ``n_labeled_``, ``labeled_indices_`` and ``history_``
    count bought labels only; ``pseudo_indices_``, ``pseudo_labels_`` and
    ``pseudo_history_`` hold the pseudo-labels. Samples passed to
    ``teach(X, y)`` or ``query(X)`` from outside the remembered pool are not
    pseudo-labeled.

    Parameters
    ----------
    learner : BaseActiveLearner
        An active classifier whose estimator has ``predict_proba``. Cloned on
        fit; its ``budget`` drives simulations.
    threshold : float in [0, 1), default=0.75
        With ``criterion="threshold"``, pool samples whose highest predicted
        probability exceeds ``threshold`` are pseudo-labeled.
    criterion : {"threshold", "k_best"}, default="threshold"
        Pseudo-label every sample above ``threshold``, or the ``k_best`` most
        confident ones (as in :class:`sklearn.semi_supervised.SelfTrainingClassifier`).
    k_best : int, default=10
        Samples pseudo-labeled per iteration with ``criterion="k_best"``.
    max_iter : int or None, default=1
        Self-training iterations per retraining (each adds pseudo-labels from
        the model trained on the previous ones); None iterates until no sample
        is added. One is the usual choice inside an active-learning loop,
        which retrains every round anyway.

    Attributes
    ----------
    learner_ : BaseActiveLearner
        The fitted clone of ``learner`` (with the pseudo-labeling hook).
    estimator_ : estimator object
        The model trained on bought labels and pseudo-labels.
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    labeled_indices_ : ndarray of int
        Rows of the data given to ``fit`` labeled by the oracle, in buying
        order.
    n_labeled_ : int
        Number of bought labels (pseudo-labels excluded).
    history_ : list of dict
        The learner's rounds (bought labels only).
    pseudo_indices_ : ndarray of int
        Rows of the data given to ``fit`` pseudo-labeled at the last
        retraining.
    pseudo_labels_ : ndarray
        Their pseudo-labels.
    pseudo_history_ : list of dict
        One record per retraining: ``n_labeled`` (bought), ``n_pseudo``,
        ``indices`` and ``labels`` of the pseudo-labels.
    n_iter_ : int
        Times the estimator was fitted at the last retraining: once on the
        bought labels, plus once per self-training iteration that added
        pseudo-labels (0 before any label).
    n_features_in_ : int
        Number of features seen during fit.

    See Also
    --------
    sklearn.semi_supervised.SelfTrainingClassifier : Self-training without
        queries.

    References
    ----------
    .. [1] K. Wang, D. Zhang, Y. Li, R. Zhang and L. Lin, "Cost-Effective
       Active Learning for Deep Image Classification", IEEE TCSVT 27(12),
       2016.
    .. [2] D. Yarowsky, "Unsupervised word sense disambiguation rivaling
       supervised methods", ACL 1995.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skal import SelfTrainingLearner, UncertaintySamplingClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> learner = SelfTrainingLearner(
    ...     UncertaintySamplingClassifier(LogisticRegression(), batch_size=5,
    ...                                   budget=20, random_state=0),
    ...     threshold=0.9,
    ... ).fit(X, y)
    >>> learner.n_labeled_, bool(len(learner.pseudo_indices_) > 0)
    (20, True)
    >>> bool(np.isin(learner.pseudo_indices_, learner.labeled_indices_).any())
    False
    """

    _parameter_constraints: dict = {
        "learner": [HasMethods(["fit", "query", "teach"])],
        "threshold": [Interval(Real, 0.0, 1.0, closed="left")],
        "criterion": [StrOptions({"threshold", "k_best"})],
        "k_best": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(
        self, learner, *, threshold=0.75, criterion="threshold", k_best=10, max_iter=1
    ):
        self.learner = learner
        self.threshold = threshold
        self.criterion = criterion
        self.k_best = k_best
        self.max_iter = max_iter

    def _check_learner(self):
        learner = self.learner
        if not isinstance(learner, BaseActiveLearner) or not is_classifier(learner):
            raise TypeError(
                "SelfTrainingLearner wraps a skal active classifier (e.g. "
                f"UncertaintySamplingClassifier(...)), got {learner!r}. "
                "Pseudo-labels need class probabilities, so regressors are not "
                "supported."
            )
        if not _learner_has("predict_proba")(self):
            raise TypeError(
                "SelfTrainingLearner pseudo-labels by predicted probability; the "
                f"estimator of {learner!r} has no predict_proba. Use a "
                "probabilistic classifier or wrap it in "
                "sklearn.calibration.CalibratedClassifierCV."
            )

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Fit the learner with pseudo-labeling at every retraining.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, ...)
            All samples, labeled and unlabeled.
        y : array-like of shape (n_samples,)
            Labels, -1 for unlabeled rows; with the learner's ``budget`` set,
            the oracle of a simulation (see :meth:`BaseActiveLearner.fit`).

        Returns
        -------
        self : object
            The fitted wrapper.
        """
        self._check_learner()
        learner = clone(self.learner)
        learner._pseudo_labeler = _PseudoLabeler(
            self.threshold, self.criterion, self.k_best, self.max_iter
        )
        if hasattr(learner, "pseudo_history_"):
            del learner.pseudo_history_
        self.learner_ = learner.fit(X, y)
        self._sync()
        return self

    def _sync(self):
        """Mirror the learner's fitted attributes that sklearn looks for."""
        for name in ("n_features_in_", "feature_names_in_", "classes_"):
            if hasattr(self.learner_, name):
                setattr(self, name, getattr(self.learner_, name))

    def query(self, X=None, n_instances=None, *, return_scores=False):
        """The learner's query (see :meth:`BaseActiveLearner.query`).

        Parameters
        ----------
        X : array-like of shape (n_pool, ...), default=None
            The pool; None searches the unlabeled rows remembered from fit
            (pseudo-labeled ones included).
        n_instances : int, default=None
            How many samples; the learner's ``batch_size`` if None.
        return_scores : bool, default=False
            Also return the informativeness of each chosen sample.

        Returns
        -------
        indices : ndarray of shape (n_instances,)
        scores : ndarray of shape (n_instances,)
            Only with ``return_scores=True``.
        """
        check_is_fitted(self)
        return self.learner_.query(X, n_instances, return_scores=return_scores)

    def informativeness(self, X=None):
        """The learner's informativeness (see
        :meth:`BaseActiveLearner.informativeness`).

        Parameters
        ----------
        X : array-like of shape (n_pool, ...), default=None
            The pool; None scores the unlabeled rows remembered from fit.

        Returns
        -------
        scores : ndarray of shape (n_pool,)
        """
        check_is_fitted(self)
        return self.learner_.informativeness(X)

    def teach(self, X=None, y=None, *, indices=None):
        """Add oracle labels, refit and pseudo-label again.

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
        """
        check_is_fitted(self)
        self.learner_.teach(X, y, indices=indices)
        self._sync()
        return self

    # Fitted state lives on the learner; these read it through.
    @property
    def estimator_(self):
        return self._fitted("estimator_")

    @property
    def labeled_indices_(self):
        return self._fitted("labeled_indices_")

    @property
    def n_labeled_(self):
        return self._fitted("n_labeled_")

    @property
    def history_(self):
        return self._fitted("history_")

    @property
    def pseudo_indices_(self):
        return self._fitted("pseudo_indices_", np.empty(0, dtype=np.intp))

    @property
    def pseudo_labels_(self):
        return self._fitted("pseudo_labels_", np.empty(0))

    @property
    def n_iter_(self):
        return self._fitted("pseudo_n_fits_", 0)

    @property
    def pseudo_history_(self):
        return self._fitted("pseudo_history_", [])

    def _fitted(self, name, default=None):
        if not hasattr(self, "learner_"):
            raise AttributeError(f"{name} is set by fit.")
        if default is not None:
            value = getattr(self.learner_, name, default)
            return default if value is None else value
        return getattr(self.learner_, name)

    @available_if(_learner_has("predict"))
    def predict(self, X):
        """Predict with the self-trained model.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        return self.learner_.predict(X)

    @available_if(_learner_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities of the self-trained model.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        return self.learner_.predict_proba(X)

    @available_if(_learner_has("predict_log_proba"))
    def predict_log_proba(self, X):
        """Log class probabilities of the self-trained model.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        return self.learner_.predict_log_proba(X)

    @available_if(_learner_has("decision_function"))
    def decision_function(self, X):
        """Decision function of the self-trained model.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)

        Returns
        -------
        scores : ndarray
        """
        check_is_fitted(self)
        return self.learner_.decision_function(X)

    def score(self, X, y):
        """Accuracy of the self-trained model on ``(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
        y : array-like of shape (n_samples,)

        Returns
        -------
        score : float
        """
        check_is_fitted(self)
        return self.learner_.score(X, y)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.learner).input_tags
        tags.input_tags.sparse = inner.sparse
        tags.input_tags.allow_nan = inner.allow_nan
        return tags
