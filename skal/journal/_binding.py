"""Binding a journal to a pool: the pool's fingerprint, the session, the
declared classes, and the fingerprint of each answered row."""

import json
import os
import socket
import time
import warnings

from skal.journal._core import learner_config
from skal.journal._errors import JournalError, JournalLabelError
from skal.journal._fingerprint import pool_fingerprint, row_fingerprints
from skal.journal._labels import check_classes

__all__ = ["JournalBinding"]


class JournalBinding:
    """The binding method of :class:`skal.journal.Journal`."""

    def bind(self, X, learner=None, *, classes=None, row_keys=None):
        """Tie the journal to a pool and start a session.

        The first bind records the pool's fingerprint and size; later ones
        refuse any other pool, since indices in the journal would point at
        the wrong samples. The learner's configuration is recorded for each
        session; a learner configured differently from the previous
        session's only warns (changing strategy mid-way is legitimate).
        Binding the same open journal again continues its session.

        Parameters
        ----------
        X : array-like, sparse matrix, DataFrame or list
            The pool the indices refer to.
        learner : estimator, default=None
            The learner of this session, for the record.
        classes : list, default=None
            The labels allowed from now on (all of one type); any other label
            is refused before it is written. Kept in the journal for later
            sessions; None keeps the classes declared before, if any.
        row_keys : sequence of str, default=None
            One key per row (e.g. the cells of a CSV row) whose fingerprint
            identifies the row in exports; the rows of ``X`` if None.

        Raises
        ------
        JournalError
            If the journal was written for another pool.
        JournalLabelError
            If the journal holds labels of another type than its own, or
            outside ``classes``. The session is started regardless, so that
            they can be fixed on this journal with :meth:`relabel`,
            :meth:`remove_label` or :meth:`undo`.

        Examples
        --------
        >>> import os, tempfile
        >>> from skal.journal import Journal
        >>> path = os.path.join(tempfile.mkdtemp(), "j.sqlite")
        >>> with Journal(path) as journal:
        ...     journal.bind(["good", "bad"], classes=["pos", "neg"])
        ...     journal.add_label(0, "pos")
        ...     journal.add_label(1, "nope")
        Traceback (most recent call last):
        ...
        skal.journal.JournalError: The label 'nope' does not fit the journal ...
        >>> with Journal(path) as journal:  # the classes are remembered
        ...     journal.bind(["good", "bad"])
        ...     print(journal.meta("classes"), journal.session_)
        ["pos", "neg"] 2
        """
        self._writable()
        from skal._data import n_rows

        fingerprint = pool_fingerprint(X)
        n_pool = n_rows(X)
        declared = None if classes is None else check_classes(classes)
        if row_keys is not None:
            row_keys = list(row_keys)
            if len(row_keys) != n_pool:
                raise ValueError(
                    f"row_keys has {len(row_keys)} keys for a pool of {n_pool} rows."
                )
        learner_repr, params = learner_config(learner)

        def change():
            known = self.meta("pool_fingerprint")
            if known is None:
                self._set_meta("pool_fingerprint", fingerprint)
                self._set_meta("n_pool", str(n_pool))
            elif known != fingerprint:
                raise JournalError(
                    f"The journal {self.path!r} belongs to another pool: it was "
                    f"written for {self.meta('n_pool')} samples with fingerprint "
                    f"{known[:12]}..., this pool has {n_pool} samples with "
                    f"fingerprint {fingerprint[:12]}.... Its indices would label "
                    "the wrong samples. Use the original pool (same rows, same "
                    "order) or a new journal."
                )
            if self.session_ is None:
                last = self._conn.execute(
                    "SELECT params FROM sessions WHERE params IS NOT NULL "
                    "ORDER BY id DESC LIMIT 1"
                ).fetchone()
                self._previous_params = None if last is None else last[0]
                self.session_ = self._conn.execute(
                    "INSERT INTO sessions (started, pid, host, learner, params) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (time.time(), os.getpid(), socket.gethostname(), None, None),
                ).lastrowid
            if learner is not None:
                self._conn.execute(
                    "UPDATE sessions SET learner = ?, params = ? WHERE id = ?",
                    (learner_repr, params, self.session_),
                )
            if declared is not None:
                self._set_meta("classes", json.dumps(declared[0]))
                self._set_meta("label_type", declared[1])
            self._bind_rows(X, row_keys)

        session = self.session_
        try:
            self._write("Binding the journal", change)
        except BaseException:
            self.session_ = session
            raise
        self._fingerprint = fingerprint
        before = self._previous_params
        if before is not None and params is not None and before != params:
            self._previous_params = params  # say it once per session
            warnings.warn(
                f"The learner differs from the previous session's in {self.path!r} "
                f"({_changes(before, params)}); resuming with the new one.",
                UserWarning,
                stacklevel=2,
            )
        problems = self.invalid_labels()
        if problems:
            raise JournalLabelError(_bad_labels_message(self.path, problems), problems)

    def _bind_rows(self, X, row_keys):
        if row_keys is None and self._fingerprint is not None:
            return  # bound again, to the same pool: its rows are known
        scheme = self.meta("row_keys")
        wanted = "given" if row_keys is not None else "pool"
        if row_keys is None and scheme == "given":
            if self._rows is None:
                return  # keys came from elsewhere (a CSV); this pool cannot say
            wanted, row_keys = "given", self._rows
        self._rows = row_keys if row_keys is not None else X
        self._set_meta("row_keys", wanted)
        answered = [
            r[0] for r in self._conn.execute("SELECT DISTINCT idx FROM answers")
        ]
        self._conn.executemany(
            "INSERT OR REPLACE INTO row_fingerprints (idx, fingerprint) VALUES (?, ?)",
            zip(answered, row_fingerprints(self._rows, answered), strict=True),
        )


def _changes(before, after):
    """The parameters that differ, as ``name: old -> new``."""
    try:
        old, new = json.loads(before), json.loads(after)
    except ValueError:
        return f"was {before}, now {after}"
    keys = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    return ", ".join(f"{k}: {old.get(k)!r} -> {new.get(k)!r}" for k in keys)


def _bad_labels_message(path, problems):
    shown = "; ".join(
        f"row {p['index']} is labeled {p['label']!r} ({p['reason']})"
        for p in problems[:5]
    )
    more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
    first = problems[0]["index"]
    return (
        f"The journal {path!r} holds labels a learner cannot train on: {shown}"
        f"{more}. Correct them on this journal with relabel({first}, LABEL), "
        f"remove_label({first}) or undo(), or from the command line with "
        f"`skal label DATA.csv --classes ... --relabel {first}=LABEL` (or "
        f"`--remove {first}`)."
    )
