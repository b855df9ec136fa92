"""Fingerprints of a pool and of its rows.

The pool's fingerprint ties a journal to its data: indices mean nothing for
other rows or another order. A row's fingerprint lets an export find each
labeled row again by its contents, wherever it moved.
"""

import hashlib
import numbers

import numpy as np
import scipy.sparse as sp

__all__ = ["pool_fingerprint", "row_fingerprints"]

_BLOCK = 1 << 16  # rows hashed per block, to bound memory on large pools


def _hash_object_values(h, values):
    for value in values:
        if isinstance(value, str):
            data = b"s" + value.encode("utf-8")
        elif isinstance(value, numbers.Number) and not isinstance(value, bool):
            data = b"n" + repr(float(value)).encode()
        else:
            data = b"o" + repr(value).encode("utf-8")
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)


def _dense(X):
    if hasattr(X, "iloc"):
        kinds = [dt.kind for dt in np.atleast_1d(X.dtypes)]
        numeric = all(kind in "biuf" for kind in kinds)
        X = X.to_numpy(dtype=np.float64 if numeric else object)
    if isinstance(X, (list, tuple)):
        return np.asarray(X, dtype=object)
    return np.asarray(X)


def pool_fingerprint(X):
    """A SHA-256 fingerprint of a pool's contents.

    Numbers are hashed as float64 values, so the same numbers give the same
    fingerprint whether they arrive as an int or float array or as an
    all-numeric DataFrame; texts and other objects are hashed one by one. The
    order of the rows matters: indices into the pool are only meaningful for
    the same rows in the same order.

    Parameters
    ----------
    X : array-like, sparse matrix, DataFrame or list of shape (n_samples, ...)
        The pool.

    Returns
    -------
    fingerprint : str
        64 hexadecimal characters.

    See Also
    --------
    row_fingerprints : The fingerprint of each row.

    Examples
    --------
    >>> import numpy as np
    >>> from skal.journal import pool_fingerprint
    >>> a = pool_fingerprint(np.array([[1, 2], [3, 4]]))
    >>> a == pool_fingerprint(np.array([[1.0, 2.0], [3.0, 4.0]]))
    True
    >>> a == pool_fingerprint(np.array([[3, 4], [1, 2]]))
    False
    """
    h = hashlib.sha256()
    if sp.issparse(X):
        X = sp.csr_matrix(X, copy=True)
        X.sum_duplicates()  # canonical form: sorted indices, no duplicates
        h.update(b"sparse" + repr(X.shape).encode())
        h.update(np.ascontiguousarray(X.data, dtype=np.float64).tobytes())
        for part in (X.indices, X.indptr):
            h.update(np.ascontiguousarray(part, dtype=np.int64).tobytes())
        return h.hexdigest()
    arr = _dense(X)
    h.update(b"dense" + repr(arr.shape).encode())
    for start in range(0, max(arr.shape[0], 1) if arr.ndim else 1, _BLOCK):
        block = arr[start : start + _BLOCK] if arr.ndim else arr.reshape(1)
        if block.dtype.kind in "biuf":
            h.update(np.ascontiguousarray(block, dtype=np.float64).tobytes())
        else:
            _hash_object_values(h, block.ravel().tolist())
    return h.hexdigest()


def row_fingerprints(X, indices=None):
    """The fingerprint of each row: ``pool_fingerprint`` of that row alone.

    Parameters
    ----------
    X : array-like, sparse matrix, DataFrame or list of shape (n_samples, ...)
        The pool (or any per-row keys, such as the cells of a CSV's rows).
    indices : iterable of int, default=None
        The rows to fingerprint; every row if None.

    Returns
    -------
    fingerprints : list of str
        64 hexadecimal characters each, in the order of ``indices``.

    Examples
    --------
    >>> import numpy as np
    >>> from skal.journal import pool_fingerprint, row_fingerprints
    >>> X = np.array([[1, 2], [3, 4], [1, 2]])
    >>> first, second, third = row_fingerprints(X)
    >>> first == third != second
    True
    >>> row_fingerprints(X, [1]) == [pool_fingerprint(X[1:2])]
    True
    """
    if sp.issparse(X):
        X = X if X.format == "csr" else sp.csr_matrix(X)
        rows = range(X.shape[0]) if indices is None else indices
        return [pool_fingerprint(X[int(i) : int(i) + 1]) for i in rows]
    if indices is None:
        arr = _dense(X)
        if arr.ndim == 0:
            raise ValueError("A pool of rows needs at least one dimension.")
    else:
        # Only the rows asked for are converted: fingerprinting one answer
        # must not copy a whole DataFrame.
        indices = [int(i) for i in indices]
        if hasattr(X, "iloc"):
            arr = _dense(X.iloc[indices])
        elif isinstance(X, (list, tuple)):
            arr = np.asarray([X[i] for i in indices], dtype=object)
        else:
            arr = np.asarray(X)[indices]
    # Hashing the shared prefix once and copying the hasher gives the same
    # digest as pool_fingerprint(X[i:i + 1]) at a fraction of its cost.
    base = hashlib.sha256(b"dense" + repr((1, *arr.shape[1:])).encode())
    numeric = arr.dtype.kind in "biuf"
    out = []
    for row in arr:
        h = base.copy()
        if numeric:
            h.update(np.ascontiguousarray(row, dtype=np.float64).tobytes())
        else:
            _hash_object_values(h, np.asarray(row, dtype=object).ravel().tolist())
        out.append(h.hexdigest())
    return out
