"""Ask a person in the terminal: :class:`TerminalOracle`, and
:func:`describe`, the plain-text view of a sample."""

import numpy as np

from skal.oracles import SKIP, STOP, UNKNOWN, Oracle

__all__ = ["TerminalOracle", "describe"]


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
    >>> from skal.terminal import TerminalOracle
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
