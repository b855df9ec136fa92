"""Thin skorch subclasses with defaults that suit a handful of labels.

skorch works with scikit-learn as it is; three things trip active learning:
its default ``train_split`` holds out a fifth of a tiny labeled set for
validation, float64 arrays (scikit-learn's default) clash with float32
weights, and a 1-d regression target silently broadcasts against the
``(n, 1)`` network output. Importing this module imports torch.
"""

import numpy as np
import scipy.sparse as sp
import torch
from skorch import NeuralNetClassifier as _NeuralNetClassifier
from skorch import NeuralNetRegressor as _NeuralNetRegressor

from skal.neural._checks import check_probabilities

__all__ = ["NeuralNetClassifier", "NeuralNetRegressor"]


def _float32(X):
    if isinstance(X, np.ndarray) and X.dtype.kind in "fiub" and X.dtype != np.float32:
        return X.astype(np.float32)
    if sp.issparse(X) and X.dtype != np.float32:
        return X.astype(np.float32)
    return X


class NeuralNetClassifier(_NeuralNetClassifier):
    """skorch's ``NeuralNetClassifier`` for small labeled sets.

    The same class as :class:`skorch.NeuralNetClassifier`, with two changes:

    - ``train_split=None`` by default: every label trains the network (skorch
      holds out 20% for validation otherwise, which a few dozen labels cannot
      spare);
    - numeric numpy / sparse inputs are cast to float32 and integer labels to
      int64, so scikit-learn's float64 datasets work as they are.

    ``predict_proba`` checks that the module outputs one probability column
    per class, with an error that says how to fix the module otherwise.

    Parameters
    ----------
    module : torch.nn.Module class or instance
        The network; see skorch.
    *args
        Positional parameters of :class:`skorch.NeuralNetClassifier`.
    criterion : torch criterion, default=torch.nn.NLLLoss
        With NLLLoss the module must end in a softmax; with
        ``torch.nn.CrossEntropyLoss`` it returns logits and skorch applies the
        softmax at prediction time.
    train_split : callable or None, default=None
        Validation split; None trains on every label.
    classes : array-like, default=None
        Every class label, when the first labeled batch may miss some and the
        module has a fixed number of outputs.
    **kwargs
        Any other parameter of skorch's net (``max_epochs``, ``lr``,
        ``module__*``, ``optimizer``, ``warm_start``, ...).

    See Also
    --------
    skal.neural.KerasClassifier : The Keras (scikeras) counterpart.

    Examples
    --------
    >>> import torch
    >>> from sklearn.datasets import load_iris
    >>> from skal.neural import NeuralNetClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> module = torch.nn.Sequential(
    ...     torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Dropout(0.2),
    ...     torch.nn.Linear(16, 3), torch.nn.Softmax(dim=-1))
    >>> net = NeuralNetClassifier(module, max_epochs=5, lr=0.1, verbose=0)
    >>> net.fit(X, y).predict_proba(X[:2]).shape
    (2, 3)
    """

    def __init__(
        self,
        module,
        *args,
        criterion=torch.nn.NLLLoss,
        train_split=None,
        classes=None,
        **kwargs,
    ):
        super().__init__(
            module,
            *args,
            criterion=criterion,
            train_split=train_split,
            classes=classes,
            **kwargs,
        )

    def get_dataset(self, X, y=None):
        """skorch's dataset of ``X`` as float32 and ``y`` as int64.

        Parameters
        ----------
        X : array-like or Dataset
            Samples.
        y : array-like, default=None
            Labels.

        Returns
        -------
        dataset : torch.utils.data.Dataset
        """
        if isinstance(y, np.ndarray) and y.dtype.kind in "iub":
            y = y.astype(np.int64)
        return super().get_dataset(_float32(X), y)

    def predict_proba(self, X):
        """Class probabilities, checked to be one simplex column per class.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        proba = super().predict_proba(X)
        check_probabilities(proba, len(self.classes_), source="The torch module")
        return proba


class NeuralNetRegressor(_NeuralNetRegressor):
    """skorch's ``NeuralNetRegressor`` for small labeled sets.

    As :class:`skorch.NeuralNetRegressor`, with ``train_split=None`` by
    default, float32 inputs and targets, and a 1-d target reshaped to the
    ``(n, 1)`` column the network outputs (skorch would otherwise broadcast
    it against the output and train on a wrong loss). ``predict`` returns a
    1-d array for a single output.

    Parameters
    ----------
    module : torch.nn.Module class or instance
        The network; see skorch.
    *args
        Positional parameters of :class:`skorch.NeuralNetRegressor`.
    criterion : torch criterion, default=torch.nn.MSELoss
        The loss.
    train_split : callable or None, default=None
        Validation split; None trains on every label.
    **kwargs
        Any other parameter of skorch's net.

    Examples
    --------
    >>> import torch
    >>> from sklearn.datasets import load_diabetes
    >>> from skal.neural import NeuralNetRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> module = torch.nn.Sequential(
    ...     torch.nn.Linear(10, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1))
    >>> net = NeuralNetRegressor(module, max_epochs=3, verbose=0)
    >>> net.fit(X, y).predict(X[:4]).shape
    (4,)
    """

    def __init__(
        self,
        module,
        *args,
        criterion=torch.nn.MSELoss,
        train_split=None,
        **kwargs,
    ):
        super().__init__(
            module, *args, criterion=criterion, train_split=train_split, **kwargs
        )

    def get_dataset(self, X, y=None):
        """skorch's dataset of float32 ``X`` and a float32 ``(n, 1)`` target.

        Parameters
        ----------
        X : array-like or Dataset
            Samples.
        y : array-like, default=None
            Targets.

        Returns
        -------
        dataset : torch.utils.data.Dataset
        """
        if y is not None and not isinstance(y, torch.Tensor):
            y = np.asarray(y, dtype=np.float32)
            if y.ndim == 1:
                y = y.reshape(-1, 1)
        return super().get_dataset(_float32(X), y)

    def predict(self, X):
        """Predicted targets; 1-d for a single-output network.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Samples.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        pred = super().predict(X)
        return pred[:, 0] if pred.ndim == 2 and pred.shape[1] == 1 else pred
