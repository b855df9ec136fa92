"""The random-sampling baseline every strategy must beat."""

import numpy as np

from skal._data import n_rows
from skal._delegation import follow_estimator_type
from skal._docs import fill_doc
from skal._mixins import DeclaredClassesMixin, WarmStartMixin
from skal.base import BaseActiveLearner
from skal.self_training import SelfTrainingMixin

__all__ = ["RandomSampler"]


@fill_doc
class RandomSampler(
    SelfTrainingMixin, DeclaredClassesMixin, WarmStartMixin, BaseActiveLearner
):
    """Passive learning with the active-learning interface: query at random.

    Every pool sample scores zero, so the seeded tie-breaking of
    :meth:`query` draws a uniform random batch. Wraps any estimator,
    classifier or regressor, and takes the estimator's type, so it
    grid-searches and cross-validates like the learners it is compared with.

    Parameters
    ----------
    estimator : estimator object
        Any estimator implementing ``fit``. Cloned on fit.
    %(batch_size)s
    %(simulation)s
    %(classes)s
    %(self_training)s
    %(warm_start)s
    %(common_tail)s

    Attributes
    ----------
    estimator_ : estimator object
        The clone trained on the labels bought so far.
    classes_ : ndarray of shape (n_classes,)
        Class labels, for classifiers.
    %(common_attributes)s

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
    >>> bool((learner.query() == learner.query()).all())  # a function of state
    True
    """

    _parameter_constraints: dict = {
        **BaseActiveLearner._parameter_constraints,
        **DeclaredClassesMixin._classes_constraints,
        **SelfTrainingMixin._self_training_constraints,
        **WarmStartMixin._warm_start_constraints,
    }

    def __init__(
        self,
        estimator,
        *,
        batch_size=1,
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
        self.batch_size = batch_size
        self.budget = budget
        self.n_initial = n_initial
        self.cold_start = cold_start
        self.classes = classes
        self.self_training = self_training
        self.warm_start = warm_start
        self.callbacks = callbacks
        self.n_jobs = n_jobs
        self.random_state = random_state

    # Scores never pass the rows through the estimator: validate them here.
    _scores_rows_itself = False

    def _score(self, X):
        return np.zeros(n_rows(X))

    def __sklearn_tags__(self):
        return follow_estimator_type(super().__sklearn_tags__(), self.estimator)
