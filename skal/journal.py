"""A journal of annotations on embedded SQLite that never loses a label.

Every answer an annotator gives (a label, a skip, a "don't know") is written
and committed the moment it is given, so a crash, a closed laptop or a
``kill -9`` loses at most the answer being typed. The journal also remembers
which pool it belongs to (a fingerprint of the data) and the configuration of
the learner of each session, so that an annotation loop started again with
the same journal resumes where it stopped, and a journal is never silently
applied to another pool.

Only the standard library's :mod:`sqlite3` is used. One process at a time may
write to a journal (a lock next to the file enforces it); any number may read.
"""

import contextlib
import datetime
import hashlib
import json
import math
import numbers
import os
import socket
import sqlite3
import time
import warnings

import numpy as np
import scipy.sparse as sp

__all__ = [
    "Journal",
    "JournalError",
    "JournalLockedError",
    "pool_fingerprint",
]

#: ``PRAGMA application_id`` of a skal journal: b"skal" as a big-endian int,
#: so that ``file`` and SQLite tools can tell the file apart from other
#: SQLite databases.
APPLICATION_ID = int.from_bytes(b"skal", "big")
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    started REAL NOT NULL,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    learner TEXT,
    params TEXT
);
CREATE TABLE rounds (
    round INTEGER PRIMARY KEY,
    session INTEGER NOT NULL REFERENCES sessions(id),
    started REAL NOT NULL,
    finished REAL,
    queried TEXT NOT NULL
);
CREATE TABLE answers (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    idx INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('label', 'skip', 'unknown')),
    label TEXT,
    round INTEGER,
    session INTEGER REFERENCES sessions(id),
    source TEXT NOT NULL,
    time REAL NOT NULL
);
-- A row is labeled once: the database itself refuses a second label, so a
-- bug upstream can never make two contradicting labels for one sample.
CREATE UNIQUE INDEX one_label_per_row ON answers(idx) WHERE kind = 'label';
"""

_REQUIRED_COLUMNS = {
    "meta": {"key", "value"},
    "sessions": {"id", "started", "pid", "host", "learner", "params"},
    "rounds": {"round", "session", "started", "finished", "queried"},
    "answers": {"seq", "idx", "kind", "label", "round", "session", "source", "time"},
}


class JournalError(Exception):
    """A journal that cannot be used as asked: not a skal journal, corrupt,
    written for another pool, or a label that contradicts it.

    Examples
    --------
    >>> import os, tempfile
    >>> from skal.journal import Journal, JournalError
    >>> path = os.path.join(tempfile.mkdtemp(), "labels.csv")
    >>> with open(path, "w") as handle:
    ...     _ = handle.write("index,label\\n")
    >>> try:
    ...     Journal(path)
    ... except JournalError as error:
    ...     print("refused:", "not an SQLite database" in str(error))
    refused: True
    """


class JournalLockedError(JournalError):
    """Another process (or another :class:`Journal` in this one) has the
    journal open for writing.

    Examples
    --------
    >>> import os, tempfile
    >>> from skal.journal import Journal, JournalLockedError
    >>> path = os.path.join(tempfile.mkdtemp(), "labels.sqlite")
    >>> first = Journal(path)
    >>> try:
    ...     Journal(path)
    ... except JournalLockedError:
    ...     print("locked")
    locked
    >>> first.close()
    >>> Journal(path).close()  # free again
    """


# ------------------------------------------------------------- fingerprints
_BLOCK = 1 << 16  # rows hashed per block, to bound memory on large pools


def _hash_object_values(h, values):
    for value in values:
        if isinstance(value, str):
            data = b"s" + value.encode("utf-8")
        elif isinstance(value, numbers.Number) and not isinstance(value, bool):
            data = b"n" + repr(float(value)).encode()
        else:
            data = b"o" + repr(value).encode("utf-8")
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)


def pool_fingerprint(X):
    """A SHA-256 fingerprint of a pool's contents.

    Numbers are hashed as float64 values, so the same numbers give the same
    fingerprint whether they arrive as an int or float array or as an
    all-numeric DataFrame; texts and other objects are hashed one by one. The
    order of the rows matters: indices into the pool are only meaningful for
    the same rows in the same order.

    Parameters
    ----------
    X : array-like, sparse matrix, DataFrame or list of shape (n_samples, ...)
        The pool.

    Returns
    -------
    fingerprint : str
        64 hexadecimal characters.

    Examples
    --------
    >>> import numpy as np
    >>> from skal.journal import pool_fingerprint
    >>> a = pool_fingerprint(np.array([[1, 2], [3, 4]]))
    >>> a == pool_fingerprint(np.array([[1.0, 2.0], [3.0, 4.0]]))
    True
    >>> a == pool_fingerprint(np.array([[3, 4], [1, 2]]))
    False
    """
    h = hashlib.sha256()
    if sp.issparse(X):
        X = sp.csr_matrix(X, copy=True)
        X.sum_duplicates()  # canonical form: sorted indices, no duplicates
        h.update(b"sparse" + repr(X.shape).encode())
        h.update(np.ascontiguousarray(X.data, dtype=np.float64).tobytes())
        for part in (X.indices, X.indptr):
            h.update(np.ascontiguousarray(part, dtype=np.int64).tobytes())
        return h.hexdigest()
    if hasattr(X, "iloc"):
        kinds = [dt.kind for dt in np.atleast_1d(X.dtypes)]
        numeric = all(kind in "biuf" for kind in kinds)
        X = X.to_numpy(dtype=np.float64 if numeric else object)
    arr = np.asarray(X, dtype=object) if isinstance(X, (list, tuple)) else np.asarray(X)
    h.update(b"dense" + repr(arr.shape).encode())
    for start in range(0, max(arr.shape[0], 1) if arr.ndim else 1, _BLOCK):
        block = arr[start : start + _BLOCK] if arr.ndim else arr.reshape(1)
        if block.dtype.kind in "biuf":
            h.update(np.ascontiguousarray(block, dtype=np.float64).tobytes())
        else:
            _hash_object_values(h, block.ravel().tolist())
    return h.hexdigest()


# ------------------------------------------------------------------ labels
def _encode_label(label):
    """JSON text of a label; JSON keeps 1 and "1" apart, as they should be."""
    if isinstance(label, np.generic):
        label = label.item()
    if isinstance(label, float) and not math.isfinite(label):
        raise ValueError(f"{label!r} is not a label.")
    if not isinstance(label, (str, int, float, bool)):
        raise TypeError(
            f"Labels are journaled as strings or numbers; got {label!r} of type "
            f"{type(label).__name__}."
        )
    return json.dumps(label)


def _decode_label(text):
    return json.loads(text)


def _jsonable(value):
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return repr(value)


def _learner_config(learner):
    if learner is None:
        return None, None
    params = None
    if hasattr(learner, "get_params"):
        params = json.dumps(
            {k: _jsonable(v) for k, v in sorted(learner.get_params(deep=False).items())}
        )
    return repr(learner), params


# -------------------------------------------------------------------- lock
class _WriterLock:
    """An OS lock on ``<journal>.lock``, held while a journal is open to write.

    The kernel drops it when the process dies, even by SIGKILL, so a crashed
    session never leaves a stale lock behind; the file's text only says who
    holds it, for the error message.
    """

    def __init__(self, path):
        self.path = path + ".lock"
        self._fd = None

    def acquire(self):
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            _lock_fd(fd)
        except OSError:
            holder = os.read(fd, 4096).decode("utf-8", "replace").strip()
            os.close(fd)
            raise JournalLockedError(
                f"The journal {self.path[:-5]!r} is open for writing by another "
                f"process ({holder or 'unknown holder'}). Only one session may "
                "label into a journal at a time; close the other session first, "
                "or use another journal file."
            ) from None
        holder = (
            f"pid {os.getpid()} on {socket.gethostname()} since "
            f"{datetime.datetime.now().isoformat(timespec='seconds')}"
        )
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, holder.encode())
        self._fd = fd

    def release(self):
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            _unlock_fd(self._fd)
            os.close(self._fd)
            self._fd = None


try:  # POSIX
    import fcntl

    def _lock_fd(fd):
        # flock, not fcntl/lockf: flock locks belong to the open file, so a
        # second Journal in the same process is refused too.
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock_fd(fd):
        fcntl.flock(fd, fcntl.LOCK_UN)

except ImportError:  # pragma: no cover - Windows
    import msvcrt

    def _lock_fd(fd):
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

    def _unlock_fd(fd):
        with contextlib.suppress(OSError):
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


# ----------------------------------------------------------------- journal
class Journal:
    """A durable record of the answers given in an annotation loop.

    Opening a journal for writing takes a lock that no other process can
    take until this one closes the journal (or dies); each answer is then
    committed to disk before the method recording it returns (SQLite in WAL
    mode with ``synchronous=FULL``). Opening a file that is not a skal journal
    -- another SQLite database, a CSV, a truncated or corrupt file -- raises
    :class:`JournalError` and leaves the file untouched.

    Parameters
    ----------
    path : str or path-like
        The journal file. Created (with its schema) if it does not exist and
        ``readonly`` is False.
    readonly : bool, default=False
        Open to read only: takes no lock, so a journal can be inspected or
        exported while a session is labeling into it.

    Attributes
    ----------
    path : str
        The journal file.
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
    ...     journal.bind(X)
    ...     journal.add_label(3, "cat")
    ...     journal.add_answer(1, "skip")
    >>> with Journal(path, readonly=True) as journal:
    ...     journal.labels()
    [(3, 'cat')]
    >>> with Journal(path) as journal:
    ...     journal.bind(X[::-1])
    Traceback (most recent call last):
    ...
    skal.journal.JournalError: ...
    """

    def __init__(self, path, *, readonly=False):
        self.path = os.fspath(path)
        self.readonly = readonly
        self.session_ = None
        self._conn = None
        self._lock = None
        if readonly and not os.path.exists(self.path):
            raise FileNotFoundError(f"No journal at {self.path!r}.")
        if os.path.isdir(self.path):
            raise JournalError(f"{self.path!r} is a directory, not a journal file.")
        _check_header(self.path)
        if not readonly:
            self._lock = _WriterLock(self.path)
            self._lock.acquire()
        try:
            self._open()
        except BaseException:
            self.close()
            raise

    # ------------------------------------------------------------ opening
    def _open(self):
        if self.readonly:
            from urllib.parse import quote

            uri = f"file:{quote(os.path.abspath(self.path))}?mode=ro"
            self._conn = sqlite3.connect(
                uri, uri=True, isolation_level=None, timeout=30
            )
        else:
            self._conn = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        try:
            app_id = self._conn.execute("PRAGMA application_id").fetchone()[0]
            tables = {
                row[0]
                for row in self._conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                )
            }
        except sqlite3.DatabaseError as exc:
            raise JournalError(
                f"{self.path!r} cannot be read as a journal: it has an SQLite header "
                f"but is damaged or truncated ({exc}). It was left untouched; the "
                "sqlite3 shell's .recover command may rescue its labels."
            ) from None
        if not tables and app_id == 0:
            if self.readonly:
                raise JournalError(f"{self.path!r} is an empty file, not a journal.")
            self._create()
        else:
            self._check_schema(app_id, tables)
        if not self.readonly:
            # WAL with synchronous=FULL: a commit is on disk when it returns,
            # and readers (an export) never block the writer.
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute("PRAGMA foreign_keys=ON")

    def _create(self):
        with self._transaction():
            self._conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            self._conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self._conn.execute(statement)
            from skal import __version__

            self._conn.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?)",
                [
                    ("format", "skal-journal"),
                    ("created", _now_iso()),
                    ("skal_version", __version__),
                ],
            )

    def _check_schema(self, app_id, tables):
        if app_id != APPLICATION_ID:
            listing = ", ".join(sorted(tables)) or "none"
            raise JournalError(
                f"{self.path!r} is an SQLite database but not a skal journal "
                f"(application_id {app_id}, tables: {listing}). Refusing to write "
                "into it; pass a new path to start a new journal."
            )
        version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise JournalError(
                f"{self.path!r} was written by a newer skal (journal schema "
                f"{version}; this skal reads up to {SCHEMA_VERSION}). Upgrade skal."
            )
        for table, columns in _REQUIRED_COLUMNS.items():
            found = {
                row[1] for row in self._conn.execute(f"PRAGMA table_info({table})")
            }
            if not columns <= found:
                raise JournalError(
                    f"{self.path!r} is a damaged skal journal: table {table!r} "
                    f"lacks columns {sorted(columns - found)}."
                )
        status = self._conn.execute("PRAGMA quick_check").fetchone()[0]
        if status != "ok":
            raise JournalError(
                f"{self.path!r} is a corrupt SQLite file ({status}). Its labels may "
                "be recoverable with the sqlite3 shell's .recover command; this "
                "journal will not be written to."
            )

    @contextlib.contextmanager
    def _transaction(self):
        # IMMEDIATE takes the write lock up front, so a statement never fails
        # halfway through a multi-statement change.
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def _writable(self):
        if self._conn is None:
            raise JournalError(f"The journal {self.path!r} is closed.")
        if self.readonly:
            raise JournalError(f"The journal {self.path!r} was opened read-only.")

    # ------------------------------------------------------------- binding
    def meta(self, key, default=None):
        """A value of the journal's metadata (``"pool_fingerprint"``, ...).

        Parameters
        ----------
        key : str
            ``"format"``, ``"created"``, ``"skal_version"``,
            ``"pool_fingerprint"`` or ``"n_pool"``.
        default : object, default=None
            Returned when the key is not set.

        Returns
        -------
        value : str or default
            The stored text.
        """
        row = self._conn.execute(
            "SELECT value FROM meta WHERE key = ?", (key,)
        ).fetchone()
        return default if row is None else row[0]

    def bind(self, X, learner=None):
        """Tie the journal to a pool and start a session.

        The first bind records the pool's fingerprint and size; later ones
        refuse any other pool, since indices in the journal would point at the
        wrong samples. The learner's configuration is recorded for each
        session; a learner configured differently from the previous session's
        only warns (changing strategy mid-way is legitimate).

        Parameters
        ----------
        X : array-like, sparse matrix, DataFrame or list
            The pool the indices refer to.
        learner : estimator, default=None
            The learner of this session, for the record.

        Raises
        ------
        JournalError
            If the journal was written for another pool.
        """
        self._writable()
        from skal._data import n_rows

        fingerprint = pool_fingerprint(X)
        n_pool = n_rows(X)
        learner_repr, params = _learner_config(learner)
        with self._transaction():
            known = self.meta("pool_fingerprint")
            if known is None:
                self._conn.executemany(
                    "INSERT INTO meta (key, value) VALUES (?, ?)",
                    [("pool_fingerprint", fingerprint), ("n_pool", str(n_pool))],
                )
            elif known != fingerprint:
                raise JournalError(
                    f"The journal {self.path!r} belongs to another pool: it was "
                    f"written for {self.meta('n_pool')} samples with fingerprint "
                    f"{known[:12]}..., this pool has {n_pool} samples with "
                    f"fingerprint {fingerprint[:12]}.... Its indices would label the "
                    "wrong samples. Use the original pool (same rows, same order) or "
                    "a new journal."
                )
            previous = self._conn.execute(
                "SELECT params FROM sessions ORDER BY id DESC LIMIT 1"
            ).fetchone()
            cursor = self._conn.execute(
                "INSERT INTO sessions (started, pid, host, learner, params) "
                "VALUES (?, ?, ?, ?, ?)",
                (time.time(), os.getpid(), socket.gethostname(), learner_repr, params),
            )
            self.session_ = cursor.lastrowid
        if previous is not None and params is not None and previous[0] != params:
            warnings.warn(
                f"The learner differs from the previous session's in {self.path!r} "
                f"(was {previous[0]}, now {params}); resuming with the new one.",
                UserWarning,
                stacklevel=2,
            )

    def _check_index(self, index):
        index = int(index)
        n_pool = self.meta("n_pool")
        if n_pool is None:
            raise JournalError("Call bind(X) before recording answers.")
        if not 0 <= index < int(n_pool):
            raise JournalError(
                f"Index {index} is outside the pool of {n_pool} samples bound to "
                f"{self.path!r}."
            )
        return index

    # ------------------------------------------------------------- writing
    def add_label(self, index, label, *, round=None, source="oracle"):
        """Record and commit a label for pool row ``index``.

        Parameters
        ----------
        index : int
            Position in the bound pool.
        label : str, int, float or bool
            The label (numpy scalars are accepted).
        round : int, default=None
            The annotation round it was given in.
        source : str, default="oracle"
            Who gave it: ``"oracle"`` for the annotator, ``"initial"`` for
            labels that came with the data.

        Raises
        ------
        JournalError
            If the row already has a label in this journal.
        """
        self._writable()
        index = self._check_index(index)
        encoded = _encode_label(label)
        try:
            self._conn.execute(
                "INSERT INTO answers (idx, kind, label, round, session, source, time) "
                "VALUES (?, 'label', ?, ?, ?, ?, ?)",
                (index, encoded, round, self.session_, source, time.time()),
            )
        except sqlite3.IntegrityError:
            old = self._conn.execute(
                "SELECT label FROM answers WHERE idx = ? AND kind = 'label'", (index,)
            ).fetchone()
            raise JournalError(
                f"Row {index} is already labeled {_decode_label(old[0])!r} in "
                f"{self.path!r}; a row is labeled once."
            ) from None

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
        """
        self._writable()
        if kind not in ("skip", "unknown"):
            raise ValueError(f"kind must be 'skip' or 'unknown', got {kind!r}.")
        index = self._check_index(index)
        self._conn.execute(
            "INSERT INTO answers (idx, kind, label, round, session, source, time) "
            "VALUES (?, ?, NULL, ?, ?, ?, ?)",
            (index, kind, round, self.session_, source, time.time()),
        )

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
        """
        self._writable()
        queried = json.dumps([self._check_index(i) for i in indices])
        self._conn.execute(
            "INSERT INTO rounds (round, session, started, finished, queried) "
            "VALUES (?, ?, ?, NULL, ?)",
            (int(round), self.session_, time.time(), queried),
        )

    def finish_round(self, round):
        """Mark a round as completed.

        Parameters
        ----------
        round : int
            The round's number.
        """
        self._writable()
        self._conn.execute(
            "UPDATE rounds SET finished = ? WHERE round = ?", (time.time(), int(round))
        )
        # Labels are durable in the -wal file already; moving them into the
        # main file each round keeps a copied .sqlite file (without its -wal)
        # from missing more than the current round.
        self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)")

    # ------------------------------------------------------------- reading
    def labels(self, *, source=None):
        """Every label, in the order given.

        Parameters
        ----------
        source : str, default=None
            Only labels from this source (``"oracle"``, ``"initial"``).

        Returns
        -------
        labels : list of (int, label) tuples
            Pool index and label, oldest first.
        """
        sql = "SELECT idx, label FROM answers WHERE kind = 'label'"
        args = ()
        if source is not None:
            sql += " AND source = ?"
            args = (source,)
        rows = self._conn.execute(sql + " ORDER BY seq", args)
        return [(idx, _decode_label(label)) for idx, label in rows]

    def answers(self):
        """Every answer (labels, skips, don't-knows) with its context.

        Returns
        -------
        answers : list of dict
            Keys ``index``, ``kind``, ``label`` (None unless a label),
            ``round``, ``session``, ``source``, ``time`` (Unix seconds).
        """
        rows = self._conn.execute(
            "SELECT idx, kind, label, round, session, source, time FROM answers "
            "ORDER BY seq"
        )
        return [
            {
                "index": idx,
                "kind": kind,
                "label": None if label is None else _decode_label(label),
                "round": rnd,
                "session": session,
                "source": source,
                "time": t,
            }
            for idx, kind, label, rnd, session, source, t in rows
        ]

    def indices(self, kind):
        """Pool rows with at least one answer of ``kind``, in first-answer order.

        Parameters
        ----------
        kind : {"label", "skip", "unknown"}

        Returns
        -------
        indices : list of int
            Positions in the pool.
        """
        rows = self._conn.execute(
            "SELECT idx FROM answers WHERE kind = ? GROUP BY idx ORDER BY MIN(seq)",
            (kind,),
        )
        return [row[0] for row in rows]

    def n_labels(self, *, source=None):
        """How many labels the journal holds (from ``source`` if given).

        Parameters
        ----------
        source : str, default=None
            Count only labels from this source.

        Returns
        -------
        n : int
            The number of labels.
        """
        sql = "SELECT COUNT(*) FROM answers WHERE kind = 'label'"
        args = ()
        if source is not None:
            sql += " AND source = ?"
            args = (source,)
        return self._conn.execute(sql, args).fetchone()[0]

    def open_round(self):
        """The last round if it was interrupted, with its unanswered samples.

        Returns
        -------
        open : tuple (round, pending) or None
            ``pending`` lists the queried samples that got no answer in that
            round, in query order. None if every round was finished.
        """
        row = self._conn.execute(
            "SELECT round, queried, finished FROM rounds ORDER BY round DESC LIMIT 1"
        ).fetchone()
        if row is None or row[2] is not None:
            return None
        rnd, queried = row[0], json.loads(row[1])
        answered = {
            r[0]
            for r in self._conn.execute(
                "SELECT idx FROM answers WHERE round = ? OR kind IN ('label', "
                "'unknown')",
                (rnd,),
            )
        }
        return rnd, [i for i in queried if i not in answered]

    def next_round(self):
        """The number the next round should take.

        Returns
        -------
        round : int
            One more than the last round recorded, 0 for a new journal.
        """
        row = self._conn.execute("SELECT MAX(round) FROM rounds").fetchone()
        return 0 if row[0] is None else row[0] + 1

    def export_csv(self, file, *, kinds=("label",)):
        """Write answers as CSV: index, kind, label, round, source, time.

        Parameters
        ----------
        file : str, path-like or text file object
            Where to write; a path is created or overwritten.
        kinds : tuple of str, default=("label",)
            Which answers to write; add ``"skip"`` and ``"unknown"`` for the
            full record.

        Returns
        -------
        n_rows : int
            Rows written (the header excluded).
        """
        import csv

        rows = [a for a in self.answers() if a["kind"] in kinds]
        with _text_output(file) as handle:
            writer = csv.writer(handle)
            writer.writerow(["index", "kind", "label", "round", "source", "time"])
            for a in rows:
                writer.writerow(
                    [
                        a["index"],
                        a["kind"],
                        "" if a["label"] is None else a["label"],
                        "" if a["round"] is None else a["round"],
                        a["source"],
                        datetime.datetime.fromtimestamp(a["time"]).isoformat(
                            timespec="seconds"
                        ),
                    ]
                )
        return len(rows)

    # ------------------------------------------------------------- closing
    def close(self):
        """Close the database and release the write lock (idempotent)."""
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            self._conn = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    @property
    def closed(self):
        """Whether :meth:`close` was called."""
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


@contextlib.contextmanager
def _text_output(file):
    """A text file to write to: ``file`` itself if it is one, else opened."""
    if hasattr(file, "write"):
        yield file
        return
    with open(file, "w", newline="", encoding="utf-8") as handle:
        yield handle


def _check_header(path):
    """Refuse a file that is not SQLite before taking any lock next to it."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(16)
    except FileNotFoundError:
        return
    if head and head != b"SQLite format 3\x00":
        raise JournalError(
            f"{path!r} is not a skal journal: it is not an SQLite database (it "
            f"starts with {head[:8]!r}). It was left untouched; pass a new path to "
            "start a new journal."
        )


def _now_iso():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
