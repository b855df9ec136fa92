"""Reach the network inside a fitted estimator and run it, for either backend.

Everything here takes a *fitted* estimator: a scikeras wrapper, a skorch net,
or a Pipeline / search object that ends in one. TensorFlow and torch are only
imported inside the functions that need them, so importing this module is
cheap.
"""

import threading
from contextlib import contextmanager

import numpy as np

from skal._pipeline import final_step as _final_step
from skal._pipeline import transform_to_final

__all__ = [
    "backend_of",
    "dropout_layers",
    "final_step",
    "forward_passes",
    "penultimate",
    "unwrap",
]

#: Rows per forward pass; bounds the activations held at once.
_BATCH_ROWS = 1024


def backend_of(estimator):
    """``"keras"``, ``"torch"`` or None, from the classes the estimator derives.

    Looks only at module names, so it never imports a backend.
    """
    for cls in type(estimator).__mro__:
        root = cls.__module__.split(".")[0]
        if root == "scikeras":
            return "keras"
        if root == "skorch":
            return "torch"
    return None


def final_step(estimator):
    """The estimator at the end of Pipelines and searches (fitted or not)."""
    return _final_step(estimator)


def unwrap(estimator, X):
    """The network inside a fitted estimator and ``X`` as that network sees it.

    Pipelines are walked through (their transformers applied to ``X``), fitted
    searches through ``best_estimator_``.
    """
    estimator, X = transform_to_final(estimator, X)
    backend = backend_of(estimator)
    if backend is None:
        raise TypeError(
            f"Expected a neural network: a scikeras KerasClassifier/KerasRegressor "
            f"(skal.neural.KerasClassifier fixes its tags) or a skorch "
            f"NeuralNetClassifier/NeuralNetRegressor, alone, as the last step of "
            f"a Pipeline or inside a fitted search; got {type(estimator).__name__}."
        )
    return estimator, X, backend


# --------------------------------------------------------------------- torch
# A torch module's train/eval flags, forward hooks and the global torch seed
# are shared by every thread: pool chunks scored in parallel threads
# (n_jobs) would read each other's hooked activations or reseed each other's
# dropout. Each pass over a network (``_torch_mode``) holds this lock; torch
# itself still uses its own threads inside the pass.
_TORCH_LOCK = threading.RLock()


def _torch_dropout_modules(module):
    import torch

    return [
        m
        for m in module.modules()
        if isinstance(m, torch.nn.modules.dropout._DropoutNd)
    ]


@contextmanager
def _torch_mode(net, dropout):
    """Eval mode everywhere, except dropout layers when ``dropout`` is True.

    Batch normalisation stays in eval mode: it must keep using its running
    statistics, or the passes would differ for a reason other than dropout.
    """
    import torch

    with _TORCH_LOCK:
        module = net.module_
        was_training = module.training
        module.eval()
        if dropout:
            for m in _torch_dropout_modules(module):
                m.train()
        try:
            with torch.no_grad():
                yield
        finally:
            module.train(was_training)


def _torch_batches(net, X):
    from skorch.dataset import unpack_data

    dataset = net.get_dataset(X)
    for batch in net.get_iterator(dataset, training=False):
        Xi, _ = unpack_data(batch)
        yield Xi


def _torch_output(net, Xi, nonlin):
    out = net.infer(Xi)
    out = out[0] if isinstance(out, tuple) else out
    return nonlin(out).detach().cpu().numpy()


def _torch_passes(net, X, n_samples, seed):
    import torch

    nonlin = net._get_predict_nonlinearity()
    cuda = sorted(
        {
            p.device.index or 0
            for p in net.module_.parameters()
            if p.device.type == "cuda"
        }
    )
    parts = []
    # fork_rng keeps the caller's global torch streams (CPU and the GPUs the
    # network lives on) untouched by our seed; inside the pass's lock, so
    # that no other pass seeds or restores them meanwhile.
    with _torch_mode(net, dropout=True), torch.random.fork_rng(devices=cuda):
        torch.manual_seed(seed)
        for Xi in _torch_batches(net, X):
            # All passes over one batch before the next: the data is loaded once.
            parts.append(
                np.stack([_torch_output(net, Xi, nonlin) for _ in range(n_samples)])
            )
    return np.concatenate(parts, axis=1)


def _torch_penultimate(net, X, layer):
    import torch

    module = net.module_
    captured = {}
    # Hooks fire in whichever thread runs the module (e.g. predict_proba on
    # another chunk): only this thread's passes are recorded.
    owner = threading.get_ident()
    if layer is not None:
        named = dict(module.named_modules())
        if layer not in named:
            raise ValueError(
                f"layer={layer!r} is not a submodule of the network; choose one of "
                f"{[name for name in named if name]}."
            )

        def keep_output(mod, inputs, output):
            if threading.get_ident() == owner:
                captured["h"] = output[0] if isinstance(output, tuple) else output

        hooks = [named[layer].register_forward_hook(keep_output)]
    else:
        # The input of the last layer with weights to run is the penultimate
        # representation; recording execution order copes with any forward().
        def keep_input(mod, inputs):
            if threading.get_ident() == owner:
                captured["h"] = inputs[0]

        hooks = [
            m.register_forward_pre_hook(keep_input)
            for m in module.modules()
            if next(iter(m.children()), None) is None
            and next(iter(m.parameters(recurse=False)), None) is not None
        ]
        if not hooks:
            raise ValueError(
                "The network has no layer with weights, so it has no penultimate "
                "layer; pass layer=<submodule name>."
            )
    parts = []
    try:
        with _torch_mode(net, dropout=False):
            for Xi in _torch_batches(net, X):
                captured.clear()
                net.infer(Xi)
                h = captured["h"]
                parts.append(torch.flatten(h, start_dim=1).detach().cpu().numpy())
    finally:
        for hook in hooks:
            hook.remove()
    return np.concatenate(parts, axis=0)


# --------------------------------------------------------------------- keras
def _keras_layers(model):
    return list(model._flatten_layers(include_self=False, recursive=True))


def _keras_dropout_layers(model):
    # GaussianDropout and AlphaDropout do not derive from Dropout.
    return [lyr for lyr in _keras_layers(model) if "Dropout" in type(lyr).__name__]


def _keras_inputs(net, X):
    X, _ = net._validate_data(X, reset=False)
    return net.feature_encoder_.transform(X)


def _keras_batches(X):
    n = X.shape[0] if hasattr(X, "shape") else len(X)
    for start in range(0, n, _BATCH_ROWS):
        yield X[start : start + _BATCH_ROWS]


@contextmanager
def _keras_dropout_only(model, seed):
    """Let ``training=True`` switch on dropout and nothing else.

    A non-trainable BatchNormalization layer runs in inference mode even when
    called with ``training=True``, so its moving statistics are neither used
    nor updated. Dropout layers draw from their seed generators, which are
    reset from ``seed`` for reproducible passes and restored afterwards.
    """
    frozen = [
        lyr
        for lyr in _keras_layers(model)
        if "BatchNormalization" in type(lyr).__name__ and lyr.trainable
    ]
    generators = [
        lyr.seed_generator
        for lyr in _keras_dropout_layers(model)
        if getattr(lyr, "seed_generator", None) is not None
    ]
    saved = [g.state.numpy() for g in generators]
    for lyr in frozen:
        lyr.trainable = False
    for i, g in enumerate(generators):
        g.state.assign(np.array([seed + i, 0], dtype=saved[i].dtype))
    try:
        yield
    finally:
        for lyr in frozen:
            lyr.trainable = True
        for g, state in zip(generators, saved, strict=True):
            g.state.assign(state)


def _keras_decode(net, raw):
    if net._estimator_type == "classifier":
        return net.target_encoder_.inverse_transform(raw, return_proba=True)
    return net.target_encoder_.inverse_transform(raw)


def _keras_passes(net, X, n_samples, seed):
    model = net.model_
    X = _keras_inputs(net, X)
    parts = []
    with _keras_dropout_only(model, seed):
        for Xi in _keras_batches(X):
            passes = [_as_numpy(model(Xi, training=True)) for _ in range(n_samples)]
            parts.append(np.stack([_keras_decode(net, raw) for raw in passes]))
    return np.concatenate(parts, axis=1)


def _as_numpy(out):
    out = out[0] if isinstance(out, (list, tuple)) else out
    return np.asarray(out)


def _keras_penultimate(net, X, layer):
    import keras

    model = net.model_
    names = [lyr.name for lyr in model.layers]
    if layer is not None and layer not in names:
        raise ValueError(
            f"layer={layer!r} is not a layer of the network; choose one of {names}."
        )
    weighted = [lyr for lyr in model.layers if lyr.weights]
    if layer is None and not weighted:
        raise ValueError(
            "The network has no layer with weights, so it has no penultimate "
            "layer; pass layer=<layer name>."
        )
    try:
        target = model.get_layer(layer).output if layer else weighted[-1].input
        inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
        extractor = keras.Model(inputs, target)
    except (AttributeError, ValueError) as exc:
        raise TypeError(
            "Embeddings need a Sequential or functional Keras model, whose layers "
            "can be tapped; a subclassed keras.Model has no layer graph. Build "
            f"the model with keras.Sequential or the functional API ({exc})."
        ) from exc
    X = _keras_inputs(net, X)
    parts = [_as_numpy(extractor(Xi, training=False)) for Xi in _keras_batches(X)]
    out = np.concatenate(parts, axis=0)
    return out.reshape(out.shape[0], -1)


# -------------------------------------------------------------------- public
def dropout_layers(net, backend):
    """The dropout layers of a fitted network."""
    if backend == "torch":
        return _torch_dropout_modules(net.module_)
    return _keras_dropout_layers(net.model_)


def forward_passes(net, X, backend, n_samples, seed):
    """``n_samples`` stochastic passes: array ``(n_samples, n_rows, ...)``."""
    if backend == "torch":
        return _torch_passes(net, X, n_samples, seed)
    return _keras_passes(net, X, n_samples, seed)


def penultimate(net, X, backend, layer=None):
    """Activations feeding the output layer (or ``layer``'s output)."""
    if backend == "torch":
        return _torch_penultimate(net, X, layer)
    return _keras_penultimate(net, X, layer)
