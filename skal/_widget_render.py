"""How :class:`skal.widget.WidgetOracle` shows things: samples as HTML or
sharp PNG images, and the shortcut key of each class."""

import base64
import html
import io

import numpy as np

from skal.terminal import describe

__all__ = ["keys_for", "percent", "png_bytes", "sample_item"]


def png_bytes(image):
    """Encode a 2-d (grey) or 3-d (RGB / RGBA) array as PNG.

    Integer arrays are taken as 0..255; float arrays in [0, 1] are scaled to
    it, other floats are stretched from their minimum to their maximum. The
    encoding is Pillow's (a dependency of matplotlib, which the ``widgets``
    extra installs).

    Parameters
    ----------
    image : ndarray of shape (height, width) or (height, width, 3 or 4)

    Returns
    -------
    png : bytes

    Examples
    --------
    >>> import numpy as np
    >>> from skal.widget import png_bytes
    >>> png_bytes(np.eye(4))[:8]
    b'\\x89PNG\\r\\n\\x1a\\n'
    """
    from PIL import Image

    arr = np.asarray(image)
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] not in (3, 4)):
        raise ValueError(
            f"An image is (height, width) or (height, width, 3|4); got {arr.shape}."
        )
    if arr.dtype.kind == "f":
        finite = arr[np.isfinite(arr)]
        lo, hi = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
        if lo >= 0 and hi <= 1:
            lo, hi = 0.0, 1.0
        arr = (np.nan_to_num(arr, nan=lo) - lo) / ((hi - lo) or 1.0) * 255
    arr = np.clip(arr, 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(arr).save(buffer, format="PNG")
    return buffer.getvalue()


def _as_image(sample, image_shape):
    """The sample as an image array, or None if it is not one."""
    if isinstance(sample, (str, bytes)) or hasattr(sample, "tocoo"):
        return None
    if hasattr(sample, "to_numpy"):
        sample = sample.to_numpy()
    arr = np.asarray(sample)
    if arr.dtype.kind not in "biuf":
        return None
    if image_shape is not None:
        return arr.reshape(image_shape)
    if arr.ndim == 2 or (arr.ndim == 3 and arr.shape[2] in (1, 3, 4)):
        return arr
    return None


# Shortcut keys: digits, then letters; s, d and u are the commands'.
_KEYS = [*"1234567890", *"abcefghijklmnopqrtvwxyz"]


def keys_for(classes):
    """One key per class: the class itself when every class is a distinct
    one-character key (the digits 0-9 get their own digit), else 1, 2, ...,
    9, 0, then letters (none past the 32nd class)."""
    names = [str(c) for c in classes]
    if len(set(names)) == len(names) and all(n in _KEYS for n in names):
        return names
    return [_KEYS[i] if i < len(_KEYS) else "" for i in range(len(names))]


def percent(confidence):
    return "" if confidence is None else f" ({confidence:.0%})"


def sample_item(sample, index, *, render, image_shape, feature_names, small=False):
    """What the browser shows of one sample: its HTML, or its image (a PNG
    data URL) and the width to show it at."""
    item = {"index": int(index), "html": "", "image": "", "width": 0, "note": ""}
    image = None if render is not None else _as_image(sample, image_shape)
    if image is not None:
        png = png_bytes(image)
        item["image"] = "data:image/png;base64," + base64.b64encode(png).decode()
        side = max(image.shape[:2])
        # Small images are enlarged by a whole factor, pixels kept sharp.
        item["width"] = int(image.shape[1] * max(1, (160 if small else 320) // side))
    elif render is not None:
        item["html"] = render(sample)
    else:
        view = describe(sample, feature_names=feature_names)
        item["html"] = "<pre>" + html.escape(view) + "</pre>"
    return item
