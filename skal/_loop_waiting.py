"""Waiting for an annotation loop driven by a notebook widget:
:meth:`~skal.loop.AnnotationLoop.on_done` and
:meth:`~skal.loop.AnnotationLoop.wait`.

A widget's ``run()`` returns at once, so "Run All" would run the cells
after it with no label given. The notebook's events (the clicks) reach the
kernel as messages that it handles only between cells; a cell that waits
must handle them itself while it waits, which jupyter-ui-poll does
(``pip install 'skal[widgets]'``).
"""

import time

__all__ = ["LoopWaiting"]


def _in_kernel():
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - no IPython at all
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


class LoopWaiting:
    """The waiting methods of :class:`~skal.loop.AnnotationLoop`."""

    def on_done(self, func):
        """Call ``func(loop)`` once the loop has ended (at once if it has).

        For code that must run after labeling, when the loop is driven by a
        notebook widget whose ``run()`` returns at once. Callbacks run in
        the order they were given; their errors are raised after all ran.

        Parameters
        ----------
        func : callable
            ``func(loop)``.

        Returns
        -------
        func : callable
            ``func`` itself, so that ``on_done`` can decorate a function.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.linear_model import LogisticRegression
        >>> from skal import UncertaintySamplingClassifier
        >>> from skal.loop import AnnotationLoop
        >>> from skal.oracles import KnownLabels
        >>> X, y = load_iris(return_X_y=True)
        >>> loop = AnnotationLoop(UncertaintySamplingClassifier(
        ...     LogisticRegression(max_iter=500), random_state=0), X, KnownLabels(y),
        ...     budget=6, verbose=0)
        >>> @loop.on_done
        ... def report(loop):
        ...     print(loop.n_bought_, "labels:", loop.stop_reason_)
        >>> _ = loop.run()
        6 labels: budget of 6 labels spent
        """
        if not callable(func):
            raise TypeError(f"on_done takes a function of the loop, got {func!r}.")
        if self._closed:
            func(self)
        else:
            self._done_callbacks.append(func)
        return func

    def _call_done(self):
        callbacks, self._done_callbacks = self._done_callbacks, []
        errors = []
        for func in callbacks:
            try:
                func(self)
            except Exception as exc:  # the others must still run
                errors.append(exc)
        if errors:
            raise errors[0]

    def wait(self, timeout=None):
        """Block until the loop ends, while a notebook widget drives it.

        Put ``loop.wait()`` in the cell after ``loop.run()``: "Run All" then
        stops there until labeling is done, and the widget keeps answering
        clicks meanwhile (the kernel's messages are handled by
        jupyter-ui-poll while the cell waits). Returns at once if the loop
        has ended; an oracle that is not interactive has ended it in
        ``run()`` already.

        Parameters
        ----------
        timeout : float, default=None
            Seconds to wait at most; None waits for as long as it takes.

        Returns
        -------
        self : AnnotationLoop

        Raises
        ------
        TimeoutError
            If ``timeout`` passed first (the loop goes on).
        RuntimeError
            If the loop was not started, or it is not in a Jupyter kernel
            (nothing could answer the widget while waiting).
        """
        if self._closed:
            return self
        if self.engine_ is None:
            raise RuntimeError("wait() waits for a running loop: call run() first.")
        if not _in_kernel():
            raise RuntimeError(
                "wait() lets a notebook widget drive the loop while a cell waits, "
                "and needs a Jupyter kernel; outside one, drive the loop with "
                "run() and a TerminalOracle, or next_query() and submit()."
            )
        from jupyter_ui_poll import ui_events

        poll_oracle = getattr(self.oracle, "poll", None)
        deadline = None if timeout is None else time.monotonic() + timeout
        with ui_events() as poll:
            while not self._closed:
                poll(20)
                if poll_oracle is not None:
                    poll_oracle()
                if deadline is not None and time.monotonic() > deadline:
                    raise TimeoutError(
                        f"The loop is still running after {timeout} s "
                        f"({self.n_bought_} labels so far)."
                    )
                time.sleep(0.05)
        return self
