"""Oracles: known labels, functions, the terminal prompt, and the ipywidgets
oracle driven by simulated button clicks."""

import io

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

from skal import UncertaintySamplingClassifier
from skal.journal import Journal
from skal.loop import AnnotationLoop
from skal.oracles import (
    SKIP,
    STOP,
    UNKNOWN,
    FunctionOracle,
    KnownLabels,
    as_oracle,
)
from skal.terminal import TerminalOracle, describe


def test_known_labels_returns_plain_python_values():
    oracle = KnownLabels(np.array([3, 1, 2]))
    assert oracle.ask(None, 1) == 1 and type(oracle.ask(None, 1)) is int
    pd = pytest.importorskip("pandas")
    # A Series is read by position, not by its index labels.
    series = pd.Series(["a", "b"], index=[10, 20])
    assert KnownLabels(series).ask(None, 1) == "b"


def test_function_oracle_and_as_oracle():
    oracle = as_oracle(lambda sample: sample.upper())
    assert isinstance(oracle, FunctionOracle) and oracle.ask("x", 0) == "X"
    known = KnownLabels([0])
    assert as_oracle(known) is known
    with pytest.raises(TypeError, match="oracle"):
        as_oracle("not callable")


def test_markers_survive_pickling():
    import pickle

    assert pickle.loads(pickle.dumps(SKIP)) is SKIP
    assert repr(UNKNOWN) == "UNKNOWN"


def terminal(classes, answers, **kw):
    lines = iter(answers)
    out = io.StringIO()

    def read(prompt):
        try:
            return next(lines)
        except StopIteration:
            raise EOFError from None

    oracle = TerminalOracle(
        classes, input=read, print=lambda text: out.write(text + "\n"), **kw
    )
    return oracle, out


@pytest.mark.parametrize(
    "answer, expected",
    [
        ("1", "spam"),
        ("2", "ham"),
        ("ham", "ham"),
        (" s ", SKIP),
        ("skip", SKIP),
        ("?", UNKNOWN),
        ("q", STOP),
    ],
)
def test_terminal_answers(answer, expected):
    oracle, _ = terminal(["spam", "ham"], [answer])
    assert oracle.ask("buy now", 0) == expected


def test_terminal_reasks_on_invalid_input_and_stops_at_end_of_input():
    oracle, out = terminal(["spam", "ham"], ["", "3", "eggs", "2"])
    assert oracle.ask("hello", 4) == "ham"
    text = out.getvalue()
    assert "--- sample 4 ---\nhello\n[1] spam  [2] ham" in text
    assert text.count("Not an answer") == 2  # "3" and "eggs"; "" is ignored
    oracle, _ = terminal(["spam", "ham"], [])
    assert oracle.ask("hello", 0) is STOP


def test_terminal_class_names_win_over_commands_and_skip_can_be_off():
    oracle, _ = terminal(["s", "q"], ["s", "q"])
    assert oracle.ask("x", 0) == "s" and oracle.ask("x", 1) == "q"
    oracle, out = terminal(["a", "b"], ["s", "a"], allow_skip=False)
    assert oracle.ask("x", 0) == "a"
    assert "skip" not in out.getvalue().splitlines()[2]


def test_terminal_uses_builtin_input_by_default(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("2\n"))
    assert TerminalOracle(["a", "b"]).ask(np.array([1.5, 2.0]), 0) == "b"
    shown = capsys.readouterr().out
    assert "x[0]: 1.5" in shown and "label> " in shown


def test_describe_views():
    assert describe("short") == "short"
    assert describe("x" * 30, max_chars=10).endswith("[... 20 more chars]")
    row = sp.csr_matrix([[0.0, 2.0, 0.0, 3.0]])
    assert describe(row, feature_names=["a", "b", "c", "d"]) == "b: 2.0\nd: 3.0"
    many = describe(np.arange(40.0), max_features=5)
    assert many.splitlines()[-1] == "... 35 more features"
    with pytest.raises(ValueError, match="feature names"):
        describe(np.arange(3.0), feature_names=["a"])
    pd = pytest.importorskip("pandas")
    assert describe(pd.Series({"age": 41, "city": "Oslo"})) == "age: 41\ncity: Oslo"


def decode_png(data):
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(data)))


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


# ------------------------------------------------------------------ widgets
ipywidgets = pytest.importorskip("ipywidgets")
from skal.widget import WidgetOracle, png_bytes  # noqa: E402

# `iris` (one labeled flower per species) comes from conftest.py.


def widget_loop(iris, tmp_path, **kw):
    X, y, y_known = iris
    learner = UncertaintySamplingClassifier(
        LogisticRegression(max_iter=500), random_state=0
    )
    oracle = WidgetOracle([0, 1, 2], display=False)
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


def test_widget_clicks_label_journal_and_finish(iris, tmp_path):
    X, y, _ = iris
    loop, oracle = widget_loop(iris, tmp_path, budget=4, batch_size=2)
    assert loop.run() is loop  # returns at once; the clicks do the rest
    assert all(not b.disabled for b in oracle.buttons.values())
    clicked = []
    while not oracle.buttons[0].disabled:
        index = loop.pending_[0]
        assert f"Sample {index}" in oracle.header.value
        clicked.append(index)
        oracle.buttons[int(y[index])].click()
        # Each click is in the journal at once.
        with Journal(tmp_path / "j.sqlite", readonly=True) as journal:
            assert journal.labels(source="oracle")[-1] == (index, y[index])
    assert len(clicked) == 4 == loop.n_bought_
    assert loop.stop_reason_ == "budget of 4 labels spent"
    assert "Done" in oracle.header.value and "4 labels" in oracle.text.value
    assert all(b.disabled for b in oracle.buttons.values())
    assert loop.learner.n_labeled_ == 7
    # The loop closed its journal: another writer may open it.
    Journal(tmp_path / "j.sqlite").close()


def test_widget_skip_unknown_and_stop_buttons(iris, tmp_path):
    loop, oracle = widget_loop(iris, tmp_path, batch_size=3)
    loop.run()
    first, second, third = loop.pending_
    oracle.buttons[SKIP].click()
    oracle.buttons[UNKNOWN].click()
    assert loop.pending_ == [third]
    oracle.buttons[STOP].click()
    assert loop.stop_reason_ == "stopped by the annotator"
    assert loop.skipped_ == {first} and loop.unknown_ == {second}
    with Journal(tmp_path / "j.sqlite", readonly=True) as journal:
        kinds = [(a["index"], a["kind"]) for a in journal.answers()[3:]]
        assert kinds == [(first, "skip"), (second, "unknown")]
        assert journal.open_round() == (0, [third])


def test_widget_shows_errors_instead_of_swallowing_them(iris, tmp_path):
    loop, oracle = widget_loop(iris, tmp_path, batch_size=2)
    loop.run()
    index = loop.pending_[0]
    with pytest.raises(ValueError, match="use one type for all labels"):
        oracle.answer("versicolor")
    assert (
        "use one type for all labels" in oracle.status.value
        and oracle.error_ is not None
    )
    assert loop.pending_[0] == index  # still waiting
    oracle.answer(1)
    assert oracle.status.value == "" and oracle.error_ is None
    loop.close()


def test_widget_views_text_numbers_and_images():
    oracle = WidgetOracle(["a", "b"], display=False)
    oracle.show("<script>alert(1)</script>", 0)
    assert "&lt;script&gt;" in oracle.text.value
    assert oracle.image.layout.display == "none"
    oracle.show(np.array([1.5, 2.5]), 1)
    assert "x[1]: 2.5" in oracle.text.value
    oracle.show(np.arange(16.0).reshape(4, 4), 2)
    assert oracle.image.layout.display is None and oracle.text.value == ""
    assert decode_png(oracle.image.value).shape == (4, 4)
    flat = WidgetOracle(["a"], image_shape=(2, 3), display=False)
    flat.show(np.arange(6), 0)
    assert decode_png(flat.image.value).shape == (2, 3)
    custom = WidgetOracle(["a"], render=lambda s: f"<i>{s}</i>", display=False)
    custom.show(np.zeros((3, 3)), 0)
    assert custom.text.value == "<i>[[0. 0. 0.]\n [0. 0. 0.]\n [0. 0. 0.]]</i>"
    assert custom.image.layout.display == "none"
    with pytest.raises(RuntimeError, match="not attached"):
        oracle.answer("a")
    no_skip = WidgetOracle(["a"], allow_skip=False, display=False)
    assert set(no_skip.buttons) == {"a", STOP}
