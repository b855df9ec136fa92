"""Uncertainty sampling: query where the model is least sure of itself."""

from sklearn.base import ClassifierMixin
from sklearn.utils._param_validation import StrOptions

from skal.base import BaseActiveLearner
from skal.scoring import UNCERTAINTY_MEASURES

__all__ = ["UncertaintySamplingClassifier"]


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
    budget : int, default=None
        If set, ``fit`` simulates active learning with ``y`` as the oracle
        until ``budget`` labels are bought (see :meth:`fit`).
    n_initial : int, default=10
        Labels bought before the first query in a simulation.
    initial : {"random", "kmeans"}, default="random"
        How the first samples are chosen without a model: at random, or one
        representative per k-means cluster.
    classes : array-like, default=None
        All class labels, declared up front so ``predict_proba`` columns stay
        aligned while some classes are still unlabeled.
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
    }

    def __init__(
        self,
        estimator,
        *,
        strategy="margin",
        batch_size=1,
        budget=None,
        n_initial=10,
        initial="random",
        classes=None,
        random_state=None,
    ):
        self.estimator = estimator
        self.strategy = strategy
        self.batch_size = batch_size
        self.budget = budget
        self.n_initial = n_initial
        self.initial = initial
        self.classes = classes
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
