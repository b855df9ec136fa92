"""Shared set-up for the network tests: quiet, single-threaded backends.

The environment variables must be set before TensorFlow initialises, which
happens when the first test module (or doctest) imports it.
"""

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")
os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")


@pytest.fixture(scope="session")
def blobs():
    """Well separated float32 blobs: tiny nets learn them in a few epochs."""
    from sklearn.datasets import make_blobs

    X, y = make_blobs(
        n_samples=120, centers=3, n_features=4, cluster_std=1.5, random_state=0
    )
    return X.astype(np.float32), y
