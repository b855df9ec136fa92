"""What front ends use on an annotation loop: what to show with a question
(:meth:`~skal.loop.AnnotationLoop.query_info`), whether the next one is
ready (:meth:`~skal.loop.AnnotationLoop.ready`), and waiting for a loop a
notebook widget drives (:meth:`~skal.loop.AnnotationLoop.on_done`,
:meth:`~skal.loop.AnnotationLoop.wait`).

A widget's ``run()`` returns at once, so "Run All" would run the cells
after it with no label given. The clicks reach the kernel as messages on the
channel that runs cells; a cell blocked in ``time.sleep`` would never let
them through. ipykernel 7.4 and later hand widget messages to their handlers
while a cell *awaits*, so ``await loop.wait()`` waits and the widget keeps
working; the cells after it run once labeling is done.
"""

import asyncio
import time

from skal._data import n_rows

__all__ = ["LoopFrontEnds"]


def _kernel_problem():
    """Why a cell of this process cannot await the widget, or None."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - no IPython at all
        return "it needs a Jupyter kernel"
    shell = get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:
        return "it needs a Jupyter kernel"
    import ipykernel

    if tuple(ipykernel.version_info[:2]) < (7, 4):
        return (
            f"this kernel (ipykernel {ipykernel.__version__}) handles widget "
            "messages only between cells; ipykernel 7.4 or later handles them "
            "while a cell awaits (pip install -U ipykernel)"
        )
    return None


class LoopFrontEnds:
    """What front ends use on :class:`~skal.loop.AnnotationLoop`: what to
    show with a question, whether it is ready, and waiting for the end."""

    def query_info(self, index):
        """What a front end may show with the question about ``index``.

        Parameters
        ----------
        index : int
            Position in the pool (usually :meth:`next_query`'s).

        Returns
        -------
        info : dict
            ``index``; ``round``; ``n_bought`` and ``budget``; ``counts``,
            the labels so far per class (``{label: n}``, in the order of the
            learner's classes when declared); ``prediction`` and
            ``confidence``, the model's predicted label and its probability
            (None without a model; confidence None for a regressor);
            ``behind``, how many rounds old the ranking that chose the
            sample is; ``training``, whether the learner is being retrained
            in the background.
        """
        self.start()
        engine = self.engine_
        counts = {}
        for c in self._declared_classes() or []:
            counts[c] = 0
        for label in engine.labels_.values():
            counts[label] = counts.get(label, 0) + 1
        predicted = (
            engine.prediction(index) if 0 <= index < n_rows(self.pool_) else None
        )
        return {
            "index": int(index),
            "round": engine.round_,
            "n_bought": engine.n_bought_,
            "budget": self.budget,
            "counts": counts,
            "prediction": None if predicted is None else predicted[0],
            "confidence": None if predicted is None else predicted[1],
            "behind": engine.behind_,
            "training": engine.training_,
        }

    def ready(self):
        """Whether :meth:`next_query` can answer at once, without waiting for
        a background refit (always True without ``background``)."""
        return self.engine_ is None or self._closed or self.engine_.ready()

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

    async def wait(self, timeout=None):
        """Wait until the loop ends, while a notebook widget drives it.

        Put ``await loop.wait()`` in the cell after ``loop.run()``: "Run
        All" then stops there until labeling is done, and the widget keeps
        answering clicks meanwhile (ipykernel 7.4 or later handles widget
        messages while a cell awaits). Returns at once if the loop has ended
        (an oracle that is not interactive ends it in ``run()``).

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
            If the loop was not started, or runs outside a Jupyter kernel
            recent enough to let the widget work while a cell waits.

        Examples
        --------
        >>> import asyncio
        >>> import numpy as np
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.linear_model import LogisticRegression
        >>> from skal import UncertaintySamplingClassifier
        >>> from skal.loop import AnnotationLoop
        >>> from skal.oracles import KnownLabels
        >>> X, y = load_iris(return_X_y=True)
        >>> loop = AnnotationLoop(UncertaintySamplingClassifier(
        ...     LogisticRegression(max_iter=500), random_state=0), X, KnownLabels(y),
        ...     budget=6, verbose=0).run()
        >>> asyncio.run(loop.wait()).n_bought_  # in a notebook: await loop.wait()
        6
        """
        if self._closed:
            return self
        if self.engine_ is None:
            raise RuntimeError("wait() waits for a running loop: call run() first.")
        problem = _kernel_problem()
        if problem is not None:
            raise RuntimeError(
                f"wait() lets a notebook widget drive the loop while a cell waits; "
                f"{problem}. Run the code that needs the labels in "
                "loop.on_done(func) instead."
            )
        poll_oracle = getattr(self.oracle, "poll", None)
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._closed:
            if poll_oracle is not None:
                poll_oracle()  # a background refit may have made a question ready
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(
                    f"The loop is still running after {timeout} s "
                    f"({self.n_bought_} labels so far)."
                )
            await asyncio.sleep(0.05)
        return self
