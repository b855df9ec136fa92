"""The notebook widget's kernel side, driven by the messages its browser side
sends (tests/test_widget_browser.py drives the real thing in JupyterLab):
answers bound to the question on screen, the busy state, errors that do not
wedge it, undo and relabel, the batch grid, what it shows."""

import base64
import io
import threading
import time

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from skal import UncertaintySamplingClassifier
from skal.engine import Callback
from skal.journal import Journal
from skal.loop import AnnotationLoop
from skal.oracles import SKIP, STOP, UNKNOWN
from skal.widget import WidgetOracle, png_bytes


def decode_png(data):
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(data)))


def decode_item(item):
    return decode_png(base64.b64decode(item["image"].split(",", 1)[1]))


def widget_loop(iris, tmp_path, oracle=None, **kw):
    X, y, y_known = iris
    learner = UncertaintySamplingClassifier(
        LogisticRegression(max_iter=500), random_state=0
    )
    oracle = oracle or WidgetOracle([0, 1, 2], display=False)
    loop = AnnotationLoop(
        learner,
        X,
        oracle,
        y=y_known,
        journal=str(tmp_path / "j.sqlite"),
        verbose=0,
        **kw,
    )
    return loop, oracle


def shown(oracle):
    return [item["index"] for item in oracle.view.items]


def journal_labels(tmp_path):
    with Journal(tmp_path / "j.sqlite", readonly=True) as journal:
        return journal.labels(source="oracle")


def test_png_encoding_round_trips():
    grey = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
    np.testing.assert_array_equal(decode_png(png_bytes(grey)), grey)
    rgb = np.random.default_rng(0).integers(0, 256, size=(5, 2, 3), dtype=np.uint8)
    np.testing.assert_array_equal(decode_png(png_bytes(rgb)), rgb)
    unit = np.array([[0.0, 0.5], [1.0, np.nan]])
    np.testing.assert_array_equal(decode_png(png_bytes(unit)), [[0, 127], [255, 0]])
    stretched = np.array([[-1.0, 1.0]])
    np.testing.assert_array_equal(decode_png(png_bytes(stretched)), [[0, 255]])
    with pytest.raises(ValueError, match="height, width"):
        png_bytes(np.zeros(5))


def test_clicks_label_the_sample_on_screen_journal_and_finish(iris, tmp_path):
    X, y, _ = iris
    loop, oracle = widget_loop(iris, tmp_path, budget=4, batch_size=2)
    assert loop.run() is loop  # returns at once; the clicks do the rest
    clicked = []
    while oracle.view.mode == "ask":
        (index,) = shown(oracle)
        assert index == loop.pending_[0]
        assert oracle.view.header.startswith(f"Sample {index} ")
        clicked.append(index)
        oracle.click(int(y[index]))
        assert journal_labels(tmp_path)[-1] == (index, y[index])  # committed
    assert len(clicked) == 4 == loop.n_bought_
    assert loop.stop_reason_ == "budget of 4 labels spent"
    assert oracle.view.mode == "done" and "4 labels given" in oracle.view.meta
    assert loop.learner.n_labeled_ == 7
    Journal(tmp_path / "j.sqlite").close()  # the loop closed its journal


def test_an_answer_for_a_question_no_longer_on_screen_is_ignored(iris, tmp_path):
    X, y, _ = iris
    loop, oracle = widget_loop(iris, tmp_path, batch_size=3)
    loop.run()
    first_token, (first,) = oracle.view.token, shown(oracle)
    oracle.click(int(y[first]))
    # The second click of a double click, or a click queued while the
    # kernel worked, carries the token of the question it was aimed at.
    oracle.click(0, token=first_token)
    oracle.click(1, token=first_token)
    (second,) = shown(oracle)
    assert oracle.ignored_ == 2 and loop.n_bought_ == 1
    assert loop.pending_[0] == second != first
    assert journal_labels(tmp_path) == [(first, y[first])]
    oracle.click(SKIP, token=oracle.view.token + 5)  # a made-up token
    assert oracle.ignored_ == 3 and loop.skipped_ == set()
    loop.close()


class SeeState(Callback):
    """Records what the widget shows while the learner refits."""

    def __init__(self):
        self.oracle = None
        self.seen = []

    def on_model_change(self, engine):
        if self.oracle is not None:
            v = self.oracle.view
            self.seen.append((v.mode, v.status, v.token))


def test_buttons_are_disabled_while_the_kernel_refits(iris, tmp_path):
    X, y, _ = iris
    spy = SeeState()
    loop, oracle = widget_loop(iris, tmp_path, batch_size=2, callbacks=[spy])
    loop.run()
    spy.oracle = oracle
    for _ in range(2):
        oracle.click(int(y[shown(oracle)[0]]))
    mode, status, token = spy.seen[-1]
    assert mode == "busy" and "Training the model" in status
    # A click sent before the busy state reached the browser is stale.
    assert token != oracle.view.token and oracle.view.mode == "ask"
    oracle.handle({"type": "answer", "token": token, "choice": 0})
    assert oracle.ignored_ == 1 and loop.n_bought_ == 2
    loop.close()


class GatedLR(LogisticRegression):
    gate = None

    def fit(self, X, y, sample_weight=None):
        if threading.current_thread().name.startswith("skal-refit"):
            assert GatedLR.gate.wait(10)
        return super().fit(X, y, sample_weight)


def test_with_background_the_widget_waits_and_polls(iris, tmp_path):
    X, y, y_known = iris
    GatedLR.gate = threading.Event()
    learner = UncertaintySamplingClassifier(
        GatedLR(max_iter=500), batch_size=1, random_state=0
    )
    oracle = WidgetOracle([0, 1, 2], display=False)
    loop = AnnotationLoop(
        learner, X, oracle, y=y_known, background=True, verbose=0
    ).run()
    loop.engine_.lookahead = 0  # no reserve: the next sample needs the refit
    loop.engine_._reserve = []
    oracle.click(int(y[shown(oracle)[0]]))
    assert oracle.view.mode == "busy" and oracle.view.waiting
    assert "background" in oracle.view.status
    oracle.handle({"type": "poll"})
    assert oracle.view.mode == "busy"  # still training
    GatedLR.gate.set()
    while loop.engine_.training_:
        time.sleep(0.01)
    oracle.handle({"type": "poll"})
    assert oracle.view.mode == "ask" and not oracle.view.waiting
    assert loop.learner.n_labeled_ == 4
    loop.close()


def test_a_callback_that_raises_is_shown_and_the_person_goes_on(iris, tmp_path, capsys):
    X, y, _ = iris

    def flaky(loop, record):
        print("round", record["round"], "done")
        if record["round"] == 0:
            raise RuntimeError("the callback broke")

    loop, oracle = widget_loop(iris, tmp_path, batch_size=1, callbacks=[flaky])
    loop.run()
    first = shown(oracle)[0]
    oracle.click(int(y[first]))  # round 0 ends: the callback raises
    assert "the callback broke" in oracle.view.status
    assert isinstance(oracle.error_, RuntimeError)
    assert oracle.view.mode == "ask" and shown(oracle)[0] != first
    second = shown(oracle)[0]
    oracle.click(int(y[second]))  # and the session goes on
    assert loop.n_bought_ == 2 and oracle.error_ is None
    # What the callback printed, and the traceback, are below the widget.
    shown_out = "".join(
        o["text"] for o in oracle.output.outputs if o["name"] == "stdout"
    )
    shown_err = "".join(
        o["text"] for o in oracle.output.outputs if o["name"] == "stderr"
    )
    assert "round 0 done" in shown_out and "round 1 done" in shown_out
    assert "RuntimeError: the callback broke" in shown_err
    loop.close()


def test_a_refused_answer_is_shown_and_the_sample_waits(iris, tmp_path):
    loop, oracle = widget_loop(iris, tmp_path, batch_size=2)
    loop.run()
    index = shown(oracle)[0]
    with pytest.raises(ValueError, match="use one type for all labels"):
        oracle.answer("versicolor")
    assert "use one type for all labels" in oracle.view.status
    assert shown(oracle) == [index] and oracle.view.mode == "ask"
    oracle.answer(1)
    assert oracle.error_ is None and loop.labels_[index] == 1
    loop.close()


def test_undo_and_relabel_from_the_widget(iris, tmp_path):
    X, y, _ = iris
    loop, oracle = widget_loop(iris, tmp_path, batch_size=3)
    loop.run()
    assert not oracle.view.can_undo
    first = shown(oracle)[0]
    oracle.click((int(y[first]) + 1) % 3)  # a slip
    assert oracle.view.can_undo
    oracle.handle({"type": "undo", "token": oracle.view.token})
    assert shown(oracle) == [first] and first not in loop.labels_
    assert "Undid the label" in oracle.view.status
    oracle.click(int(y[first]))
    second = shown(oracle)[0]
    oracle.click(SKIP)
    oracle.handle({"type": "relabel", "index": 50, "choice": 2})
    assert loop.labels_[50] == 2 and "Sample 50: 1 -&gt; 2." in oracle.view.status
    oracle.handle({"type": "relabel", "index": 50, "choice": None})
    assert 50 not in loop.labels_
    oracle.handle({"type": "relabel", "index": 9999, "choice": 0})
    assert "Not done" in oracle.view.status
    with Journal(tmp_path / "j.sqlite", readonly=True) as j:
        assert [e["kind"] for e in j.history(first)] == ["label", "undo", "label"]
        assert [e["kind"] for e in j.history(50)] == ["label", "relabel", "remove"]
        assert [e["kind"] for e in j.history(second)] == ["skip"]
    assert loop.learner.n_labeled_ == len(loop.labels_)  # retrained
    loop.close()


def test_the_grid_labels_a_batch_at_once(iris, tmp_path):
    X, y, _ = iris
    oracle = WidgetOracle([0, 1, 2], grid=3, display=False)
    loop, _ = widget_loop(iris, tmp_path, oracle=oracle, batch_size=3, budget=5)
    loop.run()
    assert oracle.view.mode == "grid" and len(shown(oracle)) == 3
    batch = shown(oracle)
    assert all(item["note"].startswith("model: ") for item in oracle.view.items)
    token = oracle.view.token
    # An answer missing: refused, and said so.
    oracle.handle({"type": "batch", "token": token, "answers": [0, None, 1]})
    assert "one answer for each" in oracle.view.status and loop.n_bought_ == 0
    answers = [int(y[i]) for i in batch]
    answers[1] = 4  # the "don't know" button (classes, skip, don't know, stop)
    oracle.handle({"type": "batch", "token": token, "answers": answers})
    assert loop.n_bought_ == 2 and batch[1] in loop.unknown_
    assert journal_labels(tmp_path) == [
        (batch[0], y[batch[0]]),
        (batch[2], y[batch[2]]),
    ]
    oracle.handle({"type": "batch", "token": token, "answers": answers})  # stale
    assert oracle.ignored_ == 1
    nxt = shown(oracle)
    assert len(nxt) == 3 and not set(nxt) & set(batch)
    oracle.handle(
        {
            "type": "batch",
            "token": oracle.view.token,
            "answers": [int(y[i]) for i in nxt],
        }
    )
    assert oracle.view.mode == "done" and loop.n_bought_ == 5  # budget: 2 of 3
    loop.close()


def test_what_the_widget_shows(iris, tmp_path):
    X, y, _ = iris
    oracle = WidgetOracle(["a", "b"], display=False)
    oracle.show("<script>alert(1)</script>", 0)
    assert "&lt;script&gt;" in oracle.view.items[0]["html"]
    oracle.show(np.array([1.5, 2.5]), 1)
    assert "x[1]: 2.5" in oracle.view.items[0]["html"]
    oracle.show(np.arange(16.0).reshape(4, 4), 2)
    item = oracle.view.items[0]
    assert decode_item(item).shape == (4, 4) and item["width"] == 320  # x80
    oracle.show(np.zeros((300, 200)), 2)
    assert oracle.view.items[0]["width"] == 200  # large: as it is
    flat = WidgetOracle(["a"], image_shape=(2, 3), display=False)
    flat.show(np.arange(6), 0)
    assert decode_item(flat.view.items[0]).shape == (2, 3)
    custom = WidgetOracle(["a"], render=lambda s: f"<i>{s}</i>", display=False)
    custom.show("x", 0)
    assert custom.view.items[0]["html"] == "<i>x</i>"
    with pytest.raises(RuntimeError, match="not attached"):
        oracle.answer("a")
    no_skip = WidgetOracle(["a"], allow_skip=False, display=False)
    assert [c["label"] for c in no_skip.view.choices] == ["a", "stop"]
    many = WidgetOracle([f"c{i}" for i in range(14)], display=False)
    keys = [c["key"] for c in many.view.choices if c["kind"] == "class"]
    assert keys[:11] == [*"1234567890", "a"] and len(set(keys)) == 14
    assert not {"s", "d", "u"} & set(keys)
    digits = WidgetOracle(list(range(10)), display=False)
    assert [c["key"] for c in digits.view.choices][:10] == [*"0123456789"]
    letters = WidgetOracle(["x", "s"], display=False)  # "s" is skip's key
    assert [c["key"] for c in letters.view.choices][:2] == ["1", "2"]

    # In a loop: the header, the prediction and the counts follow each answer.
    loop, oracle = widget_loop(
        iris, tmp_path, oracle=WidgetOracle([0, 1, 2], display=False), budget=10
    )
    loop.run()
    # What the notebook prints under run() is never a stale count.
    assert repr(loop).endswith("labeling in its widget>")
    assert "0 of 10 labels given" in oracle.view.header
    assert "model says <b>" in oracle.view.meta
    assert "labels so far: 0: 1, 1: 1, 2: 1" in oracle.view.meta
    index = shown(oracle)[0]
    oracle.click(int(y[index]))
    assert "1 of 10 labels given" in oracle.view.header
    assert oracle.view.progress == {"n": 1, "total": 10}
    assert oracle.view.recent[0] == {"index": index, "label": str(y[index])}
    oracle.click(STOP)
    assert oracle.view.mode == "done" and "stopped by the annotator" in oracle.view.meta


def test_a_new_loop_on_the_journal_closes_the_old_widget(iris, tmp_path):
    X, y, _ = iris
    loop, oracle = widget_loop(iris, tmp_path)
    loop.run()
    oracle.click(int(y[shown(oracle)[0]]))
    with pytest.warns(UserWarning, match="That loop is closed now"):
        again, new_oracle = widget_loop(iris, tmp_path)  # the cell run again
        again.run()
    assert oracle.view.mode == "done" and "took over" in oracle.view.meta
    assert again.n_bought_ == 1 and new_oracle.view.mode == "ask"
    oracle.click(UNKNOWN)  # the old widget is done: nothing happens
    assert oracle.ignored_ == 1 and again.unknown_ == set()
    again.close()
