"""``skal label`` end to end, with scripted stdin: labeling, journal, resume,
export, and clear errors."""

import csv
import io
import os
import re
import subprocess
import sys

import pytest

from skal.cli import main
from skal.journal import Journal

REVIEWS = [
    ("great film", "pos"),
    ("awful film", "neg"),
    ("great cast", ""),
    ("awful plot", ""),
    ("great plot", ""),
    ("awful cast", ""),
    ("great fun, truly", ""),
    ("awful, boring", ""),
]


@pytest.fixture
def reviews(tmp_path):
    path = tmp_path / "reviews.csv"
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(REVIEWS)
    return str(path)


def truth(text):
    return "2" if "great" in text else "1"  # 1 = neg, 2 = pos


def run_label(monkeypatch, capsys, args, answers):
    """Run ``skal label`` in-process; answers may be a function of the text."""
    if callable(answers):
        out = io.StringIO()
        state = {"last": None}

        def read(prompt):
            shown = out.getvalue()
            sample = shown.rsplit("---\n", 1)[-1].split("\n[1]")[0]
            if sample == state["last"]:
                raise EOFError
            state["last"] = sample
            return answers(sample)

        monkeypatch.setattr("builtins.input", read)
        monkeypatch.setattr(
            "builtins.print",
            _tee(out, print),
        )
    else:
        monkeypatch.setattr(
            "sys.stdin", io.StringIO("".join(a + "\n" for a in answers))
        )
    code = main(["label", *args, "--quiet"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _tee(buffer, real_print):
    def fake(*args, **kwargs):
        if kwargs.get("file") is None:
            buffer.write(" ".join(map(str, args)) + "\n")
        real_print(*args, **kwargs)

    return fake


def asked(out):
    return [int(i) for i in re.findall(r"--- sample (\d+) ---", out)]


def test_label_texts_journal_and_export(reviews, tmp_path, monkeypatch, capsys):
    export = str(tmp_path / "out.csv")
    code, out, err = run_label(
        monkeypatch,
        capsys,
        [reviews, "--classes", "neg,pos", "--text-column", "text", "--export", export],
        ["2", "s", "?", "neg", "q"],
    )
    assert code == 0, err
    first, skipped, unknown, fourth = asked(out)[:4]
    assert "2 labels given in this session, 2 in all" in out
    assert "stopped: stopped by the annotator" in out
    journal = str(tmp_path / "reviews.journal.sqlite")
    with Journal(journal, readonly=True) as j:
        assert j.labels(source="initial") == [(0, "pos"), (1, "neg")]
        assert j.labels(source="oracle") == [(first, "pos"), (fourth, "neg")]
        assert j.indices("skip") == [skipped] and j.indices("unknown") == [unknown]
    with open(export, newline="") as handle:
        rows = list(csv.DictReader(handle))
    expected = {0: "pos", 1: "neg", first: "pos", fourth: "neg"}
    assert [(r["text"], r["label"]) for r in rows] == [
        (REVIEWS[i][0], expected[i]) for i in sorted(expected)
    ]


def test_resume_asks_nothing_already_answered(reviews, tmp_path, monkeypatch, capsys):
    args = [reviews, "--classes", "neg,pos", "--text-column", "text", "--seed", "1"]
    code, out, _ = run_label(monkeypatch, capsys, args, ["1", "?", "2", "q"])
    assert code == 0
    first_session = asked(out)
    answered = first_session[:3]
    code, out, _ = run_label(monkeypatch, capsys, [*args, "--budget", "4"], truth)
    assert code == 0
    second_session = asked(out)
    # The interrupted sample comes first; nothing answered returns.
    assert second_session[0] == first_session[3]
    assert not set(second_session) & set(answered)
    assert "stopped: budget of 4 labels spent" in out
    with Journal(tmp_path / "reviews.journal.sqlite", readonly=True) as j:
        labeled = [i for i, _ in j.labels(source="oracle")]
    assert len(labeled) == len(set(labeled)) == 4
    assert set(second_session) <= set(labeled) | set(answered)


def test_label_numeric_features_with_initial_labels(tmp_path, monkeypatch, capsys):
    path = tmp_path / "flowers.csv"
    rows = [
        ("1.0", "0.9", "small"),
        ("5.0", "5.2", "big"),
        ("1.2", "1.1", ""),
        ("4.8", "5.1", ""),
        ("3.0", "3.1", ""),
    ]
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["length", "width", "size"])
        writer.writerows(rows)
    code, out, err = run_label(
        monkeypatch,
        capsys,
        [str(path), "--classes", "small,big", "--label-column", "size"],
        ["1", "2", "1"],
    )
    assert code == 0, err
    assert "length: " in out and "width: " in out and "size:" not in out
    assert "stopped: pool exhausted" in out
    with Journal(tmp_path / "flowers.journal.sqlite", readonly=True) as j:
        assert len(j.labels(source="oracle")) == 3
        assert j.labels(source="initial") == [(0, "small"), (1, "big")]


def test_export_only(reviews, tmp_path, monkeypatch, capsys):
    args = [reviews, "--classes", "neg,pos", "--text-column", "text"]
    run_label(monkeypatch, capsys, args, ["2", "q"])
    export = str(tmp_path / "only.csv")
    code, out, _ = run_label(
        monkeypatch, capsys, [*args, "--export-only", "--export", export], []
    )
    assert code == 0 and "3 labeled rows written" in out
    code, _, err = run_label(monkeypatch, capsys, [*args, "--export-only"], [])
    assert code == 2 and "--export-only needs --export" in err


def test_errors_are_clear(reviews, tmp_path, monkeypatch, capsys):
    base = ["--classes", "neg,pos", "--text-column", "text"]
    # Numbers expected, text found.
    code, _, err = run_label(monkeypatch, capsys, [reviews, "--classes", "a,b"], [])
    assert code == 2 and "'great film' is not a number" in err
    # A known label outside the classes.
    code, _, err = run_label(
        monkeypatch,
        capsys,
        [reviews, "--classes", "good,bad", "--text-column", "text"],
        [],
    )
    assert code == 2 and "labeled 'pos'" in err
    # The CSV changed under its journal.
    run_label(monkeypatch, capsys, [reviews, *base], ["q"])
    with open(reviews, "a", newline="") as handle:
        handle.write("a new review,\n")
    code, _, err = run_label(monkeypatch, capsys, [reviews, *base], [])
    assert code == 2 and "another pool" in err
    # A journal being written by another session.
    other = str(tmp_path / "busy.sqlite")
    holder = Journal(other)
    try:
        code, _, err = run_label(
            monkeypatch, capsys, [reviews, *base, "--journal", other], []
        )
    finally:
        holder.close()
    assert code == 2 and "open for writing" in err
    # Not a journal at all.
    code, _, err = run_label(
        monkeypatch, capsys, [reviews, *base, "--journal", reviews], []
    )
    assert code == 2 and "not an SQLite database" in err


def test_ctrl_c_keeps_the_answers(reviews, tmp_path, monkeypatch, capsys):
    answers = iter(["2"])

    def read(prompt):
        try:
            return next(answers)
        except StopIteration:
            raise KeyboardInterrupt from None

    monkeypatch.setattr("builtins.input", read)
    code = main(["label", reviews, "--classes", "neg,pos", "--text-column", "text"])
    err = capsys.readouterr().err
    assert code == 130 and "Every answer given is saved" in err
    with Journal(tmp_path / "reviews.journal.sqlite", readonly=True) as j:
        assert len(j.labels(source="oracle")) == 1


def test_console_script_with_piped_stdin(reviews, tmp_path):
    export = str(tmp_path / "out.csv")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "skal.cli",
            "label",
            reviews,
            "--classes",
            "neg,pos",
            "--text-column",
            "text",
            "--budget",
            "3",
            "--export",
            export,
        ],
        input="2\n1\n2\n",
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    assert result.returncode == 0, result.stderr
    assert "3 labels given in this session" in result.stdout
    assert "labels" in result.stderr  # the progress bar
    with open(export, newline="") as handle:
        assert len(list(csv.DictReader(handle))) == 5
