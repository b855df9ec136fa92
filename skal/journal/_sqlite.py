"""Connections to the journal's SQLite file, and SQLite's errors turned into
:class:`JournalError` texts that name the file and the fix.

Only the standard library's :mod:`sqlite3` is used.
"""

import contextlib
import os
import sqlite3
from urllib.parse import quote

from skal.journal._errors import JournalError

__all__ = ["connect", "error_name", "is_busy", "storage_error", "transaction"]


def error_name(exc):
    """SQLite's name for an error (``"SQLITE_FULL"``...), from its code where
    Python gives it (3.11+), else from its message."""
    name = getattr(exc, "sqlite_errorname", None)
    if name:
        return name
    text = str(exc).lower()
    for needle, name in (
        ("locked", "SQLITE_BUSY"),
        ("full", "SQLITE_FULL"),
        ("readonly", "SQLITE_READONLY"),
        ("read-only", "SQLITE_READONLY"),
        ("i/o", "SQLITE_IOERR"),
        ("malformed", "SQLITE_CORRUPT"),
        ("not a database", "SQLITE_NOTADB"),
        ("unable to open", "SQLITE_CANTOPEN"),
    ):
        if needle in text:
            return name
    return "SQLITE_ERROR"


def is_busy(exc):
    return isinstance(exc, sqlite3.OperationalError) and error_name(exc).startswith(
        ("SQLITE_BUSY", "SQLITE_LOCKED")
    )


def storage_error(exc, path, doing):
    """A JournalError for an SQLite error met while ``doing`` something."""
    name = error_name(exc)
    if name.startswith("SQLITE_FULL"):
        why = (
            "the disk is full (or a file-size limit was reached). Free some space, "
            "then try again"
        )
    elif name.startswith("SQLITE_READONLY"):
        why = (
            "the file or its directory is read-only. Make both writable (chmod "
            "u+w), or open the journal with readonly=True to read it"
        )
    elif name.startswith("SQLITE_IOERR"):
        why = (
            "the disk refused the write: it is full, a file-size limit was "
            "reached, or it is failing or was removed. Free some space or check "
            "the disk, then try again"
        )
    elif name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        why = (
            "the file is damaged. It was left as it is; the sqlite3 shell's "
            ".recover command may rescue its labels"
        )
    elif name.startswith("SQLITE_CANTOPEN"):
        why = "the file cannot be opened (missing, or its directory unreadable)"
    elif name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        why = "another program holds SQLite's lock on it"
    else:
        why = "SQLite refused it"
    return JournalError(f"{doing} failed in {path!r}: {why} ({name}: {exc}).")


def _open_uri(real, query):
    return sqlite3.connect(
        f"file:{quote(real)}?{query}", uri=True, isolation_level=None
    )


def connect(real, shown, *, readonly, busy_timeout):
    """An autocommit connection to the journal file.

    A read-only connection to a journal in WAL mode needs to create its -shm
    file; in a read-only directory it cannot, so the file is read as
    immutable instead, unless its -wal file holds answers not yet folded
    into it, which only a writable directory lets SQLite read.
    """
    if not readonly:
        conn = sqlite3.connect(real, isolation_level=None, timeout=busy_timeout)
    else:
        conn = _open_uri(real, "mode=ro")
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        try:
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as exc:
            if not error_name(exc).startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN")):
                conn.close()
                raise
            conn.close()
            wal = real + "-wal"
            if os.path.exists(wal) and os.path.getsize(wal) > 0:
                raise JournalError(
                    f"The journal {shown!r} cannot be read here: its last answers "
                    f"are still in {wal!r}, and SQLite needs a writable directory "
                    f"to read them ({exc}). Make {os.path.dirname(real)!r} "
                    "writable, or copy the journal with its -wal file elsewhere."
                ) from None
            conn = _open_uri(real, "mode=ro&immutable=1")
    return conn


@contextlib.contextmanager
def transaction(conn, mode="IMMEDIATE"):
    """One transaction; IMMEDIATE takes the write lock up front, so that a
    statement never fails halfway through a multi-statement change.

    A failed ROLLBACK (SQLite may have rolled back already, after a full
    disk) never hides the error that caused it.
    """
    conn.execute(f"BEGIN {mode}")
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        raise
    try:
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        raise
