"""Corrections with an audit trail: relabel, remove_label, undo and history,
checked example by example and against an in-memory model of the journal
over random sequences of answers, corrections, undos and reopenings."""

import sqlite3

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from skal.journal import Journal, JournalError

POOL = ["r0", "r1", "r2", "r3", "r4"]


@pytest.fixture
def journal(tmp_path):
    with Journal(tmp_path / "j.sqlite") as j:
        j.bind(POOL)
        yield j


# ------------------------------------------------------------------ examples
def test_add_label_refuses_a_second_label_and_names_relabel(journal):
    journal.add_label(2, "a")
    with pytest.raises(JournalError, match=r"already labeled 'a'.*relabel\(2, 'b'\)"):
        journal.add_label(2, "b")
    assert journal.labels() == [(2, "a")]
    assert len(journal.history()) == 1  # the refused answer left no trace


def test_relabel_replaces_and_keeps_the_old_label_in_history(journal):
    journal.add_label(0, "a", round=0)
    journal.add_label(1, "b", round=0)
    assert journal.relabel(0, "c", source="reviewer") == "a"
    # Ordered by when the current label was given: row 0 moved to the end.
    assert journal.labels() == [(1, "b"), (0, "c")]
    assert journal.labels(source="reviewer") == [(0, "c")]
    assert journal.n_labels() == 2 and journal.n_labels(source="oracle") == 1
    first, _, correction = journal.history()
    assert first["label"] == "a" and first["superseded"] and not first["undone"]
    assert correction["kind"] == "relabel" and correction["previous"] == "a"
    assert correction["source"] == "reviewer" and correction["session"] == 1
    assert journal.history(1)[0]["label"] == "b"
    with pytest.raises(JournalError, match="no label to replace.*add_label"):
        journal.relabel(4, "a")


def test_remove_label_makes_the_row_unlabeled(journal):
    journal.add_label(3, "a")
    assert journal.remove_label(3) == "a"
    assert journal.labels() == [] and journal.n_labels() == 0
    assert journal.indices("label") == []
    with pytest.raises(JournalError, match="no label to remove"):
        journal.remove_label(3)
    journal.add_label(3, "b")  # a removed row can be labeled afresh
    assert journal.labels() == [(3, "b")]


def test_undo_retracts_the_latest_answer_in_effect(journal):
    journal.add_label(0, "a")
    journal.relabel(0, "b")
    journal.relabel(0, "c")
    journal.add_answer(1, "skip")
    assert journal.undo()["kind"] == "skip"
    undone = journal.undo()
    assert (undone["kind"], undone["label"], undone["previous"]) == (
        "relabel",
        "c",
        "b",
    )
    assert undone["restored"] == "b" and journal.labels() == [(0, "b")]
    assert journal.undo()["restored"] == "a"
    label = journal.undo()
    assert label["kind"] == "label" and label["restored"] is None
    assert journal.labels() == [] and journal.undo() is None
    kinds = [e["kind"] for e in journal.history()]
    assert kinds.count("undo") == 4  # nothing erased: every undo is recorded


def test_undo_of_a_removal_restores_the_label(journal):
    journal.add_label(4, "a")
    journal.remove_label(4)
    assert journal.undo()["restored"] == "a"
    assert journal.labels() == [(4, "a")]


def test_undo_by_session_skips_answers_replaced_by_later_sessions(tmp_path):
    path = tmp_path / "j.sqlite"
    with Journal(path) as j:
        j.bind(POOL)
        j.add_label(0, "a")
        j.add_label(1, "a")
        first = j.session_
    with Journal(path) as j:
        j.bind(POOL)
        j.relabel(1, "b")
        j.add_label(2, "c")
        # Session 1's row 1 was relabeled since: not in effect, so its
        # latest answer still in effect is row 0.
        assert j.undo(session=first)["index"] == 0
        assert j.undo(session=j.session_)["index"] == 2
        assert j.labels() == [(1, "b")]
        with pytest.raises(TypeError, match="session"):
            j.undo(session="1")


def test_undone_skips_and_unknowns_no_longer_count(journal):
    journal.start_round(0, [0, 1, 2])
    journal.add_answer(0, "unknown", round=0)
    journal.add_answer(1, "skip", round=0)
    journal.add_label(2, "a", round=0)
    assert journal.open_round() == (0, [])
    journal.undo()  # the label of row 2
    journal.undo()  # the skip of row 1
    assert journal.open_round() == (0, [1, 2])
    assert journal.indices("skip") == [] and journal.indices("unknown") == [0]
    journal.undo()
    assert journal.indices("unknown") == [] and journal.open_round() == (0, [0, 1, 2])
    assert journal.answers() == []


def test_corrections_survive_reopening_and_read_only(tmp_path):
    path = tmp_path / "j.sqlite"
    with Journal(path) as j:
        j.bind(POOL)
        j.add_label(0, "a")
        j.relabel(0, "b")
        j.add_label(1, "c")
        j.remove_label(1)
    with Journal(path, readonly=True) as j:
        assert j.labels() == [(0, "b")]
        assert [e["kind"] for e in j.history()] == [
            "label",
            "relabel",
            "label",
            "remove",
        ]
        with pytest.raises(JournalError, match="read-only"):
            j.relabel(0, "a")


def test_the_database_itself_refuses_two_current_labels(tmp_path):
    path = tmp_path / "j.sqlite"
    with Journal(path) as j:
        j.bind(POOL)
        j.add_label(0, "a")
    conn = sqlite3.connect(path)
    conn.execute(
        "INSERT INTO answers (idx, kind, label, source, time) "
        "VALUES (0, 'label', '\"b\"', 'oracle', 0)"
    )
    seq = conn.execute("SELECT MAX(seq) FROM answers").fetchone()[0]
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO current_labels (idx, seq) VALUES (0, ?)", (seq,))
    conn.rollback()
    conn.close()


def test_bad_arguments_are_refused_before_writing(journal):
    with pytest.raises(TypeError, match="source must be a str"):
        journal.add_label(0, "a", source=None)
    with pytest.raises(TypeError, match="source"):
        journal.relabel(0, "a", source=3)
    with pytest.raises(TypeError, match="source"):
        journal.remove_label(0, source=None)
    with pytest.raises(TypeError, match="source"):
        journal.add_answer(0, "skip", source=None)
    with pytest.raises(TypeError, match="round"):
        journal.add_label(0, "a", round="1")
    with pytest.raises(TypeError, match="index must be an int"):
        journal.add_label(1.7, "a")
    with pytest.raises(TypeError, match="index must be an int"):
        journal.add_label(True, "a")
    with pytest.raises(ValueError, match="empty"):
        journal.add_label(0, "  ")
    assert journal.history() == []


# ------------------------------------------------------------ the property
class Model:
    """What the journal should say, computed the simplest way."""

    def __init__(self):
        self.entries = []  # dicts: seq, index, kind, label, previous, session

    def _undone(self):
        return {e["undoes"] for e in self.entries if e["kind"] == "undo"}

    def stacks(self):
        undone, stacks = self._undone(), {}
        for e in self.entries:
            if e["kind"] in ("label", "relabel", "remove") and e["seq"] not in undone:
                stacks.setdefault(e["index"], []).append(e)
        return stacks

    def current(self):
        out = {}
        for index, stack in self.stacks().items():
            if stack[-1]["kind"] != "remove":
                out[index] = stack[-1]
        return out

    def in_effect(self):
        undone = self._undone()
        tops = {stack[-1]["seq"] for stack in self.stacks().values()}
        return [
            e
            for e in self.entries
            if e["seq"] not in undone
            and (e["kind"] in ("skip", "unknown") or e["seq"] in tops)
        ]

    def add(self, **entry):
        entry["seq"] = len(self.entries) + 1
        self.entries.append(entry)


labels = st.sampled_from(["a", "b", "c"])
rows = st.integers(0, len(POOL) - 1)


@settings(
    max_examples=40,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
class JournalMachine(RuleBasedStateMachine):
    @initialize()
    def open(self):
        import tempfile

        self.folder = tempfile.mkdtemp()
        self.path = f"{self.folder}/j.sqlite"
        self.model = Model()
        self.sessions = []
        self.journal = None
        self.reopen()

    @rule()
    def reopen(self):
        if self.journal is not None:
            self.journal.close()
        # Reopening validates the whole file: replay of the log must give
        # the stored current labels.
        self.journal = Journal(self.path)
        self.journal.bind(POOL)
        self.sessions.append(self.journal.session_)

    def _session(self):
        return self.journal.session_

    @rule(index=rows, label=labels)
    def add_label(self, index, label):
        if index in self.model.current():
            with pytest.raises(JournalError, match="already labeled"):
                self.journal.add_label(index, label)
            return
        self.journal.add_label(index, label)
        self.model.add(index=index, kind="label", label=label, session=self._session())

    @rule(index=rows, label=labels)
    def relabel(self, index, label):
        current = self.model.current().get(index)
        if current is None:
            with pytest.raises(JournalError, match="no label to replace"):
                self.journal.relabel(index, label)
            return
        assert self.journal.relabel(index, label) == current["label"]
        self.model.add(
            index=index, kind="relabel", label=label, session=self._session()
        )

    @rule(index=rows)
    def remove(self, index):
        current = self.model.current().get(index)
        if current is None:
            with pytest.raises(JournalError, match="no label to remove"):
                self.journal.remove_label(index)
            return
        assert self.journal.remove_label(index) == current["label"]
        self.model.add(index=index, kind="remove", label=None, session=self._session())

    @rule(index=rows, kind=st.sampled_from(["skip", "unknown"]))
    def answer(self, index, kind):
        self.journal.add_answer(index, kind)
        self.model.add(index=index, kind=kind, label=None, session=self._session())

    @rule(data=st.data())
    def undo(self, data):
        session = data.draw(st.sampled_from([None, *self.sessions]))
        candidates = [
            e
            for e in self.model.in_effect()
            if session is None or e["session"] == session
        ]
        done = self.journal.undo(session=session)
        if not candidates:
            assert done is None
            return
        target = max(candidates, key=lambda e: e["seq"])
        assert (done["seq"], done["index"], done["kind"]) == (
            target["seq"],
            target["index"],
            target["kind"],
        )
        self.model.add(
            index=target["index"],
            kind="undo",
            label=None,
            undoes=target["seq"],
            session=self._session(),
        )
        now = self.model.current().get(target["index"])
        assert done["restored"] == (None if now is None else now["label"])

    @precondition(lambda self: self.journal is not None)
    @invariant()
    def agrees_with_the_model(self):
        current = self.model.current()
        expected = [
            (i, e["label"])
            for i, e in sorted(current.items(), key=lambda t: t[1]["seq"])
        ]
        assert self.journal.labels() == expected
        assert self.journal.n_labels() == len(expected)
        assert self.journal.indices("label") == [i for i, _ in expected]
        live = self.model.in_effect()
        for kind in ("skip", "unknown"):
            firsts = {}
            for e in live:
                if e["kind"] == kind:
                    firsts.setdefault(e["index"], e["seq"])
            assert self.journal.indices(kind) == sorted(firsts, key=firsts.get)
        history = self.journal.history()
        assert [(h["seq"], h["kind"], h["index"]) for h in history] == [
            (e["seq"], e["kind"], e["index"]) for e in self.model.entries
        ]
        undone = self.model._undone()
        effective = {e["seq"] for e in live}
        for h in history:
            assert h["undone"] == (h["seq"] in undone)
            changes = h["kind"] in ("label", "relabel", "remove")
            assert h["superseded"] == (
                changes and h["seq"] not in undone and h["seq"] not in effective
            )

    def teardown(self):
        if self.journal is not None:
            self.journal.close()


TestJournalAgainstModel = JournalMachine.TestCase


def test_numpy_labels_and_indices_are_plain_in_the_record(journal):
    journal.add_label(np.int64(1), np.str_("a"))
    assert journal.labels() == [(1, "a")] and type(journal.labels()[0][0]) is int
