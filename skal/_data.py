"""Container-agnostic row handling: numpy, pandas, scipy sparse, lists of texts.

The learners never convert X to a dense float array: a Pipeline with a
``ColumnTransformer`` needs its DataFrame and a ``TfidfVectorizer`` needs its
strings. These helpers index and stack rows of whatever container came in.
"""

import numpy as np
import scipy.sparse as sp
from sklearn.utils import _safe_indexing

__all__ = ["as_rows", "take_rows", "stack_rows", "n_rows"]


def as_rows(X, name="X"):
    """Return X in a container whose rows can be indexed and stacked."""
    if X is None:
        raise ValueError(f"{name} is None; pass an array-like of samples.")
    if sp.issparse(X):
        # COO and DIA cannot be row-indexed; CSR is what estimators expect.
        return X.tocsr() if X.format not in ("csr", "csc") else X
    if isinstance(X, (list, tuple)):
        return np.asarray(X) if len(X) else np.empty((0, 0))
    if not hasattr(X, "shape") and hasattr(X, "__array__"):
        return np.asarray(X)
    if not hasattr(X, "shape"):
        raise TypeError(
            f"{name} must be an array-like (numpy array, pandas DataFrame, scipy "
            f"sparse matrix or list), got {type(X).__name__}."
        )
    return X


def n_rows(X):
    return X.shape[0] if hasattr(X, "shape") else len(X)


def take_rows(X, indices):
    """Rows of X at positional ``indices`` (or a slice)."""
    if isinstance(indices, slice):
        if hasattr(X, "iloc"):
            return X.iloc[indices]
        return X[indices]
    return _safe_indexing(X, np.asarray(indices, dtype=np.intp), axis=0)


def stack_rows(parts):
    """Concatenate row blocks of the same container type."""
    parts = [p for p in parts if p is not None and n_rows(p) > 0]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    if sp.issparse(first):
        return sp.vstack([sp.csr_matrix(p) for p in parts], format="csr")
    if hasattr(first, "iloc"):
        import pandas as pd

        return pd.concat(parts, axis=0, ignore_index=True)
    return np.concatenate([np.asarray(p) for p in parts], axis=0)
