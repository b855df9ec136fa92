"""The :class:`Journal`: binding to a pool, recording answers, correcting them."""

import json
import time

from skal.journal import _log
from skal.journal._binding import JournalBinding
from skal.journal._core import JournalCore
from skal.journal._errors import JournalError
from skal.journal._labels import decode_label
from skal.journal._reading import JournalReading

__all__ = ["Journal"]


class Journal(JournalBinding, JournalReading, JournalCore):
    """A durable record of every answer given in an annotation loop.

    Opening a journal for writing takes a lock no other session can take
    until this one closes the journal (or dies). Each answer (a label, a
    correction, a skip, a don't know, an undo) is then committed to disk
    before the method recording it returns: SQLite in WAL mode with
    ``synchronous=FULL``. Answers are appended to a log and never erased: a
    correction or an undo is one more entry, and the latest entry in effect
    gives a row's current label (:meth:`labels`; :meth:`history` has them
    all). The database itself refuses two current labels for one row.

    Every open checks the file in full: a file that is not a skal journal,
    or a damaged or hand-edited one (an extra trigger or view, a changed
    table, an index outside the pool, a label that is not JSON...), raises
    :class:`JournalError` and is left untouched. A journal of schema version
    1 (skal 0.1) is migrated when opened for writing and read as it is when
    opened read-only.

    Parameters
    ----------
    path : str or path-like
        The journal file, created with its schema if it does not exist and
        ``readonly`` is False. Its directory must exist; symlinks are
        followed; ``""``, ``":memory:"`` and files with several hard links
        are refused.
    readonly : bool, default=False
        Open to read only: takes no lock, so a journal can be inspected or
        exported while a session labels into it, or read from a read-only
        directory.
    timeout : float, default=30.0
        Seconds to keep retrying a write while another program (an
        ``sqlite3`` shell, a database browser) holds SQLite's write lock,
        with a warning after the first second; then
        :class:`JournalBusyError` says the answer was not recorded.

    Attributes
    ----------
    path : str
        The journal file, as given.
    readonly : bool
        Whether it was opened read-only.
    session_ : int or None
        The id of the session started by :meth:`bind`.

    See Also
    --------
    skal.loop.AnnotationLoop : The loop that writes to a journal and resumes
        from it.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from skal.journal import Journal
    >>> X = np.arange(10.0).reshape(5, 2)
    >>> path = os.path.join(tempfile.mkdtemp(), "labels.sqlite")
    >>> with Journal(path) as journal:
    ...     journal.bind(X, classes=["cat", "dog"])
    ...     journal.add_label(3, "cat")
    ...     journal.add_answer(1, "skip")
    ...     journal.relabel(3, "dog")
    'cat'
    >>> with Journal(path, readonly=True) as journal:
    ...     journal.labels(), len(journal.history())
    ([(3, 'dog')], 3)
    >>> with Journal(path) as journal:
    ...     journal.bind(X[::-1])
    Traceback (most recent call last):
    ...
    skal.journal.JournalError: The journal ... belongs to another pool: ...
    """

    # Binding, reading and closing live in their topic modules; named here
    # too, so that the API reference lists them with the class.
    bind = JournalBinding.bind
    meta = JournalReading.meta
    labels = JournalReading.labels
    n_labels = JournalReading.n_labels
    answers = JournalReading.answers
    history = JournalReading.history
    indices = JournalReading.indices
    open_round = JournalReading.open_round
    next_round = JournalReading.next_round
    row_fingerprints = JournalReading.row_fingerprints
    invalid_labels = JournalReading.invalid_labels
    export_csv = JournalReading.export_csv
    close = JournalCore.close
    closed = JournalCore.closed

    # ------------------------------------------------------------ answers
    def add_label(self, index, label, *, round=None, source="oracle"):
        """Record and commit the first label of pool row ``index``.

        Parameters
        ----------
        index : int
            Position in the bound pool.
        label : str, int, float or bool
            The label (numpy scalars are accepted). It must have the
            journal's label type and be one of its classes, if declared.
        round : int, default=None
            The annotation round it was given in.
        source : str, default="oracle"
            Who gave it: ``"oracle"`` for the annotator, ``"initial"`` for
            labels that came with the data.

        Raises
        ------
        JournalError
            If the row already has a current label (correct it with
            :meth:`relabel`), or the label does not fit the journal.

        Examples
        --------
        >>> import os, tempfile
        >>> from skal.journal import Journal
        >>> with Journal(os.path.join(tempfile.mkdtemp(), "j.sqlite")) as journal:
        ...     journal.bind(["a", "b"])
        ...     journal.add_label(1, 3)
        ...     journal.add_label(0, 1.5)
        Traceback (most recent call last):
        ...
        skal.journal.JournalError: The label 1.5 does not fit the journal ...
        """
        self._label_change(index, label, "label", round, source)

    def relabel(self, index, label, *, source="oracle", round=None):
        """Replace the current label of a labeled row.

        The old label stays in :meth:`history`; :meth:`undo` restores it.

        Parameters
        ----------
        index : int
            Position in the bound pool.
        label : str, int, float or bool
            The new label.
        source : str, default="oracle"
            Who corrected it.
        round : int, default=None
            The annotation round of the correction.

        Returns
        -------
        previous : label
            The label replaced.

        Raises
        ------
        JournalError
            If the row has no current label, or the label does not fit.

        Examples
        --------
        >>> import os, tempfile
        >>> from skal.journal import Journal
        >>> with Journal(os.path.join(tempfile.mkdtemp(), "j.sqlite")) as journal:
        ...     journal.bind(["a", "b"])
        ...     journal.add_label(0, "cat")
        ...     print(journal.relabel(0, "dog"), journal.labels())
        cat [(0, 'dog')]
        """
        return self._label_change(index, label, "relabel", round, source)

    def remove_label(self, index, *, source="oracle"):
        """Make a labeled row unlabeled again.

        Parameters
        ----------
        index : int
            Position in the bound pool.
        source : str, default="oracle"
            Who removed it.

        Returns
        -------
        removed : label
            The label the row had.

        Raises
        ------
        JournalError
            If the row has no current label.

        Examples
        --------
        >>> import os, tempfile
        >>> from skal.journal import Journal
        >>> with Journal(os.path.join(tempfile.mkdtemp(), "j.sqlite")) as journal:
        ...     journal.bind(["a", "b"])
        ...     journal.add_label(0, "cat")
        ...     print(journal.remove_label(0), journal.labels())
        cat []
        """
        index = self._check_index(index)
        ctx = self._context(None, source)

        def change():
            now = _log.current(self._conn, index)
            if now is None:
                raise JournalError(
                    f"Row {index} has no label to remove in {self.path!r}."
                )
            _log.append(self._conn, index, "remove", previous=now[1], **ctx)
            self._conn.execute("DELETE FROM current_labels WHERE idx = ?", (index,))
            self._forget_type_if_empty()
            return decode_label(now[1])

        return self._write(f"Removing the label of row {index}", change)

    def undo(self, *, session=None):
        """Retract the latest answer still in effect.

        That is the latest label, relabel, removal, skip or don't know not
        already undone nor replaced by a later change of its row. Undoing a
        relabel restores the label it replaced; undoing a removal restores
        the label removed; an undone skip or don't know no longer counts
        (:meth:`indices`, :meth:`open_round`). The undo is one more entry of
        the log: nothing is erased.

        Parameters
        ----------
        session : int, default=None
            Only an answer given in this session (e.g. ``journal.session_``);
            any session's if None.

        Returns
        -------
        undone : dict or None
            The retracted entry, as in :meth:`history` (``index``, ``kind``,
            ``label``, ``previous``...), plus ``restored``: the row's label
            now (None if unlabeled). None if there was nothing to undo.

        Examples
        --------
        >>> import os, tempfile
        >>> from skal.journal import Journal
        >>> with Journal(os.path.join(tempfile.mkdtemp(), "j.sqlite")) as journal:
        ...     journal.bind(["a", "b"])
        ...     journal.add_label(0, "cat")
        ...     _ = journal.relabel(0, "dog")
        ...     undone = journal.undo()
        ...     print(undone["kind"], undone["label"], undone["restored"])
        ...     print(journal.labels())
        relabel dog cat
        [(0, 'cat')]
        """
        if session is not None and (
            isinstance(session, bool) or not isinstance(session, int)
        ):
            raise TypeError(f"session must be a session id (int), got {session!r}.")

        def change():
            row = _log.latest_in_effect(self._conn, session)
            if row is None:
                return None
            seq, index, kind = row[0], row[1], row[2]
            _log.append(
                self._conn,
                index,
                "undo",
                undoes=seq,
                session=self.session_,
                source=row[8],
            )
            if kind in _log.LABEL_CHANGES:
                top = _log.live_top(self._conn, index)
                if top is None or top[1] == "remove":
                    self._conn.execute(
                        "DELETE FROM current_labels WHERE idx = ?", (index,)
                    )
                    self._forget_type_if_empty()
                else:
                    _log.set_current(self._conn, index, top[0])
            now = _log.current(self._conn, index)
            restored = None if now is None else decode_label(now[1])
            (entry,) = [e for e in _log.history(self._conn, index) if e["seq"] == seq]
            return {**entry, "restored": restored}

        return self._write("Undoing the latest answer", change)

    def add_answer(self, index, kind, *, round=None, source="oracle"):
        """Record and commit a non-label answer: ``"skip"`` or ``"unknown"``.

        Parameters
        ----------
        index : int
            Position in the bound pool.
        kind : {"skip", "unknown"}
            Skipped for now, or "don't know".
        round : int, default=None
            The annotation round it was given in.
        source : str, default="oracle"
            Who gave it.

        Examples
        --------
        >>> import os, tempfile
        >>> from skal.journal import Journal
        >>> with Journal(os.path.join(tempfile.mkdtemp(), "j.sqlite")) as journal:
        ...     journal.bind(["a", "b"])
        ...     journal.add_answer(1, "unknown")
        ...     print(journal.indices("unknown"))
        [1]
        """
        if kind not in ("skip", "unknown"):
            raise ValueError(f"kind must be 'skip' or 'unknown', got {kind!r}.")
        index = self._check_index(index)
        ctx = self._context(round, source)

        def change():
            _log.append(self._conn, index, kind, **ctx)
            self._note_row(index)

        answer = {"index": index, "kind": kind, "label": None}
        self._write(f"Recording the {kind} of row {index}", change, answer)

    # ------------------------------------------------------------- rounds
    def start_round(self, round, indices):
        """Record the samples queried for a round, before any is asked.

        A session that dies mid-round leaves the round open; the next session
        asks its unanswered samples first (:meth:`open_round`).

        Parameters
        ----------
        round : int
            The round's number.
        indices : array-like of int
            The samples queried, in the order they will be asked.

        Examples
        --------
        >>> import os, tempfile
        >>> from skal.journal import Journal
        >>> with Journal(os.path.join(tempfile.mkdtemp(), "j.sqlite")) as journal:
        ...     journal.bind(["a", "b", "c"])
        ...     journal.start_round(0, [2, 0])
        ...     print(journal.open_round())
        (0, [2, 0])
        """
        rnd = self._context(round, "oracle")["round"]
        if rnd is None:
            raise TypeError("round must be an int, got None.")
        queried = json.dumps([self._check_index(i) for i in indices])

        def change():
            self._conn.execute(
                "INSERT INTO rounds (round, session, started, finished, queried) "
                "VALUES (?, ?, ?, NULL, ?)",
                (rnd, self.session_, time.time(), queried),
            )

        if self.session_ is None:
            raise JournalError(f"Call bind(X) on {self.path!r} before a round.")
        self._write(f"Starting round {rnd}", change)

    def finish_round(self, round):
        """Mark a round as completed.

        Parameters
        ----------
        round : int
            The round's number.

        Examples
        --------
        >>> import os, tempfile
        >>> from skal.journal import Journal
        >>> with Journal(os.path.join(tempfile.mkdtemp(), "j.sqlite")) as journal:
        ...     journal.bind(["a", "b", "c"])
        ...     journal.start_round(0, [2, 0])
        ...     journal.finish_round(0)
        ...     print(journal.open_round(), journal.next_round())
        None 1
        """
        rnd = self._context(round, "oracle")["round"]

        def change():
            self._conn.execute(
                "UPDATE rounds SET finished = ? WHERE round = ?", (time.time(), rnd)
            )

        self._write(f"Finishing round {rnd}", change)
        # Answers are durable in the -wal file already; moving them into the
        # main file each round keeps a copied .sqlite file (without its -wal)
        # from missing more than the current round.
        self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
