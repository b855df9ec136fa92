"""scikeras wrappers whose tags scikit-learn >= 1.6 understands.

scikeras 0.13 declares its tags the pre-1.6 way (``_more_tags``), so with
current scikit-learn ``is_classifier(scikeras.wrappers.KerasClassifier())`` is
False: cross-validation is not stratified and ``scoring="neg_log_loss"``
refuses it. These subclasses declare the tags the current way and add the
checks active learning needs. Importing this module imports TensorFlow.
"""

import contextlib
import os
import sys


@contextlib.contextmanager
def _quiet_native_logs():
    """Hide what TensorFlow's C++ side prints while it loads.

    Importing TensorFlow 2.21 prints six lines (oneDNN, CPU features, absl)
    from C++, which TF_CPP_MIN_LOG_LEVEL no longer silences: only the file
    descriptor can. A user who sets TF_CPP_MIN_LOG_LEVEL has chosen what to
    see, and sees it.
    """
    if "TF_CPP_MIN_LOG_LEVEL" in os.environ or "tensorflow" in sys.modules:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            try:
                yield
            finally:
                os.dup2(saved, 2)
    finally:
        os.close(saved)


with _quiet_native_logs():
    from scikeras.wrappers import KerasClassifier as _KerasClassifier
    from scikeras.wrappers import KerasRegressor as _KerasRegressor

from sklearn.utils import (  # noqa: E402
    ClassifierTags,
    InputTags,
    RegressorTags,
    Tags,
    TargetTags,
)

from skal.neural._checks import check_probabilities  # noqa: E402

__all__ = ["KerasClassifier", "KerasRegressor"]


def _pin_op_determinism_default():
    # scikeras' random_state context sets TF_DETERMINISTIC_OPS=1 and then asks
    # TensorFlow whether determinism is on. TensorFlow reads that variable once
    # per process and caches it: if scikeras' question is the first, "on"
    # sticks, scikeras never switches it off, and every later network without
    # random_state fails with "Random ops require a seed". Asking now, with
    # the environment as the user set it, caches the real default.
    try:
        from tensorflow.python.framework import config
    except ImportError:  # pragma: no cover - scikeras on another backend
        return
    config.is_op_determinism_enabled()


_pin_op_determinism_default()


def _tags(estimator_type):
    # Built from scratch rather than from super(): scikit-learn 1.6.x has no
    # __sklearn_tags__ on the scikeras base classes to extend.
    return Tags(
        estimator_type=estimator_type,
        target_tags=TargetTags(required=True),
        classifier_tags=(
            ClassifierTags(poor_score=True, multi_label=True)
            if estimator_type == "classifier"
            else None
        ),
        regressor_tags=(
            RegressorTags(poor_score=True) if estimator_type == "regressor" else None
        ),
        input_tags=InputTags(),
    )


class KerasClassifier(_KerasClassifier):
    """scikeras' ``KerasClassifier`` with scikit-learn >= 1.6 tags and checks.

    Takes exactly the parameters of :class:`scikeras.wrappers.KerasClassifier`
    (``model``, ``loss``, ``optimizer``, ``epochs``, ``batch_size``,
    ``warm_start``, ``random_state``, routed ``model__*`` / ``fit__*``
    parameters, ...). On top of it:

    - ``__sklearn_tags__`` says "classifier" with classifier tags and a
      required target, so ``is_classifier`` is True, ``cross_val_score`` picks
      ``StratifiedKFold``, ``scoring="neg_log_loss"`` and
      ``CalibratedClassifierCV`` accept it;
    - fitting checks that the output layer has one unit per class (or a single
      sigmoid unit for two classes), and ``predict_proba`` that the network
      outputs probabilities, each with an error that says how to fix the model;
    - a warm-started ``fit`` keeps ``classes_`` (scikeras resets it to None).

    Parameters
    ----------
    model : callable or keras.Model, default=None
        The Keras model or a function building it; see scikeras.
    **kwargs
        Any other parameter of :class:`scikeras.wrappers.KerasClassifier`.

    See Also
    --------
    skal.neural.KerasRegressor : The regression counterpart.
    skal.neural.NeuralNetClassifier : The PyTorch (skorch) counterpart.

    Examples
    --------
    >>> import keras
    >>> from sklearn.base import is_classifier
    >>> from skal.neural import KerasClassifier
    >>> def build(meta):
    ...     return keras.Sequential([
    ...         keras.Input((meta["n_features_in_"],)),
    ...         keras.layers.Dense(16, activation="relu"),
    ...         keras.layers.Dropout(0.2),
    ...         keras.layers.Dense(meta["n_classes_"], activation="softmax"),
    ...     ])
    >>> net = KerasClassifier(build, loss="sparse_categorical_crossentropy",
    ...                       epochs=5, verbose=0)
    >>> is_classifier(net)
    True
    """

    def __sklearn_tags__(self):
        return _tags("classifier")

    def fit(self, X, y, sample_weight=None, **kwargs):
        """Fit the network; see :meth:`scikeras.wrappers.KerasClassifier.fit`.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Training samples.
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights.
        **kwargs
            Passed to ``keras.Model.fit``.

        Returns
        -------
        self : KerasClassifier
        """
        continuing = self.warm_start and self.initialized_
        classes = getattr(self, "classes_", None) if continuing else None
        super().fit(X, y, sample_weight=sample_weight, **kwargs)
        if continuing and self.classes_ is None:
            # A warm fit keeps the target encoder, hence the classes.
            self.classes_ = classes
        return self

    def _check_model_compatibility(self, y):
        super()._check_model_compatibility(y)
        outputs = getattr(self.model_, "outputs", None)
        if not outputs:
            return
        units = outputs[0].shape[-1]
        n_classes = self.n_classes_
        if units != n_classes and not (units == 1 and n_classes == 2):
            raise ValueError(
                f"The Keras model's output layer has {units} units but y has "
                f"{n_classes} classes {list(self.classes_)}: it needs one unit "
                "per class (or a single sigmoid unit for two classes). Size the "
                "last layer from meta['n_classes_'] in the model function, e.g. "
                "keras.layers.Dense(meta['n_classes_'], activation='softmax')."
            )

    def predict_proba(self, X, **kwargs):
        """Class probabilities, checked to be a probability simplex.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Samples.
        **kwargs
            Passed to ``keras.Model.predict``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        proba = super().predict_proba(X, **kwargs)
        check_probabilities(proba, self.n_classes_, source="The Keras model")
        return proba


class KerasRegressor(_KerasRegressor):
    """scikeras' ``KerasRegressor`` with scikit-learn >= 1.6 tags.

    ``is_regressor`` is True, so cross-validation, scorers and meta-estimators
    treat it as a regressor. Takes exactly the parameters of
    :class:`scikeras.wrappers.KerasRegressor`.

    Parameters
    ----------
    model : callable or keras.Model, default=None
        The Keras model or a function building it; see scikeras.
    **kwargs
        Any other parameter of :class:`scikeras.wrappers.KerasRegressor`.

    See Also
    --------
    skal.neural.KerasClassifier : The classification counterpart.

    Examples
    --------
    >>> import keras
    >>> from sklearn.base import is_regressor
    >>> from skal.neural import KerasRegressor
    >>> def build(meta):
    ...     return keras.Sequential([
    ...         keras.Input((meta["n_features_in_"],)),
    ...         keras.layers.Dense(16, activation="relu"),
    ...         keras.layers.Dense(1),
    ...     ])
    >>> net = KerasRegressor(build, loss="mse", epochs=5, verbose=0)
    >>> is_regressor(net)
    True
    """

    def __sklearn_tags__(self):
        return _tags("regressor")
