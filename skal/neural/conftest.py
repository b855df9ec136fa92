"""Doctest set-up for skal.neural (pytest collects doctests from the package).

Quiet, single-threaded TensorFlow; the examples of modules whose optional
backend is not installed are not collected, so a machine without the extras
still runs the rest of the suite (CI installs them all).
"""

import importlib.util
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")
os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")


def _missing(module):
    return importlib.util.find_spec(module) is None


collect_ignore = []
if _missing("scikeras"):
    collect_ignore.append("_keras.py")
if _missing("skorch"):
    # Their examples train small skorch networks.
    collect_ignore += ["_torch.py", "bayesian.py", "embedding.py", "badge.py"]
