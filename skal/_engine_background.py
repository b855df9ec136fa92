"""Retraining in the background, for :class:`skal.engine.RoundEngine`.

With ``background=True`` the engine never makes a person wait for a refit
that a queue of already-ranked samples can cover. Every query asks for more
samples than the round needs; the extra ones are a *reserve*, ranked by the
same model. When a round ends, its labels are taught, and the next batch is
queried, in one worker thread; unless that is done within
:data:`PATIENCE` (a quarter of a second; not waited for at all once a refit
took longer), the next round is asked from the reserve: ranked by the model
of one round before, which the engine says (``behind_``). When the worker
is done, its fresh ranking replaces the reserve and the callbacks hear
``on_model_change``, on the caller's thread.
A reserve that runs dry before the refit ends (answers faster than refits)
makes the engine wait once, and rank twice as many samples from then on.

One worker at a time uses the learner: labels given while it runs wait for
the next one (they are taught together). Nothing else touches the learner
while it runs: the engine counts the pool from its own state, corrections
wait for the worker, and predictions shown for reserve samples are the ones
the worker computed with the model that ranked them. Callbacks run on the
caller's thread only; those that read the learner should do so in
``on_model_change`` (the learner may be refitting during other events).
"""

import time

import numpy as np

from skal import _labels
from skal._data import take_rows

__all__ = ["PATIENCE", "BackgroundMixin"]

#: Seconds a new round waits for a running refit before it is asked from
#: the reserve ranked by the previous model.
PATIENCE = 0.25


def _top_prediction(learner, rows):
    """(label, confidence) of each row from the learner's ``predict_proba``,
    or its plain prediction (confidence None) for a regressor."""
    if hasattr(learner, "predict_proba") and hasattr(learner, "classes_"):
        proba = np.asarray(learner.predict_proba(rows))
        best = proba.argmax(axis=1)
        classes = learner.classes_
        return [
            (_plain(classes[b]), float(p[b])) for b, p in zip(best, proba, strict=True)
        ]
    return [(_plain(v), None) for v in np.asarray(learner.predict(rows))]


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


class BackgroundMixin:
    """Background retraining and the reserve of ranked samples."""

    def _init_background(self, background, lookahead):
        self.background = bool(background)
        if lookahead is None:
            lookahead = max(2 * self.batch_size, 32)
        if int(lookahead) != lookahead or lookahead < 0:
            raise ValueError(f"lookahead must be an int >= 0, got {lookahead!r}.")
        self.lookahead = int(lookahead)
        self._executor = None
        self._job = None  # (future, indices being taught, round it ranks for)
        self._reserve = []  # [(index, score)] ranked by one model
        self._reserve_round = None  # the round that ranking was fresh for
        self._behind = 0
        self._version = 0  # bumped at every change of the learner
        self._predictions = {}  # index -> (label, confidence, version)
        self._job_seconds = None  # how long the last refit took
        self._job_began = 0.0

    # ------------------------------------------------------------ state
    @property
    def training_(self):
        """Whether the learner is being retrained in the background now."""
        return self._job is not None and not self._job[0].done()

    @property
    def behind_(self):
        """How many rounds old the ranking of the current round is: 0 when
        it came from a model taught every label of earlier rounds, 1 when
        the last round's labels were still being taught, and so on."""
        return self._behind

    def ready(self):
        """Whether :meth:`next_query` can answer without waiting for the
        background refit (always True without ``background``).

        A round whose samples are all answered is finished first (its labels
        go to the worker), so that a front end polling this method never
        waits for a refit nobody started.
        """
        if self.pending_ or self._ended or self.stop_reason_ is not None:
            return True
        if not self.background or not self._started:
            return True
        if self._record is not None:
            self._finish_round()
            if self.stop_reason_ is not None:
                return True
        if self._job is None or self._job[0].done():
            return True
        return bool(self._reserve_candidates())

    def prediction(self, index):
        """The model's prediction for pool row ``index``: ``(label,
        confidence)`` (confidence None for a regressor), or None when there
        is no model yet, or the learner is busy refitting and has not
        predicted this row before.

        The prediction is the current model's when the learner is free; while
        it refits, that of the model that ranked the sample.
        """
        cached = self._predictions.get(index)
        if cached is not None and cached[2] == self._version:
            return cached[:2]
        if self.training_ or not self._ready() or self.X is None:
            return None if cached is None else cached[:2]
        (value,) = _top_prediction(self.learner, take_rows(self.X, [index]))
        self._predictions[index] = (*value, self._version)
        return value

    # ------------------------------------------------------------ the job
    def _known(self):
        """Rows that may not be queried: labeled, answered or waiting."""
        return (
            self._taught
            | set(self.labels_)
            | self.unknown_
            | self.skipped_
            | set(self.pending_)
        )

    def _reserve_candidates(self):
        known = self._known()
        return [(i, s) for i, s in self._reserve if i not in known]

    def _start_job(self):
        """Teach the untaught labels and rank the next batch in the worker;
        no-op while one runs or while the labels cannot train the model."""
        if self._job is not None or not self._untaught:
            return False
        labels = [self.labels_[i] for i in self._untaught]
        if not _labels.can_train(labels, self._classifier, model_ready=self._ready()):
            return False
        indices = list(self._untaught)
        self._untaught = []
        known = self._known()
        exclude = sorted(known - self._taught - set(indices))
        n_free = self._n_pool - len(known | set(indices))
        k = min(self.batch_size + self.lookahead, max(n_free, 0))
        learner, X = self.learner, self.X
        y = _label_array(labels)

        def job():
            began = time.perf_counter()
            learner.teach(y=y, indices=np.asarray(indices, dtype=np.intp))
            if k <= 0:
                self._job_seconds = time.perf_counter() - began
                return [], [], []
            idx, scores = learner.query(
                n_instances=k, return_scores=True, exclude=exclude
            )
            predicted = []
            if X is not None:
                predicted = _top_prediction(learner, take_rows(X, idx))
            self._job_seconds = time.perf_counter() - began
            return [int(i) for i in idx], [float(s) for s in scores], predicted

        if self._executor is None:
            from concurrent.futures import ThreadPoolExecutor

            self._executor = ThreadPoolExecutor(1, thread_name_prefix="skal-refit")
        self._job_began = time.perf_counter()
        self._job = (self._executor.submit(job), indices, self.round_)
        return True

    def _integrate(self, wait):
        """Take in a finished job (waiting for it if ``wait``); returns
        whether the model changed. Emits ``on_model_change`` on this thread,
        then starts the next job if labels arrived meanwhile."""
        if self._job is None or (not wait and not self._job[0].done()):
            return False
        future, indices, rnd = self._job
        self._job = None
        try:
            idx, scores, predicted = future.result()
        except BaseException:
            # teach is atomic: the learner is as before; teach them later.
            self._untaught = indices + self._untaught
            raise
        self._taught.update(indices)
        self._version += 1
        self._reserve = list(zip(idx, scores, strict=True))
        self._reserve_round = rnd
        for i, value in zip(idx, predicted, strict=False):
            self._predictions[i] = (*value, self._version)
        self._emit("on_model_change")
        if self.stop_reason_ is None and not self._ended:
            self._start_job()
        return True

    def _settle(self):
        """Wait for the worker and take in its result: the learner is free."""
        while self._job is not None:
            self._integrate(wait=True)

    def _shutdown(self):
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)

    # ---------------------------------------------------- background rounds
    def _background_batch(self, k):
        """The next round's samples and scores: from the reserve while the
        worker refits, else from a query made now (whose extra samples
        become the reserve)."""
        if self._job is not None:
            # A refit still running is at least that slow.
            running = time.perf_counter() - self._job_began
            self._job_seconds = max(self._job_seconds or 0.0, running)
        quick = self._job_seconds is None or self._job_seconds <= PATIENCE
        if self._job is not None and quick:
            # Refits that end within the patience give fresh rankings (small
            # pools never see a stale one); once one took longer, none is
            # waited for.
            from concurrent.futures import wait

            wait([self._job[0]], timeout=PATIENCE)
        self._integrate(wait=False)
        candidates = self._reserve_candidates()
        if not candidates and self._job is not None:
            # The reserve ran dry before the refit ended: rank more next time.
            self.lookahead = min(2 * self.lookahead, 4096)
            self._settle()
            candidates = self._reserve_candidates()
        if candidates:
            chosen = candidates[:k]
            taken = {i for i, _ in chosen}
            self._reserve = [(i, s) for i, s in self._reserve if i not in taken]
            fresh_for = (
                self.round_ if self._reserve_round is None else self._reserve_round
            )
            self._behind = max(0, self.round_ - fresh_for)
            return [i for i, _ in chosen], [s for _, s in chosen]
        known = self._known()
        n_free = self._n_pool - len(known)
        want = min(k + self.lookahead, n_free)
        idx, scores = self.learner.query(
            n_instances=want, return_scores=True, exclude=sorted(known - self._taught)
        )
        idx = [int(i) for i in idx]
        scores = [float(s) for s in scores]
        self._reserve = list(zip(idx[k:], scores[k:], strict=True))
        self._reserve_round = self.round_ if self._ready() else None
        self._behind = 0
        return idx[:k], scores[:k]


def _label_array(labels):
    if any(isinstance(v, str) for v in labels):
        return np.asarray(labels, dtype=object)
    return np.asarray(labels)
