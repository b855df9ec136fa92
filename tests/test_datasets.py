import gzip
import struct

import numpy as np
import pytest

from skal.datasets import (
    DATASETS,
    load_csv,
    load_dataset,
    load_mnist,
    read_idx,
    write_idx,
)


# ----------------------------------------------------------- shipped sets
@pytest.mark.parametrize(
    "name, shape, n_classes",
    [
        ("digits", (1797, 64), 10),
        ("wine", (178, 13), 3),
        ("breast_cancer", (569, 30), 2),
        ("iris", (150, 4), 3),
        ("synthetic", (1000, 20), 4),
    ],
)
def test_named_datasets(name, shape, n_classes):
    X, y = load_dataset(name)
    assert X.shape == shape and y.shape == (shape[0],)
    assert np.unique(y).shape[0] == n_classes
    assert name in DATASETS


def test_default_is_digits_and_synthetic_is_seeded():
    X, _ = load_dataset()
    assert X.shape == (1797, 64)
    X1, y1 = load_dataset("synthetic")
    X2, y2 = load_dataset("synthetic")
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)


def test_unknown_dataset_lists_the_names(tmp_path):
    with pytest.raises(ValueError, match="not one of .*digits"):
        load_dataset("mnist-but-not-a-file")
    other = tmp_path / "data.bin"
    other.write_bytes(b"\x01\x02\x03\x04\x05")
    with pytest.raises(ValueError, match="Cannot tell the format"):
        load_dataset(other)


# --------------------------------------------------------------------- CSV
def test_csv_header_inferred_and_label_by_name(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,target,b\n1,0,2\n3,1,4\n5,1,6\n")
    X, y = load_csv(path)
    np.testing.assert_array_equal(X, [[1, 2], [3, 4], [5, 6]])
    assert y.dtype == np.int64 and y.tolist() == [0, 1, 1]
    X, y = load_csv(path, label_column="b")
    assert X[:, 1].tolist() == [0, 1, 1] and y.tolist() == [2, 4, 6]
    X, y = load_dataset(path, label_column=0)
    assert y.tolist() == [1, 3, 5]


def test_csv_without_header_uses_last_column(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("1.5,2,cat\n3,4.25,dog\n")
    X, y = load_csv(path)
    assert X.tolist() == [[1.5, 2.0], [3.0, 4.25]]
    assert y.dtype == object and y.tolist() == ["cat", "dog"]
    with pytest.raises(ValueError, match="line 1: feature column 2 = 'cat'"):
        load_csv(path, label_column=-3)
    # Forcing a header drops the first row.
    X, y = load_csv(path, header=True)
    assert X.shape == (1, 2) and y.tolist() == ["dog"]


def test_csv_real_number_labels_are_floats_and_words_stay_strings(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("1,0.5\n2,3\n3,\n")
    X, y = load_csv(path)
    # A regression target: floats, NaN where the cell is empty.
    assert X.tolist() == [[1.0], [2.0], [3.0]] and y.dtype == float
    assert y[:2].tolist() == [0.5, 3.0] and np.isnan(y[2])
    path.write_text("1,0.5\n2,cat\n")
    assert load_csv(path)[1].tolist() == ["0.5", "cat"]


def test_csv_missing_values(tmp_path):
    path = tmp_path / "d.csv.gz"
    with gzip.open(path, "wt") as f:
        f.write("x,y,label\n1,,3\n2,5,\n")
    X, y = load_csv(path)
    assert np.isnan(X[0, 1]) and X[1].tolist() == [2, 5]
    assert y.tolist() == [3, -1]


@pytest.mark.parametrize(
    "text, kwargs, match",
    [
        ("a,b\n1,x\n2,3\n", {"label_column": 0}, "line 2: feature b = 'x'"),
        ("a,b\n1,2\n2,3,4\n", {}, "line 3: 3 fields"),
        ("a\n1\n", {}, "at least one feature"),
        ("1,2\n3,4\n", {"label_column": "b"}, "no header row"),
        ("a,b\n1,2\n", {"label_column": "c"}, r"columns are \['a', 'b'\]"),
        ("a,b\n1,2\n", {"label_column": 5}, "out of range"),
        ("a,b\n", {}, "no data rows"),
        ("", {}, "no rows"),
    ],
)
def test_csv_errors(tmp_path, text, kwargs, match):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match=match):
        load_csv(path, **kwargs)


# --------------------------------------------------------------------- IDX
def _idx_bytes(code, shape, fmt, values):
    """An IDX file built by hand from the format's description."""
    head = bytes([0, 0, code, len(shape)]) + struct.pack(f">{len(shape)}I", *shape)
    return head + struct.pack(f">{len(values)}{fmt}", *values)


def test_read_idx_hand_built_files(tmp_path):
    images = list(range(2 * 3 * 4))
    path = tmp_path / "images-idx3-ubyte"
    path.write_bytes(_idx_bytes(0x08, (2, 3, 4), "B", images))
    arr = read_idx(path)
    assert arr.dtype == np.uint8 and arr.shape == (2, 3, 4)
    assert arr[1, 2, 3] == 23 and arr[0, 1, 0] == 4

    path = tmp_path / "int16.idx.gz"
    path.write_bytes(gzip.compress(_idx_bytes(0x0B, (3,), "h", [-2, 300, 7])))
    arr = read_idx(path)
    assert arr.dtype == np.int16 and arr.dtype.isnative
    assert arr.tolist() == [-2, 300, 7]

    path = tmp_path / "f64"
    path.write_bytes(_idx_bytes(0x0E, (1, 2), "d", [0.5, -1e300]))
    assert read_idx(path).tolist() == [[0.5, -1e300]]
    path.write_bytes(_idx_bytes(0x0C, (2,), "i", [-(2**31), 2**31 - 1]))
    assert read_idx(path).tolist() == [-(2**31), 2**31 - 1]


@pytest.mark.parametrize(
    "payload, match",
    [
        (b"\x01\x00\x08\x01\x00\x00\x00\x01\x05", "two zero bytes"),
        (b"\x00\x00\x0a\x01\x00\x00\x00\x01\x05", "unknown IDX type code 0x0A"),
        (b"\x00\x00\x08\x02\x00\x00\x00\x01", "truncated inside its header"),
        (b"\x00\x00\x08\x01\x00\x00\x00\x03\x05", "holds 1; it is truncated"),
        (b"\x00\x00\x08\x01\x00\x00\x00\x01\x05\x06", "longer than announced"),
        (b"\x00\x00\x08\x00", "at least one dimension"),
    ],
)
def test_read_idx_errors(tmp_path, payload, match):
    path = tmp_path / "bad.idx"
    path.write_bytes(payload)
    with pytest.raises(ValueError, match=match):
        read_idx(path)


@pytest.mark.parametrize(
    "dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64]
)
def test_write_idx_matches_format(tmp_path, dtype):
    rng = np.random.default_rng(0)
    arr = (rng.normal(size=(4, 5)) * 50).astype(dtype)
    path = tmp_path / "a.idx"
    write_idx(path, arr)
    raw = path.read_bytes()
    code = {
        np.uint8: 8,
        np.int8: 9,
        np.int16: 11,
        np.int32: 12,
        np.float32: 13,
        np.float64: 14,
    }
    assert raw[:4] == bytes([0, 0, code[dtype], 2])
    assert struct.unpack(">2I", raw[4:12]) == (4, 5)
    # Big-endian values regardless of the machine.
    assert raw[12:] == arr.astype(np.dtype(dtype).newbyteorder(">")).tobytes()
    back = read_idx(path)
    assert back.dtype == dtype
    np.testing.assert_array_equal(back, arr)
    gz = tmp_path / "a.idx.gz"
    write_idx(gz, arr)
    assert gz.read_bytes()[:2] == b"\x1f\x8b"
    np.testing.assert_array_equal(read_idx(gz), arr)


def test_write_idx_rejects_unsupported():
    with pytest.raises(ValueError, match="no type for int64"):
        write_idx("never-written", np.arange(3, dtype=np.int64))
    with pytest.raises(ValueError, match="1 to 255 dimensions"):
        write_idx("never-written", np.uint8(3))


@pytest.fixture
def mnist_files(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(6, 28, 28), dtype=np.uint8)
    labels = np.array([5, 0, 4, 1, 9, 2], dtype=np.uint8)
    img = tmp_path / "train-images-idx3-ubyte.gz"
    lab = tmp_path / "train-labels-idx1-ubyte.gz"
    img.write_bytes(
        gzip.compress(_idx_bytes(0x08, images.shape, "B", images.ravel().tolist()))
    )
    lab.write_bytes(gzip.compress(_idx_bytes(0x08, labels.shape, "B", labels)))
    return img, lab, images, labels


def test_load_mnist(mnist_files):
    img, lab, images, labels = mnist_files
    X, y = load_mnist(img, lab)
    assert X.shape == (6, 784) and X.dtype == np.float32
    np.testing.assert_allclose(X[3].reshape(28, 28) * 255, images[3], atol=1e-4)
    assert y.dtype == np.int64 and y.tolist() == labels.tolist()
    X2, y2 = load_dataset(img, labels=lab)
    np.testing.assert_array_equal(X2, X)
    with pytest.raises(ValueError, match="pass the matching IDX label file"):
        load_dataset(img)


def test_load_mnist_mismatch(mnist_files, tmp_path):
    img, lab, _, _ = mnist_files
    with pytest.raises(ValueError, match="swapped"):
        load_mnist(lab, img)
    short = tmp_path / "short"
    write_idx(short, np.array([1, 2], dtype=np.uint8))
    with pytest.raises(ValueError, match="holds 6 images but .* holds 2 labels"):
        load_mnist(img, short)
