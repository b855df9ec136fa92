"""What every test module shares: one BLAS thread per test process, the data
sets most tests draw from, and scikit-learn's expected check failures.

``pytest -n 2`` on two cores runs two test processes; with OpenBLAS's default
of one thread per core each, four threads fight for two cores and a
logistic-regression fit on thirty rows took 40 times longer (measured: 343 ms
against 9 ms). One thread per process uses the cores and nothing more; the
variables also reach the subprocesses the CLI and example tests start.
"""

import os

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

# numpy may have started its BLAS before this file ran (a plugin imported it):
# limit the running pools too.
threadpool_limits(limits=1)


def partially_labeled(y, rows, marker=-1):
    """``y`` with only ``rows`` labeled (the rest the unlabeled marker)."""
    y_partial = np.full_like(y, marker)
    y_partial[rows] = y[rows]
    return y_partial


@pytest.fixture(scope="session")
def iris_xy():
    from sklearn.datasets import load_iris

    return load_iris(return_X_y=True)


@pytest.fixture(scope="session")
def digits_xy():
    from sklearn.datasets import load_digits

    return load_digits(return_X_y=True)


@pytest.fixture(scope="session")
def iris(iris_xy):
    """Iris with one labeled flower per species: (X, y, y_known)."""
    X, y = iris_xy
    return X, y, partially_labeled(y, [0, 50, 100])
