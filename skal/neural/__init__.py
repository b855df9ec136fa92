"""Neural networks in every learner: Keras through scikeras, PyTorch through skorch.

- :class:`KerasClassifier`, :class:`KerasRegressor`: scikeras wrappers with
  the scikit-learn >= 1.6 tags scikeras 0.13 lacks (``is_classifier``,
  stratified CV, ``neg_log_loss``) and clear errors for mis-sized outputs;
- :class:`NeuralNetClassifier`, :class:`NeuralNetRegressor`: skorch nets
  with ``train_split=None`` and float32 casting for small labeled sets;
- :func:`mc_dropout_proba`, :class:`MCDropoutClassifier`,
  :class:`MCDropoutRegressor`: Bayesian active learning by MC dropout (BALD,
  mean-std, variation ratios);
- :func:`embed`, :func:`gradient_embedding`, :class:`BADGEClassifier`:
  learned representations and BADGE batches.

TensorFlow and torch are optional and imported lazily: ``import skal.neural``
imports neither; the wrapper classes import their backend when first used.
"""

import importlib

from skal.neural._checks import check_probabilities
from skal.neural.badge import BADGEClassifier
from skal.neural.bayesian import (
    MCDropoutClassifier,
    MCDropoutRegressor,
    mc_dropout_predict,
    mc_dropout_proba,
)
from skal.neural.embedding import embed, gradient_embedding

_LAZY = {
    "KerasClassifier": ("skal.neural._keras", "keras"),
    "KerasRegressor": ("skal.neural._keras", "keras"),
    "NeuralNetClassifier": ("skal.neural._torch", "torch"),
    "NeuralNetRegressor": ("skal.neural._torch", "torch"),
}

__all__ = [
    "BADGEClassifier",
    "KerasClassifier",
    "KerasRegressor",
    "MCDropoutClassifier",
    "MCDropoutRegressor",
    "NeuralNetClassifier",
    "NeuralNetRegressor",
    "check_probabilities",
    "embed",
    "gradient_embedding",
    "mc_dropout_predict",
    "mc_dropout_proba",
]


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module 'skal.neural' has no attribute {name!r}")
    module, extra = _LAZY[name]
    try:
        value = getattr(importlib.import_module(module), name)
    except ImportError as exc:
        raise ImportError(
            f"skal.neural.{name} needs the optional '{extra}' dependencies "
            f"({exc}); install them with: pip install 'skal[{extra}]'"
        ) from exc
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
