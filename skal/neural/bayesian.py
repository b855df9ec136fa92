"""Bayesian active learning with MC dropout (Gal, Islam & Ghahramani 2017).

A network trained with dropout is an approximate Bayesian model: keeping
dropout switched on at prediction time and running several forward passes
draws predictions from the approximate posterior. Their spread is the model
(epistemic) uncertainty that BALD, mean-std and variation ratios measure.

The dropout masks of a pool row depend on the learner's ``random_state``,
its state and the row's position among the candidates only: rows are scored
in blocks of 256 positions, each block seeded on its own, so the batch is the
same whatever the chunk size, the number of jobs or the dask chunks.
"""

from numbers import Integral

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.utils._param_validation import Interval, StrOptions

from skal._data import n_rows, take_rows
from skal._docs import fill_doc
from skal._mixins import DeclaredClassesMixin, DiverseBatchMixin, WarmStartMixin
from skal._random import draw_seed, stream
from skal.base import BaseActiveLearner
from skal.neural._backend import (
    backend_of,
    dropout_layers,
    final_step,
    forward_passes,
    unwrap,
)
from skal.neural._checks import check_probabilities
from skal.neural.embedding import embed
from skal.scoring import ALIASES, Measure, feed, get_measure, measures_for
from skal.self_training import SelfTrainingMixin

__all__ = [
    "MCDropoutClassifier",
    "MCDropoutRegressor",
    "mc_dropout_predict",
    "mc_dropout_proba",
]

#: Candidate positions scored under one dropout seed.
_SEED_BLOCK = 256


def _passes(estimator, X, n_passes, random_state):
    if not isinstance(n_passes, Integral) or n_passes < 1:
        raise ValueError(f"n_passes must be a positive integer, got {n_passes!r}.")
    net, X, backend = unwrap(estimator, X)
    if not dropout_layers(net, backend):
        layer = "torch.nn.Dropout(p)" if backend == "torch" else "keras.layers.Dropout"
        raise ValueError(
            f"MC dropout needs dropout layers, and this {type(net).__name__}'s "
            "network has none: every stochastic pass would repeat the same "
            "prediction, so BALD and the other measures would be 0 everywhere. "
            f"Add {layer} before the output layer, or use "
            "UncertaintySamplingClassifier (one deterministic pass) or a "
            "committee of networks (deep ensemble) instead."
        )
    return net, forward_passes(net, X, backend, n_passes, draw_seed(random_state))


def mc_dropout_proba(estimator, X, n_passes=20, *, random_state=None):
    """Class probabilities from stochastic forward passes with dropout on.

    Only the dropout layers are switched to training mode (batch
    normalisation keeps its running statistics); gradients are not computed.

    Parameters
    ----------
    estimator : fitted estimator
        A skorch ``NeuralNetClassifier`` or scikeras ``KerasClassifier`` (the
        :mod:`skal.neural` ones or the originals), alone or as the last step
        of a Pipeline, or a fitted search over one.
    X : array-like of shape (n_rows, ...)
        Samples, as the estimator takes them.
    n_passes : int, default=20
        Number of stochastic forward passes.
    random_state : int, RandomState instance or None, default=None
        Seeds the dropout masks.

    Returns
    -------
    member_proba : ndarray of shape (n_passes, n_rows, n_classes)
        One probability matrix per pass, columns in the order of the
        network's ``classes_``; feeds :func:`skal.scoring.mutual_information`
        and the other committee measures.

    Raises
    ------
    ValueError
        If the network has no dropout layer, or its output is not one
        probability column per class.

    Examples
    --------
    >>> import torch
    >>> from sklearn.datasets import load_iris
    >>> from skal.neural import NeuralNetClassifier, mc_dropout_proba
    >>> from skal.scoring import mutual_information
    >>> X, y = load_iris(return_X_y=True)
    >>> module = torch.nn.Sequential(
    ...     torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Dropout(0.3),
    ...     torch.nn.Linear(16, 3), torch.nn.Softmax(dim=-1))
    >>> net = NeuralNetClassifier(module, max_epochs=5, lr=0.1, verbose=0)
    >>> net = net.fit(X, y)
    >>> P = mc_dropout_proba(net, X[:6], n_passes=8, random_state=0)
    >>> P.shape
    (8, 6, 3)
    >>> mutual_information(P).shape
    (6,)
    """
    net, passes = _passes(estimator, X, n_passes, random_state)
    if not hasattr(net, "predict_proba"):
        raise TypeError(
            f"mc_dropout_proba needs a classifier; {type(net).__name__} has no "
            "predict_proba. For regression use mc_dropout_predict."
        )
    n_classes = (
        len(net.classes_) if getattr(net, "classes_", None) is not None else None
    )
    return check_probabilities(
        passes, n_classes, source=f"The {type(net).__name__}'s network"
    )


def mc_dropout_predict(estimator, X, n_passes=20, *, random_state=None):
    """Regression predictions from stochastic forward passes with dropout on.

    Parameters
    ----------
    estimator : fitted estimator
        A skorch ``NeuralNetRegressor`` or scikeras ``KerasRegressor``, alone,
        in a Pipeline, or inside a fitted search.
    X : array-like of shape (n_rows, ...)
        Samples.
    n_passes : int, default=20
        Number of stochastic forward passes.
    random_state : int, RandomState instance or None, default=None
        Seeds the dropout masks.

    Returns
    -------
    predictions : ndarray of shape (n_passes, n_rows) or \
            (n_passes, n_rows, n_outputs)
        One prediction per pass; a single output is squeezed.

    Examples
    --------
    >>> import torch
    >>> from sklearn.datasets import load_diabetes
    >>> from skal.neural import NeuralNetRegressor, mc_dropout_predict
    >>> X, y = load_diabetes(return_X_y=True)
    >>> module = torch.nn.Sequential(
    ...     torch.nn.Linear(10, 16), torch.nn.ReLU(), torch.nn.Dropout(0.3),
    ...     torch.nn.Linear(16, 1))
    >>> net = NeuralNetRegressor(module, max_epochs=3, verbose=0).fit(X, y)
    >>> mc_dropout_predict(net, X[:5], n_passes=4, random_state=0).shape
    (4, 5)
    """
    _, passes = _passes(estimator, X, n_passes, random_state)
    passes = np.asarray(passes, dtype=float)
    if passes.ndim == 3 and passes.shape[2] == 1:
        passes = passes[:, :, 0]
    return passes


def _check_network(learner, kind):
    net = final_step(learner.estimator)
    if backend_of(net) is None:
        raise TypeError(
            f"{type(learner).__name__} samples a network with dropout on, so it "
            f"needs a neural {kind}: skal.neural.Keras{kind.title()} (scikeras) or "
            f"skal.neural.NeuralNet{kind.title()} (skorch), alone or as the last "
            f"step of a Pipeline; got {type(net).__name__}. For other estimators "
            "use UncertaintySamplingClassifier or a committee."
        )


class _MCDropoutMixin:
    """Position-seeded stochastic passes, and the network's penultimate layer
    as the ``"model"`` feature space."""

    _scan_block = _SEED_BLOCK

    def _learned_representation(self):
        return True

    def _model_features(self, X):
        return embed(self.estimator_, X)

    def _passes_at(self, X, start, passes):
        """``passes(X_block, seed)`` over the seed blocks of ``X``."""
        parts = []
        n = n_rows(X)
        first = start // _SEED_BLOCK
        for b, lo in enumerate(range(0, n, _SEED_BLOCK)):
            block = take_rows(X, slice(lo, min(lo + _SEED_BLOCK, n)))
            seed = stream(self._seed, "mc_dropout", self._round, first + b)
            parts.append(passes(block, seed))
        return np.concatenate(parts, axis=1)

    def _score(self, X):
        return self._score_at(X, 0)


@fill_doc
class MCDropoutClassifier(
    _MCDropoutMixin,
    DiverseBatchMixin,
    SelfTrainingMixin,
    DeclaredClassesMixin,
    WarmStartMixin,
    ClassifierMixin,
    BaseActiveLearner,
):
    """Bayesian active learning by MC dropout: BALD and friends.

    Scores each pool sample from ``n_passes`` stochastic forward passes of
    the network with dropout switched on (Gal, Islam & Ghahramani 2017):

    - ``"bald"``: mutual information between the prediction and the model
      parameters (Houlsby et al. 2011), high where passes are individually
      confident but disagree;
    - ``"mean_std"``: mean standard deviation of the class probabilities
      (Kampffmeyer et al. 2016);
    - ``"variation_ratios"``: fraction of passes not voting for the modal
      class (Freeman 1965);
    - ``"entropy"``: entropy of the averaged prediction (max entropy).

    Parameters
    ----------
    estimator : estimator object
        A network classifier with dropout layers: :class:`skal.neural.KerasClassifier`
        / scikeras ``KerasClassifier``, or :class:`skal.neural.NeuralNetClassifier`
        / skorch ``NeuralNetClassifier``; also as the last step of a Pipeline.
        Cloned on fit.
    measure : str, Measure or callable, default="bald"
        A measure of :data:`skal.scoring.MEASURES` on the passes'
        probabilities: ``"bald"`` (``"mutual_information"``), ``"mean_std"``,
        ``"variation_ratios"``, ``"consensus_entropy"``, or a single-model
        measure (``"margin"``...) on their mean; a callable maps
        ``(n_passes, n_rows, n_classes)`` probabilities to ``n_rows`` scores.
    n_passes : int, default=20
        Stochastic forward passes per scored sample.
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
    skal.neural.mc_dropout_proba : The stochastic passes themselves.
    skal.neural.BADGEClassifier : Uncertain and diverse batches for networks.

    References
    ----------
    .. [1] Y. Gal, R. Islam and Z. Ghahramani, "Deep Bayesian Active Learning
       with Image Data", ICML 2017.
    .. [2] N. Houlsby, F. Huszar, Z. Ghahramani and M. Lengyel, "Bayesian
       Active Learning for Classification and Preference Learning", 2011.
    .. [3] M. Kampffmeyer, A.-B. Salberg and R. Jenssen, "Semantic
       Segmentation of Small Objects and Modeling of Uncertainty in Urban
       Remote Sensing Images Using Deep Convolutional Neural Networks",
       CVPR Workshops 2016.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from sklearn.datasets import load_iris
    >>> from skal.neural import MCDropoutClassifier, NeuralNetClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> module = torch.nn.Sequential(
    ...     torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Dropout(0.3),
    ...     torch.nn.Linear(16, 3), torch.nn.Softmax(dim=-1))
    >>> net = NeuralNetClassifier(module, max_epochs=5, lr=0.1, verbose=0)
    >>> y_partial = np.full_like(y, -1)
    >>> y_partial[[0, 50, 100]] = y[[0, 50, 100]]
    >>> learner = MCDropoutClassifier(net, n_passes=8, batch_size=4,
    ...                               random_state=0).fit(X, y_partial)
    >>> idx = learner.query()
    >>> len(idx)
    4
    >>> learner = learner.teach(y=y[idx], indices=idx)
    >>> learner.n_labeled_
    7
    """

    _parameter_constraints: dict = {
        **BaseActiveLearner._parameter_constraints,
        "measure": [
            StrOptions(set(measures_for("member_proba")) | set(ALIASES)),
            Measure,
            callable,
        ],
        "n_passes": [Interval(Integral, 2, None, closed="left")],
        **DiverseBatchMixin._diversity_constraints,
        **DeclaredClassesMixin._classes_constraints,
        **SelfTrainingMixin._self_training_constraints,
        **WarmStartMixin._warm_start_constraints,
    }

    def __init__(
        self,
        estimator,
        *,
        measure="bald",
        n_passes=20,
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
        self.n_passes = n_passes
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
        _check_network(self, "classifier")
        self._measure  # noqa: B018 - validates the measure at fit

    @property
    def _measure(self):
        return get_measure(
            self.measure, output="member_proba", callable_reads="member_proba"
        )

    def _row_bytes(self):
        n_features = getattr(self, "n_features_in_", 1)
        n_classes = len(getattr(self, "classes_", ())) or 1
        return 8 * (2 * n_features + 3 * self.n_passes * n_classes)

    def _score_at(self, X, start):
        member_proba = self._passes_at(
            X,
            start,
            lambda block, seed: mc_dropout_proba(
                self.estimator_, block, self.n_passes, random_state=seed
            ),
        )
        return self._measure.core(feed(self._measure, member_proba=member_proba))

    def _score_upper(self):
        return self._measure.upper(len(self.classes_), self.n_passes)


@fill_doc
class MCDropoutRegressor(
    _MCDropoutMixin,
    DiverseBatchMixin,
    WarmStartMixin,
    RegressorMixin,
    BaseActiveLearner,
):
    """Active learning for network regressors by MC-dropout predictive spread.

    Scores each pool sample by the standard deviation of ``n_passes``
    stochastic forward passes with dropout on (Gal & Ghahramani 2016),
    averaged over outputs: the model's uncertainty about the target.

    Parameters
    ----------
    estimator : estimator object
        A network regressor with dropout layers: :class:`skal.neural.KerasRegressor`
        or :class:`skal.neural.NeuralNetRegressor` (or the scikeras / skorch
        originals), alone or as the last step of a Pipeline. Cloned on fit.
    n_passes : int, default=20
        Stochastic forward passes per scored sample.
    %(batch_size)s
    %(diversity)s
    %(simulation)s
    %(warm_start)s
    %(common_tail)s

    Attributes
    ----------
    estimator_ : estimator object
        The network trained on every label bought so far.
    %(common_attributes)s

    References
    ----------
    .. [1] Y. Gal and Z. Ghahramani, "Dropout as a Bayesian Approximation:
       Representing Model Uncertainty in Deep Learning", ICML 2016.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from sklearn.datasets import load_diabetes
    >>> from skal.neural import MCDropoutRegressor, NeuralNetRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> module = torch.nn.Sequential(
    ...     torch.nn.Linear(10, 16), torch.nn.ReLU(), torch.nn.Dropout(0.3),
    ...     torch.nn.Linear(16, 1))
    >>> net = NeuralNetRegressor(module, max_epochs=3, verbose=0)
    >>> learner = MCDropoutRegressor(net, n_passes=5, batch_size=5, budget=20,
    ...                              random_state=0).fit(X, y)
    >>> learner.n_labeled_
    20
    """

    _parameter_constraints: dict = {
        **BaseActiveLearner._parameter_constraints,
        "n_passes": [Interval(Integral, 2, None, closed="left")],
        **DiverseBatchMixin._diversity_constraints,
        **WarmStartMixin._warm_start_constraints,
    }

    def __init__(
        self,
        estimator,
        *,
        n_passes=20,
        batch_size=1,
        batch_mode="top_k",
        density_weight=0.0,
        feature_space="model",
        budget=None,
        n_initial=10,
        cold_start="random",
        warm_start=False,
        callbacks=None,
        n_jobs=None,
        random_state=None,
    ):
        self.estimator = estimator
        self.n_passes = n_passes
        self.batch_size = batch_size
        self.batch_mode = batch_mode
        self.density_weight = density_weight
        self.feature_space = feature_space
        self.budget = budget
        self.n_initial = n_initial
        self.cold_start = cold_start
        self.warm_start = warm_start
        self.callbacks = callbacks
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _check_estimator(self):
        _check_network(self, "regressor")

    def _row_bytes(self):
        n_features = getattr(self, "n_features_in_", 1)
        return 8 * (2 * n_features + 3 * self.n_passes)

    def _score_at(self, X, start):
        passes = self._passes_at(
            X,
            start,
            lambda block, seed: mc_dropout_predict(
                self.estimator_, block, self.n_passes, random_state=seed
            ),
        )
        std = passes.std(axis=0)
        return std if std.ndim == 1 else std.mean(axis=1)
