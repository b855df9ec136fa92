"""Oracles: who answers the round engine's questions.

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

Instead of an answer, a synchronous oracle may return a command that the
loop's ``run()`` carries out before asking again: :data:`UNDO` (retract the
latest answer; its sample is asked again) or :class:`Relabel` (correct any
row's label). The loop then calls the oracle's ``tell(message)`` with what
was done.

Synchronous oracles implement ``ask(sample, index)``:
:class:`KnownLabels` (simulations), :class:`FunctionOracle`, and
:class:`~skal.terminal.TerminalOracle`. The Jupyter widget
(:class:`~skal.widget.WidgetOracle`) is asynchronous: the loop hands itself
over to it and button clicks drive it.
"""

from typing import Any, NamedTuple

import numpy as np

from skal._markers import _Marker
from skal.engine import SKIP, STOP, UNKNOWN

__all__ = [
    "MARKERS",
    "SKIP",
    "STOP",
    "UNDO",
    "UNKNOWN",
    "FunctionOracle",
    "KnownLabels",
    "Oracle",
    "Relabel",
    "as_oracle",
]

MARKERS = (SKIP, UNKNOWN, STOP)

#: Command, not an answer: retract the latest answer (the loop's ``undo``);
#: its sample is asked again.
UNDO = _Marker("UNDO", "Undo the latest answer.", module=__name__)


class Relabel(NamedTuple):
    """Command, not an answer: give row ``index`` the label ``label``
    (None removes its label), with the loop's ``relabel`` / ``remove_label``.

    Examples
    --------
    >>> from skal.oracles import Relabel
    >>> Relabel(12, "dog")
    Relabel(index=12, label='dog')
    """

    index: int
    label: Any


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
    #: Whether :meth:`inform` wants the loop's ``query_info`` before each ask.
    wants_info = False

    def inform(self, info):
        """Hear what the loop knows about the next question (see
        ``AnnotationLoop.query_info``); called before :meth:`ask` when
        ``wants_info`` is True. No-op by default."""

    def tell(self, message):
        """Hear the outcome of a command (:data:`UNDO`, :class:`Relabel`)
        the oracle returned. No-op by default."""

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
