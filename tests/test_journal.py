"""The SQLite journal: durability across a SIGKILL, resume, the writer lock,
and clear refusals of foreign, corrupt or mismatched files."""

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from skal import UncertaintySamplingClassifier
from skal.journal import (
    SCHEMA_VERSION,
    Journal,
    JournalError,
    JournalLockedError,
    pool_fingerprint,
)
from skal.loop import AnnotationLoop
from skal.oracles import Oracle

X_SMALL = np.arange(20.0).reshape(10, 2)


def digest(path):
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


@pytest.fixture
def path(tmp_path):
    return str(tmp_path / "labels.sqlite")


# ------------------------------------------------------------- basic records
@pytest.mark.parametrize(
    "values",
    [
        ["cat", "3", np.str_("dog")],
        [np.int64(3), 0, -7],
        [1.5, np.float32(0.25)],
        [True, False],
    ],
)
def test_labels_round_trip_with_their_types(tmp_path, values):
    path = tmp_path / "j.sqlite"
    with Journal(path) as journal:
        journal.bind(X_SMALL)
        for i, value in enumerate(values):
            journal.add_label(i, value)
    with Journal(path, readonly=True) as journal:
        labels = journal.labels()
    expected = [
        (i, v.item() if isinstance(v, np.generic) else v) for i, v in enumerate(values)
    ]
    assert labels == expected
    # JSON keeps 3 and "3", 1 and True apart.
    assert [type(v) for _, v in labels] == [type(v) for _, v in expected]


def test_each_label_is_committed_before_add_label_returns(path):
    writer = Journal(path)
    writer.bind(X_SMALL)
    mode = writer._conn.execute("PRAGMA journal_mode").fetchone()[0]
    sync = writer._conn.execute("PRAGMA synchronous").fetchone()[0]
    assert (mode, sync) == ("wal", 2)  # 2 = FULL: fsync on every commit
    writer.add_label(7, "dog")
    # Another connection sees it at once, while the writer is still open.
    other = sqlite3.connect(path)
    assert other.execute("SELECT idx, label FROM answers").fetchall() == [(7, '"dog"')]
    other.close()
    writer.close()


def test_a_row_is_labeled_once(path):
    with Journal(path) as journal:
        journal.bind(X_SMALL)
        journal.add_label(2, "a")
        with pytest.raises(JournalError, match="Row 2 is already labeled 'a'"):
            journal.add_label(2, "b")
        assert journal.labels() == [(2, "a")]


def test_index_outside_the_pool_and_unbound_journal_are_refused(path):
    with Journal(path) as journal:
        with pytest.raises(JournalError, match="bind"):
            journal.add_label(0, "a")
        journal.bind(X_SMALL)
        with pytest.raises(JournalError, match="outside the pool of 10"):
            journal.add_label(10, "a")
        with pytest.raises(JournalError, match="outside"):
            journal.add_answer(-1, "skip")


def test_non_labels_are_refused_before_writing(path):
    with Journal(path) as journal:
        journal.bind(X_SMALL)
        with pytest.raises(ValueError, match="not a label"):
            journal.add_label(0, float("nan"))
        with pytest.raises(TypeError, match="strings or numbers"):
            journal.add_label(0, [1, 2])
        with pytest.raises(ValueError, match="'skip' or 'unknown'"):
            journal.add_answer(0, "maybe")
        assert journal.answers() == []


def test_open_round_lists_unanswered_samples(path):
    with Journal(path) as journal:
        journal.bind(X_SMALL)
        assert journal.open_round() is None and journal.next_round() == 0
        journal.start_round(0, [4, 5, 6])
        journal.add_label(4, "a", round=0)
        journal.finish_round(0)
        journal.start_round(1, [1, 2, 3, 8])
        journal.add_label(2, "b", round=1)
        journal.add_answer(3, "skip", round=1)
        assert journal.open_round() == (1, [1, 8])
        assert journal.next_round() == 2
        journal.finish_round(1)
        assert journal.open_round() is None


def test_export_csv(path, tmp_path):
    with Journal(path) as journal:
        journal.bind(X_SMALL)
        journal.add_label(3, "x, with comma", round=0)
        journal.add_answer(5, "unknown", round=0)
        out = tmp_path / "labels.csv"
        assert journal.export_csv(out) == 1
        assert journal.export_csv(tmp_path / "all.csv", kinds=("label", "unknown")) == 2
    import csv

    with open(out, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["index"], r["label"], r["kind"]) for r in rows] == [
        ("3", "x, with comma", "label")
    ]


def test_a_changed_learner_warns_and_is_recorded(path):
    first = UncertaintySamplingClassifier(LogisticRegression(), measure="margin")
    second = UncertaintySamplingClassifier(LogisticRegression(), measure="entropy")
    with Journal(path) as journal:
        journal.bind(X_SMALL, first)
    with (
        Journal(path) as journal,
        pytest.warns(UserWarning, match=r"measure: 'margin' -> 'entropy'\)"),
    ):
        journal.bind(X_SMALL, second)
    with Journal(path, readonly=True) as journal:
        rows = journal._conn.execute("SELECT learner, params FROM sessions").fetchall()
    assert [json.loads(params)["measure"] for _, params in rows] == [
        "margin",
        "entropy",
    ]
    assert "entropy" in rows[1][0]


# --------------------------------------------------------------- fingerprints
def test_a_foreign_pool_is_refused(path):
    with Journal(path) as journal:
        journal.bind(X_SMALL)
        journal.add_label(0, "a")
    for other in (X_SMALL[::-1], X_SMALL[:9], X_SMALL + 1e-9):
        with (
            Journal(path) as journal,
            pytest.raises(JournalError, match="another pool"),
        ):
            journal.bind(other)
    # The same numbers in another container are the same pool.
    pd = pytest.importorskip("pandas")
    with Journal(path) as journal:
        journal.bind(pd.DataFrame(X_SMALL.astype(int), columns=["a", "b"]))
        assert journal.labels() == [(0, "a")]


def test_fingerprint_of_texts_sparse_and_mixed_frames():
    texts = ["good", "bad", "ugly"]
    assert pool_fingerprint(texts) == pool_fingerprint(np.array(texts, dtype=object))
    assert pool_fingerprint(texts) != pool_fingerprint(["good", "bad", "ugly "])
    dense = np.array([[0.0, 1.0], [2.0, 0.0]])
    csr = sp.csr_matrix(dense)
    assert pool_fingerprint(csr) == pool_fingerprint(sp.coo_matrix(dense))
    assert pool_fingerprint(csr) != pool_fingerprint(sp.csr_matrix(dense.T))
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"text": ["a", "b"], "n": [1, 2]})
    changed = pd.DataFrame({"text": ["a", "c"], "n": [1, 2]})
    assert pool_fingerprint(frame) != pool_fingerprint(changed)


# ------------------------------------------------------------ foreign files
def test_a_file_that_is_not_sqlite_is_refused_and_left_untouched(path):
    with open(path, "w") as handle:
        handle.write("index,label\n1,cat\n")
    before = digest(path)
    for readonly in (False, True):
        with pytest.raises(JournalError, match="not an SQLite database"):
            Journal(path, readonly=readonly)
    assert digest(path) == before
    assert not os.path.exists(path + ".lock")


def test_another_sqlite_database_is_refused_and_left_untouched(path):
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE users (name TEXT)")
    conn.execute("INSERT INTO users VALUES ('ada')")
    conn.commit()
    conn.close()
    before = digest(path)
    with pytest.raises(JournalError, match="not a skal journal.*users"):
        Journal(path)
    assert digest(path) == before


def test_a_skal_journal_with_a_wrong_schema_is_refused(path):
    with Journal(path) as journal:
        journal.bind(X_SMALL)
    conn = sqlite3.connect(path)
    conn.execute("ALTER TABLE answers DROP COLUMN source")
    conn.commit()
    conn.close()
    with pytest.raises(JournalError, match="damaged.*answers.*source"):
        Journal(path)


def test_a_journal_from_a_newer_skal_is_refused(path):
    with Journal(path) as journal:
        journal.bind(X_SMALL)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(JournalError, match="newer skal"):
        Journal(path)


@pytest.mark.parametrize("damage", ["truncate", "overwrite_page"])
def test_a_corrupt_journal_is_refused(path, damage):
    X = np.arange(4000.0).reshape(2000, 2)
    with Journal(path) as journal:
        journal.bind(X)
        for i in range(2000):
            journal.add_label(i, f"label {i}")
    with open(path, "rb") as handle:
        data = handle.read()
    assert len(data) > 4 * 4096
    if damage == "truncate":
        data = data[: len(data) // 2]
    else:
        data = data[:8192] + bytes(range(256)) * 16 + data[12288:]
    with open(path, "wb") as handle:
        handle.write(data)
    before = digest(path)
    with pytest.raises(JournalError, match="damaged|corrupt"):
        Journal(path)
    assert digest(path) == before


def test_an_empty_file_becomes_a_journal_but_not_read_only(path):
    open(path, "wb").close()
    with pytest.raises(JournalError, match="empty"):
        Journal(path, readonly=True)
    with Journal(path) as journal:
        journal.bind(X_SMALL)
    with pytest.raises(FileNotFoundError):
        Journal(path + ".missing", readonly=True)


# ------------------------------------------------------------------ locking
def test_a_second_writer_in_the_same_process_is_refused(path):
    first = Journal(path)
    with pytest.raises(JournalLockedError, match=f"pid {os.getpid()}"):
        Journal(path)
    # Readers are welcome while the writer works.
    first.bind(X_SMALL)
    first.add_label(1, "a")
    with Journal(path, readonly=True) as reader:
        assert reader.labels() == [(1, "a")]
        with pytest.raises(JournalError, match="read-only"):
            reader.add_label(2, "b")
    first.close()
    with Journal(path) as again:
        again.bind(X_SMALL)
        assert again.labels() == [(1, "a")]


def test_a_writer_in_another_process_is_refused_until_it_dies(path):
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from skal.journal import Journal; j = Journal(sys.argv[1]); "
            "print('ready', flush=True); sys.stdin.read()",
            path,
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline().strip() == "ready"
        with pytest.raises(JournalLockedError, match=f"pid {child.pid}"):
            Journal(path)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    # A killed writer leaves no stale lock: the kernel released it.
    with Journal(path) as journal:
        journal.bind(X_SMALL)


# --------------------------------------------------------- the real crash test
CHILD = textwrap.dedent(
    """
    import sys, time
    import numpy as np
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression
    from skal import UncertaintySamplingClassifier
    from skal.loop import AnnotationLoop
    from skal.oracles import Oracle

    journal, log = sys.argv[1], sys.argv[2]
    X, y = load_iris(return_X_y=True)
    y_known = np.full_like(y, -1)
    y_known[[0, 50, 100]] = y[[0, 50, 100]]

    class SlowPerson(Oracle):
        def ask(self, sample, index):
            with open(log, "a") as handle:
                handle.write(f"{index}\\n")
            time.sleep(0.1)
            return int(y[index])

    learner = UncertaintySamplingClassifier(
        LogisticRegression(max_iter=500), random_state=0
    )
    AnnotationLoop(learner, X, SlowPerson(), y=y_known, batch_size=4, budget=100,
                   journal=journal, verbose=0).run()
    """
)


def wait_for_lines(log, n, child, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise AssertionError(f"the child exited early with {child.returncode}")
        if os.path.exists(log):
            with open(log) as handle:
                lines = handle.read().split()
            if len(lines) >= n:
                return
        time.sleep(0.01)
    raise AssertionError(f"the child did not ask {n} questions in {timeout} s")


def test_sigkill_mid_round_loses_no_label_and_resume_reasks_nothing(tmp_path):
    journal_path = str(tmp_path / "journal.sqlite")
    log = str(tmp_path / "asked.log")
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    child = subprocess.Popen([sys.executable, str(script), journal_path, log])
    try:
        # 6th question = 2nd of round 1 (batch 4): the kill lands mid-round.
        wait_for_lines(log, 6, child)
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
    with open(log) as handle:
        asked = [int(line) for line in handle.read().split()]
    X, y = load_iris(return_X_y=True)

    with Journal(journal_path, readonly=True) as journal:
        saved = dict(journal.labels(source="oracle"))
        open_round = journal.open_round()
    # Every answer given before the kill is there; only the question being
    # asked when it died can be missing.
    assert set(asked[:-1]) <= set(saved) <= set(asked)
    assert all(saved[i] == y[i] for i in saved)
    assert open_round is not None, "the kill was meant to land mid-round"
    rnd, pending = open_round
    assert rnd == 1 and pending and not set(pending) & set(saved)

    asked_again = []

    class Person(Oracle):
        def ask(self, sample, index):
            asked_again.append(index)
            return int(y[index])

    learner = UncertaintySamplingClassifier(
        LogisticRegression(max_iter=500), random_state=0
    )
    y_known = np.full_like(y, -1)
    y_known[[0, 50, 100]] = y[[0, 50, 100]]
    loop = AnnotationLoop(
        learner,
        X,
        Person(),
        y=y_known,
        batch_size=4,
        budget=len(saved) + 6,
        journal=journal_path,
        verbose=0,
    ).run()
    # Nothing already labeled is asked again; the interrupted round comes first.
    assert not set(asked_again) & set(saved)
    assert asked_again[: len(pending)] == pending
    assert loop.history_[0]["resumed"] and loop.history_[0]["round"] == 1
    assert loop.n_bought_ == len(saved) + 6
    # The resumed learner trained on every label, old and new.
    assert set(learner.labeled_indices_) == set(saved) | set(asked_again) | {0, 50, 100}
    with Journal(journal_path, readonly=True) as journal:
        final = journal.labels(source="oracle")
    assert [i for i, _ in final[: len(saved)]] == list(saved)
    assert len({i for i, _ in final}) == len(final) == len(saved) + 6


def test_resume_trains_on_the_journal_and_continues_round_numbers(path):
    X, y = load_iris(return_X_y=True)
    y_known = np.full_like(y, -1)
    y_known[[0, 50, 100]] = y[[0, 50, 100]]

    def run(budget, oracle):
        learner = UncertaintySamplingClassifier(
            LogisticRegression(max_iter=500), random_state=0
        )
        return AnnotationLoop(
            learner,
            X,
            oracle,
            y=y_known,
            budget=budget,
            batch_size=3,
            journal=path,
            verbose=0,
        )

    first = run(6, _Truth(y)).run()
    assert first.round_ == 2

    def never(sample):
        raise AssertionError("the budget is spent: nothing may be asked")

    second = run(6, never).start()
    assert second.n_bought_ == 6 and second.round_ == 2
    np.testing.assert_array_equal(
        np.sort(second.learner.labeled_indices_),
        np.sort(first.learner.labeled_indices_),
    )
    np.testing.assert_allclose(
        second.learner.predict_proba(X), first.learner.predict_proba(X)
    )
    second.run()
    assert second.stop_reason_ == "budget of 6 labels spent"


class _Truth(Oracle):
    def __init__(self, y):
        self.y = y

    def ask(self, sample, index):
        return int(self.y[index])


def test_initial_labels_are_journaled_and_contradictions_refused(path):
    X, y = load_iris(return_X_y=True)
    y_known = np.full_like(y, -1)
    y_known[[0, 50, 100]] = y[[0, 50, 100]]
    learner = UncertaintySamplingClassifier(LogisticRegression(max_iter=500))
    AnnotationLoop(learner, X, y=y_known, journal=path, verbose=0).start().close()
    with Journal(path, readonly=True) as journal:
        assert journal.labels(source="initial") == [(0, 0), (50, 1), (100, 2)]
        assert journal.n_labels(source="oracle") == 0
    y_wrong = y_known.copy()
    y_wrong[50] = 2
    with pytest.raises(JournalError, match="row 50"):
        AnnotationLoop(learner, X, y=y_wrong, journal=path, verbose=0).start()
    # The failed start released the lock.
    Journal(path).close()


def test_loop_refuses_a_foreign_pool_in_its_journal(path):
    X, y = load_iris(return_X_y=True)
    learner = UncertaintySamplingClassifier(LogisticRegression(max_iter=500))
    loop = AnnotationLoop(learner, X, _Truth(y), budget=4, journal=path, verbose=0)
    loop.run()
    with pytest.raises(JournalError, match="another pool"):
        AnnotationLoop(learner, X[:100], _Truth(y), journal=path, verbose=0).run()
    with pytest.raises(JournalError, match="another pool"):
        AnnotationLoop(learner, X[::-1], _Truth(y), journal=path, verbose=0).run()
