"""Full validation on open (crafted and damaged journals are refused, left
untouched, with what is wrong), one label type per journal, declared
classes, poisoned journals and the way out, and schema-1 journals."""

import hashlib
import json
import sqlite3
import time

import pytest

from skal.journal import SCHEMA_VERSION, Journal, JournalError

POOL = ["a", "b", "c", "d", "e"]


def digest(path):
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


@pytest.fixture
def path(tmp_path):
    path = str(tmp_path / "j.sqlite")
    with Journal(path) as j:
        j.bind(POOL)
        j.start_round(0, [0, 1])
        j.add_label(0, "x", round=0)
        j.add_answer(1, "skip", round=0)
        j.relabel(0, "y")
    return path


def tamper(path, *statements, ignore_checks=False):
    conn = sqlite3.connect(path, isolation_level=None)
    if ignore_checks:
        conn.execute("PRAGMA ignore_check_constraints = ON")
    for statement in statements:
        conn.execute(statement)
    conn.close()


def refused(path, match):
    before = digest(path)
    for readonly in (True, False):
        with pytest.raises(JournalError, match=match):
            Journal(path, readonly=readonly)
    assert digest(path) == before


# ---------------------------------------------------------------- crafted
@pytest.mark.parametrize(
    ("statements", "match"),
    [
        (
            [
                "CREATE TRIGGER rewrite AFTER INSERT ON answers BEGIN UPDATE answers "
                "SET label = '\"z\"' WHERE seq = new.seq; END"
            ],
            "unexpected trigger 'rewrite' on 'answers'",
        ),
        (
            [
                "DROP TABLE row_fingerprints",
                "CREATE VIEW row_fingerprints AS SELECT idx, 'f' AS fingerprint "
                "FROM answers",
            ],
            "'row_fingerprints' is a view, not a table",
        ),
        (["DROP INDEX answers_by_row"], "no index 'answers_by_row'"),
        (["CREATE TABLE notes (x)"], "unexpected table 'notes'"),
        (
            ["ALTER TABLE answers ADD COLUMN extra TEXT"],
            r"table 'answers' has unexpected columns \['extra'\]",
        ),
        (["CREATE INDEX sneaky ON answers(label)"], "unexpected index 'sneaky'"),
        (["DELETE FROM current_labels"], r"current labels of rows \[0\]"),
        (["UPDATE answers SET idx = 99 WHERE seq = 1"], "row 99 is outside the pool"),
        (["UPDATE answers SET label = 'cat' WHERE seq = 1"], "not valid JSON"),
        (["UPDATE answers SET label = 'null' WHERE seq = 1"], "null is not a label"),
        (["UPDATE answers SET label = '[1, 2]' WHERE seq = 1"], "is a JSON list"),
        (["UPDATE answers SET label = 'NaN' WHERE seq = 1"], "NaN is not a label"),
        (["UPDATE answers SET source = '' WHERE seq = 1"], "source '' is not a name"),
        (["UPDATE answers SET session = 42 WHERE seq = 1"], "session 42 does not"),
        (["UPDATE answers SET idx = 'zero' WHERE seq = 1"], "row 'zero' is outside"),
        (["UPDATE rounds SET queried = '[0, 7]'"], "queried rows are not rows"),
        (["INSERT INTO meta VALUES ('owner', 'me')"], "unexpected key 'owner'"),
        (["UPDATE meta SET value = 'x' WHERE key = 'n_pool'"], "'n_pool' is 'x'"),
        (["UPDATE answers SET previous = '\"q\"' WHERE kind = 'relabel'"], "'q'"),
        (["PRAGMA user_version = 0"], "schema version 0"),
    ],
)
def test_a_crafted_journal_is_refused_and_left_untouched(path, statements, match):
    tamper(path, *statements)
    refused(path, match)


def test_values_its_checks_would_refuse_are_refused_too(path):
    tamper(
        path,
        "UPDATE answers SET idx = -1 WHERE seq = 2",
        "UPDATE answers SET kind = 'maybe' WHERE seq = 3",
        ignore_checks=True,
    )
    refused(path, "row -1 is outside the pool.*kind 'maybe'")


def test_a_dropped_constraint_is_refused(path):
    # Same columns, but the CHECK on kind is gone.
    tamper(
        path,
        "PRAGMA foreign_keys = OFF",
        "PRAGMA legacy_alter_table = ON",
        "ALTER TABLE answers RENAME TO old",
        "CREATE TABLE answers (seq INTEGER PRIMARY KEY AUTOINCREMENT, idx INTEGER "
        "NOT NULL CHECK (idx >= 0), kind TEXT NOT NULL, label TEXT, previous TEXT, "
        "undoes INTEGER UNIQUE REFERENCES answers(seq), round INTEGER, session "
        "INTEGER REFERENCES sessions(id), source TEXT NOT NULL, time REAL NOT NULL)",
        "INSERT INTO answers SELECT * FROM old",
        "DROP TABLE old",
        "CREATE INDEX answers_by_row ON answers(idx, seq)",
    )
    refused(path, "table 'answers' has constraints other than skal's")


def test_deeply_nested_json_is_refused_without_recursion_error(path):
    deep = "[" * 100_000 + "]" * 100_000
    tamper(path, f"UPDATE answers SET label = '{deep}' WHERE seq = 1")
    refused(path, "is a JSON list")
    tamper(path, "UPDATE answers SET label = '\"x\"' WHERE seq = 1")
    tamper(path, f"UPDATE rounds SET queried = '{deep}'")
    refused(path, "queried rows are not rows")
    tamper(path, "UPDATE rounds SET queried = '[0, 1]'")
    tamper(path, f"INSERT INTO meta VALUES ('classes', '{deep}')")
    refused(path, "'classes' is not a list of classes")


def test_an_undo_that_breaks_the_log_rules_is_refused(path):
    # An undo of the first label, which a relabel replaced since.
    tamper(
        path,
        "INSERT INTO answers (idx, kind, undoes, source, time) "
        "VALUES (0, 'undo', 1, 'oracle', 0)",
    )
    refused(path, "entry 1 was not the row's latest change")


# ------------------------------------------------------- one type per journal
def test_a_label_of_another_type_is_refused_before_committing(tmp_path):
    with Journal(tmp_path / "j.sqlite") as j:
        j.bind(POOL)
        j.add_label(0, 1)
        for wrong in (1.5, "1", True):
            with pytest.raises(JournalError, match="journal's labels are ints"):
                j.add_label(1, wrong)
        with pytest.raises(JournalError, match="journal's labels are ints"):
            j.relabel(0, 2.5)
        assert j.labels() == [(0, 1)] and len(j.history()) == 1
        j.relabel(0, 2.0)  # the class 2, as numpy sees it
        assert j.labels() == [(0, 2)] and type(j.labels()[0][1]) is int
        j.remove_label(0)
        j.add_label(1, "now a str")  # no label left and no classes: free again
        assert j.meta("label_type") == "str"


def test_a_float_journal_takes_integers_as_floats(tmp_path):
    with Journal(tmp_path / "j.sqlite") as j:
        j.bind(POOL)
        j.add_label(0, 0.5)
        j.add_label(1, 3)
        assert j.labels() == [(0, 0.5), (1, 3.0)] and type(j.labels()[1][1]) is float


def test_declared_classes_refuse_other_labels_and_are_remembered(tmp_path):
    path = tmp_path / "j.sqlite"
    with Journal(path) as j:
        j.bind(POOL, classes=["pos", "neg"])
        j.add_label(0, "pos")
        with pytest.raises(
            JournalError, match=r"not one of the classes \['pos', 'neg'\]"
        ):
            j.add_label(1, "pso")
        with pytest.raises(JournalError, match="ints|strs"):
            j.add_label(1, 1)
    with Journal(path) as j:
        j.bind(POOL)
        with pytest.raises(JournalError, match="not one of the classes"):
            j.relabel(0, "maybe")
    with pytest.raises(ValueError, match="mix label types"):
        Journal(tmp_path / "k.sqlite").bind(POOL, classes=["a", 1])


def test_new_classes_flag_old_labels_and_the_session_can_fix_them(tmp_path):
    from skal.journal import JournalLabelError

    path = tmp_path / "j.sqlite"
    with Journal(path) as j:
        j.bind(POOL, classes=["a", "b"])
        j.add_label(0, "a")
        j.add_label(3, "b")
    with Journal(path) as j:
        with pytest.raises(JournalLabelError, match="row 3 is labeled 'b'") as info:
            j.bind(POOL, classes=["a", "c"])
        assert info.value.problems == [
            {
                "index": 3,
                "label": "b",
                "reason": "it is not one of the classes ['a', 'c']",
            }
        ]
        assert j.relabel(3, "c") == "b"  # the new classes are in effect
    with Journal(path) as j:
        j.bind(POOL, classes=["a", "c"])
        assert j.labels() == [(0, "a"), (3, "c")]


def poisoned(path, bad=1.5):
    """A journal whose row 2 holds a float among ints, as skal 0.1 allowed."""
    with Journal(path) as j:
        j.bind(POOL)
        j.add_label(0, 1)
        j.add_label(1, 0)
    now = time.time()
    tamper(
        path,
        "INSERT INTO answers (idx, kind, label, session, source, time) VALUES "
        f"(2, 'label', '{json.dumps(bad)}', 1, 'oracle', {now})",
        "INSERT INTO current_labels (idx, seq) SELECT 2, MAX(seq) FROM answers",
    )


def test_a_poisoned_journal_says_which_row_and_how_to_fix_it(tmp_path):
    from skal.journal import JournalLabelError

    path = str(tmp_path / "j.sqlite")
    poisoned(path)
    with Journal(path, readonly=True) as j:  # it can still be inspected
        assert j.labels() == [(0, 1), (1, 0), (2, 1.5)]
        assert j.invalid_labels()[0]["index"] == 2
    with Journal(path) as j:
        with pytest.raises(JournalLabelError) as info:
            j.bind(POOL)
        text = str(info.value)
        for part in ("row 2", "1.5", "ints", "relabel(2", "remove_label(2)", "undo()"):
            assert part in text
        assert "skal label" in text and "--relabel 2=" in text
        assert j.undo()["label"] == 1.5  # the way out, on the same journal
    with Journal(path) as j:
        j.bind(POOL)
        assert j.labels() == [(0, 1), (1, 0)]


def test_the_loop_refuses_to_start_on_a_poisoned_journal(tmp_path):
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    from skal import UncertaintySamplingClassifier
    from skal.journal import JournalLabelError
    from skal.loop import AnnotationLoop

    X, y = load_iris(return_X_y=True)
    path = str(tmp_path / "j.sqlite")
    with Journal(path) as j:
        j.bind(X)
        j.add_label(0, 0)
        j.add_label(50, 1)
    tamper(
        path,
        "INSERT INTO answers (idx, kind, label, session, source, time) VALUES "
        f"(100, 'label', '1.5', 1, 'oracle', {time.time()})",
        "INSERT INTO current_labels (idx, seq) SELECT 100, MAX(seq) FROM answers",
    )
    learner = UncertaintySamplingClassifier(LogisticRegression(max_iter=300))
    with pytest.raises(JournalLabelError, match="row 100 is labeled 1.5"):
        AnnotationLoop(learner, X, journal=path, verbose=0).start()
    with Journal(path) as j:  # the loop released the journal; fix it
        j.relabel(100, 2)
    loop = AnnotationLoop(learner, X, journal=path, verbose=0).start()
    assert loop.labels_ == {0: 0, 50: 1, 100: 2}
    loop.close()


# ------------------------------------------------------------ schema 1
V1_SCHEMA = [
    "CREATE TABLE meta (\n    key TEXT PRIMARY KEY,\n    value TEXT NOT NULL\n)",
    "CREATE TABLE sessions (\n    id INTEGER PRIMARY KEY,\n    started REAL NOT NULL,"
    "\n    pid INTEGER NOT NULL,\n    host TEXT NOT NULL,\n    learner TEXT,\n"
    "    params TEXT\n)",
    "CREATE TABLE rounds (\n    round INTEGER PRIMARY KEY,\n    session INTEGER NOT "
    "NULL REFERENCES sessions(id),\n    started REAL NOT NULL,\n    finished REAL,\n"
    "    queried TEXT NOT NULL\n)",
    "CREATE TABLE answers (\n    seq INTEGER PRIMARY KEY AUTOINCREMENT,\n    idx "
    "INTEGER NOT NULL,\n    kind TEXT NOT NULL CHECK (kind IN ('label', 'skip', "
    "'unknown')),\n    label TEXT,\n    round INTEGER,\n    session INTEGER "
    "REFERENCES sessions(id),\n    source TEXT NOT NULL,\n    time REAL NOT NULL\n)",
    "CREATE UNIQUE INDEX one_label_per_row ON answers(idx) WHERE kind = 'label'",
]


def v1_journal(path, labels=((0, 1), (3, 0)), extra=()):
    """A journal exactly as skal 0.1 wrote it."""
    from skal.journal import pool_fingerprint

    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("BEGIN")
    conn.execute(f"PRAGMA application_id = {int.from_bytes(b'skal', 'big')}")
    conn.execute("PRAGMA user_version = 1")
    for statement in V1_SCHEMA:
        conn.execute(statement)
    conn.executemany(
        "INSERT INTO meta VALUES (?, ?)",
        [
            ("format", "skal-journal"),
            ("created", "2025-01-01T00:00:00+00:00"),
            ("skal_version", "0.1.0"),
            ("pool_fingerprint", pool_fingerprint(POOL)),
            ("n_pool", str(len(POOL))),
        ],
    )
    conn.execute("INSERT INTO sessions VALUES (1, 0, 1, 'host', NULL, NULL)")
    conn.execute("INSERT INTO rounds VALUES (0, 1, 0, NULL, '[0, 3, 4]')")
    for index, label in labels:
        conn.execute(
            "INSERT INTO answers (idx, kind, label, round, session, source, time) "
            "VALUES (?, 'label', ?, 0, 1, 'oracle', 0)",
            (index, json.dumps(label)),
        )
    conn.execute(
        "INSERT INTO answers (idx, kind, label, round, session, source, time) "
        "VALUES (4, 'skip', NULL, 0, 1, 'oracle', 0)"
    )
    for statement in extra:
        conn.execute(statement)
    conn.execute("COMMIT")
    conn.close()


def test_a_v1_journal_reads_read_only_without_being_changed(tmp_path):
    path = str(tmp_path / "v1.sqlite")
    v1_journal(path)
    before = digest(path)
    with Journal(path, readonly=True) as j:
        assert j.labels() == [(0, 1), (3, 0)]
        assert j.indices("skip") == [4] and j.open_round() == (0, [])
        assert [e["kind"] for e in j.history()] == ["label", "label", "skip"]
    assert digest(path) == before
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    conn.close()


def test_a_v1_journal_is_migrated_when_opened_for_writing(tmp_path):
    path = str(tmp_path / "v1.sqlite")
    v1_journal(path)
    with Journal(path) as j:
        assert j.meta("migrated_from") == "1" and j.meta("label_type") == "int"
        j.bind(POOL)
        assert j.relabel(3, 1) == 0  # corrections work on migrated journals
        assert j.row_fingerprints().keys() == {0, 3, 4}  # filled in by bind
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
    conn.close()
    with Journal(path, readonly=True) as j:
        assert j.labels() == [(0, 1), (3, 1)]


def test_a_poisoned_v1_journal_migrates_and_names_its_bad_row(tmp_path):
    from skal.journal import JournalLabelError

    path = str(tmp_path / "v1.sqlite")
    v1_journal(path, labels=[(0, 1), (1, 0), (2, 1.5), (3, 1)])
    with Journal(path) as j, pytest.raises(JournalLabelError, match="row 2 .* 1.5"):
        j.bind(POOL)


def test_a_crafted_v1_journal_is_refused(tmp_path):
    path = str(tmp_path / "v1.sqlite")
    v1_journal(path, extra=["DROP INDEX one_label_per_row"])
    refused(path, "no index 'one_label_per_row'")
    path = str(tmp_path / "v1b.sqlite")
    v1_journal(path, labels=[(0, 1), (-1, 0)])
    refused(path, "row -1 is outside the pool")
