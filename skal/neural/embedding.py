"""What a trained network has learned about each sample, as a vector.

:func:`embed` returns the penultimate-layer activations, the space in which
core-set and cluster diversity are meaningful for a network (Sener &
Savarese 2018); :func:`gradient_embedding` returns BADGE's hypothetical
last-layer gradients (Ash et al. 2020), whose norm is uncertainty and whose
direction is what the sample would teach.
"""

import numpy as np
import scipy.sparse as sp

from skal._pipeline import transform_to_final
from skal.neural._backend import penultimate, unwrap
from skal.neural._checks import check_probabilities

__all__ = ["embed", "gradient_embedding"]


def embed(estimator, X, *, layer=None):
    """Penultimate-layer activations of a fitted network.

    By default the input of the output layer (the last layer with weights to
    run), with the network in evaluation mode: for an MLP, the last hidden
    representation; for a CNN, the flattened features its classifier head
    reads.

    Parameters
    ----------
    estimator : fitted estimator
        A skorch net or scikeras wrapper, alone, as the last step of a
        Pipeline (whose transformers are applied to ``X`` first), or inside a
        fitted search.
    X : array-like of shape (n_rows, ...)
        Samples, as the estimator takes them.
    layer : str, default=None
        Take this layer's output instead: a submodule name from
        ``module.named_modules()`` (torch) or a layer name (keras).

    Returns
    -------
    embedding : ndarray of shape (n_rows, n_dims)
        One flattened activation vector per row.

    Raises
    ------
    TypeError
        If the estimator is not a scikeras or skorch network, or is a
        subclassed Keras model without a layer graph.
    ValueError
        If ``layer`` names no layer of the network.

    Examples
    --------
    >>> import torch
    >>> from sklearn.datasets import load_iris
    >>> from skal.neural import NeuralNetClassifier, embed
    >>> X, y = load_iris(return_X_y=True)
    >>> module = torch.nn.Sequential(
    ...     torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 8),
    ...     torch.nn.ReLU(), torch.nn.Linear(8, 3), torch.nn.Softmax(dim=-1))
    >>> net = NeuralNetClassifier(module, max_epochs=2, verbose=0).fit(X, y)
    >>> embed(net, X[:5]).shape
    (5, 8)
    >>> embed(net, X[:5], layer="1").shape
    (5, 16)
    """
    net, X, backend = unwrap(estimator, X)
    return np.asarray(penultimate(net, X, backend, layer), dtype=float)


def _final_input(estimator, X):
    """The features the last step of a (fitted) Pipeline reads."""
    _, X = transform_to_final(estimator, X)
    return X.toarray() if sp.issparse(X) else np.asarray(X, dtype=float)


def gradient_embedding(estimator, X, *, layer=None, embedding="penultimate"):
    """BADGE gradient embeddings: ``(p - onehot(argmax p)) (x) h``.

    For a softmax output layer trained with cross-entropy, this is the
    gradient of the loss with respect to the output layer's weights if the
    predicted class were the true one (Ash et al. 2020). Its norm is large
    where the network is uncertain; its direction says what the sample would
    change.

    Parameters
    ----------
    estimator : fitted classifier
        A network classifier (see :func:`embed`); with ``embedding`` given,
        any fitted classifier with ``predict_proba``.
    X : array-like of shape (n_rows, ...)
        Samples.
    layer : str, default=None
        Passed to :func:`embed`.
    embedding : {"penultimate", "input"} or callable, default="penultimate"
        Where ``h`` comes from: the network's penultimate layer
        (:func:`embed`); ``"input"``, the features the final estimator reads
        (after a Pipeline's transformers), which is the penultimate layer of a
        linear model such as LogisticRegression; or ``embedding(estimator, X)
        -> (n_rows, n_dims)``.

    Returns
    -------
    gradients : ndarray of shape (n_rows, n_classes * n_dims)
    proba : ndarray of shape (n_rows, n_classes)
        The predicted probabilities the gradients were computed from.

    References
    ----------
    .. [1] J. T. Ash, C. Zhang, A. Krishnamurthy, J. Langford and A. Agarwal,
       "Deep Batch Active Learning by Diverse, Uncertain Gradient Lower
       Bounds", ICLR 2020.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skal.neural import gradient_embedding
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = LogisticRegression(max_iter=500).fit(X, y)
    >>> g, proba = gradient_embedding(clf, X[:5], embedding="input")
    >>> g.shape, proba.shape
    ((5, 12), (5, 3))
    """
    proba = np.asarray(estimator.predict_proba(X), dtype=float)
    check_probabilities(proba, source=f"{type(estimator).__name__}.predict_proba")
    if embedding == "penultimate":
        h = embed(estimator, X, layer=layer)
    elif embedding == "input":
        h = _final_input(estimator, X)
    else:
        h = np.asarray(embedding(estimator, X), dtype=float)
    if h.ndim != 2 or h.shape[0] != proba.shape[0]:
        raise ValueError(
            f"The embedding must have shape (n_rows, n_dims) with n_rows="
            f"{proba.shape[0]}, got {h.shape}."
        )
    residual = proba.copy()
    residual[np.arange(proba.shape[0]), proba.argmax(axis=1)] -= 1.0
    grads = residual[:, :, None] * h[:, None, :]
    return grads.reshape(proba.shape[0], -1), proba
