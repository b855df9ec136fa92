"""The browser side of :class:`skal.widget.WidgetOracle`: one anywidget
whose JavaScript draws the question and sends each answer with the id
(``token``) of the question it answers.

What the front end guarantees, so that no sample is labeled unseen:

- every answer carries the token of the question on screen when the person
  clicked or pressed a key; the kernel ignores an answer for any other;
- after an answer, the widget accepts nothing until the next question
  arrives, and for 250 ms after it appears; the second click of a double
  click (``event.detail > 1``) and auto-repeated keys are never answers;
- the buttons are drawn anew for each question and focus goes back to the
  widget itself, so Enter or Space cannot click a button of the previous
  question; both keys do nothing in the widget;
- shortcut keys (shown on the buttons) label the sample on screen; keys
  pressed in the widget do not reach JupyterLab (whose "1" would turn the
  cell into a heading).

While the kernel works (a refit), the buttons are disabled and the status
says so; while a background refit runs, the front end asks the kernel every
300 ms whether the next question is ready.
"""

import pathlib

import anywidget
import traitlets

__all__ = ["QuestionView"]

_HERE = pathlib.Path(__file__).parent


class QuestionView(anywidget.AnyWidget):
    """The front end of :class:`~skal.widget.WidgetOracle` (state only: the
    kernel side of every decision lives in the oracle)."""

    _esm = (_HERE / "_widget_front.js").read_text(encoding="utf-8")
    _css = (_HERE / "_widget_front.css").read_text(encoding="utf-8")
    token = traitlets.Int(0).tag(sync=True)
    mode = traitlets.Unicode("busy").tag(sync=True)
    header = traitlets.Unicode("").tag(sync=True)
    meta = traitlets.Unicode("").tag(sync=True)
    items = traitlets.List([]).tag(sync=True)
    choices = traitlets.List([]).tag(sync=True)
    status = traitlets.Unicode("").tag(sync=True)
    progress = traitlets.Dict({}).tag(sync=True)
    recent = traitlets.List([]).tag(sync=True)
    can_undo = traitlets.Bool(False).tag(sync=True)
    waiting = traitlets.Bool(False).tag(sync=True)
    grid = traitlets.Bool(False).tag(sync=True)
    corrections = traitlets.Bool(True).tag(sync=True)
    corrections_open = traitlets.Bool(False).tag(sync=True)
