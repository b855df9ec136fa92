"""skorch networks on a CUDA device: MC dropout, embeddings, BALD learner.

Skipped where no CUDA device is present (CI has none); run on a GPU machine
with ``python -m pytest tests/neural/test_neural_gpu.py``. Not yet run on a
GPU: no session so far was lent one.
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
skorch = pytest.importorskip("skorch")
if not torch.cuda.is_available():
    pytest.skip("no CUDA device", allow_module_level=True)

from torch_nets import MLP  # noqa: E402

from skal.neural import (  # noqa: E402
    MCDropoutClassifier,
    NeuralNetClassifier,
    embed,
    mc_dropout_proba,
)


def make_net(device):
    return NeuralNetClassifier(
        MLP,
        module__n_in=4,
        module__n_out=3,
        max_epochs=4,
        lr=0.1,
        device=device,
        verbose=0,
        iterator_train__shuffle=False,
    )


def test_mc_dropout_on_cuda_is_seeded_and_leaves_the_net_as_found(blobs):
    X, y = blobs
    net = make_net("cuda").fit(X, y)
    assert next(net.module_.parameters()).is_cuda
    a = mc_dropout_proba(net, X, n_passes=5, random_state=0)
    b = mc_dropout_proba(net, X, n_passes=5, random_state=0)
    c = mc_dropout_proba(net, X, n_passes=5, random_state=1)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    assert a.shape == (5, len(X), 3)
    np.testing.assert_allclose(a.sum(axis=2), 1.0, atol=1e-5)
    # Passes differ from each other: dropout really is on.
    assert not np.allclose(a[0], a[1])
    # Deterministic predict afterwards: dropout switched back off.
    np.testing.assert_array_equal(net.predict_proba(X), net.predict_proba(X))
    assert not net.module_.training


def test_embed_and_bald_learner_on_cuda(blobs):
    X, y = blobs
    y_partial = np.full_like(y, -1)
    for c in range(3):
        y_partial[np.flatnonzero(y == c)[:2]] = c
    learner = MCDropoutClassifier(
        make_net("cuda"), n_passes=4, batch_size=5, random_state=0
    ).fit(X, y_partial)
    H = embed(learner.estimator_, X)
    assert H.shape == (len(X), 16) and np.isfinite(H).all()
    idx = learner.query()
    again = MCDropoutClassifier(
        make_net("cuda"), n_passes=4, batch_size=5, random_state=0
    ).fit(X, y_partial)
    assert np.unique(idx).shape == (5,)
    np.testing.assert_array_equal(idx, again.query())
    learner.teach(y=y[idx], indices=idx)
    assert learner.n_labeled_ == 11
