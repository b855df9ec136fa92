"""Bayesian active learning with MC dropout (Gal, Islam & Ghahramani 2017).

A network trained with dropout is an approximate Bayesian model: keeping
dropout switched on at prediction time and running several forward passes
draws predictions from the approximate posterior. Their spread is the model
(epistemic) uncertainty that BALD, mean-std and variation ratios measure.
"""

from numbers import Integral

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from skal.base import BATCH_PARAMETER_CONSTRAINTS, BaseActiveLearner
from skal.neural._backend import (
    backend_of,
    dropout_layers,
    final_step,
    forward_passes,
    unwrap,
)
from skal.neural._checks import check_probabilities
from skal.neural.embedding import embed
from skal.scoring import (
    consensus_entropy,
    mean_std,
    mutual_information,
    variation_ratios,
)

__all__ = [
    "MC_DROPOUT_MEASURES",
    "MCDropoutClassifier",
    "MCDropoutRegressor",
    "mc_dropout_predict",
    "mc_dropout_proba",
    "mean_std",
]


def _seed(random_state):
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def _passes(estimator, X, n_samples, random_state):
    if not isinstance(n_samples, Integral) or n_samples < 1:
        raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}.")
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
    return net, forward_passes(net, X, backend, n_samples, _seed(random_state))


def mc_dropout_proba(estimator, X, n_samples=20, *, random_state=None):
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
    n_samples : int, default=20
        Number of stochastic forward passes.
    random_state : int, RandomState instance or None, default=None
        Seeds the dropout masks.

    Returns
    -------
    member_proba : ndarray of shape (n_samples, n_rows, n_classes)
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
    >>> P = mc_dropout_proba(net, X[:6], n_samples=8, random_state=0)
    >>> P.shape
    (8, 6, 3)
    >>> mutual_information(P).shape
    (6,)
    """
    net, passes = _passes(estimator, X, n_samples, random_state)
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


def mc_dropout_predict(estimator, X, n_samples=20, *, random_state=None):
    """Regression predictions from stochastic forward passes with dropout on.

    Parameters
    ----------
    estimator : fitted estimator
        A skorch ``NeuralNetRegressor`` or scikeras ``KerasRegressor``, alone,
        in a Pipeline, or inside a fitted search.
    X : array-like of shape (n_rows, ...)
        Samples.
    n_samples : int, default=20
        Number of stochastic forward passes.
    random_state : int, RandomState instance or None, default=None
        Seeds the dropout masks.

    Returns
    -------
    predictions : ndarray of shape (n_samples, n_rows) or \
            (n_samples, n_rows, n_outputs)
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
    >>> mc_dropout_predict(net, X[:5], n_samples=4, random_state=0).shape
    (4, 5)
    """
    _, passes = _passes(estimator, X, n_samples, random_state)
    passes = np.asarray(passes, dtype=float)
    if passes.ndim == 3 and passes.shape[2] == 1:
        passes = passes[:, :, 0]
    return passes


def _variation_ratios(member_proba):
    votes = member_proba.argmax(axis=2)
    return variation_ratios(votes, member_proba.shape[2])


#: MC-dropout measures on ``(n_samples, n_rows, n_classes)`` probabilities,
#: by the name used for ``strategy=``.
MC_DROPOUT_MEASURES = {
    "bald": mutual_information,
    "mean_std": mean_std,
    "variation_ratios": _variation_ratios,
    "entropy": consensus_entropy,
}


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


class _LearnedSpaceDiversity:
    """Batch diversity measured on the network's penultimate layer.

    Sener & Savarese (2018) pick core-sets in the learned representation: for
    a network, distances between raw pixels say little. Density weighting
    and the label-free cold start stay on the raw features (there is no
    trained network for the cold start, and density is computed once per
    fit).
    """

    def _diversity_features(self, X, what):
        if (
            self.diversity_space == "embedding"
            and what.startswith("batch_strategy")
            and self._model_ready()
        ):
            return embed(self.estimator_, X)
        return super()._diversity_features(X, what)


class MCDropoutClassifier(_LearnedSpaceDiversity, ClassifierMixin, BaseActiveLearner):
    """Bayesian active learning by MC dropout: BALD and friends.

    Scores each pool sample from ``n_samples`` stochastic forward passes of
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
    strategy : {"bald", "mean_std", "variation_ratios", "entropy"} or \
            callable, default="bald"
        The measure; a callable maps ``(n_samples, n_rows, n_classes)``
        probabilities to ``n_rows`` scores, higher = more informative.
    n_samples : int, default=20
        Stochastic forward passes per scored sample.
    batch_size : int, default=1
        Samples per query (and per simulated round).
    batch_strategy : {"top_k", "ranked", "kcenter", "cluster"}, default="top_k"
        How a batch is formed from the scores: the ``batch_size`` best, or a
        batch that is also diverse (ranked batch mode, k-center core-set
        among the ``10 * batch_size`` best, or the best of each k-means
        cluster of them); see :meth:`~skal.BaseActiveLearner.query`.
    density_weight : float >= 0, default=0.0
        Information-density weighting of the scores (Settles & Craven 2008),
        on the raw features; 0 turns it off.
    diversity_space : {"embedding", "input"}, default="embedding"
        Where ``batch_strategy`` measures diversity: the network's
        penultimate-layer activations (:func:`skal.neural.embed`), or the
        raw numeric features of X.
    budget : int, default=None
        If set, ``fit`` simulates active learning with ``y`` as the oracle
        until ``budget`` labels are bought.
    n_initial : int, default=10
        Labels bought before the first query in a simulation.
    initial : {"random", "kmeans", "kcenter", "density"}, default="random"
        How the first samples are chosen without a model.
    classes : array-like, default=None
        All class labels, declared up front.
    warm_start : bool, default=False
        Between rounds, continue training the current network on all labels
        (its weights carry over) instead of training a fresh clone.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial sample, the dropout masks and tie-breaking.

    Attributes
    ----------
    estimator_ : estimator object
        The network trained on every label bought so far.
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    labeled_indices_ : ndarray of int
        Labeled rows of the data given to ``fit``, in buying order.
    n_labeled_ : int
        Number of labels training ``estimator_``.
    history_ : list of dict
        One record per round.
    n_features_in_ : int
        Number of features seen during fit (for 2-d inputs).

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
    >>> learner = MCDropoutClassifier(net, n_samples=8, batch_size=4,
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
        **BATCH_PARAMETER_CONSTRAINTS,
        "diversity_space": [StrOptions({"embedding", "input"})],
        "strategy": [StrOptions(set(MC_DROPOUT_MEASURES)), callable],
        "n_samples": [Interval(Integral, 2, None, closed="left")],
        "classes": ["array-like", None],
        "warm_start": ["boolean"],
    }

    def __init__(
        self,
        estimator,
        *,
        strategy="bald",
        n_samples=20,
        batch_size=1,
        batch_strategy="top_k",
        density_weight=0.0,
        diversity_space="embedding",
        budget=None,
        n_initial=10,
        initial="random",
        classes=None,
        warm_start=False,
        random_state=None,
    ):
        self.estimator = estimator
        self.strategy = strategy
        self.n_samples = n_samples
        self.batch_size = batch_size
        self.batch_strategy = batch_strategy
        self.density_weight = density_weight
        self.diversity_space = diversity_space
        self.budget = budget
        self.n_initial = n_initial
        self.initial = initial
        self.classes = classes
        self.warm_start = warm_start
        self.random_state = random_state

    def _check_estimator(self):
        _check_network(self, "classifier")

    def _row_bytes(self):
        n_features = getattr(self, "n_features_in_", 1)
        n_classes = len(getattr(self, "classes_", ())) or 1
        return 8 * (2 * n_features + 3 * self.n_samples * n_classes)

    def _score_rows(self, X):
        seed = int(self._rng.integers(np.iinfo(np.int32).max))
        member_proba = mc_dropout_proba(
            self.estimator_, X, self.n_samples, random_state=seed
        )
        measure = (
            self.strategy
            if callable(self.strategy)
            else MC_DROPOUT_MEASURES[self.strategy]
        )
        return measure(member_proba)


class MCDropoutRegressor(_LearnedSpaceDiversity, RegressorMixin, BaseActiveLearner):
    """Active learning for network regressors by MC-dropout predictive spread.

    Scores each pool sample by the standard deviation of ``n_samples``
    stochastic forward passes with dropout on (Gal & Ghahramani 2016),
    averaged over outputs: the model's uncertainty about the target.

    Parameters
    ----------
    estimator : estimator object
        A network regressor with dropout layers: :class:`skal.neural.KerasRegressor`
        or :class:`skal.neural.NeuralNetRegressor` (or the scikeras / skorch
        originals), alone or as the last step of a Pipeline. Cloned on fit.
    n_samples : int, default=20
        Stochastic forward passes per scored sample.
    batch_size : int, default=1
        Samples per query (and per simulated round).
    batch_strategy : {"top_k", "ranked", "kcenter", "cluster"}, default="top_k"
        How a batch is formed from the scores; see
        :class:`MCDropoutClassifier`.
    density_weight : float >= 0, default=0.0
        Information-density weighting of the scores, on the raw features; 0
        turns it off.
    diversity_space : {"embedding", "input"}, default="embedding"
        Where ``batch_strategy`` measures diversity: the network's
        penultimate-layer activations, or the raw numeric features of X.
    budget : int, default=None
        If set, ``fit`` simulates active learning with ``y`` as the oracle
        until ``budget`` labels are bought.
    n_initial : int, default=10
        Labels bought before the first query in a simulation.
    initial : {"random", "kmeans", "kcenter", "density"}, default="random"
        How the first samples are chosen without a model.
    warm_start : bool, default=False
        Between rounds, continue training the current network on all labels
        instead of training a fresh clone.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial sample, the dropout masks and tie-breaking.

    Attributes
    ----------
    estimator_ : estimator object
        The network trained on every label bought so far.
    labeled_indices_ : ndarray of int
        Labeled rows of the data given to ``fit``, in buying order.
    n_labeled_ : int
        Number of labels training ``estimator_``.
    history_ : list of dict
        One record per round.
    n_features_in_ : int
        Number of features seen during fit (for 2-d inputs).

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
    >>> learner = MCDropoutRegressor(net, n_samples=5, batch_size=5, budget=20,
    ...                              random_state=0).fit(X, y)
    >>> learner.n_labeled_
    20
    """

    _parameter_constraints: dict = {
        **BaseActiveLearner._parameter_constraints,
        **BATCH_PARAMETER_CONSTRAINTS,
        "diversity_space": [StrOptions({"embedding", "input"})],
        "n_samples": [Interval(Integral, 2, None, closed="left")],
        "warm_start": ["boolean"],
    }

    def __init__(
        self,
        estimator,
        *,
        n_samples=20,
        batch_size=1,
        batch_strategy="top_k",
        density_weight=0.0,
        diversity_space="embedding",
        budget=None,
        n_initial=10,
        initial="random",
        warm_start=False,
        random_state=None,
    ):
        self.estimator = estimator
        self.n_samples = n_samples
        self.batch_size = batch_size
        self.batch_strategy = batch_strategy
        self.density_weight = density_weight
        self.diversity_space = diversity_space
        self.budget = budget
        self.n_initial = n_initial
        self.initial = initial
        self.warm_start = warm_start
        self.random_state = random_state

    def _check_estimator(self):
        _check_network(self, "regressor")

    def _row_bytes(self):
        n_features = getattr(self, "n_features_in_", 1)
        return 8 * (2 * n_features + 3 * self.n_samples)

    def _score_rows(self, X):
        seed = int(self._rng.integers(np.iinfo(np.int32).max))
        passes = mc_dropout_predict(
            self.estimator_, X, self.n_samples, random_state=seed
        )
        std = passes.std(axis=0)
        return std if std.ndim == 1 else std.mean(axis=1)
