"""Uncertainty sampling: query where the model is least sure of itself."""

import inspect

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin, is_classifier
from sklearn.utils._param_validation import StrOptions

from skal._docs import fill_doc
from skal._mixins import DeclaredClassesMixin, DiverseBatchMixin, WarmStartMixin
from skal._pipeline import final_step
from skal.base import BaseActiveLearner
from skal.scoring import Measure, get_measure, measures_for
from skal.self_training import SelfTrainingMixin

__all__ = ["UncertaintySamplingClassifier", "UncertaintySamplingRegressor"]


@fill_doc
class UncertaintySamplingClassifier(
    DiverseBatchMixin,
    SelfTrainingMixin,
    DeclaredClassesMixin,
    WarmStartMixin,
    ClassifierMixin,
    BaseActiveLearner,
):
    """Active learning by uncertainty sampling around any probabilistic classifier.

    Wraps ``estimator`` (any scikit-learn classifier with ``predict_proba``, a
    Pipeline ending in one, or a network wrapped by scikeras / skorch) and
    queries the pool samples it is least certain about (Lewis & Gale 1994;
    Settles 2009, section 3.1).

    Parameters
    ----------
    estimator : estimator object
        Classifier implementing ``fit`` and ``predict_proba``. Cloned on fit.
    measure : {"margin", "least_confidence", "ratio", "entropy"}, Measure or \
            callable, default="margin"
        Uncertainty measure from :data:`skal.scoring.MEASURES`; a callable
        maps ``predict_proba`` output of shape (n, K) to n scores, higher =
        more informative. Margin (the default) and ratio look at the two
        likeliest classes. ``"entropy"`` spreads over every class and can
        lose to random sampling with many classes (digits: -3.4 points of
        AULC; four-class synthetic data: -2.8 points of final accuracy,
        docs/label-efficiency.md); with two classes all four rank the pool
        alike.
    %(batch_size)s
    %(diversity)s
    %(simulation)s
    %(classes)s
    %(self_training)s
    %(warm_start)s
    %(common_tail)s

    Attributes
    ----------
    %(estimator_)s
    %(classes_)s
    %(common_attributes)s

    See Also
    --------
    RandomSampler : The random-sampling baseline with the same interface.
    AdaptiveSampler : The recommended learner, which combines cold start,
        exploration, diverse batches and self-training.

    References
    ----------
    .. [1] D. D. Lewis and W. A. Gale, "A sequential algorithm for training
       text classifiers", SIGIR 1994.
    .. [2] T. Scheffer, C. Decomain and S. Wrobel, "Active hidden Markov
       models for information extraction", IDA 2001 (margin).
    .. [3] Burr Settles, "Active Learning Literature Survey", 2009.

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
    ...     LogisticRegression(), measure="margin", batch_size=5, random_state=0
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
        "measure": [StrOptions(set(measures_for("proba"))), Measure, callable],
        **DiverseBatchMixin._diversity_constraints,
        **DeclaredClassesMixin._classes_constraints,
        **SelfTrainingMixin._self_training_constraints,
        **WarmStartMixin._warm_start_constraints,
    }

    def __init__(
        self,
        estimator,
        *,
        measure="margin",
        batch_size=1,
        batch_mode="top_k",
        density_weight=0.0,
        feature_space="model",
        budget=None,
        n_initial=10,
        cold_start="random",
        classes=None,
        self_training=None,
        warm_start=False,
        callbacks=None,
        n_jobs=None,
        random_state=None,
    ):
        self.estimator = estimator
        self.measure = measure
        self.batch_size = batch_size
        self.batch_mode = batch_mode
        self.density_weight = density_weight
        self.feature_space = feature_space
        self.budget = budget
        self.n_initial = n_initial
        self.cold_start = cold_start
        self.classes = classes
        self.self_training = self_training
        self.warm_start = warm_start
        self.callbacks = callbacks
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _check_estimator(self):
        if not hasattr(self.estimator, "predict_proba"):
            raise TypeError(
                f"{type(self).__name__}(measure={self.measure!r}) needs an "
                f"estimator with predict_proba; {self.estimator!r} has none. Use "
                "a probabilistic classifier, wrap it in "
                "sklearn.calibration.CalibratedClassifierCV(estimator, "
                "ensemble=False), or use RandomSampler, which needs no "
                "probabilities."
            )
        get_measure(self.measure, output="proba")

    @property
    def _measure(self):
        # Resolved when used, so that set_params(measure=...) applies at once.
        return get_measure(self.measure, output="proba")

    def _score(self, X):
        model = self.estimator_
        classes = getattr(model, "classes_", None)
        return self._measure.score(
            model.predict_proba(X),
            n_classes=None if classes is None else len(classes),
            source=f"{type(final_step(model)).__name__}.predict_proba",
        )

    def _scores_finite(self):
        return self._measure.finite

    def _score_upper(self):
        return self._measure.upper(len(self.classes_), None)


def _predicts_std(estimator):
    """Whether ``estimator.predict`` (a Pipeline's final step's) takes
    ``return_std``."""
    final = final_step(estimator)
    try:
        return "return_std" in inspect.signature(final.predict).parameters
    except (AttributeError, TypeError, ValueError):
        return False


@fill_doc
class UncertaintySamplingRegressor(
    DiverseBatchMixin, RegressorMixin, BaseActiveLearner
):
    """Active learning for regression by the model's predictive uncertainty.

    Queries the pool samples with the largest predictive standard deviation
    (MacKay 1992; for Gaussian processes, Seo et al. 2000), as the estimator
    itself reports it: its ``predict`` must take ``return_std=True``
    (:class:`~sklearn.gaussian_process.GaussianProcessRegressor`,
    :class:`~sklearn.linear_model.BayesianRidge`, ``ARDRegression``, or a
    Pipeline ending in one). For any other regressor use
    :class:`~skal.CommitteeRegressor`, whose bagged members estimate the
    spread. Unlabeled rows are marked with NaN in ``y``.

    Parameters
    ----------
    estimator : estimator object
        Regressor whose ``predict`` takes ``return_std``. Cloned on fit.
    %(batch_size)s
    %(diversity)s
    %(simulation)s
    %(common_tail)s

    Attributes
    ----------
    estimator_ : estimator object
        The clone trained on every label bought so far.
    %(common_attributes)s

    See Also
    --------
    CommitteeRegressor : Disagreement of a bagged committee, for any regressor.
    UncertaintySamplingClassifier : Uncertainty sampling for classification.

    References
    ----------
    .. [1] D. J. C. MacKay, "Information-based objective functions for active
       data selection", Neural Computation 4(4), 1992.
    .. [2] S. Seo, M. Wallat, T. Graepel and K. Obermayer, "Gaussian process
       regression: active data selection and test point rejection", IJCNN
       2000.

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
        **DiverseBatchMixin._diversity_constraints,
    }

    def __init__(
        self,
        estimator,
        *,
        batch_size=1,
        batch_mode="top_k",
        density_weight=0.0,
        feature_space="model",
        budget=None,
        n_initial=10,
        cold_start="random",
        callbacks=None,
        n_jobs=None,
        random_state=None,
    ):
        self.estimator = estimator
        self.batch_size = batch_size
        self.batch_mode = batch_mode
        self.density_weight = density_weight
        self.feature_space = feature_space
        self.budget = budget
        self.n_initial = n_initial
        self.cold_start = cold_start
        self.callbacks = callbacks
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _check_estimator(self):
        if is_classifier(self.estimator):
            raise TypeError(
                f"UncertaintySamplingRegressor is for regression; "
                f"{self.estimator!r} is a classifier. Use "
                "UncertaintySamplingClassifier for classification."
            )
        if not _predicts_std(self.estimator):
            raise TypeError(
                "UncertaintySamplingRegressor ranks by the predictive standard "
                "deviation the estimator reports, so its predict must take "
                f"return_std (GaussianProcessRegressor, BayesianRidge); "
                f"{self.estimator!r} does not. Use CommitteeRegressor(estimator), "
                "whose bagged members estimate the spread of any regressor."
            )

    def _score(self, X):
        _, std = self.estimator_.predict(X, return_std=True)
        std = np.asarray(std, dtype=float).ravel()
        if not np.isfinite(std).all():
            raise ValueError(
                f"{type(final_step(self.estimator_)).__name__}.predict returned "
                "NaN or infinite standard deviations."
            )
        return std

    def predict(self, X, return_std=False):
        """Predict with ``estimator_``, and optionally the uncertainty.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
        return_std : bool, default=False
            Also return the predictive standard deviation that ranks the
            pool.

        Returns
        -------
        y : ndarray of shape (n_samples,)
        std : ndarray of shape (n_samples,)
            Only with ``return_std=True``.
        """
        X = self._check_X_predict(X)
        if not return_std:
            return self.estimator_.predict(X)
        mean, std = self.estimator_.predict(X, return_std=True)
        return mean, np.asarray(std, dtype=float).ravel()
