"""The annotation loop: query, ask an oracle, journal, teach, until it is time
to stop.

:class:`AnnotationLoop` drives any skal learner over a pool. Each round it
queries a batch, asks the oracle about each sample in turn (committing each
answer to the journal the moment it is given), teaches the new labels, calls
the callbacks and checks the stopping criteria. Given a journal that already
holds answers, it resumes: every label in the journal trains the learner,
nothing labeled is asked again, and an interrupted round is finished first.
"""

import time

import numpy as np
from sklearn.base import is_classifier

from skal._data import as_rows, n_rows
from skal.oracles import SKIP, STOP, UNKNOWN, as_oracle
from skal.stopping import as_criterion

__all__ = [
    "AnnotationLoop",
    "annotate",
]


def _sample_at(X, index):
    if hasattr(X, "iloc"):
        return X.iloc[index]
    return X[index]


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


class AnnotationLoop:
    """Drive an active learner over a pool with an oracle, journaled.

    Parameters
    ----------
    learner : skal active learner
        E.g. :class:`~skal.UncertaintySamplingClassifier`. It is fitted by
        the loop on ``X`` (in place, so it is the trained model afterwards);
        its own ``budget`` must be None (the loop buys the labels).
    X : array-like, sparse matrix, DataFrame or list of shape (n_pool, ...)
        The pool. Indices everywhere (queries, journal, history) are
        positions in it.
    oracle : Oracle or callable, default=None
        Who answers: :class:`~skal.oracles.KnownLabels` (simulation),
        :class:`~skal.oracles.TerminalOracle`,
        :class:`~skal.oracles.WidgetOracle`, or any function of the sample.
        Needed by :meth:`run`; the step methods (:meth:`next_query`,
        :meth:`submit`) work without.
    y : array-like of shape (n_pool,), default=None
        Labels that come with the data: ``-1`` marks unlabeled rows (NaN for
        a regressor). They train the first model and do not count against
        ``budget``.
    budget : int, default=None
        Labels to buy from the oracle, in all sessions of the journal
        together; the last batch is shrunk so it is never exceeded. Skips and
        "don't know" answers do not count. None: until the pool runs out or a
        stopping criterion fires.
    batch_size : int, default=None
        Samples queried per round; the learner's ``batch_size`` if None.
    stopping : StoppingCriterion, callable or list, default=None
        Checked after every round that changed the model (and once at the
        start); a list stops when any member does. See :mod:`skal.stopping`.
    journal : str, path-like or Journal, default=None
        SQLite journal file. A path is opened (created if new), locked against
        other writers and closed when the loop ends; a
        :class:`~skal.journal.Journal` object is used as is and left open.
    callbacks : callable or list of callables, default=None
        Each called as ``callback(loop, record)`` after every round, where
        ``record`` is the round's entry of ``history_``. A callback can end
        the loop with ``loop.stop(reason)``.
    verbose : int, default=1
        0 hides the progress bar.

    Attributes
    ----------
    pool_ : container
        ``X`` as the learner sees it.
    labels_ : dict
        Every known label by pool index (from ``y``, the journal and the
        oracle).
    n_labels_ : int
        Labels given by the oracle, previous sessions of the journal
        included.
    unknown_ : set of int
        Samples answered "don't know" (never asked again).
    skipped_ : set of int
        Samples skipped in this session (not asked again in this session).
    round_ : int
        The current round's number (continues across sessions).
    pending_ : list of int
        Samples of the current round still to ask, the next one first.
    history_ : list of dict
        One record per round of this session: ``round``, ``queried``,
        ``scores``, ``labeled`` (index, label pairs), ``skipped``,
        ``unknown``, ``n_labels``, ``n_labeled`` (labels training the model),
        ``seconds``, ``complete`` and ``resumed``.
    stop_reason_ : str or None
        Why the loop stopped.
    journal_ : Journal or None
        The journal in use.

    See Also
    --------
    annotate : Build and run a loop in one call.

    Notes
    -----
    Resuming retrains the learner once on every journaled label, so the
    model matches an uninterrupted run's, but the random tie-breaking of
    later queries may differ from what that run would have drawn.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skal import UncertaintySamplingClassifier
    >>> from skal.loop import AnnotationLoop
    >>> from skal.oracles import KnownLabels
    >>> X, y = load_iris(return_X_y=True)
    >>> y_known = np.full_like(y, -1)  # one labeled flower per species
    >>> y_known[[0, 50, 100]] = y[[0, 50, 100]]
    >>> learner = UncertaintySamplingClassifier(
    ...     LogisticRegression(max_iter=500), random_state=0)
    >>> loop = AnnotationLoop(learner, X, KnownLabels(y), y=y_known, budget=20,
    ...                       batch_size=5, verbose=0).run()
    >>> loop.n_labels_, len(loop.history_), loop.stop_reason_
    (20, 4, 'budget of 20 labels spent')
    >>> learner.n_labeled_, learner.score(X, y) > 0.9
    (23, True)
    """

    def __init__(
        self,
        learner,
        X,
        oracle=None,
        *,
        y=None,
        budget=None,
        batch_size=None,
        stopping=None,
        journal=None,
        callbacks=None,
        verbose=1,
    ):
        self.learner = learner
        self.X = X
        self.oracle = oracle
        self.y = y
        self.budget = budget
        self.batch_size = batch_size
        self.stopping = stopping
        self.journal = journal
        self.callbacks = callbacks
        self.verbose = verbose
        self._started = False
        self._closed = False

    # ------------------------------------------------------------- setup
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
        size = self._batch_size()
        if int(size) != size or size < 1:
            raise ValueError(f"batch_size must be a positive int, got {size!r}.")

    def _batch_size(self):
        if self.batch_size is not None:
            return self.batch_size
        return getattr(self.learner, "batch_size", 1)

    def _initial_labels(self, n):
        if self.y is None:
            return {}
        values = self.y.to_numpy() if hasattr(self.y, "to_numpy") else self.y
        y = np.asarray(values, dtype=object if isinstance(values, list) else None)
        if y.shape != (n,):
            raise ValueError(
                f"y has shape {y.shape} but the pool has {n} samples; pass one label "
                "or unlabeled marker per sample."
            )
        if self._classifier:
            unlabeled = np.array([v is not None and v == -1 for v in y.tolist()])
        else:
            unlabeled = np.isnan(y.astype(float))
        return {int(i): _plain(y[i]) for i in np.flatnonzero(~unlabeled)}

    def _open_journal(self):
        from skal.journal import Journal, JournalError

        if self.journal is None:
            return None, False
        if isinstance(self.journal, Journal):
            if self.journal.closed or self.journal.readonly:
                raise JournalError(
                    f"{self.journal!r} must be open for writing to record answers."
                )
            return self.journal, False
        return Journal(self.journal), True

    def start(self):
        """Fit the learner on the known labels, resuming from the journal.

        Called by :meth:`run` and :meth:`next_query`; call it directly to
        inspect the resumed state before asking anything.

        Returns
        -------
        self : AnnotationLoop
            The started loop, with ``labels_``, ``n_labels_`` and
            ``pending_`` restored from the journal.
        """
        if self._started:
            return self
        self._validate()
        self._classifier = is_classifier(self.learner)
        self.pool_ = as_rows(self.X)
        n = n_rows(self.pool_)
        self.labels_ = self._initial_labels(n)
        self.n_labels_ = 0
        self.unknown_ = set()
        self.skipped_ = set()
        self.pending_ = []
        self.history_ = []
        self.stop_reason_ = None
        self.round_ = 0
        self._record = None
        self._round_open = False
        self._untaught = []
        self._criterion = as_criterion(self.stopping)
        self.journal_, self._own_journal = self._open_journal()
        try:
            if self.journal_ is not None:
                self._resume()
            self._fit()
        except BaseException:
            if self._own_journal:
                self.journal_.close()
            raise
        self._started = True
        self._progress = self._make_progress(n)
        if self._model_ready():
            self._check_stopping()
        return self

    def _resume(self):
        from skal.journal import JournalError

        journal = self.journal_
        journal.bind(self.pool_, self.learner)
        initial = dict(self.labels_)
        for index, label in journal.labels():
            if index in initial and initial.pop(index) != label:
                raise JournalError(
                    f"y labels row {index} {self.labels_[index]!r} but the journal "
                    f"{journal.path!r} has {label!r} for it. Fix y, or use another "
                    "journal."
                )
            self.labels_[index] = label
        for index in sorted(initial):
            # Labels from y join the journal, so it alone can rebuild the set.
            journal.add_label(index, initial[index], source="initial")
        self.n_labels_ = journal.n_labels(source="oracle")
        self.unknown_ = set(journal.indices("unknown")) - set(self.labels_)
        open_round = journal.open_round()
        if open_round is None:
            self.round_ = journal.next_round()
            return
        rnd, pending = open_round
        pending = [i for i in pending if i not in self.labels_]
        if self.budget is not None:
            pending = pending[: max(0, self.budget - self.n_labels_)]
        self.round_ = rnd
        if not pending:
            journal.finish_round(rnd)
            self.round_ = rnd + 1
            return
        self.pending_ = pending
        self._open_record(pending, None, resumed=True)

    def _fit(self):
        n = n_rows(self.pool_)
        labels = self.labels_
        values = list(labels.values())
        if self._classifier:
            ready = len({repr(v) for v in values}) >= 2
            sample = np.asarray(values) if values else np.empty(0, dtype=int)
            if sample.dtype.kind in "USO":
                y = np.full(n, -1, dtype=object)
            elif sample.dtype.kind == "f":
                y = np.full(n, -1.0)
            else:
                y = np.full(n, -1, dtype=np.int64)
        else:
            ready = bool(values)
            y = np.full(n, np.nan)
        if ready:
            idx = np.fromiter(labels, dtype=np.intp, count=len(labels))
            y[idx] = values
            self._untaught = []
        else:
            # One class (or none) cannot train a classifier: keep the labels
            # aside and query a cold start until a second class shows up.
            self._untaught = list(labels)
        self.learner.fit(self.pool_, y)

    def _make_progress(self, n):
        from tqdm.auto import tqdm

        total = self.budget
        if total is None:
            total = self.n_labels_ + n - len(self.labels_) - len(self.unknown_)
        return tqdm(
            total=total,
            initial=min(self.n_labels_, total),
            desc="labels",
            unit="label",
            disable=not self.verbose,
            leave=self.verbose > 0,
        )

    # ----------------------------------------------------------- rounds
    def _model_ready(self):
        return getattr(self.learner, "n_labeled_", 0) > 0

    def _open_record(self, queried, scores, resumed=False):
        self._record = {
            "round": self.round_,
            "queried": [int(i) for i in queried],
            "scores": None if scores is None else [float(s) for s in scores],
            "labeled": [],
            "skipped": [],
            "unknown": [],
            "resumed": resumed,
            "started": time.time(),
        }
        self._round_open = True

    def _begin_round(self):
        left = None if self.budget is None else self.budget - self.n_labels_
        if left is not None and left <= 0:
            self.stop(f"budget of {self.budget} labels spent")
            return
        k = self._batch_size() if left is None else min(self._batch_size(), left)
        taught = set(np.asarray(self.learner.labeled_indices_).tolist())
        n_candidates = n_rows(self.pool_) - len(taught)
        excluded = (set(self._untaught) | self.unknown_ | self.skipped_) - taught
        available = n_candidates - len(excluded)
        if available <= 0:
            self.stop(
                "pool exhausted: every sample is labeled, skipped or marked don't know"
            )
            return
        k = min(k, available)
        # The learner cannot be told to avoid rows it does not know are taken,
        # so ask for enough extra that the best k allowed ones are among them.
        m = min(k + len(excluded), n_candidates)
        idx, scores = self.learner.query(n_instances=m, return_scores=True)
        keep = np.array([int(i) not in excluded for i in idx], dtype=bool)
        idx, scores = np.asarray(idx)[keep][:k], np.asarray(scores)[keep][:k]
        self.pending_ = [int(i) for i in idx]
        if self.journal_ is not None:
            self.journal_.start_round(self.round_, self.pending_)
        self._open_record(self.pending_, scores)

    def _teach_untaught(self):
        if not self._untaught:
            return False
        one_class = len({repr(self.labels_[i]) for i in self._untaught}) < 2
        if self._classifier and not self._model_ready() and one_class:
            return False
        indices = list(self._untaught)
        labels = [self.labels_[i] for i in indices]
        self.learner.teach(y=labels, indices=np.asarray(indices, dtype=np.intp))
        self._untaught = []
        return True

    def _close_record(self, complete):
        record = self._record
        record["complete"] = complete
        record["n_labels"] = self.n_labels_
        record["n_labeled"] = int(getattr(self.learner, "n_labeled_", 0))
        record["seconds"] = time.time() - record.pop("started")
        self.history_.append(record)
        self._record = None
        self._round_open = False
        return record

    def _finish_round(self):
        changed = self._teach_untaught()
        if self.journal_ is not None:
            self.journal_.finish_round(self.round_)
        record = self._close_record(complete=True)
        self.round_ += 1
        for callback in self._callbacks():
            callback(self, record)
        if changed and self.stop_reason_ is None:
            self._check_stopping()

    def _callbacks(self):
        if self.callbacks is None:
            return []
        return (
            list(self.callbacks)
            if isinstance(self.callbacks, (list, tuple))
            else [self.callbacks]
        )

    def _check_stopping(self):
        if self._criterion is not None and self._criterion(self):
            self.stop(self._criterion.reason_ or "stopping criterion met")

    # ------------------------------------------------------------ stepping
    def next_query(self):
        """The pool index to ask about now, or None once the loop has stopped.

        Finishes the current round (teach, callbacks, stopping) and queries
        the next when the round's samples are all answered. Calling it again
        without :meth:`submit` returns the same index.

        Returns
        -------
        index : int or None
            Position in the pool of the sample to ask about; None once
            stopped (``stop_reason_`` says why).
        """
        self.start()
        while not self._closed and self.stop_reason_ is None:
            if self.pending_:
                return self.pending_[0]
            if self._round_open:
                self._finish_round()
            else:
                self._begin_round()
        self.close()
        return None

    def sample(self, index):
        """The pool sample at ``index``, as an oracle is shown it.

        Parameters
        ----------
        index : int
            Position in the pool.

        Returns
        -------
        sample : object
            A string, a row (1-d array or pandas Series), a 1-row sparse
            matrix...
        """
        self.start()
        return _sample_at(self.pool_, index)

    def _check_label(self, label):
        if label is None:
            raise ValueError("None is not a label; answer SKIP or UNKNOWN instead.")
        if self._classifier:
            declared = getattr(self.learner, "classes", None)
            if declared is not None and label not in list(declared):
                raise ValueError(
                    f"{label!r} is not one of the learner's classes {list(declared)!r}."
                )
            if self.labels_:
                first = next(iter(self.labels_.values()))
                if isinstance(first, str) != isinstance(label, str):
                    raise ValueError(
                        f"Label {label!r} mixes types with the labels so far (e.g. "
                        f"{first!r}); use one type for all labels."
                    )
        else:
            try:
                ok = np.isfinite(float(label))
            except (TypeError, ValueError):
                ok = False
            if not ok:
                raise ValueError(
                    f"A regression label is a finite number; got {label!r}."
                )

    def submit(self, answer):
        """Answer the sample :meth:`next_query` returned.

        The answer is committed to the journal before this returns.

        Parameters
        ----------
        answer : label or one of SKIP, UNKNOWN, STOP
            ``SKIP``: not labeled, not asked again this session.
            ``UNKNOWN``: not labeled, never asked again. ``STOP``: end the
            session; the sample stays pending for a resumed loop.
        """
        if not self._started or self._closed or not self.pending_:
            raise RuntimeError(
                "No sample is waiting for an answer; call next_query() first."
            )
        index = self.pending_[0]
        if answer is STOP:
            self.stop("stopped by the annotator")
            return
        if answer is SKIP or answer is UNKNOWN:
            kind = "skip" if answer is SKIP else "unknown"
            if self.journal_ is not None:
                self.journal_.add_answer(index, kind, round=self.round_)
            (self.skipped_ if answer is SKIP else self.unknown_).add(index)
            self._record["skipped" if answer is SKIP else "unknown"].append(index)
        else:
            answer = _plain(answer)
            self._check_label(answer)
            if self.journal_ is not None:
                self.journal_.add_label(index, answer, round=self.round_)
            self.labels_[index] = answer
            self._untaught.append(index)
            self.n_labels_ += 1
            self._record["labeled"].append((index, answer))
            self._progress.update(1)
        self.pending_.pop(0)

    def stop(self, reason="stopped"):
        """End the loop after the current step; the first reason given stays.

        Parameters
        ----------
        reason : str, default="stopped"
            Kept in ``stop_reason_``.
        """
        if self.stop_reason_ is None:
            self.stop_reason_ = reason

    def close(self):
        """Teach any labels not yet taught, close the progress bar and the
        journal the loop opened.

        Idempotent; :meth:`run` and :meth:`next_query` call it when the loop
        stops.
        """
        if not self._started or self._closed:
            return
        self._closed = True
        try:
            self._teach_untaught()
            if self._record is not None:
                self._close_record(complete=False)
        finally:
            self._progress.close()
            if self._own_journal:
                self.journal_.close()

    # ----------------------------------------------------------------- run
    def run(self):
        """Ask the oracle until a stopping criterion, the budget or the pool
        ends the loop.

        With an interactive oracle (:class:`~skal.oracles.WidgetOracle`),
        returns at once and the oracle's buttons drive the loop.

        Returns
        -------
        self : AnnotationLoop
            The stopped loop (still running, driven by the widget, with an
            interactive oracle).
        """
        if self.oracle is None:
            raise ValueError(
                "run() needs an oracle; or drive the loop with next_query() and "
                "submit()."
            )
        oracle = as_oracle(self.oracle)
        self.start()
        if oracle.interactive:
            oracle.attach(self)
            return self
        try:
            while (index := self.next_query()) is not None:
                self.submit(oracle.ask(self.sample(index), index))
        except KeyboardInterrupt:
            self.stop("interrupted")
            raise
        finally:
            self.close()
        return self

    def __repr__(self):
        state = (
            "not started"
            if not self._started
            else f"{self.n_labels_} labels, round {self.round_}"
            + ("" if self.stop_reason_ is None else f", stopped: {self.stop_reason_}")
        )
        return f"<AnnotationLoop of {type(self.learner).__name__}: {state}>"


def annotate(learner, X, oracle, **kwargs):
    """Run an :class:`AnnotationLoop` and return it.

    Parameters
    ----------
    learner : skal active learner
        Fitted on ``X`` by the loop, in place.
    X : array-like, sparse matrix, DataFrame or list
        The pool.
    oracle : Oracle or callable
        Who answers (see :mod:`skal.oracles`).
    **kwargs
        Other parameters of :class:`AnnotationLoop` (``y``, ``budget``,
        ``batch_size``, ``stopping``, ``journal``, ``callbacks``,
        ``verbose``).

    Returns
    -------
    loop : AnnotationLoop
        Stopped; ``loop.learner`` is trained on every label.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skal import UncertaintySamplingClassifier
    >>> from skal.loop import annotate
    >>> from skal.oracles import KnownLabels
    >>> from skal.stopping import TargetScore
    >>> X, y = load_iris(return_X_y=True)
    >>> y_known = np.full_like(y, -1)
    >>> y_known[[0, 50, 100]] = y[[0, 50, 100]]
    >>> learner = UncertaintySamplingClassifier(LogisticRegression(max_iter=500),
    ...                                         batch_size=3, random_state=0)
    >>> loop = annotate(learner, X, KnownLabels(y), y=y_known, budget=60,
    ...                 stopping=TargetScore(X, y, target=0.9), verbose=0)
    >>> loop.n_labels_ < 60, loop.stop_reason_.startswith("score")
    (True, True)
    """
    return AnnotationLoop(learner, X, oracle, **kwargs).run()
