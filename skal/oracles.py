"""Oracles: who answers the annotation loop's questions.

An oracle is asked about one pool sample at a time and answers with a label,
or with one of three markers:

- :data:`SKIP` -- "not now": the sample gets no label, is not asked again in
  this session, and is recorded in the journal. A later session (a loop
  resumed from the journal) may ask it again: whoever skipped may know better
  by then, and the model will have moved.
- :data:`UNKNOWN` -- "don't know": the sample gets no label and is never
  asked again, in this session or any resumed one (the journal remembers).
  Use it for samples that no label fits.
- :data:`STOP` -- end the session now; labels given so far are kept and a
  resumed loop continues with the round's remaining samples.

Synchronous oracles implement ``ask(sample, index)``. The Jupyter widget
oracle is asynchronous: the loop hands itself over to it and button clicks
drive it.
"""

import html
import struct
import zlib

import numpy as np

__all__ = [
    "SKIP",
    "STOP",
    "UNKNOWN",
    "FunctionOracle",
    "KnownLabels",
    "Oracle",
    "TerminalOracle",
    "WidgetOracle",
    "as_oracle",
]


class _Marker:
    def __init__(self, name, doc):
        self.name = name
        self.__doc__ = doc

    def __repr__(self):
        return self.name

    def __reduce__(self):
        # Unpickle to the same object, so identity checks keep working.
        return self.name


#: Answer meaning "skip this sample for now" (may be asked in a later session).
SKIP = _Marker("SKIP", "Skip this sample for now.")
#: Answer meaning "don't know": the sample is never asked again.
UNKNOWN = _Marker("UNKNOWN", "Don't know: never ask this sample again.")
#: Answer ending the session; labels given so far are kept.
STOP = _Marker("STOP", "Stop the session.")

MARKERS = (SKIP, UNKNOWN, STOP)


class Oracle:
    """Base class of oracles.

    Subclasses implement :meth:`ask`. An oracle with ``interactive = True``
    instead implements ``attach(loop)`` and drives the loop's
    ``next_query`` / ``submit`` itself (see :class:`WidgetOracle`).

    Examples
    --------
    >>> from skal.oracles import SKIP, Oracle
    >>> class ShortTextsOnly(Oracle):
    ...     def ask(self, sample, index):
    ...         if len(sample) > 20:
    ...             return SKIP  # too long to read now
    ...         return "question" if sample.endswith("?") else "statement"
    >>> oracle = ShortTextsOnly()
    >>> oracle.ask("Is it raining?", 0), oracle.ask("x" * 30, 1)
    ('question', SKIP)
    """

    interactive = False

    def ask(self, sample, index):
        """The answer for one sample.

        Parameters
        ----------
        sample : object
            The sample: a string, a row of numbers (1-d array or pandas
            Series), a 1-row sparse matrix.
        index : int
            Its position in the pool.

        Returns
        -------
        answer : label or one of SKIP, UNKNOWN, STOP
            The label, or a marker (see :mod:`skal.oracles`).
        """
        raise NotImplementedError


class KnownLabels(Oracle):
    """An oracle that knows every label already: for simulations and tests.

    Parameters
    ----------
    y : array-like of shape (n_pool,)
        The true label of every pool sample, by position.

    Examples
    --------
    >>> from skal.oracles import KnownLabels
    >>> KnownLabels(["a", "b", "c"]).ask(None, 1)
    'b'
    """

    def __init__(self, y):
        self.y = y
        values = y.to_numpy() if hasattr(y, "to_numpy") else y
        self._y = np.asarray(values, dtype=object if isinstance(y, list) else None)

    def ask(self, sample, index):
        value = self._y[index]
        return value.item() if isinstance(value, np.generic) else value

    def __repr__(self):
        return f"KnownLabels(<{len(self._y)} labels>)"


class FunctionOracle(Oracle):
    """An oracle from any function of the sample.

    Parameters
    ----------
    func : callable
        ``func(sample) -> answer``; may return :data:`SKIP`, :data:`UNKNOWN`
        or :data:`STOP`.

    Examples
    --------
    >>> from skal.oracles import FunctionOracle
    >>> oracle = FunctionOracle(lambda text: "question" if "?" in text else "statement")
    >>> oracle.ask("is it?", 0), oracle.ask("it is.", 1)
    ('question', 'statement')
    """

    def __init__(self, func):
        if not callable(func):
            raise TypeError(f"func must be callable, got {func!r}.")
        self.func = func

    def ask(self, sample, index):
        return self.func(sample)

    def __repr__(self):
        return f"FunctionOracle({getattr(self.func, '__name__', self.func)!r})"


def as_oracle(oracle):
    """An :class:`Oracle` from an oracle or a function of the sample.

    Parameters
    ----------
    oracle : Oracle or callable
        An oracle, or ``func(sample) -> answer``.

    Returns
    -------
    oracle : Oracle
        ``oracle`` itself, or a :class:`FunctionOracle` around it.

    Examples
    --------
    >>> from skal.oracles import as_oracle
    >>> as_oracle(len).ask("four", 0)
    4
    """
    if isinstance(oracle, Oracle):
        return oracle
    if callable(oracle):
        return FunctionOracle(oracle)
    raise TypeError(
        "An oracle is an skal.oracles.Oracle (KnownLabels, TerminalOracle, "
        f"WidgetOracle, ...) or a function of the sample; got {oracle!r}."
    )


# ---------------------------------------------------------------- rendering
def describe(sample, *, feature_names=None, max_chars=2000, max_features=30):
    """Plain-text view of a sample, for the terminal.

    Parameters
    ----------
    sample : object
        A string, a 1-d array, a pandas Series or a 1-row sparse matrix.
    feature_names : list of str, default=None
        Names of the features of an array row.
    max_chars : int, default=2000
        Longer texts are cut, with a note saying how much was left out.
    max_features : int, default=30
        Features shown at most.

    Returns
    -------
    text : str

    Examples
    --------
    >>> import numpy as np
    >>> from skal.oracles import describe
    >>> print(describe(np.array([5.1, 3.5]), feature_names=["length", "width"]))
    length: 5.1
    width: 3.5
    """
    if isinstance(sample, bytes):
        sample = sample.decode("utf-8", "replace")
    if isinstance(sample, str):
        if len(sample) > max_chars:
            return sample[:max_chars] + f" [... {len(sample) - max_chars} more chars]"
        return sample
    if hasattr(sample, "tocoo"):  # a sparse row: show its non-zeros only
        coo = sample.tocoo()
        names = coo.col if feature_names is None else np.asarray(feature_names)[coo.col]
        pairs = list(zip(names.tolist(), coo.data.tolist(), strict=True))
    elif hasattr(sample, "items") and hasattr(sample, "index"):  # pandas Series
        pairs = list(sample.items())
    else:
        values = np.asarray(sample)
        if values.ndim != 1:
            return np.array2string(values, threshold=200)
        names = (
            [f"x[{i}]" for i in range(values.shape[0])]
            if feature_names is None
            else list(feature_names)
        )
        if len(names) != values.shape[0]:
            raise ValueError(
                f"{len(names)} feature names for a sample of {values.shape[0]} "
                "features."
            )
        pairs = list(zip(names, values.tolist(), strict=True))
    lines = [f"{name}: {value}" for name, value in pairs[:max_features]]
    if len(pairs) > max_features:
        lines.append(f"... {len(pairs) - max_features} more features")
    return "\n".join(lines)


def _parse(text, classes, allow_skip):
    text = text.strip()
    if not text:
        return None
    if text.isdigit() and 1 <= int(text) <= len(classes):
        return classes[int(text) - 1]
    for c in classes:
        if text == str(c):
            return c
    lowered = text.lower()
    if allow_skip and lowered in ("s", "skip"):
        return SKIP
    if allow_skip and lowered in ("?", "d", "dk", "don't know", "dont know"):
        return UNKNOWN
    if lowered in ("q", "quit", "stop"):
        return STOP
    return None


class TerminalOracle(Oracle):
    """Ask a person in the terminal.

    Shows the sample and the choices, and reads an answer: the number or the
    name of a class, ``s`` to skip, ``?`` for "don't know", ``q`` to stop
    (end of input stops too). Numbers win over class names, and class names
    over the commands, so a class called "s" stays reachable. An invalid
    answer is asked again.

    Parameters
    ----------
    classes : list
        The labels to choose from, in the order shown.
    input : callable, default=None
        Reads a line given a prompt; :func:`input` if None. Injectable for
        tests and other front ends.
    print : callable, default=None
        Writes a line; :func:`print` if None.
    feature_names : list of str, default=None
        Names shown for the features of numeric rows.
    render : callable, default=None
        ``render(sample) -> str`` replacing the default :func:`describe`.
    allow_skip : bool, default=True
        Offer skip and "don't know".

    Examples
    --------
    >>> from skal.oracles import TerminalOracle
    >>> answers = iter(["maybe", "2"])
    >>> oracle = TerminalOracle(["cat", "dog"], input=lambda prompt: next(answers))
    >>> oracle.ask("a barking animal", 7)
    <BLANKLINE>
    --- sample 7 ---
    a barking animal
    [1] cat  [2] dog  [s] skip  [?] don't know  [q] quit
    Not an answer: 'maybe'. Type a number from 1 to 2, a class name, s, ? or q.
    'dog'
    """

    def __init__(
        self,
        classes,
        *,
        input=None,
        print=None,
        feature_names=None,
        render=None,
        allow_skip=True,
    ):
        self.classes = list(classes)
        if len(self.classes) < 1:
            raise ValueError("classes must list at least one label.")
        self.input = input
        self.print = print
        self.feature_names = feature_names
        self.render = render
        self.allow_skip = allow_skip

    def _menu(self):
        items = [f"[{i}] {c}" for i, c in enumerate(self.classes, start=1)]
        if self.allow_skip:
            items += ["[s] skip", "[?] don't know"]
        items.append("[q] quit")
        return "  ".join(items)

    def ask(self, sample, index):
        import builtins

        read = self.input if self.input is not None else builtins.input
        write = self.print if self.print is not None else builtins.print
        view = (
            self.render(sample)
            if self.render is not None
            else describe(sample, feature_names=self.feature_names)
        )
        write(f"\n--- sample {index} ---\n{view}\n{self._menu()}")
        while True:
            try:
                text = read("label> ")
            except EOFError:
                return STOP
            if not text.strip():
                continue  # a stray Enter is not a mistake worth a scolding
            answer = _parse(text, self.classes, self.allow_skip)
            if answer is not None:
                return answer
            commands = "s, ? or q" if self.allow_skip else "q"
            write(
                f"Not an answer: {text!r}. Type a number from 1 to "
                f"{len(self.classes)}, a class name, {commands}."
            )

    def __repr__(self):
        return f"TerminalOracle({self.classes!r})"


# ------------------------------------------------------------------ widgets
def png_bytes(image):
    """Encode a 2-d (grey) or 3-d (RGB / RGBA) array as PNG, without Pillow.

    Integer arrays are taken as 0..255; float arrays in [0, 1] are scaled to
    it, other floats are stretched from their minimum to their maximum.

    Parameters
    ----------
    image : ndarray of shape (height, width) or (height, width, 3 or 4)

    Returns
    -------
    png : bytes

    Examples
    --------
    >>> import numpy as np
    >>> from skal.oracles import png_bytes
    >>> png_bytes(np.eye(4))[:8]
    b'\\x89PNG\\r\\n\\x1a\\n'
    """
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
    height, width = arr.shape[:2]
    color = {2: 0, 3: 2, 4: 6}[arr.shape[2] if arr.ndim == 3 else 2]
    rows = arr.reshape(height, -1)
    raw = np.hstack([np.zeros((height, 1), dtype=np.uint8), rows]).tobytes()

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, color, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


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
    >>> from skal.oracles import WidgetOracle
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
            f"{self.loop.n_labels_} labels so far"
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
                f"{self.loop.stop_reason_}; {self.loop.n_labels_} labels given."
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
