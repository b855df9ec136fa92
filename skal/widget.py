"""Label in a Jupyter notebook: :class:`WidgetOracle`."""

import html
import io

import numpy as np

from skal.oracles import SKIP, STOP, UNKNOWN, Oracle
from skal.terminal import describe

__all__ = ["WidgetOracle", "png_bytes"]


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


def _import_widgets():
    try:
        import ipywidgets
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            "WidgetOracle needs ipywidgets: pip install 'skal[widgets]'."
        ) from exc
    return ipywidgets


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


class WidgetOracle(Oracle):
    """Label in a Jupyter notebook: the sample above, one button per class.

    Texts are shown as text, rows of numbers as a table, and image arrays
    (2-d grey, 3-d RGB/RGBA, or flat rows with ``image_shape``) as a picture.
    Buttons for "skip", "don't know" and "stop" come after the classes.

    The widget is asynchronous: ``AnnotationLoop.run()`` returns at once,
    leaving the widget displayed; each click records the answer (committed
    to the journal, if any) and shows the next sample, until a stopping
    criterion fires. ``ipywidgets`` is imported only when this oracle is
    created.

    Parameters
    ----------
    classes : list
        The labels, one button each.
    render : callable, default=None
        ``render(sample) -> str`` of HTML replacing the default view.
    image_shape : tuple of int, default=None
        Reshape each sample to this before showing it as an image (e.g.
        ``(28, 28)`` for flattened MNIST rows).
    feature_names : list of str, default=None
        Names shown for the features of numeric rows.
    allow_skip : bool, default=True
        Offer "skip" and "don't know".
    display : bool, default=True
        Display the widget when attached to a loop (in IPython).

    Attributes
    ----------
    widget : ipywidgets.VBox
        The whole widget, to display or embed.
    buttons : dict
        Button of each class, plus ``SKIP``, ``UNKNOWN`` and ``STOP``.
    error_ : Exception or None
        The last error raised while handling a click (also shown in the
        widget, since notebooks swallow exceptions raised in callbacks).

    Examples
    --------
    >>> import numpy as np
    >>> from skal.widget import WidgetOracle
    >>> oracle = WidgetOracle(["cat", "dog"], display=False)
    >>> sorted(map(str, oracle.buttons))
    ['SKIP', 'STOP', 'UNKNOWN', 'cat', 'dog']
    >>> oracle.show(np.zeros((8, 8)), 3)
    >>> oracle.image.layout.display is None
    True
    """

    interactive = True

    def __init__(
        self,
        classes,
        *,
        render=None,
        image_shape=None,
        feature_names=None,
        allow_skip=True,
        display=True,
    ):
        widgets = _import_widgets()
        self.classes = list(classes)
        self.render = render
        self.image_shape = image_shape
        self.feature_names = feature_names
        self.allow_skip = allow_skip
        self.display = display
        self.loop = None
        self.error_ = None
        self.header = widgets.HTML()
        self.text = widgets.HTML()
        self.image = widgets.Image(format="png")
        self.status = widgets.HTML()
        self.buttons = {}
        for c in self.classes:
            self.buttons[c] = widgets.Button(description=str(c), button_style="info")
        extra = [(SKIP, "skip"), (UNKNOWN, "don't know")] if allow_skip else []
        for marker, text in [*extra, (STOP, "stop")]:
            self.buttons[marker] = widgets.Button(description=text)
        for answer, button in self.buttons.items():
            button.on_click(self._handler(answer))
        self.widget = widgets.VBox(
            [
                self.header,
                self.text,
                self.image,
                widgets.HBox(list(self.buttons.values())),
                self.status,
            ]
        )
        self._set_enabled(False)

    def _handler(self, answer):
        def on_click(_button):
            self.answer(answer)

        return on_click

    def _set_enabled(self, enabled):
        for button in self.buttons.values():
            button.disabled = not enabled

    def show(self, sample, index):
        """Display one sample (without asking for it).

        Parameters
        ----------
        sample : object
            A text, a row of numbers or an image array.
        index : int
            Its position in the pool, shown in the header.
        """
        self.header.value = f"<b>Sample {index}</b>" + (
            ""
            if self.loop is None
            else f" &middot; round {self.loop.round_} &middot; "
            f"{self.loop.n_bought_} labels so far"
        )
        image = None if self.render is not None else _as_image(sample, self.image_shape)
        if image is not None:
            self.image.value = png_bytes(image)
            side = max(160, min(480, 8 * max(image.shape[:2])))
            self.image.layout.width = f"{side}px"
            self.image.layout.display = None
            self.text.value = ""
        else:
            self.image.layout.display = "none"
            if self.render is not None:
                self.text.value = self.render(sample)
            else:
                view = describe(sample, feature_names=self.feature_names)
                self.text.value = (
                    '<pre style="white-space: pre-wrap">' + html.escape(view) + "</pre>"
                )

    def attach(self, loop):
        """Drive ``loop``: show its first question and answer it on clicks.

        Parameters
        ----------
        loop : AnnotationLoop
            The loop to drive; its journal records each click.

        Returns
        -------
        widget : ipywidgets.VBox
            :attr:`widget`, showing the first question.
        """
        self.loop = loop
        self._next()
        if self.display:
            try:
                from IPython import get_ipython
                from IPython.display import display
            except ImportError:  # pragma: no cover - no IPython, nothing to show on
                return self.widget
            if get_ipython() is not None:
                display(self.widget)
        return self.widget

    def _next(self):
        index = self.loop.next_query()
        if index is None:
            self._set_enabled(False)
            self.header.value = "<b>Done.</b>"
            self.text.value = html.escape(
                f"{self.loop.stop_reason_}; {self.loop.n_bought_} labels given."
            )
            self.image.layout.display = "none"
            return
        self.show(self.loop.sample(index), index)
        self._set_enabled(True)

    def answer(self, answer):
        """Answer the sample on display, as a click on its button does.

        Parameters
        ----------
        answer : label or one of SKIP, UNKNOWN, STOP
            What the person chose.
        """
        if self.loop is None:
            raise RuntimeError("This WidgetOracle is not attached to a loop.")
        try:
            self.loop.submit(answer)
            self._next()
        except Exception as exc:
            # Callbacks' exceptions vanish into the kernel log; show it.
            self.error_ = exc
            self.status.value = (
                '<span style="color: #b00">Error: '
                + html.escape(f"{type(exc).__name__}: {exc}")
                + "</span>"
            )
            raise
        self.error_ = None
        self.status.value = ""

    def __repr__(self):
        return f"WidgetOracle({self.classes!r})"
