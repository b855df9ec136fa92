"""BADGE: batches that are uncertain and diverse in gradient space (Ash et al. 2020)."""

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils._param_validation import StrOptions

from skal._docs import fill_doc
from skal._features import FEATURE_SPACES
from skal._mixins import DeclaredClassesMixin, WarmStartMixin
from skal._random import as_generator, stream
from skal._scan import scan_map
from skal.base import BaseActiveLearner
from skal.neural._backend import backend_of, final_step
from skal.neural.embedding import gradient_embedding
from skal.self_training import SelfTrainingMixin

__all__ = ["BADGEClassifier", "kmeans_plusplus_batch"]


def kmeans_plusplus_batch(G, k, *, random_state=None):
    """Pick ``k`` distinct rows of ``G`` by k-means++ seeding.

    The first row is the one of largest norm; each next row is drawn with
    probability proportional to its squared distance to the nearest row
    picked so far (Arthur & Vassilvitskii 2007). On gradient embeddings, large
    norms (uncertainty) and spread-out directions (diversity) both raise the
    odds of being picked. Once every remaining row coincides with a picked
    one, the rest are drawn uniformly.

    Parameters
    ----------
    G : array-like of shape (n_rows, n_dims)
        Embeddings.
    k : int
        Batch size, at most ``n_rows``.
    random_state : int, RandomState instance, Generator or None
        Seeds the draws.

    Returns
    -------
    indices : ndarray of shape (k,)
        Distinct row positions, in the order picked.

    Examples
    --------
    >>> import numpy as np
    >>> from skal.neural.badge import kmeans_plusplus_batch
    >>> G = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [9.0, 0.0]])
    >>> picked = kmeans_plusplus_batch(G, 3, random_state=0)
    >>> int(picked[0]), len(set(picked.tolist()))
    (3, 3)
    """
    G = np.asarray(G, dtype=float)
    n = G.shape[0]
    if G.ndim != 2:
        raise ValueError(f"G must be 2-d (n_rows, n_dims), got shape {G.shape}.")
    if not 1 <= k <= n:
        raise ValueError(f"k must be in [1, {n}] for {n} rows, got {k}.")
    rng = as_generator(random_state)
    sq_norms = np.einsum("ij,ij->i", G, G)
    picked = [int(np.argmax(sq_norms))]
    closest = np.full(n, np.inf)
    for _ in range(1, k):
        c = G[picked[-1]]
        dist = sq_norms - 2.0 * G @ c + c @ c
        closest = np.minimum(closest, np.maximum(dist, 0.0))
        closest[picked] = 0.0
        total = closest.sum()
        if total > 0:
            nxt = rng.choice(n, p=closest / total)
        else:
            rest = np.setdiff1d(np.arange(n), picked)
            nxt = rng.choice(rest)
        picked.append(int(nxt))
    return np.asarray(picked, dtype=np.intp)


@fill_doc
class BADGEClassifier(
    SelfTrainingMixin,
    DeclaredClassesMixin,
    WarmStartMixin,
    ClassifierMixin,
    BaseActiveLearner,
):
    """Batch Active learning by Diverse Gradient Embeddings (BADGE).

    Ash et al. (2020): embed each pool sample as the gradient the network's
    output layer would receive if its predicted class were the truth,
    ``g = (p - onehot(argmax p)) (x) h`` with ``h`` the penultimate-layer
    activations, then pick the batch by k-means++ seeding on these
    embeddings. The gradient norm grows with uncertainty, the seeding spreads
    the batch out, so BADGE trades the two off without a parameter.

    Parameters
    ----------
    estimator : estimator object
        A classifier with ``predict_proba`` whose last layer is a softmax: a
        network (scikeras ``KerasClassifier`` or skorch
        ``NeuralNetClassifier``, the :mod:`skal.neural` ones included, alone
        or ending a Pipeline), or a linear model such as LogisticRegression
        (whose "penultimate layer" is its input). Cloned on fit.
    feature_space : {"model", "input"} or callable, default="model"
        Where ``h`` comes from: ``"model"``, the representation the trained
        model's last layer reads (a network's penultimate layer, or the
        features a Pipeline's transformers give its final step); ``"input"``,
        the numeric input; or ``f(estimator_, X) -> (n_rows, n_dims)``.
    layer : str, default=None
        For a network, the layer whose output is ``h`` instead of the
        penultimate one.
    %(batch_size)s
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

    Notes
    -----
    :meth:`informativeness` returns the gradient-embedding norms (the
    uncertainty half of BADGE); :meth:`query` picks the batch jointly, so its
    samples are not simply the top of that ranking. The embeddings of the
    whole pool are held in memory while a batch is picked:
    ``n_pool * n_classes * n_dims`` floats.

    References
    ----------
    .. [1] J. T. Ash, C. Zhang, A. Krishnamurthy, J. Langford and A. Agarwal,
       "Deep Batch Active Learning by Diverse, Uncertain Gradient Lower
       Bounds", ICLR 2020.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from sklearn.datasets import load_iris
    >>> from skal.neural import BADGEClassifier, NeuralNetClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> module = torch.nn.Sequential(
    ...     torch.nn.Linear(4, 16), torch.nn.ReLU(),
    ...     torch.nn.Linear(16, 3), torch.nn.Softmax(dim=-1))
    >>> net = NeuralNetClassifier(module, max_epochs=5, lr=0.1, verbose=0)
    >>> learner = BADGEClassifier(net, batch_size=5, budget=30, n_initial=10,
    ...                           random_state=0).fit(X, y)
    >>> learner.n_labeled_, len(learner.history_)
    (30, 5)
    """

    _parameter_constraints: dict = {
        **BaseActiveLearner._parameter_constraints,
        "feature_space": [StrOptions(set(FEATURE_SPACES)), callable],
        "layer": [str, None],
        **DeclaredClassesMixin._classes_constraints,
        **SelfTrainingMixin._self_training_constraints,
        **WarmStartMixin._warm_start_constraints,
    }

    def __init__(
        self,
        estimator,
        *,
        feature_space="model",
        layer=None,
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
        self.feature_space = feature_space
        self.layer = layer
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

    def _check_estimator(self):
        if not hasattr(self.estimator, "predict_proba"):
            raise TypeError(
                f"BADGEClassifier needs a classifier with predict_proba; "
                f"{self.estimator!r} has none. Use a network classifier ending in "
                "a softmax, a linear model such as LogisticRegression, or "
                "RandomSampler."
            )

    def _feature_space(self):
        return self.feature_space

    def _learned_representation(self):
        return backend_of(final_step(self.estimator)) is not None

    def _embedding(self):
        if callable(self.feature_space):
            return self.feature_space
        if self.feature_space == "input":
            return lambda estimator, X: X
        if self._learned_representation():
            return "penultimate"
        return "input"

    def _gradients(self, X):
        grads, _ = gradient_embedding(
            self.estimator_, X, layer=self.layer, embedding=self._embedding()
        )
        return grads

    def _score(self, X):
        return np.linalg.norm(self._gradients(X), axis=1)

    def _row_bytes(self):
        n_features = getattr(self, "n_features_in_", 1)
        n_classes = len(getattr(self, "classes_", ())) or 1
        return 8 * (2 * n_features + 2 * n_classes * max(n_features, 64))

    def _select(self, pool, k):
        grads = scan_map(
            lambda rows, start: self._gradients(rows),
            pool.source,
            pool.candidates,
            chunk_size=self._chunk_size(pool.size),
            n_jobs=self.n_jobs,
        )
        rng = stream(self._seed, "select", self._round)
        pos = kmeans_plusplus_batch(grads, k, random_state=rng)
        return pool.candidates[pos], np.linalg.norm(grads[pos], axis=1)
