"""Label in a Jupyter notebook: :class:`WidgetOracle`.

The widget's browser side (``skal._widget_view``) binds the id of the
question on screen into every answer; this module is the kernel side: it
shows each question, checks every answer against the question it answers,
and drives the loop.
"""

import asyncio
import contextlib
import html
import io
import threading
import traceback
import warnings

from skal._widget_render import keys_for, percent, png_bytes, sample_item
from skal.oracles import SKIP, STOP, UNDO, UNKNOWN, Oracle, Relabel

__all__ = ["WidgetOracle", "png_bytes"]


def _import_widgets():
    try:
        import ipywidgets

        from skal import _widget_view
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            "WidgetOracle needs ipywidgets and anywidget: pip install 'skal[widgets]'."
        ) from exc
    return ipywidgets, _widget_view


def _running_loop():
    try:
        return asyncio.get_running_loop()
    except RuntimeError:  # not in a coroutine: messages are handled directly
        return None


class WidgetOracle(Oracle):
    """Label in a Jupyter notebook: the sample, one button per class.

    Texts are shown as text, rows of numbers as a table, and image arrays
    (2-d grey, 3-d RGB/RGBA, or flat rows with ``image_shape``) as a
    picture, small ones enlarged without smoothing. Buttons for "skip" and
    "don't know" come after the classes, then "stop". Each button shows its
    key: the class itself if every class is one digit or letter (digits
    ``0`` to ``9`` label as themselves), else ``1`` to ``9`` and ``0`` for
    the first ten classes, then letters; ``s`` skips, ``d`` is "don't
    know", ``u`` undoes the latest answer. A key labels the sample on screen
    only when the widget has the focus (click it once). The
    header says the round and the labels so far (per class, and against the
    budget), the model's prediction for the sample with its confidence, and
    when the ranking comes from a model still being retrained.

    The widget is asynchronous: ``AnnotationLoop.run()`` returns at once,
    leaving the widget displayed; each answer is committed to the journal
    (if any) and the next sample shown, until the loop stops. Use
    ``loop.wait()`` in the next cell (or ``loop.on_done(func)``) for code
    that needs the labels. No answer can label a sample nobody saw: each
    carries the id of the question on screen, and the kernel ignores an
    answer for any other (a click queued while the kernel refitted, the
    second click of a double click). While the kernel refits, the buttons
    are disabled and the widget says "training the model...".

    An error (an answer the learner refuses, a callback that raises) is
    shown in the widget, with its traceback below it; the session goes on.
    What callbacks print appears below the widget too.

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
    grid : int, default=None
        Show up to ``grid`` samples of the round at once, each with its own
        buttons, answered together with one "Submit" (give the loop a
        ``batch_size`` of at least ``grid``). Keys do not label in a grid.
    corrections : bool, default=True
        Offer "Correct a label": relabel any row, or remove its label.
    display : bool, default=True
        Display the widget when attached to a loop (in IPython).

    Attributes
    ----------
    widget : ipywidgets.VBox
        The whole widget (the question view and, below, the output of
        callbacks and errors), to display or embed.
    view : anywidget.AnyWidget
        The question view: its state (``token``, ``mode``, ``items``...).
    output : ipywidgets.Output
        Where callbacks' prints and errors' tracebacks go.
    error_ : Exception or None
        The last error raised while handling an answer.
    ignored_ : int
        Answers ignored because they were for a question no longer shown.

    Examples
    --------
    >>> import numpy as np
    >>> from skal.widget import WidgetOracle
    >>> oracle = WidgetOracle(["cat", "dog"], display=False)
    >>> [(c["key"], c["label"]) for c in oracle.view.choices]
    [('1', 'cat'), ('2', 'dog'), ('s', 'skip'), ('d', "don't know"), ('', 'stop')]
    >>> oracle.show(np.zeros((8, 8)), 3)
    >>> oracle.view.items[0]["image"][:22]
    'data:image/png;base64,'
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
        grid=None,
        corrections=True,
        display=True,
    ):
        widgets, views = _import_widgets()
        self.classes = list(classes)
        if not self.classes:
            raise ValueError("classes must list at least one label.")
        if grid is not None and (int(grid) != grid or grid < 1):
            raise ValueError(f"grid must be a positive int or None, got {grid!r}.")
        self.render = render
        self.image_shape = image_shape
        self.feature_names = feature_names
        self.allow_skip = allow_skip
        self.grid = grid
        self.corrections = corrections
        self.display = display
        self.loop = None
        self.error_ = None
        self.ignored_ = 0
        self._answers = list(self.classes)
        self._answers += [SKIP, UNKNOWN] if allow_skip else []
        self._answers.append(STOP)
        choices = []
        for i, (c, key) in enumerate(
            zip(self.classes, keys_for(self.classes), strict=True)
        ):
            choices.append({"id": i, "label": str(c), "key": key, "kind": "class"})
        extra = [("skip", "s", "skip"), ("don't know", "d", "unknown")]
        for label, key, kind in extra if allow_skip else []:
            choices.append(
                {"id": len(choices), "label": label, "key": key, "kind": kind}
            )
        choices.append({"id": len(choices), "label": "stop", "key": "", "kind": "stop"})
        self.view = views.QuestionView(
            choices=choices, grid=grid is not None, corrections=corrections
        )
        self.view.on_msg(lambda _widget, content, _buffers: self._receive(content))
        self._home = None  # (thread, event loop) the loop is driven from
        self.output = widgets.Output()
        self.widget = widgets.VBox([self.view, self.output])

    # ----------------------------------------------------------- showing
    def _item(self, sample, index, small=False):
        return sample_item(
            sample,
            index,
            render=self.render,
            image_shape=self.image_shape,
            feature_names=self.feature_names,
            small=small,
        )

    def show(self, sample, index):
        """Display one sample (without asking for it).

        Parameters
        ----------
        sample : object
            A text, a row of numbers or an image array.
        index : int
            Its position in the pool, shown in the header.
        """
        self.view.items = [self._item(sample, index)]
        self.view.header = f"Sample {int(index)}"

    def _state(self, index=None):
        """Header, prediction and counts from the loop's query_info."""
        loop = self.loop
        info = loop.query_info(index if index is not None else -1)
        budget = "" if info["budget"] is None else f" of {info['budget']}"
        where = "" if index is None else f"Sample {index} &middot; "
        self.view.header = (
            f"{where}round {info['round']} &middot; {info['n_bought']}{budget} "
            "labels given"
        )
        self.view.progress = {"n": info["n_bought"], "total": info["budget"] or 0}
        parts = []
        if index is not None and info["prediction"] is not None and not self.grid:
            guess = html.escape(str(info["prediction"]))
            parts.append(f"model says <b>{guess}</b>{percent(info['confidence'])}")
        counts = ", ".join(
            f"{html.escape(str(c))}: {n}" for c, n in info["counts"].items()
        )
        if counts:
            parts.append(f"labels so far: {counts}")
        if info["behind"]:
            rounds = "round" if info["behind"] == 1 else "rounds"
            parts.append(
                f"ranked by the model of {info['behind']} {rounds} ago (a newer one "
                "is being trained)"
            )
        self.view.meta = " &middot; ".join(parts)
        engine = loop.engine_
        self.view.can_undo = self.corrections and (
            engine is not None and engine.last_answer() is not None
        )
        self.view.recent = [
            {"index": i, "label": str(v)}
            for i, v in list(engine.labels_.items())[-5:][::-1]
        ]

    def _ask(self):
        """Show the loop's next question, or say why there is none yet."""
        loop = self.loop
        self.view.waiting = False
        if loop.stop_reason_ is not None and loop.engine_ is None:
            return
        if not loop.ready():
            self._busy("Training the model in the background...", waiting=True)
            return
        index = loop.next_query()
        if index is None:
            return  # on_done shows the end
        if self.grid:
            indices = loop.pending_[: self.grid]
            items = [self._item(loop.sample(i), i, small=True) for i in indices]
            for item in items:
                info = loop.query_info(item["index"])
                if info["prediction"] is not None:
                    item["note"] = (
                        f"model: {info['prediction']}{percent(info['confidence'])}"
                    )
            self._state()
            self.view.header = f"Samples {', '.join(map(str, indices))} &middot; " + (
                self.view.header
            )
            self.view.items = items
        else:
            self.view.items = [self._item(loop.sample(index), index)]
            self._state(index)
        self.view.status = ""
        self.view.mode = "grid" if self.grid else "ask"
        self.view.token += 1

    def _busy(self, text, waiting=False):
        self.view.mode = "busy"
        self.view.status = html.escape(text)
        self.view.waiting = waiting
        self.view.token += 1

    def _finished(self, loop):
        self.view.waiting = False
        self.view.mode = "done"
        self.view.items = []
        self.view.can_undo = False
        self.view.header = "Done."
        self.view.meta = html.escape(
            f"{loop.stop_reason_}; {loop.n_bought_} labels given."
        )
        self.view.token += 1

    # ------------------------------------------------------------ events
    def attach(self, loop):
        """Drive ``loop``: show its first question and answer it on clicks.

        Parameters
        ----------
        loop : AnnotationLoop
            The loop to drive; its journal records each answer.

        Returns
        -------
        widget : ipywidgets.VBox
            :attr:`widget`, showing the first question.
        """
        self.loop = loop
        self._home = (threading.current_thread(), _running_loop())
        size = loop.engine_.batch_size if loop.engine_ is not None else None
        if self.grid and size is not None and size < self.grid:
            warnings.warn(
                f"The grid shows up to {self.grid} samples but the loop's batch_size "
                f"is {size}: each grid will show {size}. Give the loop "
                f"batch_size={self.grid}.",
                UserWarning,
                stacklevel=3,
            )
        loop.on_done(self._finished)
        self._guarded(self._ask)
        if self.display:
            try:
                from IPython import get_ipython
                from IPython.display import display
            except ImportError:  # pragma: no cover - no IPython, nothing to show on
                return self.widget
            if get_ipython() is not None:
                display(self.widget)
        return self.widget

    def _receive(self, message):
        """A message from the browser, in whichever thread the kernel runs
        it: JupyterLab sends widget messages on a kernel subshell (another
        thread) while a cell runs. The loop and its journal live in the
        thread that attached the widget: the message is handled there."""
        home = self._home
        if home is None or threading.current_thread() is home[0] or home[1] is None:
            self.handle(message)
        else:
            home[1].call_soon_threadsafe(self.handle, message)

    def handle(self, message):
        """Handle a message as the browser sends it.

        ``{"type": "answer", "token": t, "choice": c}`` answers the question
        ``t`` with choice ``c`` (an index into ``view.choices``);
        ``"batch"`` (with ``answers``, one choice per grid item), ``"undo"``,
        ``"relabel"`` (``index`` and ``choice``, None to remove),
        ``"retry"`` and ``"poll"`` do what they say. An answer, batch or
        undo whose token is not the question's on screen, or that comes
        while no question is (the kernel at work, the loop done), is
        ignored (counted in ``ignored_``).

        Parameters
        ----------
        message : dict
        """
        kind = message.get("type")
        if kind == "poll":
            self.poll()
            return
        live = ("ask", "grid") if kind != "undo" else ("ask", "grid", "error")
        if kind in ("answer", "batch", "undo") and (
            message.get("token") != self.view.token or self.view.mode not in live
        ):
            self.ignored_ += 1
            return
        handlers = {
            "answer": lambda: self._answer_choice(message["choice"]),
            "batch": lambda: self._answer_batch(message["answers"]),
            "undo": lambda: self._command(UNDO),
            "relabel": lambda: self._relabel(message["index"], message["choice"]),
            "retry": self._ask,
        }
        if kind in handlers:
            self._guarded(handlers[kind])

    def poll(self):
        """Show the next question if a background refit has made it ready."""
        if self.loop is not None and self.view.waiting and self.loop.ready():
            self._guarded(self._ask)

    def click(self, answer, token=None):
        """Answer as a click on ``answer``'s button does (for tests and
        scripts); ``token`` is the question's id (the one on screen if
        None)."""
        choice = self._answers.index(answer) if answer in self._answers else None
        if choice is None:
            raise ValueError(f"{answer!r} is not one of the widget's answers.")
        token = self.view.token if token is None else token
        self.handle({"type": "answer", "token": token, "choice": choice})

    def answer(self, answer):
        """Answer the sample on display, as a click on its button does, with
        any label (not only the buttons'); errors are shown and raised.

        Parameters
        ----------
        answer : label or one of SKIP, UNKNOWN, STOP
            What the person chose.
        """
        if self.loop is None:
            raise RuntimeError("This WidgetOracle is not attached to a loop.")
        self._guarded(lambda: self._submit([answer]), reraise=True)

    def _answer_choice(self, choice):
        self._submit([self._answers[int(choice)]])

    def _answer_batch(self, choices):
        n = len(self.view.items)
        if len(choices) != n or any(c is None for c in choices):
            raise ValueError(f"The grid needs one answer for each of its {n} samples.")
        shown = [item["index"] for item in self.view.items]
        if self.loop.pending_[:n] != shown:
            raise RuntimeError("The grid no longer shows the round's samples.")
        self._submit([self._answers[int(c)] for c in choices])

    def _submit(self, answers):
        loop = self.loop
        if len(loop.pending_) <= len(answers) and not loop.background:
            self._busy("Training the model...")  # the round ends: a refit
        else:
            self._busy("Saving...")
        try:
            for answer in answers:
                loop.submit(answer)
        finally:
            # Refused or not, show what is waiting now (the same sample if
            # the answer was refused).
            self._ask_after_submit()

    def _ask_after_submit(self):
        try:
            self._ask()
        except Exception:
            self._ask_again_after_error()
            raise

    def _ask_again_after_error(self):
        # The engine is consistent after a callback raised: the next call
        # goes on. If that fails too, the person gets a "try again" button.
        try:
            self._ask()
        except Exception as exc:
            self.view.mode = "error"
            self.view.token += 1
            raise exc from None

    def _command(self, command):
        text = self.loop.apply_command(command)
        self._ask()
        self.view.status = html.escape(text)

    def _relabel(self, index, choice):
        label = None if choice is None else self._answers[int(choice)]
        self._command(Relabel(int(index), label))

    def _guarded(self, action, reraise=False):
        """Run ``action`` with what it prints shown below the widget; an
        error is shown (its message in the widget, its traceback below),
        not lost in the kernel's log."""
        out, err = io.StringIO(), io.StringIO()
        try:
            # Captured here and appended explicitly: a message handler's
            # output has no cell of its own to go to.
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    action()
                except Exception as exc:
                    self.error_ = exc
                    self.view.status = (
                        '<span class="skal-error">Error: '
                        + html.escape(f"{type(exc).__name__}: {exc}")
                        + "</span>"
                    )
                    traceback.print_exc()
                    if self.view.mode == "busy" and not self.view.waiting:
                        self.view.mode = "error"
                        self.view.token += 1
                    if reraise:
                        raise
                    return
                self.error_ = None
        finally:
            if out.getvalue():
                self.output.append_stdout(out.getvalue())
            if err.getvalue():
                self.output.append_stderr(err.getvalue())

    def __repr__(self):
        return f"WidgetOracle({self.classes!r})"
