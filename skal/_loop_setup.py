"""Setting an annotation loop up: checking its parameters, the labels that
come with the data, the first fit, and the engine's callbacks (the journal,
the user's, the stopping criteria, the progress bar)."""

import numpy as np

from skal import _labels
from skal._data import n_rows
from skal._loop_journal import JournalRecorder
from skal.engine import SKIP, UNKNOWN, Callback
from skal.stopping import as_criterion

__all__ = ["LoopSetup", "plain"]


def plain(value):
    return value.item() if isinstance(value, np.generic) else value


class _Progress(Callback):
    """A tqdm bar of the labels bought."""

    def __init__(self, total, initial, verbose):
        from tqdm.auto import tqdm

        self.bar = tqdm(
            total=total,
            initial=min(initial, total),
            desc="labels",
            unit="label",
            disable=not verbose,
            leave=verbose > 0,
        )

    def on_answer(self, engine, index, answer):
        if answer is not SKIP and answer is not UNKNOWN:
            # Counted from the engine: undone labels no longer count.
            self.bar.update(engine.n_bought_ + 1 - self.bar.n)

    def on_end(self, engine):
        self.bar.close()


class _Legacy(Callback):
    """A plain function ``f(loop, record)`` called after every round."""

    def __init__(self, loop, func):
        self.loop = loop
        self.func = func

    def on_round_end(self, engine, record):
        self.func(self.loop, record)


class LoopSetup:
    """The setting-up methods of :class:`~skal.loop.AnnotationLoop`."""

    def _validate(self):
        if getattr(self.learner, "budget", None) is not None:
            raise ValueError(
                f"The learner has budget={self.learner.budget}, which makes its fit "
                "simulate labeling with y as the oracle. The loop buys the labels "
                "itself: set the learner's budget=None and pass budget= to the loop."
            )
        for name in ("fit", "query", "teach"):
            if not hasattr(self.learner, name):
                raise TypeError(
                    f"learner must be a skal active learner (with fit, query and "
                    f"teach); {type(self.learner).__name__} has no {name}."
                )
        if self.budget is not None and (
            int(self.budget) != self.budget or self.budget < 0
        ):
            raise ValueError(
                f"budget must be a non-negative int or None, got {self.budget!r}."
            )
        size = self.learner.batch_size if self.batch_size is None else self.batch_size
        if int(size) != size or size < 1:
            raise ValueError(f"batch_size must be a positive int, got {size!r}.")
        if isinstance(self.journal, str) and self.journal.strip() in ("", ":memory:"):
            raise ValueError(
                f"journal={self.journal!r} keeps no label once the session ends; "
                "pass the path of a journal file, or journal=None for no journal."
            )
        return int(size)

    def _initial_labels(self, n):
        if self.y is None:
            return {}
        values = self.y.to_numpy() if hasattr(self.y, "to_numpy") else self.y
        y = _labels.check_y(values, n)
        unlabeled = _labels.unlabeled_mask(y, self._classifier)
        return {int(i): plain(y[i]) for i in np.flatnonzero(~unlabeled)}

    def _callbacks(self, journal, n_bought):
        callbacks = []
        if journal is not None:
            callbacks.append(JournalRecorder(journal))
        extra = self.callbacks
        if extra is not None and not isinstance(extra, (list, tuple)):
            extra = [extra]
        for callback in extra or []:
            callbacks.append(
                callback if isinstance(callback, Callback) else _Legacy(self, callback)
            )
        criterion = as_criterion(self.stopping)
        if criterion is not None:
            callbacks.append(criterion)
        n = n_rows(self.pool_)
        total = self.budget if self.budget is not None else n
        # A notebook widget shows its own progress: a bar updated from its
        # clicks would stay at its first line in the cell.
        interactive = getattr(self.oracle, "interactive", False)
        callbacks.append(_Progress(total, n_bought, 0 if interactive else self.verbose))
        return callbacks

    def _fit(self, labels):
        """Fit the learner on ``labels`` if they can train it; return those
        that cannot yet (one class so far), for the engine to hold."""
        n = n_rows(self.pool_)
        values = list(labels.values())
        ready = _labels.can_train(values, self._classifier, model_ready=False)
        if self._classifier:
            strings = any(isinstance(v, str) for v in values)
            dtype = object if strings else np.asarray(values or [0]).dtype
            y = np.full(n, _labels.UNLABELED, dtype=dtype)
        else:
            y = np.full(n, np.nan)
        if ready:
            idx = np.fromiter(labels, dtype=np.intp, count=len(labels))
            y[idx] = values
        self.learner.fit(self.pool_, y)
        return {} if ready else dict(labels)
