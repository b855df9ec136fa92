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
    assert code == 2 and "re-ordered" in err
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


# ------------------------------------------------------------ data loss
def digest(path):
    import hashlib

    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def truthful(n):
    """Answer the first ``n`` samples truthfully, then quit: whichever rows
    the learner asks for, the labels are right."""
    given = []

    def answer(text):
        given.append(text)
        return truth(text) if len(given) <= n else "q"

    return answer


def label_some(monkeypatch, capsys, reviews, *extra, answers=None):
    args = [reviews, "--classes", "neg,pos", "--text-column", "text", *extra]
    answers = truthful(3) if answers is None else list(answers)
    code, out, err = run_label(monkeypatch, capsys, args, answers)
    assert code == 0, err
    return asked(out)


def test_export_over_the_input_csv_is_refused(reviews, tmp_path, monkeypatch, capsys):
    label_some(monkeypatch, capsys, reviews)
    before = digest(reviews)
    os.link(reviews, tmp_path / "hardlink.csv")
    os.symlink(reviews, tmp_path / "symlink.csv")
    monkeypatch.chdir(tmp_path)
    for export in (reviews, "./reviews.csv", "hardlink.csv", "symlink.csv"):
        for mode in ([], ["--export-only"]):
            code, _, err = run_label(
                monkeypatch,
                capsys,
                [reviews, "--classes", "neg,pos", "--text-column", "text"]
                + ["--export", export, *mode],
                ["q"],
            )
            assert code == 2 and "is the CSV being labeled" in err, (export, err)
            assert "Export to a new file" in err
    assert digest(reviews) == before


def test_export_over_the_journal_is_refused(reviews, tmp_path, monkeypatch, capsys):
    journal = str(tmp_path / "j.sqlite")
    label_some(monkeypatch, capsys, reviews, "--journal", journal)
    before = digest(journal)
    for export in (journal, journal + "-wal", str(tmp_path / "." / "j.sqlite")):
        code, _, err = run_label(
            monkeypatch,
            capsys,
            [reviews, "--classes", "neg,pos", "--text-column", "text"]
            + ["--journal", journal, "--export", export],
            ["2"],
        )
        assert code == 2 and "is the journal" in err, err
    assert digest(journal) == before
    with Journal(journal, readonly=True) as j:
        assert j.n_labels(source="oracle") == 3  # nothing asked or lost


def test_an_export_is_atomic(reviews, tmp_path, monkeypatch, capsys):
    from skal.csv_labeling import export_labeled_csv

    label_some(monkeypatch, capsys, reviews)
    journal = str(tmp_path / "reviews.journal.sqlite")
    export = tmp_path / "out.csv"
    export.write_text("the previous export\n")
    calls = []

    def failing(self, row):
        calls.append(row)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(self, row)

    real = csv.DictWriter.writerow
    monkeypatch.setattr(csv.DictWriter, "writerow", failing)
    with pytest.raises(OSError, match="No space"):
        export_labeled_csv(reviews, journal, export)
    assert export.read_text() == "the previous export\n"
    assert sorted(os.listdir(tmp_path)) == [
        "out.csv",
        "reviews.csv",
        "reviews.journal.sqlite",
        "reviews.journal.sqlite.lock",
    ]


# ---------------------------------------------------------- wrong results
def test_a_resorted_csv_exports_the_right_labels(
    reviews, tmp_path, monkeypatch, capsys
):
    asked_rows = label_some(monkeypatch, capsys, reviews)
    with open(reviews, newline="") as handle:
        header, *rows = list(csv.reader(handle))
    with open(reviews, "w", newline="") as handle:
        csv.writer(handle).writerows([header, *sorted(rows, reverse=True)])
    export = str(tmp_path / "out.csv")
    code, out, err = run_label(
        monkeypatch,
        capsys,
        [reviews, "--classes", "neg,pos", "--text-column", "text"]
        + ["--export-only", "--export", export],
        [],
    )
    assert code == 0, err
    with open(export, newline="") as handle:
        exported = list(csv.DictReader(handle))
    assert len(exported) == 2 + len(asked_rows[:3])
    # Every exported label is the one given to that text: truth() answered.
    for row in exported:
        assert row["label"] == ("pos" if "great" in row["text"] else "neg"), row
    # In the CSV's new order.
    texts = [row["text"] for row in exported]
    assert texts == sorted(texts, reverse=True)
    # Resuming on the re-sorted CSV is refused: its indices would be wrong.
    code, _, err = run_label(
        monkeypatch,
        capsys,
        [reviews, "--classes", "neg,pos", "--text-column", "text"],
        [],
    )
    assert code == 2 and "re-ordered" in err


def test_an_edited_csv_is_refused_naming_the_rows(
    reviews, tmp_path, monkeypatch, capsys
):
    label_some(monkeypatch, capsys, reviews)
    with open(reviews, newline="") as handle:
        header, *rows = list(csv.reader(handle))
    rows[1][0] = "awful film, edited"  # row 1 was labeled neg (it came labeled)
    with open(reviews, "w", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    export = str(tmp_path / "out.csv")
    code, _, err = run_label(
        monkeypatch,
        capsys,
        [reviews, "--classes", "neg,pos", "--text-column", "text"]
        + ["--export-only", "--export", export],
        [],
    )
    assert code == 2 and "1 labeled row of the journal" in err
    assert "row 1 (line 3 when labeled 'neg')" in err
    assert not os.path.exists(export)


# ------------------------------------------------------------ corrections
def cli(monkeypatch, capsys, reviews, *extra, answers=()):
    return run_label(
        monkeypatch,
        capsys,
        [reviews, "--classes", "neg,pos", "--text-column", "text", *extra],
        list(answers),
    )


def test_relabel_remove_undo_and_show_labels(reviews, tmp_path, monkeypatch, capsys):
    first, second, third = label_some(monkeypatch, capsys, reviews)[:3]
    path = tmp_path / "reviews.journal.sqlite"
    with Journal(path, readonly=True) as j:
        given = dict(j.labels())
    flipped = {"pos": "neg", "neg": "pos"}
    was, now = given[first], flipped[given[first]]
    code, out, err = cli(
        monkeypatch,
        capsys,
        reviews,
        "--relabel",
        f"{first}={now}",
        "--relabel",
        "0=neg",
    )
    assert code == 0, err
    assert f"row {first}: {was!r} -> {now!r}" in out and "row 0: 'pos' -> 'neg'" in out
    code, out, _ = cli(monkeypatch, capsys, reviews, "--remove", str(second))
    assert code == 0 and f"row {second}: {given[second]!r} removed" in out
    code, out, _ = cli(monkeypatch, capsys, reviews, "--show-labels")
    assert code == 0
    lines = {int(line.split()[0]): line for line in out.splitlines()[2:]}
    assert set(lines) == {0, 1, first, third}  # row `second` is unlabeled now
    assert lines[first].split()[1:3] == [now, "2"] and f"(was: {was})" in lines[first]
    assert "text=great film" in lines[0] and "(was: pos)" in lines[0]
    code, out, _ = cli(monkeypatch, capsys, reviews, "--undo", "--undo")
    removed = given[second]
    assert f"row {second}: undid the removal of {removed!r} (now {removed!r})" in out
    assert "row 0: undid the correction to 'neg' (now 'pos')" in out
    with Journal(path, readonly=True) as j:
        assert dict(j.labels())[first] == now and dict(j.labels())[0] == "pos"
        kinds = [e["kind"] for e in j.history()]
        assert kinds.count("relabel") == 2 and kinds.count("undo") == 2


def test_resume_and_export_see_corrected_labels(reviews, tmp_path, monkeypatch, capsys):
    first = label_some(monkeypatch, capsys, reviews)[0]
    # Row 0 came labeled pos in the CSV: corrected in the journal, the CSV's
    # old label must not come back (nor contradict it) on resume.
    cli(monkeypatch, capsys, reviews, "--relabel", "0=neg", "--relabel", f"{first}=neg")
    code, out, err = cli(monkeypatch, capsys, reviews, "--budget", "4", answers=["1"])
    assert code == 0, err
    assert "stopped: budget of 4 labels spent" in out
    export = str(tmp_path / "out.csv")
    code, _, _ = cli(monkeypatch, capsys, reviews, "--export-only", "--export", export)
    texts = [text for text, _ in REVIEWS]
    with open(export, newline="") as handle:
        labels = {texts.index(r["text"]): r["label"] for r in csv.DictReader(handle)}
    assert labels[0] == "neg" and labels[first] == "neg"
    with Journal(tmp_path / "reviews.journal.sqlite", readonly=True) as j:
        assert dict(j.labels())[0] == "neg"


def test_corrections_refuse_bad_input(reviews, tmp_path, monkeypatch, capsys):
    code, _, err = cli(monkeypatch, capsys, reviews, "--relabel", "3=pos")
    assert code == 2 and "No journal at" in err and "nothing to correct" in err
    first = label_some(monkeypatch, capsys, reviews)[0]
    journal = tmp_path / "reviews.journal.sqlite"
    before = len(Journal(journal, readonly=True).history())
    for extra, message in [
        (["--relabel", "3"], "write it ROW=LABEL"),
        (["--relabel", "x=pos"], "write it ROW=LABEL"),
        (["--relabel", "3=maybe"], "'maybe' is not one of the classes"),
        (["--relabel", "99=pos"], "numbered 0 to 7"),
        (["--relabel", "3=pos", "--relabel", "3=neg"], "two labels"),
        (["--remove", "99"], "numbered 0 to 7"),
        (["--remove", str(first), "--relabel", f"{first}=neg"], "choose one"),
        (["--undo", "--remove", str(first)], "cannot be combined"),
    ]:
        code, _, err = cli(monkeypatch, capsys, reviews, *extra)
        assert code == 2 and message in err, (extra, err)
    unlabeled = next(i for i in range(8) if i not in {0, 1, *label_rows(journal)})
    code, _, err = cli(monkeypatch, capsys, reviews, "--remove", str(unlabeled))
    assert code == 2 and "have no label to remove" in err
    with Journal(journal, readonly=True) as j:
        assert len(j.history()) == before  # nothing written by refused commands


def label_rows(journal):
    with Journal(journal, readonly=True) as j:
        return [i for i, _ in j.labels()]


def test_changed_classes_name_the_rows_and_the_fix(
    reviews, tmp_path, monkeypatch, capsys
):
    label_some(monkeypatch, capsys, reviews)
    # "pos" is renamed "good"; the CSV's own label column still says "pos",
    # but its labeled rows are the journal's now.
    args = [reviews, "--classes", "neg,good", "--text-column", "text"]
    code, _, err = run_label(monkeypatch, capsys, args, [])
    assert code == 2 and "row 0 is labeled 'pos'" in err
    fix = (
        f"skal label {reviews} --classes neg,good --text-column text --relabel 0=LABEL"
    )
    assert fix in err and "--remove ROW" in err and "--undo" in err
    with Journal(tmp_path / "reviews.journal.sqlite", readonly=True) as j:
        stale = [i for i, label in j.labels() if label == "pos"]
    fixes = [x for i in stale for x in ("--relabel", f"{i}=good")]
    code, out, err = run_label(monkeypatch, capsys, [*args, *fixes], [])
    assert code == 0, err
    with pytest.warns(UserWarning, match="learner differs"):  # new classes
        code, out, err = run_label(monkeypatch, capsys, [*args, "--budget", "4"], ["2"])
    assert code == 0 and "budget of 4" in out, err


def test_help_documents_the_corrections(capsys):
    with pytest.raises(SystemExit):
        main(["label", "--help"])
    out = capsys.readouterr().out
    for option in ("--relabel ROW=LABEL", "--remove ROW", "--undo", "--show-labels"):
        assert option in out
    assert "sample N" in out and "never" in out and "the input CSV" in out
