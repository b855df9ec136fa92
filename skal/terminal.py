"""Ask a person in the terminal: :class:`TerminalOracle`, and
:func:`describe`, the plain-text view of a sample."""

import re

import numpy as np

from skal.oracles import SKIP, STOP, UNDO, UNKNOWN, Oracle, Relabel

__all__ = ["TerminalOracle", "describe", "printable"]

# Terminal controls: C0 (but tab and newline), DEL, C1, and the bidirectional
# overrides and isolates that reorder what follows them on screen.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text):
    r"""``text`` with every terminal control shown as an escape, not obeyed.

    An ANSI escape sequence, a carriage return or a backspace in a sample
    would otherwise move the cursor, recolour or repaint the terminal (and
    could hide the sample or fake a prompt). Tabs and newlines are kept.

    Parameters
    ----------
    text : str

    Returns
    -------
    text : str

    Examples
    --------
    >>> from skal.terminal import printable
    >>> print(printable("ok\rEVIL \x1b[2J done"))
    ok\rEVIL \x1b[2J done
    """
    return _CONTROLS.sub(lambda m: m.group().encode("unicode_escape").decode(), text)


class _Refused(ValueError):
    """Input that looked like a command but was not a valid one."""


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
    >>> from skal.terminal import describe
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


def _class(text, classes):
    """The class ``text`` names, by number or by name, or None."""
    # isdecimal, not isdigit: "²" and "①" are digits int() refuses. Decimal
    # digits of any script ("３", "٣") are numbers.
    if text.isdecimal():
        n = int(text)
        return classes[n - 1] if 1 <= n <= len(classes) else None
    for c in classes:
        if text == str(c):
            return c
    return None


_RELABEL = re.compile(r"(?:r|relabel)\s*([0-9]+)\s*(?:=|\s)\s*(\S.*)", re.I)


def _parse(text, classes, allow_skip, corrections=False):
    text = text.strip()
    if not text:
        return None
    label = _class(text, classes)
    if label is not None:
        return label
    lowered = text.lower()
    if allow_skip and lowered in ("s", "skip"):
        return SKIP
    if allow_skip and lowered in ("?", "d", "dk", "don't know", "dont know"):
        return UNKNOWN
    if lowered in ("q", "quit", "stop"):
        return STOP
    if corrections and lowered in ("u", "undo"):
        return UNDO
    if (
        corrections
        and lowered[:1] == "r"
        and (lowered.startswith("relabel") or lowered[1:2] in " 0123456789")
    ):
        match = _RELABEL.fullmatch(text)
        if match is None:
            raise _Refused(
                "To correct a label, type r ROW LABEL (e.g. r 12 2, or r 12 "
                f"{printable(str(classes[0]))}; r 12 - removes it)."
            )
        row, given = int(match.group(1)), match.group(2).strip()
        if given == "-":
            return Relabel(row, None)
        label = _class(given, classes)
        if label is None:
            raise _Refused(
                f"{printable(given)!r} is not a class: give its number (1 to "
                f"{len(classes)}) or its name."
            )
        return Relabel(row, label)
    return None


class TerminalOracle(Oracle):
    """Ask a person in the terminal.

    Shows the sample and the choices, and reads an answer: the number or the
    name of a class, ``s`` to skip, ``?`` for "don't know", ``q`` to stop
    (end of input stops too); in a loop, ``u`` undoes the latest answer (its
    sample is asked again) and ``r ROW LABEL`` corrects the label of any row
    (``r 12 -`` removes it). Numbers win over class names, and class names
    over the commands, so a class called "s" stays reachable. An invalid
    answer is asked again.

    Everything shown comes through :func:`printable`: a terminal control
    sequence in a sample (an ANSI escape, a carriage return) is shown as an
    escape and never obeyed. A custom ``render`` is shown as it returns.
    With a loop, a line under the choices says the round, the labels so
    far (per class), the model's prediction for the sample and, when the
    model is retrained in the background, that the ranking comes from an
    older model.

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
    corrections : bool, default=True
        Offer undo and relabel (carried out by the loop's ``run()``).

    Examples
    --------
    >>> from skal.terminal import TerminalOracle
    >>> answers = iter(["maybe", "2"])
    >>> oracle = TerminalOracle(["cat", "dog"], input=lambda prompt: next(answers))
    >>> oracle.ask("a barking animal", 7)
    <BLANKLINE>
    --- sample 7 ---
    a barking animal
    [1] cat  [2] dog  [s] skip  [?] don't know  [u] undo  [r N L] relabel  [q] quit
    Not an answer: 'maybe'. Type 1 to 2, a class name, s, ?, u, r N L or q.
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
        corrections=True,
    ):
        self.classes = list(classes)
        if len(self.classes) < 1:
            raise ValueError("classes must list at least one label.")
        self.input = input
        self.print = print
        self.feature_names = feature_names
        self.render = render
        self.allow_skip = allow_skip
        self.corrections = corrections
        self.info_ = None

    wants_info = True

    def inform(self, info):
        self.info_ = info

    def tell(self, message):
        self._writer()(printable(str(message)))

    def _writer(self):
        import builtins

        return self.print if self.print is not None else builtins.print

    def _menu(self):
        items = [
            f"[{i}] {printable(str(c))}" for i, c in enumerate(self.classes, start=1)
        ]
        if self.allow_skip:
            items += ["[s] skip", "[?] don't know"]
        if self.corrections:
            items += ["[u] undo", "[r N L] relabel"]
        items.append("[q] quit")
        return "  ".join(items)

    def _status(self, index):
        """The line under the menu: the round, the labels so far, the
        model's guess, and whether the ranking is older than the model."""
        info = self.info_
        self.info_ = None
        if info is None or info.get("index") != index:
            return ""
        budget = "" if info["budget"] is None else f"/{info['budget']}"
        parts = [f"round {info['round']}", f"{info['n_bought']}{budget} labels"]
        counts = ", ".join(
            f"{printable(str(c))} {n}" for c, n in info["counts"].items()
        )
        if counts:
            parts.append(counts)
        if info["prediction"] is not None:
            guess = printable(str(info["prediction"]))
            if info["confidence"] is not None:
                guess += f" ({info['confidence']:.0%})"
            parts.append(f"model says {guess}")
        if info["behind"]:
            rounds = "round" if info["behind"] == 1 else "rounds"
            parts.append(
                f"ranked by the model of {info['behind']} {rounds} ago (the "
                "newer one is still being trained)"
            )
        return "\n(" + " | ".join(parts) + ")"

    def ask(self, sample, index):
        import builtins

        read = self.input if self.input is not None else builtins.input
        write = self._writer()
        view = (
            self.render(sample)
            if self.render is not None
            else printable(describe(sample, feature_names=self.feature_names))
        )
        write(f"\n--- sample {index} ---\n{view}\n{self._menu()}{self._status(index)}")
        while True:
            try:
                text = read("label> ")
            except EOFError:
                return STOP
            if not text.strip():
                continue  # a stray Enter is not a mistake worth a scolding
            try:
                answer = _parse(text, self.classes, self.allow_skip, self.corrections)
            except _Refused as refused:
                write(str(refused))
                continue
            if answer is not None:
                return answer
            commands = ["s", "?"] if self.allow_skip else []
            if self.corrections:
                commands += ["u", "r N L"]
            commands = ", ".join(commands) + (" or q" if commands else "q")
            write(
                f"Not an answer: {printable(repr(text))}. Type 1 to "
                f"{len(self.classes)}, a class name, {commands}."
            )

    def __repr__(self):
        return f"TerminalOracle({self.classes!r})"
