"""Uncertainty sampling: query where the model is least sure of itself."""

import inspect
from numbers import Integral

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin, clone, is_classifier
from sklearn.pipeline import Pipeline
from sklearn.utils._param_validation import Interval, StrOptions

from skal._ensemble import _SEED_MAX, RegressorCommittee
from skal.base import BATCH_PARAMETER_CONSTRAINTS, BaseActiveLearner
from skal.scoring import UNCERTAINTY_MEASURES, committee_variance

__all__ = ["UncertaintySamplingClassifier", "UncertaintySamplingRegressor"]


class UncertaintySamplingClassifier(ClassifierMixin, BaseActiveLearner):
    """Active learning by uncertainty sampling around any probabilistic classifier.

    Wraps ``estimator`` (any scikit-learn classifier with ``predict_proba``, a
    Pipeline ending in one, or a network wrapped by scikeras / skorch) and
    queries the pool samples it is least certain about (Lewis & Gale 1994;
    Settles 2009, section 3.1).

    Parameters
    ----------
    estimator : estimator object
        Classifier implementing ``fit`` and ``predict_proba``. Cloned on fit.
    strategy : {"margin", "least_confidence", "ratio", "entropy"} or callable, \
            default="margin"
        Uncertainty measure from :mod:`skal.scoring`; a callable maps
        ``predict_proba`` output of shape (n, K) to n scores, higher = more
        informative.
    batch_size : int, default=1
        Samples per query (and per simulated round).
    batch_strategy : {"top_k", "ranked", "kcenter", "cluster"}, default="top_k"
        How a batch is formed from the scores: the ``batch_size`` most
        uncertain samples, or a batch that is also diverse in feature space
        (ranked batch mode, k-center core-set among the ``10 * batch_size``
        most uncertain, or the most uncertain of each k-means cluster of
        them); see :meth:`query`. Diversity needs numeric X.
    density_weight : float >= 0, default=0.0
        Information-density weighting: scores are multiplied by each sample's
        mean similarity to the pool to the power ``density_weight``, so that
        outliers are not queried for being uncertain (Settles & Craven 2008).
        0 turns it off.
    budget : int, default=None
        If set, ``fit`` simulates active learning with ``y`` as the oracle
        until ``budget`` labels are bought (see :meth:`fit`).
    n_initial : int, default=10
        Labels bought before the first query in a simulation.
    initial : {"random", "kmeans", "kcenter", "density"}, default="random"
        How the first samples are chosen without a model: at random, one
        representative per k-means cluster, a greedy k-center cover, or typical
        yet spread-out samples (see :class:`~skal.RepresentativeSampler`).
    classes : array-like, default=None
        All class labels, declared up front so ``predict_proba`` columns stay
        aligned while some classes are still unlabeled.
    n_jobs : int, default=None
        Pool chunks scored in parallel through joblib (threads by default);
        ``None`` means 1 unless in a :func:`joblib.parallel_config` context, so
        ``parallel_config(backend="dask")`` scores on a dask cluster. The batch
        is the same whatever the number of jobs.
    warm_start : bool, default=False
        Between rounds, continue training the fitted estimator on all labels
        instead of training a fresh clone: for skorch / scikeras networks and
        scikit-learn models with ``partial_fit`` and ``warm_start``
        (SGDClassifier, MLPClassifier, ...), alone or ending a Pipeline. A
        round that brings a new class trains a fresh clone.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial sample and tie-breaking between equal scores.

    Attributes
    ----------
    estimator_ : estimator object
        The clone trained on every label bought so far.
    classes_ : ndarray of shape (n_classes,)
        Class labels (``classes`` if declared).
    labeled_indices_ : ndarray of int
        Rows of the data given to ``fit`` that are labeled, in the order their
        labels were bought.
    n_labeled_ : int
        Number of labels training ``estimator_`` (including ``teach(X, y)``).
    history_ : list of dict
        One record per round: ``round``, ``n_labeled``, ``indices`` queried,
        their ``scores``.
    n_features_in_ : int
        Number of features seen during fit (for 2-d inputs).
    feature_names_in_ : ndarray of str
        Column names, when fit on a DataFrame with string column names.

    See Also
    --------
    RandomSampler : The random-sampling baseline with the same interface.

    References
    ----------
    .. [1] D. D. Lewis and W. A. Gale, "A sequential algorithm for training
       text classifiers", SIGIR 1994.
    .. [2] T. Scheffer, C. Decomain and S. Wrobel, "Active hidden Markov
       models for information extraction", IDA 2001 (margin).
    .. [3] B. Settles, "Active Learning Literature Survey", 2009.
    .. [4] B. Settles and M. Craven, "An analysis of active learning
       strategies for sequence labeling tasks", EMNLP 2008 (density weight).
    .. [5] T. N. C. Cardoso et al., "Ranked batch-mode active learning",
       Information Sciences 379, 2017; O. Sener and S. Savarese, "Active
       learning for convolutional neural networks: a core-set approach", ICLR
       2018; F. Zhdanov, "Diverse mini-batch active learning", 2019 (batch
       strategies).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skal import UncertaintySamplingClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> y_partial = np.full_like(y, -1)
    >>> y_partial[[0, 50, 100]] = y[[0, 50, 100]]
    >>> learner = UncertaintySamplingClassifier(
    ...     LogisticRegression(), strategy="margin", batch_size=5, random_state=0
    ... ).fit(X, y_partial)
    >>> idx = learner.query()
    >>> len(idx), bool(np.isin(idx, [0, 50, 100]).any())
    (5, False)
    >>> learner = learner.teach(y=y[idx], indices=idx)
    >>> learner.n_labeled_
    8
    """

    _parameter_constraints: dict = {
        **BaseActiveLearner._parameter_constraints,
        "strategy": [StrOptions(set(UNCERTAINTY_MEASURES)), callable],
        "classes": ["array-like", None],
        "n_jobs": [Integral, None],
        "warm_start": ["boolean"],
        **BATCH_PARAMETER_CONSTRAINTS,
    }

    def __init__(
        self,
        estimator,
        *,
        strategy="margin",
        batch_size=1,
        batch_strategy="top_k",
        density_weight=0.0,
        budget=None,
        n_initial=10,
        initial="random",
        classes=None,
        n_jobs=None,
        warm_start=False,
        random_state=None,
    ):
        self.estimator = estimator
        self.strategy = strategy
        self.batch_size = batch_size
        self.batch_strategy = batch_strategy
        self.density_weight = density_weight
        self.budget = budget
        self.n_initial = n_initial
        self.initial = initial
        self.classes = classes
        self.n_jobs = n_jobs
        self.warm_start = warm_start
        self.random_state = random_state

    def _check_estimator(self):
        if not hasattr(self.estimator, "predict_proba"):
            raise TypeError(
                f"{type(self).__name__}(strategy={self.strategy!r}) needs an "
                f"estimator with predict_proba; {self.estimator!r} has none. Use "
                "a probabilistic classifier, wrap it in "
                "sklearn.calibration.CalibratedClassifierCV(estimator, "
                "ensemble=False), or use "
                "RandomSampler, which needs no probabilities."
            )

    def _score_rows(self, X):
        measure = (
            self.strategy
            if callable(self.strategy)
            else UNCERTAINTY_MEASURES[self.strategy]
        )
        return measure(self.estimator_.predict_proba(X))


def _predicts_std(estimator):
    """Whether ``estimator.predict`` (a Pipeline's final step's) takes
    ``return_std``."""
    final = estimator[-1] if isinstance(estimator, Pipeline) else estimator
    try:
        return "return_std" in inspect.signature(final.predict).parameters
    except (AttributeError, TypeError, ValueError):
        return False


class UncertaintySamplingRegressor(RegressorMixin, BaseActiveLearner):
    """Active learning for regression by the model's predictive uncertainty.

    Queries the pool samples with the largest predictive standard deviation
    (MacKay 1992; for Gaussian processes, Seo et al. 2000). The standard
    deviation comes from the estimator itself when its ``predict`` takes
    ``return_std=True`` (:class:`~sklearn.gaussian_process.GaussianProcessRegressor`,
    :class:`~sklearn.linear_model.BayesianRidge`, ``ARDRegression``, or a
    Pipeline ending in one); for any other regressor it is the spread of a
    bagged ensemble of ``n_members`` clones, each fit on a bootstrap resample
    of the labeled set. Unlabeled rows are marked with NaN in ``y``.

    Parameters
    ----------
    estimator : estimator object
        Regressor implementing ``fit`` and ``predict``. Cloned on fit.
    uncertainty : {"auto", "return_std", "bootstrap"}, default="auto"
        Where the standard deviation comes from: ``"return_std"`` asks the
        estimator, ``"bootstrap"`` a bagged ensemble; ``"auto"`` uses
        ``return_std`` when the estimator's ``predict`` accepts it.
    n_members : int, default=5
        Size of the bagged ensemble (only with bootstrap uncertainty).
    batch_size : int, default=1
        Samples per query (and per simulated round).
    batch_strategy : {"top_k", "ranked", "kcenter", "cluster"}, default="top_k"
        How a batch is formed from the scores: the ``batch_size`` best, or a
        batch that is also diverse in feature space (see
        :meth:`~skal.BaseActiveLearner.query`). Diversity needs numeric X.
    density_weight : float >= 0, default=0.0
        Information-density weighting of the scores (Settles & Craven 2008);
        0 turns it off.
    budget : int, default=None
        If set, ``fit`` simulates active learning with ``y`` as the oracle
        until ``budget`` labels are bought (see :meth:`fit`).
    n_initial : int, default=10
        Labels bought before the first query in a simulation.
    initial : {"random", "kmeans", "kcenter", "density"}, default="random"
        How the first samples are chosen without a model: at random, one
        representative per k-means cluster, a greedy k-center cover, or typical
        yet spread-out samples (see :class:`~skal.RepresentativeSampler`).
    n_jobs : int, default=None
        Ensemble members fitted (and predicting) in parallel through joblib.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial sample, the bootstrap resamples and members'
        ``random_state``, and tie-breaking between equal scores.

    Attributes
    ----------
    estimator_ : estimator object
        The clone trained on every label bought so far; it makes the
        predictions.
    estimators_ : list of estimator objects
        The bagged members that estimate the uncertainty; only with bootstrap
        uncertainty.
    labeled_indices_ : ndarray of int
        Labeled rows of the data given to ``fit``, in buying order.
    n_labeled_ : int
        Number of labels training ``estimator_``.
    history_ : list of dict
        One record per round: ``round``, ``n_labeled``, ``indices``, ``scores``.
    n_features_in_ : int
        Number of features seen during fit (for 2-d inputs).
    feature_names_in_ : ndarray of str
        Column names, when fit on a DataFrame with string column names.

    See Also
    --------
    CommitteeRegressor : Disagreement of a committee whose mean predicts.
    UncertaintySamplingClassifier : Uncertainty sampling for classification.

    References
    ----------
    .. [1] D. J. C. MacKay, "Information-based objective functions for active
       data selection", Neural Computation 4(4), 1992.
    .. [2] S. Seo, M. Wallat, T. Graepel and K. Obermayer, "Gaussian process
       regression: active data selection and test point rejection", IJCNN
       2000.
    .. [3] B. Settles, "Active Learning Literature Survey", 2009, section 3.1.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.gaussian_process import GaussianProcessRegressor
    >>> from skal import UncertaintySamplingRegressor
    >>> X = np.linspace(0, 10, 101).reshape(-1, 1)
    >>> y = np.sin(X).ravel()
    >>> y_partial = np.full_like(y, np.nan)
    >>> y_partial[[10, 20, 30, 40, 50]] = y[[10, 20, 30, 40, 50]]
    >>> learner = UncertaintySamplingRegressor(
    ...     GaussianProcessRegressor(), random_state=0
    ... ).fit(X, y_partial)
    >>> int(learner.query()[0])  # farthest from every labeled point
    100
    >>> learner = learner.teach(y=y[[100]], indices=[100])
    >>> mean, std = learner.predict(X[[100]], return_std=True)
    >>> bool(std[0] < 1e-3)
    True
    """

    _parameter_constraints: dict = {
        **BaseActiveLearner._parameter_constraints,
        "uncertainty": [StrOptions({"auto", "return_std", "bootstrap"})],
        "n_members": [Interval(Integral, 2, None, closed="left")],
        "n_jobs": [Integral, None],
        **BATCH_PARAMETER_CONSTRAINTS,
    }

    def __init__(
        self,
        estimator,
        *,
        uncertainty="auto",
        n_members=5,
        batch_size=1,
        budget=None,
        n_initial=10,
        initial="random",
        n_jobs=None,
        batch_strategy="top_k",
        density_weight=0.0,
        random_state=None,
    ):
        self.estimator = estimator
        self.uncertainty = uncertainty
        self.n_members = n_members
        self.batch_size = batch_size
        self.budget = budget
        self.n_initial = n_initial
        self.initial = initial
        self.n_jobs = n_jobs
        self.batch_strategy = batch_strategy
        self.density_weight = density_weight
        self.random_state = random_state

    def _std_from_estimator(self):
        if self.uncertainty == "auto":
            return _predicts_std(self.estimator)
        return self.uncertainty == "return_std"

    def _check_estimator(self):
        if is_classifier(self.estimator):
            raise TypeError(
                f"UncertaintySamplingRegressor is for regression; "
                f"{self.estimator!r} is a classifier. Use "
                "UncertaintySamplingClassifier for classification."
            )
        if self.uncertainty == "return_std" and not _predicts_std(self.estimator):
            raise TypeError(
                f"uncertainty='return_std' needs an estimator whose predict takes "
                f"return_std (GaussianProcessRegressor, BayesianRidge); "
                f"{self.estimator!r} does not. Use uncertainty='bootstrap' (or "
                "'auto') to estimate it from a bagged ensemble."
            )

    def _fit_estimator(self, X, y):
        self._ensemble = None
        self.__dict__.pop("estimators_", None)
        if not self._std_from_estimator():
            self._ensemble = RegressorCommittee(
                self.estimator,
                n_members=self.n_members,
                n_jobs=self.n_jobs,
                random_state=int(self._rng.integers(_SEED_MAX)),
            ).fit(X, y)
            self.estimators_ = self._ensemble.estimators_
        return clone(self.estimator).fit(X, y)

    def _row_bytes(self):
        members = 1 if self._ensemble is None else len(self._ensemble.estimators_)
        return super()._row_bytes() * members

    def _std(self, X):
        if self._ensemble is None:
            _, std = self.estimator_.predict(X, return_std=True)
            return np.asarray(std, dtype=float).ravel()
        return np.sqrt(committee_variance(self._ensemble.member_predictions(X)))

    def _score_rows(self, X):
        return self._std(X)

    def predict(self, X, return_std=False):
        """Predict with ``estimator_``, and optionally the uncertainty.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
        return_std : bool, default=False
            Also return the predictive standard deviation that ranks the
            pool: the estimator's own, or the bagged ensemble's spread.

        Returns
        -------
        y : ndarray of shape (n_samples,)
        std : ndarray of shape (n_samples,)
            Only with ``return_std=True``.
        """
        X = self._check_X_predict(X)
        if not return_std:
            return self.estimator_.predict(X)
        if self._ensemble is None:
            mean, std = self.estimator_.predict(X, return_std=True)
            return mean, np.asarray(std, dtype=float).ravel()
        return self.estimator_.predict(X), self._std(X)
