"""Oracles: known labels, functions and the terminal prompt (the notebook
widget: tests/test_widget.py and tests/test_widget_browser.py)."""

import io

import numpy as np
import pytest
import scipy.sparse as sp

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
