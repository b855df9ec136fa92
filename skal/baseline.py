"""The random-sampling baseline every strategy must beat."""

import copy

import numpy as np

from skal.base import BaseActiveLearner

__all__ = ["RandomSampler"]


class RandomSampler(BaseActiveLearner):
    """Passive learning with the active-learning interface: query at random.

    Every pool sample scores zero, so the seeded tie-breaking of
    :meth:`query` draws a uniform random batch. Wraps any estimator, classifier
    or regressor, and takes the estimator's type, so it grid-searches and
    cross-validates like the learners it is compared with.

    Parameters
    ----------
    estimator : estimator object
        Any estimator implementing ``fit``. Cloned on fit.
    batch_size : int, default=1
        Samples per query (and per simulated round).
    budget : int, default=None
        If set, ``fit`` simulates labeling with ``y`` as the oracle until
        ``budget`` labels are bought.
    n_initial : int, default=10
        Labels bought before the first query in a simulation.
    initial : {"random", "kmeans", "kcenter", "density"}, default="random"
        How the first samples are chosen without a model: at random, one
        representative per k-means cluster, a greedy k-center cover, or typical
        yet spread-out samples (see :class:`~skal.RepresentativeSampler`).
    classes : array-like, default=None
        All class labels, for classifiers, declared up front.
    warm_start : bool, default=False
        Between rounds, continue training the fitted estimator on all labels
        instead of training a fresh clone: for skorch / scikeras networks and
        scikit-learn models with ``partial_fit`` and ``warm_start``
        (SGDClassifier, MLPClassifier, ...), alone or ending a Pipeline. A
        round that brings a new class trains a fresh clone.
    random_state : int, RandomState instance or None, default=None
        Seeds the random draws.

    Attributes
    ----------
    estimator_ : estimator object
        The clone trained on the labels bought so far.
    classes_ : ndarray of shape (n_classes,)
        Class labels, for classifiers.
    labeled_indices_ : ndarray of int
        Labeled rows of the data given to ``fit``, in buying order.
    n_labeled_ : int
        Number of labels training ``estimator_``.
    history_ : list of dict
        One record per round.
    n_features_in_ : int
        Number of features seen during fit (for 2-d inputs).

    Examples
    --------
    >>> from sklearn.datasets import load_wine
    >>> from sklearn.naive_bayes import GaussianNB
    >>> from skal import RandomSampler
    >>> X, y = load_wine(return_X_y=True)
    >>> learner = RandomSampler(GaussianNB(), batch_size=10, budget=40,
    ...                         random_state=0).fit(X, y)
    >>> learner.n_labeled_, len(learner.history_)
    (40, 4)
    """

    _parameter_constraints: dict = {
        **BaseActiveLearner._parameter_constraints,
        "classes": ["array-like", None],
        "warm_start": ["boolean"],
    }

    def __init__(
        self,
        estimator,
        *,
        batch_size=1,
        budget=None,
        n_initial=10,
        initial="random",
        classes=None,
        warm_start=False,
        random_state=None,
    ):
        self.estimator = estimator
        self.batch_size = batch_size
        self.budget = budget
        self.n_initial = n_initial
        self.initial = initial
        self.classes = classes
        self.warm_start = warm_start
        self.random_state = random_state

    def _check_estimator(self):
        if self.classes is not None and not self._is_classification():
            raise ValueError(
                f"classes={self.classes!r} only applies to classifiers; "
                f"{self.estimator!r} is not one. Leave classes=None."
            )

    def _score_rows(self, X):
        return np.zeros(X.shape[0] if hasattr(X, "shape") else len(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        from sklearn.utils import get_tags

        inner = get_tags(self.estimator)
        tags.estimator_type = inner.estimator_type
        tags.classifier_tags = copy.deepcopy(inner.classifier_tags)
        tags.regressor_tags = copy.deepcopy(inner.regressor_tags)
        return tags
