"""BADGE: batches that are uncertain and diverse in gradient space (Ash et al. 2020)."""

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils._param_validation import StrOptions

from skal._data import take_rows
from skal.base import BaseActiveLearner
from skal.neural.embedding import gradient_embedding
from skal.selection import _as_generator, chunk_rows

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
    rng = _as_generator(random_state)
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


class BADGEClassifier(ClassifierMixin, BaseActiveLearner):
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
        A network classifier (scikeras ``KerasClassifier`` or skorch
        ``NeuralNetClassifier``, the :mod:`skal.neural` ones included, alone
        or ending a Pipeline) whose output layer is a softmax; with
        ``embedding`` given, any classifier with ``predict_proba``. Cloned on
        fit.
    embedding : {"penultimate", "input"} or callable, default="penultimate"
        Where ``h`` comes from: the network's penultimate layer
        (:func:`skal.neural.embed`); ``"input"``, the features the final
        estimator reads (after a Pipeline's transformers), which makes BADGE
        work for a linear model such as LogisticRegression; or
        ``embedding(estimator_, X) -> (n_rows, n_dims)``.
    layer : str, default=None
        Layer whose output is ``h`` instead of the penultimate one.
    batch_size : int, default=1
        Samples per query (and per simulated round). BADGE is a batch
        method; with 1 it picks the largest gradient.
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
        instead of training a fresh clone.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial sample and the k-means++ draws.

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
        One record per round; ``scores`` are the gradient-embedding norms of
        the picked samples.
    n_features_in_ : int
        Number of features seen during fit (for 2-d inputs).

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
        "embedding": [StrOptions({"penultimate", "input"}), callable],
        "layer": [str, None],
        "classes": ["array-like", None],
        "warm_start": ["boolean"],
    }

    def __init__(
        self,
        estimator,
        *,
        embedding="penultimate",
        layer=None,
        batch_size=1,
        budget=None,
        n_initial=10,
        initial="random",
        classes=None,
        warm_start=False,
        random_state=None,
    ):
        self.estimator = estimator
        self.embedding = embedding
        self.layer = layer
        self.batch_size = batch_size
        self.budget = budget
        self.n_initial = n_initial
        self.initial = initial
        self.classes = classes
        self.warm_start = warm_start
        self.random_state = random_state

    def _check_estimator(self):
        if not hasattr(self.estimator, "predict_proba"):
            raise TypeError(
                f"BADGEClassifier needs a classifier with predict_proba; "
                f"{self.estimator!r} has none. Use a network classifier ending in "
                "a softmax, or RandomSampler."
            )

    def _gradients(self, X):
        grads, _ = gradient_embedding(
            self.estimator_, X, layer=self.layer, embedding=self.embedding
        )
        return grads

    def _score_rows(self, X):
        return np.linalg.norm(self._gradients(X), axis=1)

    def _select(self, source, candidates, k, remembered):
        n_pool = candidates.shape[0]
        size = chunk_rows(n_pool, self._row_bytes())
        grads = np.concatenate(
            [
                self._gradients(take_rows(source, candidates[i : i + size]))
                for i in range(0, n_pool, size)
            ]
        )
        pos = kmeans_plusplus_batch(grads, k, random_state=self._rng)
        return candidates[pos], np.linalg.norm(grads[pos], axis=1)
