"""The annotation loop: the round engine with a person, a journal and a
progress bar.

:class:`AnnotationLoop` fits a learner on a pool and drives it on the round
engine (:class:`~skal.engine.RoundEngine`): each round it queries a batch,
asks the oracle about each sample in turn, commits each answer to the journal
the moment it is given (:class:`JournalRecorder`, an engine callback),
teaches the new labels, and lets the callbacks and stopping criteria decide
whether to go on. Given a journal that already holds answers, it resumes:
every label in the journal trains the learner, nothing labeled is asked
again, and an interrupted round is finished first. Mistakes are corrected
on the running loop (:meth:`AnnotationLoop.relabel`,
:meth:`~AnnotationLoop.remove_label`, :meth:`~AnnotationLoop.undo`), with
the journal's audit trail.
"""

import numpy as np
from sklearn.base import is_classifier

from skal import _loop_journal
from skal._data import as_rows, n_rows
from skal._loop_corrections import LoopCorrections
from skal._loop_frontends import LoopFrontEnds
from skal._loop_journal import JournalRecorder
from skal._loop_setup import LoopSetup, plain
from skal.engine import RoundEngine

__all__ = ["AnnotationLoop", "JournalRecorder", "annotate"]


class AnnotationLoop(LoopSetup, LoopCorrections, LoopFrontEnds):
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
        :class:`~skal.terminal.TerminalOracle`,
        :class:`~skal.widget.WidgetOracle`, or any function of the sample.
        Needed by :meth:`run`; the step methods (:meth:`next_query`,
        :meth:`submit`) work without.
    y : array-like of shape (n_pool,), default=None
        Labels that come with the data: ``-1`` (or None) marks unlabeled rows
        (NaN for a regressor). They train the first model and do not count
        against ``budget``.
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
        None: no journal (answers live in memory only).
    callbacks : Callback, callable or list of those, default=None
        Engine callbacks (:class:`skal.callbacks.Callback`); a plain function is
        called as ``f(loop, record)`` after every round, ``record`` being the
        round's entry of ``history_``. A callback can end the loop with
        ``loop.stop(reason)``.
    background : bool, default=False
        Retrain in the background: after each round the next one is asked at
        once from samples ranked by the previous model (``behind_`` says how
        many rounds old the ranking is) while the learner refits and ranks
        anew in a worker thread. For large pools, where a refit and a query
        take seconds: no answer waits for them. The order of the questions
        then depends on how fast they are answered.
    verbose : int, default=1
        0 hides the progress bar (an interactive oracle shows its own).

    Attributes
    ----------
    pool_ : container
        ``X`` as the learner sees it.
    engine_ : RoundEngine
        The engine driving the rounds.
    labels_ : dict
        Every known label by pool index (from ``y``, the journal and the
        oracle).
    n_bought_ : int
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
        One record per round of this session (see
        :attr:`skal.engine.RoundEngine.history_`).
    stop_reason_ : str or None
        Why the loop stopped.
    behind_ : int
        How many rounds old the ranking of the current round is (0 unless
        ``background``).
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

    One loop of a process writes to a journal file at a time: a loop started
    on a journal that another loop of the same process holds (a notebook
    cell run again) closes that loop first, with a warning, and resumes from
    the journal. ``with AnnotationLoop(...) as loop:`` closes the loop at the
    end of the block.

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
    >>> loop.n_bought_, len(loop.history_), loop.stop_reason_
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
        background=False,
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
        self.background = background
        self.verbose = verbose
        self.engine_ = None
        self.journal_ = None
        self._closed = False
        self._session = None
        self._done_callbacks = []
        self._driven = False

    # ------------------------------------------------------------- setup
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
        old = _loop_journal.holder(self.journal)
        if old is not None and old is not self and old._live_journal() is not None:
            old.close(reason="a newer loop took over its journal")
            _loop_journal.taken_over_warning(self.journal, old)
        journal = Journal(self.journal)
        _loop_journal.register(self, self.journal)
        return journal, True

    def start(self):
        """Fit the learner on the known labels, resuming from the journal.

        Called by :meth:`run` and :meth:`next_query`; call it directly to
        inspect the resumed state before asking anything.

        Returns
        -------
        self : AnnotationLoop
            The started loop, with ``labels_``, ``n_bought_`` and
            ``pending_`` restored from the journal.
        """
        if self.engine_ is not None:
            return self
        batch_size = self._validate()
        self._classifier = is_classifier(self.learner)
        self.pool_ = as_rows(self.X)
        labels = self._initial_labels(n_rows(self.pool_))
        journal, self._own_journal = self._open_journal()
        self.journal_ = journal
        try:
            bought, unknown, round_, pending = [], set(), 0, None
            if journal is not None:
                _loop_journal.bind(
                    journal,
                    self.pool_,
                    self.learner,
                    self._declared_classes(),
                    self._own_journal,
                )
                self._session = journal.session_
                bought, unknown, round_, pending = _loop_journal.resume(
                    journal, labels, self.budget
                )
            untaught = self._fit(labels)
            callbacks = self._callbacks(journal, len(bought))
            self.engine_ = RoundEngine(
                self.learner,
                self.pool_,
                budget=self.budget,
                batch_size=batch_size,
                callbacks=callbacks,
                labels=untaught,
                n_bought=len(bought),
                round=round_,
                excluded=unknown,
                background=self.background,
                bought=bought,
            )
            self.engine_.labels_.update(labels)
            if pending:
                self.engine_.resume_round(pending)
            self.engine_.start()
        except BaseException:
            self.engine_ = None
            self.journal_ = None
            if self._own_journal and journal is not None:
                journal.close()
                _loop_journal.release(self, self.journal)
            raise
        return self

    def _declared_classes(self):
        """The learner's declared classes, as plain values, or None."""
        classes = self.learner.get_params(deep=False).get("classes")
        if classes is None:
            return None
        return [plain(c) for c in np.asarray(classes, dtype=object).tolist()]

    def _live_journal(self):
        """The journal this loop has open for writing, or None."""
        journal = self.journal_
        if journal is None or journal.closed or self._closed:
            return None
        return journal

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
        index = self.engine_.next_query()
        if index is None:
            self.close()
        return index

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
        return self.engine_.sample(index)

    def submit(self, answer):
        """Answer the sample :meth:`next_query` returned.

        The answer is validated and committed to the journal before this
        returns; an answer that cannot be used (a label of the wrong type, or
        for a row the model cannot train on) raises and nothing is recorded.

        Parameters
        ----------
        answer : label or one of SKIP, UNKNOWN, STOP
            ``SKIP``: not labeled, not asked again this session.
            ``UNKNOWN``: not labeled, never asked again. ``STOP``: end the
            session; the sample stays pending for a resumed loop.
        """
        if self.engine_ is None:
            raise RuntimeError(
                "No sample is waiting for an answer; call next_query() first."
            )
        if self._closed:
            raise RuntimeError(
                f"This loop has ended ({self.stop_reason_}); start a new "
                "AnnotationLoop on the same journal to go on."
            )
        self.engine_.submit(answer)

    def stop(self, reason="stopped"):
        """End the loop after the current step; the first reason given stays.

        Parameters
        ----------
        reason : str, default="stopped"
            Kept in ``stop_reason_``.
        """
        self.start()
        self.engine_.stop(reason)

    def close(self, reason="closed"):
        """Teach any labels not yet taught, close the progress bar and the
        journal the loop opened, and call the :meth:`on_done` callbacks.

        Idempotent; :meth:`run` and :meth:`next_query` call it when the loop
        stops, and so does the end of a ``with`` block.

        Parameters
        ----------
        reason : str, default="closed"
            Kept in ``stop_reason_`` if the loop had not stopped yet.
        """
        if self.engine_ is None or self._closed:
            return
        self.engine_.stop(reason)
        self._closed = True
        try:
            self.engine_.end()
        finally:
            if self._own_journal and self.journal_ is not None:
                self.journal_.close()
                _loop_journal.release(self, self.journal)
            self._call_done()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    # ----------------------------------------------------------------- run
    def run(self):
        """Ask the oracle until a stopping criterion, the budget or the pool
        ends the loop.

        With an interactive oracle (:class:`~skal.widget.WidgetOracle`),
        returns at once and the oracle's buttons drive the loop.

        Returns
        -------
        self : AnnotationLoop
            The stopped loop (still running, driven by the widget, with an
            interactive oracle).
        """
        from skal.oracles import UNDO, Relabel, as_oracle

        if self.oracle is None:
            raise ValueError(
                "run() needs an oracle; or drive the loop with next_query() and "
                "submit()."
            )
        oracle = as_oracle(self.oracle)
        self.start()
        if oracle.interactive:
            self._driven = True
            oracle.attach(self)
            return self
        try:
            while (index := self.next_query()) is not None:
                if oracle.wants_info:
                    oracle.inform(self.query_info(index))
                answer = oracle.ask(self.sample(index), index)
                if answer is UNDO or isinstance(answer, Relabel):
                    oracle.tell(self.apply_command(answer))
                else:
                    self.submit(answer)
        except KeyboardInterrupt:
            self.stop("interrupted")
            raise
        finally:
            self.close()
        return self

    # --------------------------------------------------------- the state
    def _engine_attr(name):  # noqa: N805 - a property factory
        def get(self):
            if self.engine_ is None:
                raise AttributeError(f"{name} is set once the loop has started.")
            return getattr(self.engine_, name)

        return property(get, doc=f"The engine's ``{name}``.")

    labels_ = _engine_attr("labels_")
    n_bought_ = _engine_attr("n_bought_")
    unknown_ = _engine_attr("unknown_")
    skipped_ = _engine_attr("skipped_")
    round_ = _engine_attr("round_")
    pending_ = _engine_attr("pending_")
    history_ = _engine_attr("history_")
    stop_reason_ = _engine_attr("stop_reason_")
    behind_ = _engine_attr("behind_")
    del _engine_attr

    def __repr__(self):
        if self.engine_ is None:
            state = "not started"
        elif self._driven and not self._closed:
            # What a notebook shows under run(): the widget has the live count.
            state = "labeling in its widget"
        else:
            state = f"{self.n_bought_} labels, round {self.round_}" + (
                "" if self.stop_reason_ is None else f", stopped: {self.stop_reason_}"
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
    >>> loop.n_bought_ < 60, loop.stop_reason_.startswith("score")
    (True, True)
    """
    return AnnotationLoop(learner, X, oracle, **kwargs).run()
