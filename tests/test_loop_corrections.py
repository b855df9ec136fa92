"""Corrections in the annotation loop (relabel, remove, undo) with the
journal's audit trail; resuming after corrections; one loop per journal in a
process; waiting for a loop; retraining in the background."""

import asyncio
import threading
import time
import warnings

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from skal import UncertaintySamplingClassifier
from skal.journal import Journal, JournalLabelError
from skal.loop import AnnotationLoop
from skal.oracles import SKIP, UNKNOWN, KnownLabels, Oracle


def make_learner(**kw):
    kw.setdefault("random_state", 0)
    return UncertaintySamplingClassifier(LogisticRegression(max_iter=500), **kw)


def consistent(loop, journal_path=None, untaught=()):
    """The loop's state, its learner and (if any) its journal agree; the
    labels of the round under way (``untaught``) are taught when it ends."""
    learner = loop.learner
    taught = set(np.asarray(learner.labeled_indices_).tolist())
    assert taught == set(loop.labels_) - set(untaught), "trains on the labels"
    if taught:
        rows = sorted(taught)
        y = np.array([loop.labels_[i] for i in rows])
        X = loop.X
        reference = LogisticRegression(max_iter=500).fit(X[rows], y)
        np.testing.assert_allclose(
            learner.predict_proba(X), reference.predict_proba(X), atol=1e-8
        )
    if journal_path is not None:
        with Journal(journal_path, readonly=True) as j:
            assert dict(j.labels()) == loop.labels_
            assert j.n_labels(source="oracle") == loop.n_bought_
            assert set(j.indices("unknown")) - set(loop.labels_) == loop.unknown_


# ------------------------------------------------------------ resuming
def test_resume_keeps_what_the_journal_removed_undid_or_relabeled(iris, tmp_path):
    X, y, y_known = iris
    path = str(tmp_path / "j.sqlite")
    y_more = y_known.copy()
    y_more[[1, 51]] = y[[1, 51]]
    AnnotationLoop(make_learner(), X, y=y_more, journal=path, verbose=0).start().close()
    with Journal(path) as j:
        j.bind(X)
        j.remove_label(1)  # a label of y, removed in the journal
        j.relabel(51, 2)  # corrected in the journal
        assert j.undo()["kind"] == "relabel"
        j.relabel(51, 2)
    loop = AnnotationLoop(make_learner(), X, y=y_more, journal=path, verbose=0)
    loop.start()
    assert 1 not in loop.labels_ and loop.labels_[51] == 2
    consistent(loop, path)
    loop.close()
    with Journal(path, readonly=True) as j:
        # Nothing was written back from y.
        assert [e["kind"] for e in j.history(1)] == ["label", "remove"]


def test_the_loop_binds_the_learner_declared_classes(iris, tmp_path):
    X, _, y_known = iris
    path = str(tmp_path / "j.sqlite")
    loop = AnnotationLoop(
        make_learner(classes=[0, 1, 2]), X, y=y_known, journal=path, verbose=0
    ).start()
    loop.close()
    with Journal(path, readonly=True) as j:
        assert j.meta("classes") == "[0, 1, 2]"
    with Journal(path) as j:
        j.bind(X)
        with pytest.raises(Exception, match="not one of the classes"):
            j.add_label(5, 7)


def test_a_journal_with_a_bad_label_is_fixed_from_the_loop(iris, tmp_path):
    X, _, y_known = iris
    path = str(tmp_path / "j.sqlite")
    with Journal(path) as j:
        j.bind(X, classes=[0, 1, 2, 3])
        j.add_label(7, 3)
    loop = AnnotationLoop(
        make_learner(classes=[0, 1, 2]), X, y=y_known, journal=path, verbose=0
    )
    with pytest.raises(JournalLabelError, match=r"loop\.relabel\(7, LABEL\)"):
        loop.start()
    assert loop.relabel(7, 0) == 3  # the loop, not started, fixes the journal
    loop.start()
    assert loop.labels_[7] == 0
    consistent(loop, path)
    loop.close()


# --------------------------------------------------------- corrections
class Scripted(Oracle):
    def __init__(self, answers):
        self.answers = list(answers)

    def ask(self, sample, index):
        return self.answers.pop(0)


def test_relabel_remove_and_undo_keep_loop_learner_and_journal_in_step(iris, tmp_path):
    X, y, y_known = iris
    path = str(tmp_path / "j.sqlite")
    loop = AnnotationLoop(
        make_learner(), X, y=y_known, batch_size=3, journal=path, verbose=0
    )
    a = loop.next_query()
    loop.submit((int(y[a]) + 1) % 3)  # a slip
    b = loop.next_query()
    loop.submit(SKIP)
    c = loop.next_query()
    loop.submit(UNKNOWN)
    d = loop.next_query()  # round 1: the model was retrained
    loop.submit(int(y[d]))
    consistent(loop, path, untaught={d})

    # A correction retrains at once, on every label (the round's too).
    assert loop.relabel(a, int(y[a])) == (int(y[a]) + 1) % 3
    consistent(loop, path)
    assert loop.labels_[a] == y[a] and loop.n_bought_ == 2

    # Undo the relabel, then do it again.
    assert loop.undo()["kind"] == "relabel"
    assert loop.labels_[a] == (int(y[a]) + 1) % 3
    loop.relabel(a, int(y[a]))

    # Undo the latest answer: the label of d; d is asked again.
    undone = loop.undo()
    assert (undone["kind"], undone["index"]) == ("relabel", a)
    undone = loop.undo()
    assert (undone["kind"], undone["index"]) == ("label", d)
    assert d not in loop.labels_ and loop.next_query() == d
    consistent(loop, path)
    loop.submit(int(y[d]))

    # Removing a label, and labeling the unknown one by hand.
    assert loop.remove_label(0) == 0
    assert loop.relabel(c, int(y[c])) is None
    assert c not in loop.unknown_ and loop.labels_[c] == y[c]
    assert loop.n_bought_ == 3
    consistent(loop, path)
    state = (dict(loop.labels_), loop.n_bought_, set(loop.unknown_))
    pending = list(loop.pending_)
    loop.close()

    with Journal(path, readonly=True) as j:
        kinds = [e["kind"] for e in j.history(a)]
        assert kinds == ["label", "relabel", "undo", "relabel", "undo"]
        assert [e["kind"] for e in j.history(0)] == ["label", "remove"]

    resumed = AnnotationLoop(
        make_learner(), X, y=y_known, batch_size=3, journal=path, verbose=0
    ).start()
    assert (dict(resumed.labels_), resumed.n_bought_, set(resumed.unknown_)) == state
    assert resumed.pending_ == [i for i in pending if i not in state[0]]
    assert b not in resumed.labels_
    consistent(resumed, path)
    resumed.close()


def test_undo_asks_a_skipped_or_unknown_sample_again(iris):
    X, y, y_known = iris
    loop = AnnotationLoop(make_learner(), X, y=y_known, batch_size=4, verbose=0)
    a = loop.next_query()
    loop.submit(SKIP)
    b = loop.next_query()
    loop.submit(UNKNOWN)
    assert loop.undo()["kind"] == "unknown"
    assert b not in loop.unknown_ and loop.next_query() == b
    assert loop.undo()["kind"] == "skip"
    assert a not in loop.skipped_ and loop.pending_[:2] == [a, b]
    assert loop.history_ == [] and loop.undo() is None
    loop.close()


def test_undo_reaches_earlier_sessions_but_never_the_labels_of_y(iris, tmp_path):
    X, y, y_known = iris
    path = str(tmp_path / "j.sqlite")
    first = AnnotationLoop(
        make_learner(),
        X,
        KnownLabels(y),
        y=y_known,
        budget=2,
        batch_size=2,
        journal=path,
        verbose=0,
    ).run()
    a, b = [i for i, _ in first.history_[0]["labeled"]]
    loop = AnnotationLoop(make_learner(), X, y=y_known, journal=path, verbose=0)
    loop.start()
    assert loop.undo()["index"] == b
    assert loop.undo()["index"] == a
    assert loop.pending_[:2] == [a, b] and loop.n_bought_ == 0
    assert loop.undo() is None  # the labels of y stay
    assert set(loop.labels_) == {0, 50, 100}
    consistent(loop, path)
    loop.close()


def test_undoing_back_to_one_class_waits_for_a_second_class_again(iris):
    X, y, _ = iris
    loop = AnnotationLoop(make_learner(batch_size=1), X, verbose=0)
    a = loop.next_query()
    loop.submit(0)
    b = loop.next_query()
    loop.submit(1)
    loop.next_query()
    assert loop.learner.n_labeled_ == 2
    loop.undo()  # the label of b: one class left, no model can be trained
    assert loop.learner.n_labeled_ == 0 and loop.labels_ == {a: 0}
    assert loop.next_query() == b
    loop.submit(1)
    c = loop.next_query()  # the round b came back in
    loop.submit(int(y[c]))
    loop.next_query()
    assert loop.learner.n_labeled_ == 3
    consistent(loop)
    loop.close()


def test_a_correction_the_learner_refuses_changes_nothing(iris, tmp_path, monkeypatch):
    X, y, y_known = iris
    path = str(tmp_path / "j.sqlite")
    loop = AnnotationLoop(make_learner(), X, y=y_known, journal=path, verbose=0)
    loop.start()

    def broken(*args, **kwargs):
        raise RuntimeError("the estimator failed")

    monkeypatch.setattr(loop.learner, "relabel", broken)
    with pytest.raises(RuntimeError, match="estimator failed"):
        loop.relabel(0, 2)
    assert loop.labels_[0] == 0
    with pytest.raises(ValueError, match="not a label"):
        loop.relabel(0, SKIP)
    with pytest.raises(ValueError, match="no label to remove"):
        loop.remove_label(3)
    with pytest.raises(ValueError, match="outside the pool"):
        loop.relabel(10_000, 1)
    loop.close()
    with Journal(path, readonly=True) as j:
        assert dict(j.labels())[0] == 0
        assert [e["kind"] for e in j.history(0)] == ["label", "relabel", "undo"]


# ------------------------------------------------- one loop per journal
def test_a_second_loop_on_the_same_journal_takes_over(iris, tmp_path):
    X, y, y_known = iris
    path = str(tmp_path / "j.sqlite")
    first = AnnotationLoop(make_learner(), X, y=y_known, journal=path, verbose=0)
    index = first.next_query()
    first.submit(int(y[index]))
    with pytest.warns(UserWarning, match="That loop is closed now"):
        second = AnnotationLoop(make_learner(), X, y=y_known, journal=path, verbose=0)
        second.start()
    assert first.stop_reason_ == "a newer loop took over its journal"
    assert second.labels_[index] == y[index] and second.n_bought_ == 1
    with pytest.raises(RuntimeError, match="has ended"):
        first.submit(0)
    second.close()


def test_with_closes_the_loop(iris, tmp_path):
    X, y, y_known = iris
    path = str(tmp_path / "j.sqlite")
    with AnnotationLoop(make_learner(), X, y=y_known, journal=path, verbose=0) as loop:
        loop.submit(int(y[loop.next_query()]))
    assert loop.stop_reason_ == "closed"
    Journal(path).close()  # the lock is free
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing to take over
        AnnotationLoop(make_learner(), X, journal=path, verbose=0).start().close()


def test_on_done_and_wait(iris):
    X, y, y_known = iris
    seen = []
    loop = AnnotationLoop(make_learner(), X, KnownLabels(y), budget=3, verbose=0)
    loop.on_done(lambda lp: seen.append(lp.n_bought_))
    loop.run()
    assert seen == [3]
    loop.on_done(lambda lp: seen.append("late"))  # already done: called at once
    assert seen == [3, "late"]
    assert asyncio.run(loop.wait()) is loop
    running = AnnotationLoop(make_learner(), X, y=y_known, verbose=0).start()
    with pytest.raises(RuntimeError, match="Jupyter kernel"):
        asyncio.run(running.wait())
    running.close()


def test_query_info_shows_the_prediction_and_the_counts(iris):
    X, y, y_known = iris
    loop = AnnotationLoop(make_learner(classes=[0, 1, 2]), X, y=y_known, verbose=0)
    index = loop.next_query()
    info = loop.query_info(index)
    proba = loop.learner.predict_proba(X[[index]])[0]
    assert info["prediction"] == int(np.argmax(proba))
    assert info["confidence"] == pytest.approx(proba.max())
    assert info["counts"] == {0: 1, 1: 1, 2: 1}
    assert (info["behind"], info["training"], info["n_bought"]) == (0, False, 0)
    loop.close()


# ------------------------------------------------------- in the background
class GatedLR(LogisticRegression):
    """Refits in the skal worker thread wait until the test lets them go."""

    gate = None

    def fit(self, X, y, sample_weight=None):
        if threading.current_thread().name.startswith("skal-refit"):
            assert GatedLR.gate.wait(10), "the test never released the refit"
        return super().fit(X, y, sample_weight)


def test_background_asks_the_next_sample_while_the_model_refits(iris, tmp_path):
    X, y, y_known = iris
    path = str(tmp_path / "j.sqlite")
    GatedLR.gate = threading.Event()
    seen = []

    class Person(Oracle):
        def ask(self, sample, index):
            engine = loop.engine_
            seen.append((index, engine.training_, engine.behind_))
            if len(seen) % 3 == 0:
                GatedLR.gate.set()  # the refit may finish now
                while engine.training_:
                    time.sleep(0.01)
                if len(seen) < 9:  # after the last answer, refits run freely
                    GatedLR.gate.clear()
            return int(y[index])

    learner = UncertaintySamplingClassifier(
        GatedLR(max_iter=500), batch_size=1, random_state=0
    )
    loop = AnnotationLoop(
        learner,
        X,
        Person(),
        y=y_known,
        budget=9,
        journal=path,
        background=True,
        verbose=0,
    )
    loop.run()
    GatedLR.gate.set()
    asked = [i for i, _, _ in seen]
    assert len(asked) == len(set(asked)) == 9 == loop.n_bought_
    # Asked while the learner was refitting, from the reserve: one round behind.
    during = [(t, b) for _, t, b in seen[1:]]
    assert (True, 1) in during
    assert all(b >= 1 for t, b in during if t)
    assert any(r["behind"] >= 1 for r in loop.history_)
    # In the end the model is trained on every label, as without background.
    consistent(loop, path)
