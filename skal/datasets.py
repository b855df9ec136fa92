"""Benchmark data: scikit-learn's shipped sets, CSV files, MNIST IDX files.

Everything here reads local files only: scikit-learn ships digits, wine,
breast cancer and iris inside the package, and CSV or IDX files are read
from the path given. :func:`load_dataset` picks the right loader from a
name or a path; it is what ``skal compare --dataset`` uses.
"""

import csv
import gzip
import os
import struct
from pathlib import Path

import numpy as np

from skal.base import UNLABELED

__all__ = [
    "DATASETS",
    "REGRESSION_DATASETS",
    "load_csv",
    "load_dataset",
    "load_mnist",
    "read_idx",
    "write_idx",
]

#: Names that :func:`load_dataset` accepts besides paths: scikit-learn's
#: shipped classification sets, and seeded generated ones (see
#: :func:`load_dataset`): a plain one and three harder ones.
DATASETS = (
    "digits",
    "wine",
    "breast_cancer",
    "iris",
    "synthetic",
    "imbalanced",
    "many_classes",
    "noisy",
)

#: Regression sets :func:`load_dataset` accepts by name: scikit-learn's
#: diabetes, and Friedman's first function (generated, seeded).
REGRESSION_DATASETS = ("diabetes", "friedman")

# IDX type codes (the third byte of the magic number) and their big-endian
# numpy dtypes, from the format's description on the MNIST page.
_IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_IDX_CODES = {dt.newbyteorder("="): code for code, dt in _IDX_DTYPES.items()}
_GZIP_MAGIC = b"\x1f\x8b"
_LABEL_NAMES = ("label", "labels", "target", "class", "y")


def load_dataset(name="digits", *, label_column=None, labels=None):
    """Load a benchmark dataset by name, or a CSV or IDX file by path.

    Parameters
    ----------
    name : str or path-like, default="digits"
        One of :data:`DATASETS` ("digits", "wine", "breast_cancer", "iris":
        shipped with scikit-learn; generated with
        :func:`~sklearn.datasets.make_classification`, seeded: "synthetic",
        4 classes and 1000 samples; "imbalanced", 2 classes at 10:1 and
        2000 samples; "many_classes", 20 classes and 3000 samples; "noisy",
        4 classes and 2000 samples of which 10% carry a wrong label), one of
        :data:`REGRESSION_DATASETS` ("diabetes": shipped with scikit-learn;
        "friedman": :func:`~sklearn.datasets.make_friedman1`, 2000 samples,
        10 features, noise 1, seeded), or the path of a ``.csv`` file (see
        :func:`load_csv`) or of an IDX image file (see :func:`load_mnist`;
        ``.gz`` accepted).
    label_column : int or str, default=None
        For a CSV: the label column (see :func:`load_csv`).
    labels : str or path-like, default=None
        For an IDX image file: the matching IDX label file (required).

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)

    Examples
    --------
    >>> from skal.datasets import load_dataset
    >>> X, y = load_dataset("wine")
    >>> X.shape, sorted(set(y.tolist()))
    ((178, 13), [0, 1, 2])
    """
    key = str(name)
    if key in DATASETS or key in REGRESSION_DATASETS:
        return _load_named(key)
    path = Path(name)
    if not path.exists():
        raise ValueError(
            f"Unknown dataset {key!r}: not one of "
            f"{[*DATASETS, *REGRESSION_DATASETS]} and no such file. Pass a "
            "dataset name, a CSV path or an IDX image path."
        )
    suffixes = [s.lower() for s in path.suffixes]
    if ".csv" in suffixes:
        return load_csv(path, label_column=label_column)
    if _is_idx(path):
        if labels is None:
            raise ValueError(
                f"{key} is an IDX file; pass the matching IDX label file too "
                "(labels=..., or --labels on the command line)."
            )
        return load_mnist(path, labels)
    raise ValueError(
        f"Cannot tell the format of {key}: name a .csv file or an IDX file "
        "(MNIST's *-idx3-ubyte[.gz])."
    )


def _load_named(name):
    from sklearn import datasets

    if name == "synthetic":
        return datasets.make_classification(
            n_samples=1000,
            n_features=20,
            n_informative=6,
            n_redundant=2,
            n_classes=4,
            # One well-separated cluster per class: about 0.8 accuracy for a
            # linear model on all the data, so label efficiency shows.
            n_clusters_per_class=1,
            class_sep=1.5,
            random_state=0,
        )
    if name == "imbalanced":
        # Two classes at 10:1; the rare one is easy to miss at first.
        return datasets.make_classification(
            n_samples=2000,
            n_features=20,
            n_informative=6,
            n_redundant=2,
            weights=[10 / 11],
            class_sep=1.0,
            random_state=1,
        )
    if name == "many_classes":
        # 20 classes: a cold start cannot cover them all with few labels.
        return datasets.make_classification(
            n_samples=3000,
            n_features=30,
            n_informative=15,
            n_redundant=5,
            n_classes=20,
            n_clusters_per_class=1,
            class_sep=2.0,
            random_state=2,
        )
    if name == "friedman":
        return datasets.make_friedman1(
            n_samples=2000, n_features=10, noise=1.0, random_state=4
        )
    if name == "noisy":
        # 10% of the labels are wrong (a random other class): uncertainty
        # sampling is drawn to them.
        X, y = datasets.make_classification(
            n_samples=2000,
            n_features=20,
            n_informative=6,
            n_redundant=2,
            n_classes=4,
            n_clusters_per_class=1,
            class_sep=1.5,
            random_state=3,
        )
        rng = np.random.default_rng(3)
        wrong = rng.choice(y.shape[0], y.shape[0] // 10, replace=False)
        y[wrong] = (y[wrong] + rng.integers(1, 4, wrong.shape[0])) % 4
        return X, y
    return getattr(datasets, f"load_{name}")(return_X_y=True)


# --------------------------------------------------------------------- CSV
def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def load_csv(path, *, label_column=None, header=None, delimiter=","):
    """Read a CSV of numeric features and one label column.

    Parameters
    ----------
    path : str or path-like
        The CSV file (``.csv.gz`` is read through gzip).
    label_column : int or str, default=None
        Position (negative counts from the end) or header name of the label
        column. None: the column named ``label``, ``target``, ``class`` or
        ``y`` if the header has one, else the last column.
    header : bool, default=None
        Whether the first row names the columns. None infers it: the first
        row is a header when none of its fields is a number.
    delimiter : str, default=","

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), float64
        Empty feature cells become NaN.
    y : ndarray of shape (n_samples,)
        Integers when every label is one (an empty cell, an unlabeled row, is
        ``-1``); floats when every label is a number and one is not an integer
        (a regression target; an empty cell is NaN); else strings (dtype
        object, an empty cell ``-1``).

    Examples
    --------
    >>> import tempfile, os
    >>> from skal.datasets import load_csv
    >>> path = os.path.join(tempfile.mkdtemp(), "toy.csv")
    >>> with open(path, "w") as f:
    ...     _ = f.write("height,weight,label\\n1.5,50,cat\\n1.8,80,dog\\n1.6,,\\n")
    >>> X, y = load_csv(path)
    >>> X.tolist(), y.tolist()
    ([[1.5, 50.0], [1.8, 80.0], [1.6, nan]], ['cat', 'dog', -1])
    """
    opener = gzip.open if _starts_with(path, _GZIP_MAGIC) else open
    with opener(path, "rt", newline="", encoding="utf-8") as f:
        rows = [row for row in csv.reader(f, delimiter=delimiter) if row]
    if not rows:
        raise ValueError(f"{path} has no rows.")
    if header is None:
        header = not any(_is_number(cell) for cell in rows[0])
    names = [c.strip() for c in rows[0]] if header else None
    data = rows[1:] if header else rows
    if not data:
        raise ValueError(f"{path} has a header but no data rows.")
    n_cols = len(rows[0])
    if n_cols < 2:
        raise ValueError(
            f"{path} has {n_cols} column; a dataset needs at least one feature "
            "and a label column. Is the delimiter right?"
        )
    col = _label_position(label_column, names, n_cols, path)

    X = np.empty((len(data), n_cols - 1), dtype=np.float64)
    labels = []
    for i, row in enumerate(data):
        line = i + 1 + bool(header)
        if len(row) != n_cols:
            raise ValueError(
                f"{path}, line {line}: {len(row)} fields where the first row has "
                f"{n_cols}."
            )
        labels.append(row[col].strip())
        cells = row[:col] + row[col + 1 :]
        for j, cell in enumerate(cells):
            cell = cell.strip()
            try:
                X[i, j] = float(cell) if cell else np.nan
            except ValueError:
                feature = names[j + (j >= col)] if names else f"column {j + (j >= col)}"
                raise ValueError(
                    f"{path}, line {line}: feature {feature} = {cell!r} is not a "
                    "number. Encode categorical features as numbers first (e.g. "
                    "one-hot) or drop them."
                ) from None
    return X, _parse_labels(labels)


def _label_position(label_column, names, n_cols, path):
    if label_column is None:
        lowered = [n.lower() for n in names] if names else []
        for candidate in _LABEL_NAMES:
            if candidate in lowered:
                return lowered.index(candidate)
        return n_cols - 1
    if isinstance(label_column, str):
        if names is None:
            raise ValueError(
                f"label_column={label_column!r} names a column, but {path} has no "
                "header row; pass its position (an int) instead."
            )
        if label_column not in names:
            raise ValueError(
                f"label_column={label_column!r} is not a column of {path}; its "
                f"columns are {names}."
            )
        return names.index(label_column)
    if not -n_cols <= label_column < n_cols:
        raise ValueError(
            f"label_column={label_column} is out of range for {n_cols} columns."
        )
    return label_column % n_cols


def _parse_labels(labels):
    known = [lab for lab in labels if lab != ""]
    if all(_is_int(lab) for lab in known):
        return np.array(
            [int(lab) if lab != "" else UNLABELED for lab in labels], dtype=np.int64
        )
    if known and all(_is_number(lab) for lab in known):
        # Real numbers: a regression target, NaN where the cell is empty.
        return np.array(
            [float(lab) if lab != "" else np.nan for lab in labels], dtype=float
        )
    # Object, not a numpy string dtype, so that -1 can mark a missing label.
    return np.array([lab if lab != "" else UNLABELED for lab in labels], dtype=object)


def _is_int(text):
    try:
        int(text)
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------- IDX
def _starts_with(path, magic):
    with open(path, "rb") as f:
        return f.read(len(magic)) == magic


def _is_idx(path):
    opener = gzip.open if _starts_with(path, _GZIP_MAGIC) else open
    try:
        with opener(path, "rb") as f:
            head = f.read(4)
    except OSError:
        return False
    return len(head) == 4 and head[:2] == b"\0\0" and head[2] in _IDX_DTYPES


def read_idx(path):
    """Read an IDX file (the format of the MNIST files), gzipped or not.

    The format: two zero bytes, a type code (``0x08`` unsigned byte, ``0x09``
    signed byte, ``0x0B`` int16, ``0x0C`` int32, ``0x0D`` float32, ``0x0E``
    float64), the number of dimensions, each dimension as a big-endian
    uint32, then the values in C order, big-endian.

    Parameters
    ----------
    path : str or path-like
        The file; gzip compression is detected from its first bytes.

    Returns
    -------
    array : ndarray
        In native byte order, with the file's shape and type.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from skal.datasets import read_idx, write_idx
    >>> path = os.path.join(tempfile.mkdtemp(), "labels-idx1-ubyte.gz")
    >>> write_idx(path, np.array([5, 0, 4], dtype=np.uint8))
    >>> read_idx(path)
    array([5, 0, 4], dtype=uint8)
    """
    opener = gzip.open if _starts_with(path, _GZIP_MAGIC) else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[:2] != b"\0\0":
        raise ValueError(
            f"{path} is not an IDX file: it must start with two zero bytes, "
            f"found {raw[:2]!r}."
        )
    code, ndim = raw[2], raw[3]
    if code not in _IDX_DTYPES:
        raise ValueError(
            f"{path}: unknown IDX type code 0x{code:02X}; expected one of "
            f"{', '.join(f'0x{c:02X}' for c in _IDX_DTYPES)}."
        )
    if ndim == 0:
        raise ValueError(f"{path}: an IDX file needs at least one dimension.")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path} is truncated inside its header.")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = _IDX_DTYPES[code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    found = len(raw) - header
    if found != expected:
        raise ValueError(
            f"{path}: the header announces shape {shape} of {dtype.name} "
            f"({expected} bytes of data) but the file holds {found}; it is "
            f"{'truncated' if found < expected else 'longer than announced'}."
        )
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


def write_idx(path, array):
    """Write an array as an IDX file, gzipped if ``path`` ends with ``.gz``.

    Parameters
    ----------
    path : str or path-like
    array : array-like
        Of dtype uint8, int8, int16, int32, float32 or float64, with at least
        one dimension.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from skal.datasets import read_idx, write_idx
    >>> path = os.path.join(tempfile.mkdtemp(), "images-idx3-ubyte")
    >>> write_idx(path, np.zeros((2, 28, 28), dtype=np.uint8))
    >>> os.path.getsize(path), read_idx(path).shape
    (1584, (2, 28, 28))
    """
    array = np.asarray(array)
    code = _IDX_CODES.get(array.dtype.newbyteorder("="))
    if code is None:
        raise ValueError(
            f"IDX has no type for {array.dtype}; use uint8, int8, int16, int32, "
            "float32 or float64."
        )
    if array.ndim == 0 or array.ndim > 255:
        raise ValueError(f"IDX needs 1 to 255 dimensions, got {array.ndim}.")
    payload = (
        bytes([0, 0, code, array.ndim])
        + struct.pack(f">{array.ndim}I", *array.shape)
        + np.ascontiguousarray(array, dtype=_IDX_DTYPES[code]).tobytes()
    )
    opener = gzip.open if os.fspath(path).endswith(".gz") else open
    with opener(path, "wb") as f:
        f.write(payload)


def load_mnist(images, labels):
    """Load MNIST-style IDX files: images and their labels.

    Parameters
    ----------
    images : str or path-like
        IDX file of shape (n_samples, height, width) (or any shape whose first
        dimension counts samples), e.g. ``train-images-idx3-ubyte.gz``.
    labels : str or path-like
        IDX file of shape (n_samples,), e.g. ``train-labels-idx1-ubyte.gz``.

    Returns
    -------
    X : ndarray of shape (n_samples, height * width), float32
        Pixels, flattened; unsigned bytes are scaled to [0, 1].
    y : ndarray of shape (n_samples,), int64

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from skal.datasets import load_mnist, write_idx
    >>> d = tempfile.mkdtemp()
    >>> images = np.full((3, 28, 28), 255, dtype=np.uint8)
    >>> write_idx(os.path.join(d, "img.gz"), images)
    >>> write_idx(os.path.join(d, "lab.gz"), np.array([7, 2, 1], dtype=np.uint8))
    >>> X, y = load_mnist(os.path.join(d, "img.gz"), os.path.join(d, "lab.gz"))
    >>> X.shape, float(X.max()), y.tolist()
    ((3, 784), 1.0, [7, 2, 1])
    """
    X = read_idx(images)
    y = read_idx(labels)
    if y.ndim != 1:
        raise ValueError(
            f"{labels}: a label file has one dimension, found shape {y.shape}. "
            "Are the image and label files swapped?"
        )
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"{images} holds {X.shape[0]} images but {labels} holds {y.shape[0]} "
            "labels; pair the train (or test) files together."
        )
    scale = 255.0 if X.dtype == np.uint8 else 1.0
    X = X.reshape(X.shape[0], -1).astype(np.float32) / np.float32(scale)
    return X, y.astype(np.int64)
