"""Turn Label Studio tasks into the rows a learner is fitted on.

Three built-in ways, chosen from the labeling configuration, and a fourth
that the user writes:

- texts (``<Text>``, ``<HyperText>``): one string per task, for a pipeline
  that starts with a vectorizer;
- images (``<Image>``): the picture downloaded (with the token when Label
  Studio serves it), converted to grayscale, resized and flattened to pixel
  values in [0, 1];
- feature columns: numeric fields of the task data;
- ``featurize(tasks)``: any callable returning one row per task.
"""

import io
from numbers import Integral

import numpy as np

from skal.integrations.label_studio._config import IMAGE_TAGS, TEXT_TAGS

__all__ = [
    "check_rows",
    "default_featurizer",
    "feature_columns_matrix",
    "image_vector",
]


def image_vector(content, size=(16, 16)):
    """A picture as a flat vector of grayscale pixels in [0, 1].

    Parameters
    ----------
    content : bytes
        An image file (PNG, JPEG, ... anything Pillow reads).
    size : tuple of int, default=(16, 16)
        Width and height it is resized to.

    Returns
    -------
    vector : ndarray of shape (width * height,)

    Examples
    --------
    >>> import io
    >>> from PIL import Image
    >>> from skal.integrations.label_studio import image_vector
    >>> buffer = io.BytesIO()
    >>> Image.new("L", (4, 4), color=255).save(buffer, format="PNG")
    >>> image_vector(buffer.getvalue(), size=(2, 2))
    array([1., 1., 1., 1.])
    """
    from PIL import Image

    with Image.open(io.BytesIO(content)) as picture:
        small = picture.convert("L").resize(tuple(size), Image.Resampling.BILINEAR)
        return np.asarray(small, dtype=np.float64).ravel() / 255.0


def feature_columns_matrix(tasks, columns):
    """Numeric task-data fields as a float matrix.

    Parameters
    ----------
    tasks : list of dict
        Tasks with their ``data``.
    columns : list of str
        Data fields, one per feature.

    Returns
    -------
    X : ndarray of shape (n_tasks, n_columns)

    Raises
    ------
    ValueError
        Naming the task and field that is missing or not a finite number.

    Examples
    --------
    >>> from skal.integrations.label_studio import feature_columns_matrix
    >>> feature_columns_matrix(
    ...     [{"id": 1, "data": {"a": 1, "b": "2.5"}}], ["a", "b"])
    array([[1. , 2.5]])
    """
    X = np.empty((len(tasks), len(columns)))
    for i, task in enumerate(tasks):
        data = task.get("data") or {}
        for j, column in enumerate(columns):
            if column not in data:
                raise ValueError(
                    f"Task {task.get('id')} has no data field {column!r} (it has "
                    f"{sorted(data)}); every task needs each feature column."
                )
            value = data[column]
            try:
                X[i, j] = float(value) if not isinstance(value, bool) else np.nan
            except (TypeError, ValueError):
                X[i, j] = np.nan
            if not np.isfinite(X[i, j]):
                raise ValueError(
                    f"Task {task.get('id')}, field {column!r}: {value!r} is not a "
                    "finite number."
                )
    return X


class _Texts:
    def __init__(self, key, client, by_url):
        self.key, self.client, self.by_url = key, client, by_url
        self._cache = {}

    def __call__(self, tasks):
        texts = []
        for task in tasks:
            value = _field(task, self.key)
            if self.by_url:
                if value not in self._cache:
                    content = self.client.get_bytes(value)
                    self._cache[value] = content.decode("utf-8", "replace")
                value = self._cache[value]
            elif not isinstance(value, str):
                value = "" if value is None else str(value)
            texts.append(value)
        return np.array(texts, dtype=object)


class _Images:
    def __init__(self, key, client, size):
        self.key, self.client, self.size = key, client, tuple(size)
        # Pictures do not change behind a URL; each is downloaded once.
        self._cache = {}

    def __call__(self, tasks):
        rows = []
        for task in tasks:
            url = _field(task, self.key)
            if url not in self._cache:
                try:
                    self._cache[url] = image_vector(
                        self.client.get_bytes(url), self.size
                    )
                except OSError as exc:
                    raise ValueError(
                        f"Task {task.get('id')}: {url!r} is not an image Pillow can "
                        f"read ({exc})."
                    ) from None
            rows.append(self._cache[url])
        return np.vstack(rows) if rows else np.empty((0, self.size[0] * self.size[1]))


def _field(task, key):
    data = task.get("data") or {}
    if key not in data:
        raise ValueError(
            f"Task {task.get('id')} has no data field {key!r} (it has {sorted(data)}), "
            "which the labeling configuration's object tag reads."
        )
    return data[key]


def _check_size(image_size):
    if (
        not isinstance(image_size, (tuple, list))
        or len(image_size) != 2
        or not all(isinstance(v, Integral) and v > 0 for v in image_size)
    ):
        raise ValueError(
            f"image_size must be (width, height) in pixels, got {image_size!r}."
        )


def default_featurizer(target, client, *, feature_columns=None, image_size=(16, 16)):
    """The featurizer a project's configuration calls for.

    Parameters
    ----------
    target : ChoicesTarget
        The control learned and its object tag.
    client : LabelStudioClient
        Downloads images and texts given by URL.
    feature_columns : list of str, default=None
        Numeric data fields to use instead of the object's content.
    image_size : tuple of int, default=(16, 16)
        Size images are resized to.

    Returns
    -------
    featurize : callable
        ``featurize(tasks) -> X``.

    Raises
    ------
    ValueError
        For an object tag skal cannot read (pass ``featurize``).

    Examples
    --------
    >>> from skal.integrations.label_studio._config import ChoicesTarget
    >>> from skal.integrations.label_studio._features import default_featurizer
    >>> target = ChoicesTarget("topic", "text", "Text", "text", None, ("a", "b"))
    >>> featurize = default_featurizer(target, client=None)
    >>> featurize([{"id": 1, "data": {"text": "hello"}}])
    array(['hello'], dtype=object)
    """
    if feature_columns is not None:
        columns = [feature_columns] if isinstance(feature_columns, str) else None
        columns = columns or list(feature_columns)
        if not columns or not all(isinstance(c, str) for c in columns):
            raise ValueError(
                f"feature_columns must be data field names, got {feature_columns!r}."
            )
        return lambda tasks: feature_columns_matrix(tasks, columns)
    if target.data_key is None:
        raise ValueError(
            f"The object tag {target.to_name!r} reads no task field ($...); pass "
            "featurize or feature_columns."
        )
    if target.object_type in TEXT_TAGS:
        return _Texts(target.data_key, client, by_url=target.value_type == "url")
    if target.object_type in IMAGE_TAGS:
        _check_size(image_size)
        return _Images(target.data_key, client, image_size)
    raise ValueError(
        f"skal has no built-in features for <{target.object_type}> tasks; pass "
        "featurize=callable(tasks) -> X (one row per task), or feature_columns "
        "for numeric data fields."
    )


def check_rows(X, n_tasks):
    """Refuse a featurizer's output that has not one row per task."""
    n = X.shape[0] if hasattr(X, "shape") else len(X)
    if n != n_tasks:
        raise ValueError(
            f"featurize returned {n} rows for {n_tasks} tasks; it must return one "
            "row per task, in the order given."
        )
    if isinstance(X, np.ndarray) and X.dtype.kind == "f" and not np.isfinite(X).all():
        raise ValueError("featurize returned NaN or infinite values.")
    return X
