"""Which file a journal is, and the lock that lets one session write to it.

A journal is one file with one name. Symlinks are resolved to the real file,
and a file with more than one hard link is refused: SQLite names its -wal
and -shm files after the path, so two names of one database would have two
write-ahead logs, and a crash through one name would lose its un-checkpointed
answers for the other (SQLite's "How To Corrupt An SQLite Database File",
multiple links to the same file). With one name per file, a lock next to
that name is a lock on the file itself.

Why not SQLite's own locking: a session must hold its exclusivity between
transactions while readers keep reading (an export while someone labels);
``locking_mode=EXCLUSIVE`` shuts readers out, and a transaction held open
would mean answers are not committed. So the writer lock is an OS lock on
``<journal>.lock``, taken with :func:`filelock.lock_descriptor` (``flock``
on POSIX, ``LockFileEx`` on Windows): the kernel drops it when the process
dies, even by SIGKILL, so a crash never leaves a stale lock. The lock file
is never opened on the database itself, whose POSIX locks a stray ``close``
would drop.
"""

import contextlib
import datetime
import os
import socket

from skal.journal._errors import JournalError, JournalLockedError

__all__ = ["WriterLock", "resolve_journal_path"]


def resolve_journal_path(path):
    """The real file behind ``path``, or a JournalError saying why it is not
    usable as a journal."""
    if path is None:
        raise TypeError(
            "A journal path must be a str or path-like, got None; pass "
            "journal=None to an AnnotationLoop to run without a journal."
        )
    shown = os.fsdecode(os.fspath(path))
    if not shown.strip():
        raise JournalError(
            "An empty path is not a journal: SQLite would keep the labels in a "
            "temporary file and lose them all when the journal closes. Pass a file "
            "path such as 'labels.sqlite' (or journal=None for no journal)."
        )
    if shown == ":memory:" or shown.startswith("file::memory:"):
        raise JournalError(
            f"{shown!r} would keep every label in memory and lose them all when "
            "the journal closes. Pass a file path such as 'labels.sqlite' (or "
            "journal=None for no journal)."
        )
    real = os.path.realpath(shown)
    if os.path.isdir(real):
        raise JournalError(f"{shown!r} is a directory, not a journal file.")
    folder = os.path.dirname(real)
    if not os.path.isdir(folder):
        raise JournalError(
            f"The directory {folder!r} of the journal {shown!r} does not exist. "
            "Create it first (mkdir -p), or choose another path."
        )
    try:
        links = os.stat(real).st_nlink
    except FileNotFoundError:
        links = 1
    if links > 1:
        raise JournalError(
            f"The journal {shown!r} has {links} hard links (other names for the "
            "same file). SQLite names its -wal and -shm files after the name, so "
            "sessions opened through different names would not see each other's "
            "latest answers and a crash could lose them. Keep one name: copy the "
            f"file to a new journal (cp {shown} new.sqlite) and use that, or "
            "remove the other links."
        )
    return real


def _holder():
    return (
        f"pid {os.getpid()} on {socket.gethostname()} since "
        f"{datetime.datetime.now().isoformat(timespec='seconds')}"
    )


class WriterLock:
    """An OS lock on ``<real journal path>.lock``, held while a journal is
    open to write; its text only says who holds it, for the error message."""

    def __init__(self, real_path, shown_path):
        self.path = real_path + ".lock"
        self.shown = shown_path
        self._fd = None

    def acquire(self):
        from filelock import lock_descriptor

        for _ in range(3):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise JournalError(
                    f"Cannot write to the journal {self.shown!r}: its lock file "
                    f"{self.path!r} cannot be created ({exc.strerror}). The "
                    "directory must be writable for a session to label into it; "
                    "open it with readonly=True to read it, or copy it to a "
                    "writable directory."
                ) from None
            try:
                locked = lock_descriptor(fd, blocking=False)
            except OSError as exc:
                os.close(fd)
                raise JournalError(
                    f"Cannot lock {self.path!r} ({exc.strerror}): its file system "
                    "has no file locks. Keep journals on a local disk."
                ) from None
            if not locked:
                holder = _read_holder(fd)
                os.close(fd)
                raise JournalLockedError(
                    f"The journal {self.shown!r} is open for writing by another "
                    f"session ({holder or 'unknown holder'}). Only one session may "
                    "label into a journal at a time; close the other session "
                    "first, or use another journal file."
                )
            if _names(fd, self.path):
                self._fd = fd
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, 0)
                    os.lseek(fd, 0, os.SEEK_SET)
                    os.write(fd, _holder().encode())
                return
            # Someone deleted the lock file between our open and our lock:
            # the inode locked is no longer the one the name leads to.
            _unlock(fd)
            os.close(fd)
        raise JournalLockedError(
            f"The lock file {self.path!r} of {self.shown!r} keeps being replaced; "
            "another program is deleting it. Stop it and try again."
        )

    def verify(self):
        """Make sure the lock still guards the journal before a write.

        A lock file deleted while a session runs (a clean-up of "stale" locks)
        would let a second session take a new one; take the new one first, or
        refuse the write if another session already has.
        """
        if self._fd is None or _names(self._fd, self.path):
            return
        old = self._fd
        self._fd = None
        try:
            self.acquire()
        except BaseException:
            self._fd = old  # keep the orphaned lock; the next write tries again
            raise
        _unlock(old)
        os.close(old)

    def release(self):
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            _unlock(self._fd)
            os.close(self._fd)
            self._fd = None


def _names(fd, path):
    try:
        return os.path.samestat(os.fstat(fd), os.stat(path))
    except OSError:
        return False


def _unlock(fd):
    from filelock import unlock_descriptor

    with contextlib.suppress(OSError):
        unlock_descriptor(fd)


def _read_holder(fd):
    try:
        return os.read(fd, 4096).decode("utf-8", "replace").strip()
    except OSError:  # Windows: the holder's locked byte cannot be read
        return ""
