"""Label-free, representative selection: cover the pool, not the model's doubts.

:class:`RepresentativeSampler` never asks the model which samples it is unsure
of: it picks samples that represent the input distribution (a k-center cover,
k-means representatives, or typical yet spread-out samples). It is the cold
start of every learner (their ``initial`` parameter uses the same selectors)
and a baseline of its own, stronger than random sampling when labels are very
few.
"""

import copy

import numpy as np
from sklearn.utils import get_tags
from sklearn.utils._param_validation import StrOptions

from skal._data import n_rows, take_rows
from skal.base import BaseActiveLearner
from skal.selection import (
    REPRESENTATIVE_METHODS,
    _min_distances,
    local_density,
    representatives,
)

__all__ = ["RepresentativeSampler"]


class RepresentativeSampler(BaseActiveLearner):
    """Query samples that represent the pool, without using the model.

    Each query picks a batch by the geometry of the pool alone:

    - ``"kcenter"``: the greedy k-center core-set (Sener & Savarese 2018):
      each pick is the pool sample farthest from every labeled and already
      picked sample, so the labeled set covers the pool with the smallest
      radius;
    - ``"kmeans"``: one sample per k-means cluster of the remaining pool, the
      one nearest its centroid, larger clusters first;
    - ``"density"``: density-weighted k-center: each pick maximises its local
      density (K-nearest-neighbour density, Zhu et al. 2008) times its
      distance to the nearest labeled or picked sample, so the batch spreads
      over the dense regions and skips outliers (a unit-free product, see
      :func:`skal.selection.representatives`).

    Distances are Euclidean, on the raw numeric features of ``X`` (also when
    ``estimator`` is a Pipeline): scale them beforehand if their units differ.
    The wrapped estimator is only trained, never consulted for selection, so
    any estimator works, classifier or regressor; the sampler takes its type,
    and grid-searches and cross-validates like the learners it is compared
    with. Memory stays O(n_samples) (no pairwise distance matrix).

    Parameters
    ----------
    estimator : estimator object
        Any estimator implementing ``fit``. Cloned on fit.
    method : {"kcenter", "kmeans", "density"}, default="kcenter"
        The selection rule, see above.
    batch_size : int, default=1
        Samples per query (and per simulated round).
    budget : int, default=None
        If set, ``fit`` simulates labeling with ``y`` as the oracle until
        ``budget`` labels are bought (see :meth:`fit`).
    n_initial : int, default=10
        Labels bought in the first round of a simulation, chosen by ``method``
        as well.
    classes : array-like, default=None
        All class labels, for classifiers, declared up front.
    random_state : int, RandomState instance or None, default=None
        Seeds tie-breaking, k-means and the density subsample.

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
        Number of features seen during fit.

    See Also
    --------
    RandomSampler : The passive baseline.
    UncertaintySamplingClassifier : Its ``initial`` parameter accepts the same
        methods for the cold start.

    Notes
    -----
    :meth:`informativeness` rates every pool sample without a model: its
    distance to the nearest labeled sample for ``"kcenter"`` (infinite before
    any label), its local density for ``"kmeans"`` and ``"density"``.
    ``"kmeans"`` re-clusters the remaining pool at each query and does not
    look at the labeled samples.

    References
    ----------
    .. [1] O. Sener and S. Savarese, "Active Learning for Convolutional Neural
       Networks: A Core-Set Approach", ICLR 2018.
    .. [2] J. Zhu, H. Wang, T. Yao and B. K. Tsou, "Active learning with
       sampling by uncertainty and density for word sense disambiguation and
       text classification", COLING 2008.
    .. [3] H. T. Nguyen and A. Smeulders, "Active learning using
       pre-clustering", ICML 2004.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_blobs
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skal import RepresentativeSampler
    >>> X, y = make_blobs(n_samples=300, centers=4, cluster_std=0.5,
    ...                   random_state=0)
    >>> sampler = RepresentativeSampler(LogisticRegression(), method="kmeans",
    ...                                 batch_size=4, random_state=0)
    >>> idx = sampler.fit(X, np.full(300, -1)).query()  # no label needed
    >>> sorted(set(y[idx].tolist()))
    [0, 1, 2, 3]
    >>> sampler = sampler.teach(y=y[idx], indices=idx)
    >>> sampler.n_labeled_, round(sampler.score(X, y), 2)
    (4, 1.0)
    """

    _parameter_constraints: dict = {
        **{
            key: value
            for key, value in BaseActiveLearner._parameter_constraints.items()
            if key != "initial"
        },
        "method": [StrOptions(set(REPRESENTATIVE_METHODS))],
        "classes": ["array-like", None],
    }

    def __init__(
        self,
        estimator,
        *,
        method="kcenter",
        batch_size=1,
        budget=None,
        n_initial=10,
        classes=None,
        random_state=None,
    ):
        self.estimator = estimator
        self.method = method
        self.batch_size = batch_size
        self.budget = budget
        self.n_initial = n_initial
        self.classes = classes
        self.random_state = random_state

    def _check_estimator(self):
        if self.classes is not None and not self._is_classification():
            raise ValueError(
                f"classes={self.classes!r} only applies to classifiers; "
                f"{self.estimator!r} is not one. Leave classes=None."
            )

    def _what(self):
        return f"RepresentativeSampler(method={self.method!r})"

    def _model_ready(self):
        # Selection and scores never consult the model, so they need no label.
        return True

    def _cold_start(self, X, candidates, k):
        return self._select(X, candidates, k, X is self._X_fit)

    def _select(self, source, candidates, k, remembered):
        what = self._what()
        feats = self._diversity_features(take_rows(source, candidates), what)
        density = None
        if self.method == "density":
            density = (
                self._fit_density()[candidates]
                if remembered
                else local_density(feats, reference=self._reference())
            )
        pos = representatives(
            feats,
            k,
            method=self.method,
            X_labeled=self._labeled_features(what),
            density=density,
            random_state=self._rng,
        )
        return candidates[pos], self._score_rows(take_rows(feats, pos))

    def _score_rows(self, X):
        what = self._what()
        feats = self._diversity_features(X, what)
        if self.method == "kcenter":
            return _min_distances(feats, self._labeled_features(what), "euclidean")
        return local_density(feats, reference=self._reference())

    def _reference(self):
        """Rows of the data given to fit that densities are measured against."""
        everything = np.arange(n_rows(self._X_fit))
        return self._density_reference(self._X_fit, everything, self._what())

    def _fit_density(self):
        """Local density of every row given to fit, computed once per fit."""
        cache = getattr(self, "_local_density_cache", None)
        if cache is None or cache[0] is not self._X_fit:
            feats = self._diversity_features(self._X_fit, self._what())
            density = local_density(feats, reference=self._reference())
            self._local_density_cache = (self._X_fit, density)
        return self._local_density_cache[1]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.estimator_type = inner.estimator_type
        tags.classifier_tags = copy.deepcopy(inner.classifier_tags)
        tags.regressor_tags = copy.deepcopy(inner.regressor_tags)
        return tags
