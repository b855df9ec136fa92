"""The terminal oracle: odd digits, terminal controls in samples, and the
undo and relabel commands, alone and driving a loop."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from skal import UncertaintySamplingClassifier
from skal.journal import Journal
from skal.loop import AnnotationLoop
from skal.oracles import STOP, UNDO, Relabel
from skal.terminal import TerminalOracle, printable


def scripted(lines, classes=("cat", "dog", "bird"), **kw):
    lines = iter(lines)
    out = []

    def read(prompt):
        try:
            return next(lines)
        except StopIteration:
            raise EOFError from None

    oracle = TerminalOracle(list(classes), input=read, print=out.append, **kw)
    return oracle, out


@pytest.mark.parametrize("odd", ["²", "①", "½", "Ⅻ", "⁹"])
def test_digits_int_refuses_are_asked_again_not_a_crash(odd):
    oracle, out = scripted([odd, "2"])
    assert oracle.ask("a sample", 0) == "dog"
    assert any("Not an answer" in line and odd in line for line in out)


def test_decimal_digits_of_any_script_are_numbers():
    oracle, _ = scripted(["３"])  # a fullwidth 3, as an IME types it
    assert oracle.ask("a sample", 0) == "bird"
    oracle, _ = scripted(["٢"])  # an Arabic-Indic 2
    assert oracle.ask("a sample", 0) == "dog"


def test_terminal_controls_in_a_sample_are_shown_not_obeyed():
    evil = "fine\rFAKE\x1b[2J\x1b]0;title\x07\x08\u202eodd\x9b"
    oracle, out = scripted(["1"], classes=("ok\x1b[31m", "no"))
    oracle.ask(evil, 3)
    shown = "\n".join(out)
    for raw in ("\r", "\x1b", "\x07", "\x08", "\u202e", "\x9b"):
        assert raw not in shown
    assert "fine\\rFAKE\\x1b[2J" in shown and "ok\\x1b[31m" in shown
    assert printable("tabs\tand\nnewlines") == "tabs\tand\nnewlines"
    row = np.array([1.0, 2.0])
    oracle, out = scripted(["1"], feature_names=["\x1b[1mbold", "b"])
    oracle.ask(row, 0)
    assert "\x1b" not in "\n".join(out)


def test_undo_and_relabel_commands():
    oracle, out = scripted(["u"])
    assert oracle.ask("x", 0) is UNDO
    oracle, _ = scripted(["r 12 2"])
    assert oracle.ask("x", 0) == Relabel(12, "dog")
    oracle, _ = scripted(["r12=bird"])
    assert oracle.ask("x", 0) == Relabel(12, "bird")
    oracle, _ = scripted(["relabel 4 -"])
    assert oracle.ask("x", 0) == Relabel(4, None)
    oracle, out = scripted(["r twelve", "r 3 fish", "q"])
    assert oracle.ask("x", 0) is STOP
    assert "r ROW LABEL" in out[1] and "'fish' is not a class" in out[2]
    assert "[u] undo" in out[0] and "[r N L] relabel" in out[0]
    # A class called "u" wins over the command, which stays reachable.
    oracle, _ = scripted(["u", "undo"], classes=("u", "v"))
    assert oracle.ask("x", 0) == "u" and oracle.ask("x", 0) is UNDO
    oracle, out = scripted(["u", "1"], corrections=False)
    assert oracle.ask("x", 0) == "cat" and "[u]" not in out[0]


def test_the_terminal_corrects_a_loop_and_shows_its_state(iris, tmp_path):
    X, y, y_known = iris
    path = str(tmp_path / "j.sqlite")
    names = ["setosa", "versicolor", "virginica"]
    learner = UncertaintySamplingClassifier(
        LogisticRegression(max_iter=500), classes=names, random_state=0
    )
    y_names = np.array(names, dtype=object)[y]
    known = np.full(len(y), -1, dtype=object)
    known[[0, 50, 100]] = y_names[[0, 50, 100]]
    asked = []

    def read(prompt):
        step = len(asked)
        asked.append(prompt)
        return script[step](asked)

    out = []
    oracle = TerminalOracle(names, input=read, print=out.append)
    shown = []
    original_ask = oracle.ask

    def ask(sample, index):
        shown.append(index)
        return original_ask(sample, index)

    oracle.ask = ask
    script = [
        lambda _: "1" if y[shown[-1]] != 0 else "2",  # a wrong label
        lambda _: "u",  # undo it: the same sample comes back
        lambda _: str(y[shown[-1]] + 1),
        lambda _: f"r {shown[0]} 3",  # a correction, then its undo
        lambda _: "u",
        lambda _: "q",
    ]
    loop = AnnotationLoop(
        learner, X, oracle, y=known, batch_size=2, journal=path, verbose=0
    ).run()
    assert shown[2] == shown[0]  # asked again after the undo
    assert loop.labels_[shown[0]] == y_names[shown[0]]
    text = "\n".join(out)
    assert "Undid the label" in text and "it is asked again" in text
    assert f"Sample {shown[0]}:" in text and "Undid the correction" in text
    assert "model says" in text and "setosa 1, versicolor 1, virginica 1" in text
    with Journal(path, readonly=True) as j:
        kinds = [e["kind"] for e in j.history(shown[0])]
    assert kinds == ["label", "undo", "label", "relabel", "undo"]
