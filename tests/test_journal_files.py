"""The journal's file: one name per file, one writer per file, and every
failure of the file system or of SQLite turned into a JournalError that names
the file and the fix, never a raw sqlite3 error, never a silent loss."""

import os
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
import warnings

import pytest

from skal.journal import Journal, JournalError, JournalLockedError

POOL = ["a", "b", "c", "d"]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def path(tmp_path):
    return str(tmp_path / "labels.sqlite")


def make(path, labels=((0, "x"),)):
    with Journal(path) as j:
        j.bind(POOL)
        for index, label in labels:
            j.add_label(index, label)


def _without_root_powers():
    # Root ignores file permissions: drop the capabilities that let it
    # (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH) from the child's bounding set,
    # so that the modes of its own files bind it like anyone else.
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def run_python(code, *args, unprivileged=False, timeout=120):
    """Run ``code`` in a fresh interpreter, bound by file permissions even
    when we are root if ``unprivileged``."""
    kwargs = {}
    if unprivileged and os.geteuid() == 0:
        kwargs["preexec_fn"] = _without_root_powers
    env = {**os.environ, "PYTHONPATH": ROOT, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        **kwargs,
    )


# ------------------------------------------------------------- one name
def test_a_journal_with_two_hard_links_is_refused(path):
    make(path)
    other = path + ".link"
    os.link(path, other)
    for name in (path, other):
        for readonly in (False, True):
            with pytest.raises(JournalError, match="2 hard links.*-wal.*new.sqlite"):
                Journal(name, readonly=readonly)
    os.remove(other)
    with Journal(path) as j:  # one name again: fine
        assert j.labels() == [(0, "x")]


def test_a_symlink_is_the_same_journal_and_the_same_lock(path, tmp_path):
    make(path)
    link = str(tmp_path / "alias.sqlite")
    os.symlink(path, link)
    with (
        Journal(path) as first,
        pytest.raises(JournalLockedError, match="open for writing"),
    ):
        Journal(link)
    with Journal(link) as j:
        j.bind(POOL)
        j.add_label(1, "y")
        assert os.path.exists(path + "-wal") and not os.path.exists(link + "-wal")
        with pytest.raises(JournalLockedError):
            Journal(path)
    assert first.closed
    with Journal(path, readonly=True) as j:
        assert j.labels() == [(0, "x"), (1, "y")]


def test_a_second_process_through_a_symlink_is_locked_out(path, tmp_path):
    make(path)
    link = str(tmp_path / "alias.sqlite")
    os.symlink(path, link)
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from skal.journal import Journal; j = Journal(sys.argv[1]); "
            "print('ready', flush=True); sys.stdin.read()",
            link,
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": ROOT},
    )
    try:
        assert child.stdout.readline().strip() == "ready"
        with pytest.raises(JournalLockedError, match=f"pid {child.pid}"):
            Journal(path)
    finally:
        child.kill()
        child.wait(timeout=30)


@pytest.mark.parametrize("name", ["", "  ", ":memory:"])
def test_paths_that_lose_every_label_are_refused(name):
    with pytest.raises(JournalError, match="lose them all.*journal=None"):
        Journal(name)


def test_a_missing_directory_is_named(tmp_path):
    missing = tmp_path / "no" / "such"
    with pytest.raises(
        JournalError, match="directory .*no/such' .* does not exist"
    ) as e:
        Journal(missing / "labels.sqlite")
    assert ".lock" not in str(e.value) and "mkdir" in str(e.value)


# ------------------------------------------------------------- one writer
def test_a_deleted_lock_file_is_taken_again_before_the_next_write(path):
    make(path)
    with Journal(path) as j:
        j.bind(POOL)
        os.remove(path + ".lock")
        j.add_label(1, "y")  # takes a new lock on the new file first
        with pytest.raises(JournalLockedError):
            Journal(path)


def test_a_session_that_lost_its_lock_file_to_another_refuses_to_write(path):
    make(path)
    first = Journal(path)
    first.bind(POOL)
    os.remove(path + ".lock")
    second = Journal(path)  # the deleted lock file let it in
    with pytest.raises(JournalLockedError, match="open for writing"):
        first.add_label(1, "y")
    second.bind(POOL)
    second.add_label(1, "z")
    first.close()
    second.close()
    with Journal(path, readonly=True) as j:
        assert j.labels() == [(0, "x"), (1, "z")]


def test_an_external_write_lock_keeps_the_answer_then_says_so(path):
    from skal.journal import JournalBusyError

    make(path)
    other = sqlite3.connect(path, isolation_level=None)
    with Journal(path, timeout=2) as j:
        j.bind(POOL)
        other.execute("BEGIN IMMEDIATE")
        with (
            pytest.warns(UserWarning, match="locked by another program.*kept"),
            pytest.raises(JournalBusyError, match="NOT recorded.*sqlite3 shell") as e,
        ):
            j.add_label(2, "y")
        assert e.value.answer == {"index": 2, "kind": "label", "label": "y"}
        assert path in str(e.value)
        other.execute("ROLLBACK")
        j.add_label(2, "y")  # given again once the lock is free
        assert j.labels() == [(0, "x"), (2, "y")]
    other.close()


def test_an_answer_waits_for_a_brief_external_lock(path):
    make(path)
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    release = threading.Timer(1.5, lambda: other.execute("ROLLBACK"))
    with Journal(path, timeout=20) as j:
        j.bind(POOL)
        other.execute("BEGIN IMMEDIATE")
        release.start()
        with pytest.warns(UserWarning, match="retried"):
            j.add_label(3, "w")
        assert j.labels() == [(0, "x"), (3, "w")]
    release.join()
    other.close()


# ------------------------------------------------------ failing file systems
def test_a_corruption_that_makes_quick_check_raise_is_a_journal_error(path):
    import numpy as np

    X = np.arange(4000.0).reshape(2000, 2)
    with Journal(path) as j:
        j.bind(X)
        for i in range(300):
            j.add_label(i, f"label {i}")
    with open(path, "rb") as handle:
        data = bytearray(handle.read())
    data[3 * 4096] = 0xFF  # an invalid b-tree page type
    with open(path, "wb") as handle:
        handle.write(data)
    conn = sqlite3.connect(path)
    with pytest.raises(sqlite3.DatabaseError):  # the scenario: it raises
        conn.execute("PRAGMA quick_check").fetchall()
    conn.close()
    for readonly in (True, False):
        with pytest.raises(JournalError, match="damaged.*recover"):
            Journal(path, readonly=readonly)
    with open(path, "rb") as handle:
        assert handle.read() == data


FULL_DISK = """
import os, resource, signal, sys
from skal.journal import Journal, JournalError
path = sys.argv[1]
journal = Journal(path)
journal.bind(list(range(10_000)))
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a kill
resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, resource.RLIM_INFINITY))
recorded = 0
try:
    for i in range(10_000):
        journal.add_label(i, "x" * 2000 + str(i % 2))
        recorded += 1
except JournalError as error:
    print("recorded", recorded)
    print("error", type(error).__name__, error)
except BaseException as error:
    print("raw", type(error).__module__, type(error).__name__, error)
"""


def test_a_full_disk_is_a_journal_error_and_loses_no_recorded_label(path):
    result = run_python(FULL_DISK, path)
    out = result.stdout
    assert "raw" not in out, out + result.stderr
    recorded = int(out.split("recorded ")[1].split()[0])
    assert recorded > 10
    message = out.split("error ", 1)[1]
    assert message.startswith("JournalError")
    for part in (f"label '{'x' * 2000}", "full", "NOT recorded", path):
        assert part in message
    assert "rollback" not in message.lower()  # the real error, not a masking one
    with Journal(path) as j:
        assert j.n_labels() == recorded


def test_a_failed_rollback_never_hides_the_error():
    from skal.journal._sqlite import transaction

    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("CREATE TABLE t (x)")
    with pytest.raises(ValueError, match="the real error"), transaction(conn):
        conn.execute("INSERT INTO t VALUES (1)")
        conn.execute("ROLLBACK")  # as SQLite does by itself after some errors
        raise ValueError("the real error")
    assert conn.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 0


READ_ONLY = """
import os, sqlite3, sys
from skal.journal import Journal, JournalError
folder = sys.argv[1]
path = os.path.join(folder, "labels.sqlite")
with Journal(path) as j:
    j.bind(["a", "b"])
    j.add_label(1, "x")
os.chmod(folder, 0o555)
with Journal(path, readonly=True) as j:
    print("read", j.labels())
try:
    Journal(path)
except JournalError as error:
    print("write refused:", error)
os.chmod(folder, 0o755)
# A journal left in WAL mode (by skal 0.1, or any SQLite tool) reads too.
conn = sqlite3.connect(path)
conn.execute("PRAGMA journal_mode=WAL")
conn.close()
os.chmod(folder, 0o555)
with Journal(path, readonly=True) as j:
    print("walmode", j.labels())
os.chmod(folder, 0o755)
# A read-only journal file in a writable directory.
os.chmod(path, 0o444)
try:
    Journal(path)
except JournalError as error:
    print("file refused:", error)
os.chmod(path, 0o644)
# A session killed before folding its -wal file in, then a read-only folder.
import subprocess
subprocess.run([sys.executable, "-c", (
    "import os, sys; from skal.journal import Journal; j = Journal(sys.argv[1]); "
    "j.bind(['a', 'b']); j.add_label(0, 'y'); os._exit(0)"), path], check=True)
os.chmod(folder, 0o555)
with Journal(path, readonly=True) as j:  # SQLite reads its -wal via its -shm
    print("killed", j.labels())
os.chmod(folder, 0o755)
os.remove(path + "-shm")
os.chmod(folder, 0o555)
try:
    Journal(path, readonly=True)
except JournalError as error:
    print("walfile", error)
os.chmod(folder, 0o755)
with Journal(path, readonly=True) as j:
    print("after", j.labels())
"""


def test_read_only_directories_and_files(tmp_path):
    folder = str(tmp_path)
    result = run_python(READ_ONLY, folder, unprivileged=True)
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    lines = dict(line.split(" ", 1) for line in out.splitlines() if " " in line)
    assert lines["read"] == "[(1, 'x')]"
    assert "damaged" not in out
    refused = lines["write"]
    assert "directory is read-only" in refused and "readonly=True" in refused
    assert lines["walmode"] == "[(1, 'x')]"
    assert "file is read-only" in lines["file"] and "chmod u+w" in lines["file"]
    assert "its last answers are still in" in lines["walfile"]
    assert "-wal" in lines["walfile"] and "writable" in lines["walfile"]
    assert lines["killed"] == lines["after"] == "[(1, 'x'), (0, 'y')]"


def test_the_closed_journal_is_one_self_contained_file(path):
    make(path)
    assert not os.path.exists(path + "-wal")
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with Journal(path, readonly=True) as j:
            assert j.labels() == [(0, "x")]
    assert time.time() > 0
