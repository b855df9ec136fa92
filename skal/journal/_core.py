"""Opening, validating and closing a journal file, and writing to it safely."""

import contextlib
import json
import numbers
import os
import sqlite3
import time
import warnings
from urllib.parse import quote

from skal.journal import _log, _schema
from skal.journal._errors import (
    JournalBusyError,
    JournalError,
)
from skal.journal._fingerprint import row_fingerprints
from skal.journal._labels import (
    decode_label,
    encode_label,
    fit_type,
    label_problem,
    label_type,
    plain_label,
)
from skal.journal._lock import WriterLock, resolve_journal_path
from skal.journal._sqlite import (
    connect,
    error_name,
    is_busy,
    storage_error,
    transaction,
)

__all__ = ["JournalCore", "learner_config"]

_SLICE = 1.0  # seconds SQLite waits for a busy lock before skal says so


class JournalCore:
    """Opening, validating and closing a journal, and the write machinery
    every recording method shares (see :class:`skal.journal.Journal`)."""

    def __init__(self, path, *, readonly=False, timeout=30.0):
        self._conn = None
        self._lock = None
        self._opened = False  # validated and ready: only then is it written
        self.session_ = None
        self.readonly = bool(readonly)
        if isinstance(timeout, bool) or not isinstance(timeout, numbers.Real):
            raise TypeError(f"timeout must be a number of seconds, got {timeout!r}.")
        if not timeout >= 0:
            raise ValueError(f"timeout must be >= 0 seconds, got {timeout!r}.")
        self.timeout = float(timeout)
        self._file = resolve_journal_path(path)
        self.path = os.fsdecode(os.fspath(path))
        self._rows = None  # what row fingerprints are computed from, once bound
        self._previous_params = None  # the learner of the last session
        self._fingerprint = None
        exists = os.path.exists(self._file)
        if readonly and not exists:
            raise FileNotFoundError(f"No journal at {self.path!r}.")
        if exists:
            self._probe()
        if not readonly:
            self._check_writable(exists)
            self._lock = WriterLock(self._file, self.path)
            self._lock.acquire()
        try:
            self._open()
        except BaseException:
            self.close()
            raise

    # ------------------------------------------------------------ opening
    def _probe(self):
        """Refuse a file that is not SQLite before taking any lock next to it.

        SQLite reads the header: opening and closing the file ourselves would
        drop the POSIX locks other connections of this process hold on it. As
        immutable, it creates no -shm file (which would inherit the journal's
        permissions, perhaps read-only, and outlive the probe).
        """
        try:
            conn = sqlite3.connect(
                f"file:{quote(self._file)}?mode=ro&immutable=1", uri=True
            )
            try:
                conn.execute("PRAGMA application_id").fetchone()
            finally:
                conn.close()
        except sqlite3.DatabaseError as exc:
            if error_name(exc).startswith("SQLITE_NOTADB"):
                raise self._not_sqlite() from None
            # Otherwise unreadable here for another reason: _open says why.

    def _not_sqlite(self):
        with open(self._file, "rb") as handle:  # not SQLite: no lock to drop
            head = handle.read(16)
        return JournalError(
            f"{self.path!r} is not a skal journal: it is not an SQLite database "
            f"(it starts with {head[:8]!r}). It was left untouched; pass a new "
            "path to start a new journal."
        )

    def _check_writable(self, exists):
        folder = os.path.dirname(self._file)
        which = None
        if exists and not os.access(self._file, os.W_OK):
            which = "file is"
        elif not os.access(folder, os.W_OK):
            which = "directory is"
        for suffix in ("-wal", "-shm"):
            side = self._file + suffix
            if which is None and os.path.exists(side) and not os.access(side, os.W_OK):
                which = f"{suffix} file ({side!r}) is"
        if which is not None:
            raise JournalError(
                f"Cannot write to the journal {self.path!r}: its {which} "
                "read-only (a session needs to write the file, and its .lock and "
                "-wal files next to it). Open it with readonly=True to read it, "
                "make it writable (chmod u+w), or copy it to a writable directory."
            )

    def _open(self):
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                return self._open_once()
            except sqlite3.Error as exc:
                if self._conn is not None:
                    with contextlib.suppress(sqlite3.Error):
                        self._conn.close()
                    self._conn = None
                if not is_busy(exc):
                    raise storage_error(exc, self.path, "Opening the journal") from None
                if time.monotonic() >= deadline:
                    raise JournalBusyError(
                        f"The journal {self.path!r} could not be opened: another "
                        f"program has held SQLite's lock on it for {self.timeout:g} "
                        "s (an sqlite3 shell or database browser with a transaction "
                        "open?). Close it and try again."
                    ) from None
                time.sleep(0.05)

    def _open_once(self):
        self._conn = connect(
            self._file,
            self.path,
            readonly=self.readonly,
            busy_timeout=min(_SLICE, self.timeout),
        )
        version = self._check()
        if version == 1:
            if self.readonly:
                self._read_v1_in_memory()
            else:
                with transaction(self._conn):
                    _schema.migrate_v1(self._conn)
                self._check()
        if not self.readonly:
            # WAL with synchronous=FULL: a commit is on disk when it
            # returns, and readers (an export) never block the writer.
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.execute("PRAGMA foreign_keys=ON")
        self._opened = True

    def _read_v1_in_memory(self):
        memory = sqlite3.connect(":memory:", isolation_level=None)
        self._conn.backup(memory)
        self._conn.close()
        self._conn = memory
        with transaction(memory):
            _schema.migrate_v1(memory)
        self._check()

    def _check(self):
        """Validate the whole file; returns its schema version (0: empty)."""
        conn = self._conn
        with transaction(conn, "DEFERRED"):  # one consistent snapshot
            status = conn.execute("PRAGMA quick_check").fetchone()[0]
            # A value its schema forbids: the checks below say which.
            constraint = "constraint" in status
            if status != "ok" and not constraint:
                raise JournalError(
                    f"{self.path!r} is a corrupt SQLite file ({status}). It was "
                    "left untouched; the sqlite3 shell's .recover command may "
                    "rescue its labels."
                )
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = sorted(
                row[0]
                for row in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                )
            )
            objects = conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]
            if app_id == 0 and version == 0 and objects == 0:
                if self.readonly:
                    raise JournalError(
                        f"{self.path!r} is an empty file, not a journal."
                    )
                self._create()
                return _schema.SCHEMA_VERSION
            if app_id != _schema.APPLICATION_ID:
                raise JournalError(
                    f"{self.path!r} is an SQLite database but not a skal journal "
                    f"(application_id {app_id}, tables: {', '.join(tables) or 'none'})"
                    ". Refusing to touch it; pass a new path to start a new journal."
                )
            if version > _schema.SCHEMA_VERSION:
                raise JournalError(
                    f"{self.path!r} was written by a newer skal (journal schema "
                    f"{version}; this skal reads up to {_schema.SCHEMA_VERSION}). "
                    "Upgrade skal."
                )
            if version < 1:
                raise self._damaged([f"schema version {version} is not a skal one"])
            problems = _schema.structure_problems(conn, "main", version)
            if not problems:
                problems = _schema.value_problems(conn, "main", version)
            if constraint and not problems:
                problems = [status]
            if problems:
                raise self._damaged(problems)
        return version

    def _damaged(self, problems):
        listing = "; ".join(problems)
        return JournalError(
            f"{self.path!r} is a damaged or hand-edited skal journal: {listing}. "
            "It was left untouched and will not be written to; restore it from a "
            "backup, or start a new journal."
        )

    def _create(self):
        from skal import __version__

        _schema.create(self._conn)
        self._conn.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?)",
            [
                ("format", "skal-journal"),
                ("created", _now_iso()),
                ("skal_version", __version__),
            ],
        )

    # ------------------------------------------------------------ writing
    def _writable(self):
        if self._conn is None:
            raise JournalError(f"The journal {self.path!r} is closed.")
        if self.readonly:
            raise JournalError(f"The journal {self.path!r} was opened read-only.")

    def _write(self, doing, change, answer=None):
        """Run ``change()`` in one write transaction, retrying while another
        program holds SQLite's lock; never loses an answer without saying so."""
        self._writable()
        deadline = time.monotonic() + self.timeout
        warned = False
        while True:
            self._lock.verify()
            try:
                with transaction(self._conn):
                    return change()
            except sqlite3.IntegrityError as exc:
                raise JournalError(
                    f"{doing} was refused by the database of {self.path!r} ({exc}); "
                    "nothing was recorded."
                ) from None
            except sqlite3.Error as exc:
                if not is_busy(exc):
                    error = storage_error(exc, self.path, doing)
                    if answer is not None:
                        error = JournalError(f"{error} The answer was NOT recorded.")
                    raise error from None
                if time.monotonic() >= deadline:
                    raise JournalBusyError(
                        f"{doing} was NOT recorded: another program has held "
                        f"SQLite's write lock on {self.path!r} for {self.timeout:g} s "
                        "(an sqlite3 shell or database browser with a transaction "
                        "open?). Close it, then give the answer again; every "
                        "earlier answer is safe.",
                        answer,
                    ) from None
                if not warned:
                    warned = True
                    warnings.warn(
                        f"{self.path!r} is locked by another program; {doing} is "
                        f"kept and retried for up to {self.timeout:g} s.",
                        UserWarning,
                        stacklevel=3,
                    )

    def _set_meta(self, key, value):
        self._conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO "
            "UPDATE SET value = excluded.value",
            (key, value),
        )

    def _context(self, round, source):
        if isinstance(source, bool) or not isinstance(source, str):
            raise TypeError(f"source must be a str such as 'oracle', got {source!r}.")
        if not source.strip():
            raise ValueError("source must name who answered, e.g. 'oracle'.")
        if round is not None:
            if isinstance(round, bool) or not isinstance(round, numbers.Integral):
                raise TypeError(f"round must be an int or None, got {round!r}.")
            if round < 0:
                raise ValueError(f"round must be >= 0, got {round}.")
            round = int(round)
        return {"round": round, "source": source, "session": self.session_}

    def _check_index(self, index):
        if isinstance(index, bool) or not isinstance(index, numbers.Integral):
            raise TypeError(f"A pool index must be an int, got {index!r}.")
        index = int(index)
        n_pool = self.meta("n_pool")
        if n_pool is None:
            raise JournalError(
                f"Call bind(X) on {self.path!r} before recording answers."
            )
        if not 0 <= index < int(n_pool):
            raise JournalError(
                f"Index {index} is outside the pool of {n_pool} samples bound to "
                f"{self.path!r}."
            )
        return index

    def _fit_label(self, label):
        """The label as stored, or a JournalError if it does not fit."""
        label = plain_label(label)
        journal_type = self.meta("label_type")
        classes = self.meta("classes")
        classes = None if classes is None else json.loads(classes)
        why = label_problem(label, journal_type, classes)
        if why is not None:
            raise JournalError(
                f"The label {label!r} does not fit the journal {self.path!r}: "
                f"{why}. Nothing was recorded."
            )
        return fit_type(label, journal_type)

    def _note_row(self, index):
        if self._rows is not None:
            (fingerprint,) = row_fingerprints(self._rows, [index])
            self._conn.execute(
                "INSERT OR REPLACE INTO row_fingerprints (idx, fingerprint) "
                "VALUES (?, ?)",
                (index, fingerprint),
            )

    def _label_change(self, index, label, kind, round, source):
        index = self._check_index(index)
        ctx = self._context(round, source)
        shown = plain_label(label)
        doing = f"Recording the label {shown!r} for row {index}"

        def change():
            fitted = self._fit_label(label)
            text = encode_label(fitted)
            now = _log.current(self._conn, index)
            if kind == "label" and now is not None:
                raise JournalError(
                    f"Row {index} is already labeled {decode_label(now[1])!r} in "
                    f"{self.path!r}; to correct it, call relabel({index}, "
                    f"{fitted!r}) (or remove_label / undo)."
                )
            if kind == "relabel" and now is None:
                raise JournalError(
                    f"Row {index} has no label to replace in {self.path!r}; give "
                    f"it one with add_label({index}, {fitted!r})."
                )
            previous = None if now is None else now[1]
            seq = _log.append(
                self._conn, index, kind, label=text, previous=previous, **ctx
            )
            if now is None:
                # The primary key refuses a second current label outright.
                self._conn.execute(
                    "INSERT INTO current_labels (idx, seq) VALUES (?, ?)",
                    (index, seq),
                )
            else:
                _log.set_current(self._conn, index, seq)
            if self.meta("label_type") is None:
                self._set_meta("label_type", label_type(fitted))
            self._note_row(index)
            return None if previous is None else decode_label(previous)

        return self._write(
            doing, change, {"index": index, "kind": kind, "label": shown}
        )

    def _forget_type_if_empty(self):
        if (
            self.meta("classes") is None
            and not self._conn.execute(
                "SELECT 1 FROM current_labels LIMIT 1"
            ).fetchone()
        ):
            self._conn.execute("DELETE FROM meta WHERE key = 'label_type'")

    # ------------------------------------------------------------ closing
    def close(self):
        """Close the database and release the write lock (idempotent).

        A writer leaves the file in SQLite's rollback-journal mode, with its
        -wal file folded in: complete on its own, so it can be copied as one
        file or read from a read-only directory. (If a reader still has it
        open, it stays in WAL mode; nothing is lost either way.)

        Examples
        --------
        >>> import os, tempfile
        >>> from skal.journal import Journal
        >>> journal = Journal(os.path.join(tempfile.mkdtemp(), "labels.sqlite"))
        >>> journal.close()
        >>> journal.closed
        True
        >>> journal.close()  # again: nothing happens
        """
        conn, self._conn = self._conn, None
        if conn is not None:
            if not self.readonly and self._opened:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("PRAGMA busy_timeout = 100")
                    conn.execute("PRAGMA journal_mode=DELETE")
            with contextlib.suppress(sqlite3.Error):
                conn.close()
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    @property
    def closed(self):
        """Whether :meth:`close` was called.

        Examples
        --------
        >>> import os, tempfile
        >>> from skal.journal import Journal
        >>> with Journal(os.path.join(tempfile.mkdtemp(), "j.sqlite")) as journal:
        ...     print(journal.closed)
        False
        >>> journal.closed
        True
        """
        return self._conn is None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def __del__(self):
        # A forgotten journal must not keep the write lock for the life of the
        # process (e.g. a notebook kernel).
        with contextlib.suppress(Exception):
            self.close()

    def __repr__(self):
        state = "closed" if self.closed else ("read-only" if self.readonly else "open")
        return f"Journal({self.path!r}, {state})"


def _now_iso():
    import datetime

    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def _jsonable(value, depth=0):
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if hasattr(value, "item") and getattr(value, "ndim", None) == 0:
        return value.item()
    if isinstance(value, (list, tuple)) and depth < 8:
        return [_jsonable(v, depth + 1) for v in value]
    return repr(value)


def learner_config(learner):
    if learner is None:
        return None, None
    params = None
    if hasattr(learner, "get_params"):
        params = json.dumps(
            {k: _jsonable(v) for k, v in sorted(learner.get_params(deep=False).items())}
        )
    return repr(learner), params
