"""The round engine: query -> ask -> record -> refit -> stop?, with callbacks.

One implementation of the active-learning loop serves every caller: a
learner's simulated ``fit`` (``budget`` set, ``y`` as the oracle), the
:class:`~skal.loop.AnnotationLoop` (a person, a journal, a progress bar),
:func:`~skal.evaluation.learning_curves` (a callback that scores each
round's model) and anything a user builds on :class:`RoundEngine`.

Each round the engine queries a batch (never a sample already labeled,
waiting for an answer, skipped or marked "don't know": ``query(exclude=)``),
asks about each sample in turn, validates every answer before anything
records it, teaches the round's labels once they can train the model (a
classifier needs two classes: until then the cold start goes on), and asks
its callbacks whether to stop. Callbacks follow skorch's style: subclass
:class:`Callback` and override the events you need; a stopping criterion
(:mod:`skal.stopping`) is a callback that calls :meth:`RoundEngine.stop`.
"""

import time

import numpy as np
from sklearn.base import is_classifier

from skal import _labels
from skal._engine_background import BackgroundMixin
from skal._engine_corrections import CorrectionsMixin
from skal._markers import SKIP, STOP, UNKNOWN
from skal.callbacks import Callback

__all__ = ["Callback", "RoundEngine", "SKIP", "STOP", "UNKNOWN", "simulate"]

# Callback lives in skal.callbacks with the ready-made ones; it is part of
# the engine's interface, so it is importable from here too.


class RoundEngine(BackgroundMixin, CorrectionsMixin):
    """Drive a fitted learner through labeling rounds.

    The learner must have been fitted on the pool (``learner.fit(X, y)``
    with ``budget=None``): the engine queries its remembered pool, and
    indices everywhere are positions in that pool.

    Parameters
    ----------
    learner : skal active learner
        Fitted on the pool.
    X : container, default=None
        The pool, to show samples to the oracle (:meth:`sample`) and to
        refuse answers for rows the model cannot train on. None for oracles
        that need no sample (known labels).
    budget : int, default=None
        Labels to buy from the oracle (``n_bought_`` counts them); the last
        batch is shrunk so it is never exceeded.
    batch_size : int, default=None
        Samples per round; the learner's ``batch_size`` if None.
    first_batch_size : int, default=None
        Samples of the first round (a simulation's ``n_initial``).
    callbacks : list of Callback, default=None
        See :class:`~skal.callbacks.Callback`.
    labels : dict, default=None
        Labels known before the first round that the learner was not taught
        (e.g. a single class): they are taught as soon as they can train it.
    n_bought : int, default=0
        Labels already bought (a resumed session).
    round : int, default=0
        Number of the first round.
    excluded : iterable of int, default=()
        Samples never to query (answered "don't know").
    marker_is_label : bool, default=False
        Accept the unlabeled marker (``-1``) as a label: a simulation's
        oracle, where every value of ``y`` is a label.
    background : bool, default=False
        Retrain in a worker thread while the next round is asked from a
        reserve of samples ranked by the previous model, so that an answer is
        never followed by a wait for a refit the reserve can cover (see
        ``skal._engine_background``). The order of the questions then
        depends on how fast they are answered: leave it False for
        reproducible simulations.
    lookahead : int, default=None
        With ``background``: samples ranked beyond each batch, kept as the
        reserve; ``max(2 * batch_size, 32)`` if None, doubled each time the
        reserve runs dry before a refit ends.
    bought : iterable of int, default=None
        Rows among the known labels that the oracle gave (a resumed
        session), so that corrections keep ``n_bought_`` right.

    Attributes
    ----------
    labels_ : dict
        Every label by pool index (taught or waiting to be).
    n_bought_ : int
        Labels given by the oracle.
    pending_ : list of int
        Samples of the current round still to ask, the next one first.
    unknown_, skipped_ : set of int
        Samples answered "don't know" (never asked again) and skipped.
    round_ : int
        The current round's number.
    behind_ : int
        With ``background``: how many rounds old the ranking of the current
        round is (0: from a model taught every earlier label).
    training_ : bool
        Whether the learner is being retrained in the background.
    history_ : list of dict
        One record per round: ``round``, ``queried``, ``scores``,
        ``labeled`` ((index, label) pairs), ``skipped``, ``unknown``,
        ``n_bought``, ``n_labeled`` (labels training the model), ``seconds``,
        ``complete``.
    stop_reason_ : str or None
        Why the engine stopped.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skal import UncertaintySamplingClassifier
    >>> from skal.engine import RoundEngine
    >>> from skal.oracles import KnownLabels
    >>> X, y = load_iris(return_X_y=True)
    >>> learner = UncertaintySamplingClassifier(
    ...     LogisticRegression(max_iter=500), batch_size=5, random_state=0
    ... ).fit(X, np.full_like(y, -1))
    >>> engine = RoundEngine(learner, budget=20).run(KnownLabels(y))
    >>> engine.n_bought_, engine.stop_reason_, learner.n_labeled_
    (20, 'budget of 20 labels spent', 20)
    """

    def __init__(
        self,
        learner,
        X=None,
        *,
        budget=None,
        batch_size=None,
        first_batch_size=None,
        callbacks=None,
        labels=None,
        n_bought=0,
        round=0,
        excluded=(),
        marker_is_label=False,
        background=False,
        lookahead=None,
        bought=None,
    ):
        self.learner = learner
        self.X = X
        self.budget = budget
        self.batch_size = learner.batch_size if batch_size is None else batch_size
        self.first_batch_size = first_batch_size
        self.callbacks = list(callbacks or [])
        self.labels_ = dict(labels or {})
        self._untaught = list(self.labels_)
        self.n_bought_ = int(n_bought)
        self.pending_ = []
        self.unknown_ = set(excluded)
        self.skipped_ = set()
        self.round_ = int(round)
        self.history_ = []
        self.stop_reason_ = None
        self._record = None
        self._started = False
        self._ended = False
        self._classifier = is_classifier(learner)
        params = learner.get_params(deep=False)
        declared = params.get("classes")
        self._declared = (
            None if declared is None else _labels.declared_classes(declared)
        )
        taught = np.asarray(getattr(learner, "labeled_indices_", []), dtype=np.intp)
        self._taught = set(taught.tolist())
        self._kind = None
        self._marker_is_label = marker_is_label
        self._n_pool = int(learner.n_samples_fit_)
        self._init_background(background, lookahead)
        self._init_corrections(bought)

    # -------------------------------------------------------------- events
    def _emit(self, event, *args):
        for callback in self.callbacks:
            getattr(callback, event)(self, *args)

    def start(self):
        """Emit ``on_start`` and check stopping once; idempotent."""
        if self._started:
            return self
        self._started = True
        self._emit("on_start")
        self._teach_untaught()
        if self._ready():
            self._emit("on_model_change")
        return self

    def _ready(self):
        return getattr(self.learner, "n_labeled_", 0) > 0

    def stop(self, reason="stopped"):
        """End after the current step; the first reason given stays."""
        if self.stop_reason_ is None:
            self.stop_reason_ = reason

    def end(self):
        """Teach what is untaught, close the round, emit ``on_end``; idempotent."""
        if not self._started or self._ended:
            return
        self._ended = True
        try:
            try:
                self._settle()
            finally:
                self._shutdown()
            self._teach_untaught()
            if self._record is not None:
                self._close_record(complete=False)
        finally:
            self._emit("on_end")

    # -------------------------------------------------------------- rounds
    def _labels_left(self):
        caps = [c.max_new_labels(self) for c in self.callbacks]
        if self.budget is not None:
            caps.append(self.budget - self.n_bought_)
        caps = [c for c in caps if c is not None]
        return min(caps) if caps else None

    def _begin_round(self):
        left = self._labels_left()
        if left is not None and left <= 0:
            if self.budget is not None and self.n_bought_ >= self.budget:
                self.stop(f"budget of {self.budget} labels spent")
            else:
                self.stop("label limit of a stopping criterion reached")
            return
        size = self.batch_size
        if self.first_batch_size is not None and not self.history_:
            size = self.first_batch_size
        k = size if left is None else min(size, left)
        if self._job is not None:
            # Counted from the engine's own state: the worker owns the learner.
            labeled = self._taught | set(self.labels_)
        else:
            labeled = set(np.asarray(self.learner.labeled_indices_).tolist())
            labeled |= set(self.labels_)
        excluded = (set(self._untaught) | self.unknown_ | self.skipped_) - self._taught
        n_free = self._n_pool - len(labeled | self.unknown_ | self.skipped_)
        if n_free <= 0:
            self.stop(
                "pool exhausted: every sample is labeled, skipped or marked don't know"
            )
            return
        k = min(k, n_free)
        if self.background:
            idx, scores = self._background_batch(k)
        else:
            idx, scores = self.learner.query(
                n_instances=k, return_scores=True, exclude=sorted(excluded)
            )
        self.pending_ = [int(i) for i in idx]
        self._open_record(self.pending_, scores)
        self._emit("on_round_begin", list(self.pending_), np.asarray(scores))

    def _open_record(self, queried, scores, resumed=False):
        self._record = {
            "round": self.round_,
            "queried": [int(i) for i in queried],
            "scores": None if scores is None else [float(s) for s in scores],
            "labeled": [],
            "skipped": [],
            "unknown": [],
            "resumed": resumed,
            "behind": self._behind if self.background else 0,
            "started": time.time(),
        }

    def resume_round(self, pending):
        """Continue an interrupted round: ask ``pending`` first."""
        self.pending_ = [int(i) for i in pending]
        self._open_record(self.pending_, None, resumed=True)

    def _teach_untaught(self):
        if not self._untaught:
            return False
        labels = [self.labels_[i] for i in self._untaught]
        if not _labels.can_train(labels, self._classifier, model_ready=self._ready()):
            return False
        indices = np.asarray(self._untaught, dtype=np.intp)
        self.learner.teach(y=_label_array(labels), indices=indices)
        self._taught.update(self._untaught)
        self._untaught = []
        self._version += 1
        return True

    def _close_record(self, complete):
        record = self._record
        record["complete"] = complete
        record["n_bought"] = self.n_bought_
        record["n_labeled"] = int(getattr(self.learner, "n_labeled_", 0))
        record["seconds"] = time.time() - record.pop("started")
        self.history_.append(record)
        self._record = None
        return record

    def _finish_round(self):
        # With background, the worker teaches: on_model_change comes when
        # it is done (in _integrate, which then starts the next job).
        changed = False if self.background else self._teach_untaught()
        record = self._close_record(complete=True)
        self.round_ += 1
        if self.background:
            self._integrate(wait=False)
            self._start_job()
        # The state is consistent before callbacks run: one that raises
        # leaves an engine that continues with the next round.
        if changed:
            self._emit("on_model_change")
        self._emit("on_round_end", record)

    # ------------------------------------------------------------ stepping
    def next_query(self):
        """The pool index to ask about now, or None once stopped.

        Finishes the current round (teach, callbacks, stopping) and queries
        the next when the round's samples are all answered. Calling it again
        without :meth:`submit` returns the same index.
        """
        self.start()
        while not self._ended and self.stop_reason_ is None:
            if self.pending_:
                return self.pending_[0]
            if self._record is not None:
                self._finish_round()
            else:
                self._begin_round()
        self.end()
        return None

    def sample(self, index):
        """The pool sample at ``index``, as the oracle is shown it."""
        if self.X is None:
            return None
        if hasattr(self.X, "iloc"):
            return self.X.iloc[index]
        return self.X[index]

    def check_answer(self, index, answer):
        """The answer as it will be recorded; raises if it cannot be used."""
        if answer is SKIP or answer is UNKNOWN:
            return answer
        label = _labels.check_answer(
            answer,
            classification=self._classifier,
            declared=self._declared,
            kind=self._kind_so_far(),
            marker_is_label=self._marker_is_label,
        )
        if self.X is not None:
            _check_row(self.learner, self.sample(index), index)
        return label

    def _kind_so_far(self):
        if self._kind is None and self.labels_:
            self._kind = _labels.label_kind(next(iter(self.labels_.values())))
        return self._kind

    def submit(self, answer):
        """Answer the sample :meth:`next_query` returned.

        The answer is validated, then given to the callbacks (a journal
        commits it there), then applied; if validation or a callback raises,
        nothing changes and the same sample is still waiting.
        """
        if not self._started or self._ended or not self.pending_:
            raise RuntimeError(
                "No sample is waiting for an answer; call next_query() first."
            )
        index = self.pending_[0]
        if answer is STOP:
            self.stop("stopped by the annotator")
            return
        answer = self.check_answer(index, answer)
        self._emit("on_answer", index, answer)
        if answer is SKIP or answer is UNKNOWN:
            (self.skipped_ if answer is SKIP else self.unknown_).add(index)
            self._record["skipped" if answer is SKIP else "unknown"].append(index)
        else:
            self.labels_[index] = answer
            self._untaught.append(index)
            self.n_bought_ += 1
            self._oracle_rows.add(index)
            self._record["labeled"].append((index, answer))
        self.pending_.pop(0)
        self._undo_stack.append(
            {
                "kind": "label"
                if answer is not SKIP and answer is not UNKNOWN
                else ("skip" if answer is SKIP else "unknown"),
                "index": index,
                "label": None if answer is SKIP or answer is UNKNOWN else answer,
                "previous": None,
                "asked": True,
            }
        )

    def run(self, oracle):
        """Ask ``oracle`` until the budget, the pool or a callback stops it.

        Parameters
        ----------
        oracle : Oracle or callable
            ``oracle.ask(sample, index) -> answer`` (see :mod:`skal.oracles`).

        Returns
        -------
        self : RoundEngine
        """
        from skal.oracles import as_oracle

        oracle = as_oracle(oracle)
        try:
            while (index := self.next_query()) is not None:
                self.submit(oracle.ask(self.sample(index), index))
        except KeyboardInterrupt:
            self.stop("interrupted")
            raise
        finally:
            self.end()
        return self


def _label_array(labels):
    if any(isinstance(v, str) for v in labels):
        return np.asarray(labels, dtype=object)
    return np.asarray(labels)


def _check_row(learner, row, index):
    """Refuse a label for a row the estimator cannot train on (NaN/inf in a
    numeric row, for an estimator that does not allow NaN)."""
    from sklearn.utils import get_tags

    if get_tags(learner).input_tags.allow_nan:
        return
    values = row.to_numpy() if hasattr(row, "to_numpy") else row
    if hasattr(values, "toarray"):
        values = values.toarray()
    values = np.asarray(values)
    if values.dtype.kind in "fc" and not np.isfinite(values).all():
        raise ValueError(
            f"Row {index} contains NaN or infinite values, which the estimator "
            "cannot train on, so its label would break every later fit. Answer "
            "UNKNOWN (don't know) for it, or fix the data and start again."
        )


def _fresh_copy(callback):
    """A copy of ``callback`` for one fit: its state is its own, but the data
    it reads (arrays, frames) is shared, not copied for every fit."""
    import copy

    memo = {
        id(value): value
        for value in vars(callback).values()
        if isinstance(value, np.ndarray) or hasattr(value, "iloc")
    }
    return copy.deepcopy(callback, memo)


def simulate(learner, y):
    """A learner's simulated labeling: ``y`` is the oracle.

    Runs the learner's rounds on a :class:`RoundEngine` with its own
    ``budget``, ``batch_size``, ``n_initial`` and fitted copies of its
    ``callbacks`` (stored in ``learner.callbacks_``). Called by ``fit`` when
    ``budget`` is set, on a learner that remembers the pool with nothing
    labeled.
    """

    from skal.oracles import KnownLabels

    n_samples = y.shape[0]
    if not is_classifier(learner) and np.isnan(y.astype(float)).any():
        raise ValueError(
            f"budget={learner.budget} simulates labeling with y as the oracle, so "
            "y must be fully labeled; it contains NaN. Set budget=None to learn "
            "from partially labeled data."
        )
    if learner.budget > n_samples:
        raise ValueError(
            f"budget={learner.budget} exceeds the {n_samples} samples in X; lower "
            "budget or pass more samples."
        )
    if learner.n_initial > learner.budget:
        raise ValueError(
            f"budget={learner.budget} is smaller than n_initial={learner.n_initial}; "
            "raise budget or lower n_initial."
        )
    learner.callbacks_ = [_fresh_copy(c) for c in (learner.callbacks or [])]
    engine = RoundEngine(
        learner,
        budget=learner.budget,
        batch_size=learner.batch_size,
        first_batch_size=learner.n_initial,
        callbacks=learner.callbacks_,
        marker_is_label=True,
    )
    engine.run(KnownLabels(y))
    if not engine._ready():
        raise ValueError(
            f"The simulation bought {engine.n_bought_} labels "
            f"({sorted({repr(v) for v in engine.labels_.values()})}) without ever "
            "seeing two classes, so no model could be trained; raise budget or "
            "n_initial, or check y."
        )
    return engine
