"""End to end tests of `skal compare` on small settings."""

import gzip
import subprocess
import sys

import numpy as np
import pytest
from sklearn.datasets import load_iris

from skal.cli import main
from skal.datasets import write_idx
from skal.evaluation import LearningCurveResults

SMALL = ["--budget", "30", "--batch-size", "10", "--n-initial", "10"]


def _table(out):
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("learner"))
    rows = {}
    for line in lines[start + 2 :]:
        if not line.strip() or line.startswith("target"):
            break
        cells = [c for c in line.split("  ") if c.strip()]
        rows[cells[0].strip()] = [c.strip() for c in cells[1:]]
    return lines[start], rows


def test_compare_end_to_end(tmp_path, capsys):
    plot = tmp_path / "curves.png"
    out_csv = tmp_path / "curves.csv"
    argv = ["compare", "--dataset", "iris", *SMALL, "--repeats", "3"]
    argv += ["--plot", str(plot), "--output", str(out_csv), "--n-jobs", "1"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "iris (150 samples, 4 features, 3 classes)" in out
    header, rows = _table(out)
    assert header.split("  ")[0] == "learner" and "AULC" in header
    assert list(rows) == ["adaptive", "margin", "random"]
    assert rows["random"][2] == "1.000 ± 0.000"  # deficiency of random
    assert rows["random"][4] == "0%"  # random saves nothing against itself
    assert "target accuracy" in out
    # The curves file holds every point: 3 learners x 3 repeats x 3 rounds.
    results = LearningCurveResults.read_csv(out_csv, baseline="random")
    assert len(results.records) == 3 * 3 * 3
    assert results.curve("margin")[0].tolist() == [10, 20, 30]
    # The table printed is the summary of those curves.
    summary = {r["learner"]: r for r in results.summary(as_frame=False)}
    assert rows["margin"][1].startswith(f"{summary['margin']['aulc_mean']:.3f}")

    plt = pytest.importorskip("matplotlib.pyplot")
    image = plt.imread(plot)
    assert image.shape[0] > 300 and image.shape[1] > 500
    assert image[..., :3].std() > 0.05


def test_compare_is_deterministic(tmp_path, capsys):
    argv = ["compare", "--dataset", "wine", *SMALL, "--repeats", "2"]
    argv += ["--plot", "none", "--learners", "margin,random"]
    assert main([*argv, "--output", str(tmp_path / "a.json")]) == 0
    assert main([*argv, "--output", str(tmp_path / "b.json"), "--n-jobs", "2"]) == 0
    a = LearningCurveResults.read_json(tmp_path / "a.json")
    b = LearningCurveResults.read_json(tmp_path / "b.json")
    assert a.records == b.records
    assert a.learners == ["margin", "random"]
    assert not (tmp_path / "skal-compare.png").exists()


def test_compare_accepts_exported_learner_classes(capsys):
    argv = ["compare", "--dataset", "iris", *SMALL, "--repeats", "1", "--plot"]
    argv += ["none", "--estimator", "naive_bayes", "--learners"]
    argv += ["CommitteeSampler:n_members=3", "random"]
    assert main(argv) == 0
    _, rows = _table(capsys.readouterr().out)
    assert list(rows) == ["CommitteeSampler:n_members=3", "random"]


def test_compare_csv_and_idx_datasets(tmp_path, capsys):
    X, y = load_iris(return_X_y=True)
    path = tmp_path / "iris.csv"
    lines = ["species," + ",".join(f"f{i}" for i in range(4))]
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    lines += [
        f"{n}," + ",".join(map(str, row)) for n, row in zip(names, X, strict=True)
    ]
    path.write_text("\n".join(lines) + "\n")
    argv = ["compare", *SMALL, "--repeats", "1", "--plot", "none"]
    assert main([*argv, "--dataset", str(path), "--label-column", "species"]) == 0
    assert "(150 samples, 4 features, 3 classes)" in capsys.readouterr().out
    assert main([*argv, "--dataset", str(path), "--label-column", "0"]) == 0
    capsys.readouterr()

    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(3, dtype=np.uint8), 40)
    images = (rng.random((120, 4, 4)) * 60 + labels[:, None, None] * 60).astype(
        np.uint8
    )
    write_idx(tmp_path / "img-idx3-ubyte.gz", images)
    write_idx(tmp_path / "lab-idx1-ubyte.gz", labels)
    argv += ["--dataset", str(tmp_path / "img-idx3-ubyte.gz")]
    argv += ["--labels", str(tmp_path / "lab-idx1-ubyte.gz"), "--max-samples", "90"]
    assert main(argv) == 0
    assert "(90 samples, 16 features, 3 classes)" in capsys.readouterr().out


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--learners", "bogus"], "Unknown learner 'bogus'; choose from"),
        (["--dataset", "no-such-set"], "Unknown dataset 'no-such-set'"),
        (["--learners", "margin:nope=1"], "has no parameter ['nope']"),
        (["--budget", "5"], "budget=5 is smaller than n_initial=10"),
    ],
)
def test_compare_errors_exit_2(extra, message, capsys):
    argv = ["compare", *SMALL, "--repeats", "1", "--plot", "none", "--n-jobs", "1"]
    assert main([*argv, *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("skal compare: error:") and message in err


def test_compare_warns_about_minus_one_labels(tmp_path, capsys):
    path = tmp_path / "d.csv.gz"
    rows = [f"{i % 7},{(i * 3) % 5},{-1 if i % 2 else 1}" for i in range(60)]
    path.write_bytes(gzip.compress(("a,b,label\n" + "\n".join(rows)).encode()))
    argv = ["compare", "--dataset", str(path), *SMALL, "--repeats", "1"]
    assert main([*argv, "--plot", "none", "--learners", "random"]) == 0
    assert "30 rows have label -1" in capsys.readouterr().err


def test_console_entry_point(tmp_path):
    res = subprocess.run(
        [sys.executable, "-m", "skal.cli", "compare", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    text = " ".join(res.stdout.split())
    assert "--learners NAME [NAME ...]" in text and "(default: digits)" in text


REG = ["--budget", "40", "--batch-size", "10", "--n-initial", "10", "--plot", "none"]


def test_compare_tells_a_regression_target_and_compares_regressors(capsys):
    argv = ["compare", "--dataset", "diabetes", *REG, "--repeats", "2"]
    assert main([*argv, "--n-jobs", "1"]) == 0
    out = capsys.readouterr().out
    assert "regression, bayesian_ridge" in out and "target from" in out
    header, rows = _table(out)
    assert "final r2" in header
    assert list(rows) == ["std", "committee", "random"]
    # RMSE as a negative error, so that higher is better like every score.
    assert main([*argv, "--metric", "rmse", "--learners", "std,random"]) == 0
    header, rows = _table(capsys.readouterr().out)
    assert "neg_root_mean_squared_error" in header
    assert float(rows["random"][0].split()[0]) < 0


def test_compare_regression_csv_with_a_forest(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 3))
    y = X @ [1.5, -2.0, 0.5] + rng.normal(scale=0.1, size=150)
    lines = ["a,b,c,target"] + [
        ",".join(f"{v:.4f}" for v in (*row, t)) for row, t in zip(X, y, strict=True)
    ]
    lines[5] = lines[5].rsplit(",", 1)[0] + ","  # one row without a label
    path = tmp_path / "reg.csv"
    path.write_text("\n".join(lines) + "\n")
    argv = ["compare", "--dataset", str(path), *REG, "--repeats", "1"]
    assert main([*argv, "--estimator", "forest"]) == 0
    captured = capsys.readouterr()
    assert "(149 samples, 3 features, target from" in captured.out
    assert "1 rows have no label" in captured.err
    # A forest has no predictive std: committee and random by default.
    _, rows = _table(captured.out)
    assert list(rows) == ["committee", "random"]


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--learners", "margin"], "'margin' is a classification learner"),
        (["--learners", "adaptive"], "'adaptive' is a classification learner"),
        (["--estimator", "logistic"], "--estimator logistic is not a regression"),
        (["--task", "classification"], "is this a regression target?"),
        (["--metric", "nope"], "--metric 'nope' is not a scikit-learn scorer"),
    ],
)
def test_compare_regression_mistakes_are_named(extra, message, capsys):
    argv = ["compare", "--dataset", "diabetes", *REG, "--repeats", "1"]
    assert main([*argv, *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("skal compare: error:") and message in err


def test_compare_a_classifier_gets_no_regression_learner(capsys):
    argv = ["compare", "--dataset", "iris", *SMALL, "--repeats", "1"]
    assert main([*argv, "--plot", "none", "--learners", "std"]) == 2
    assert "'std' is a regression learner" in capsys.readouterr().err


@pytest.mark.parametrize(
    "option, value, message",
    [
        ("--budget", "-5", "must be a whole number of at least 1, got '-5'"),
        ("--batch-size", "0", "must be a whole number of at least 1, got '0'"),
        ("--n-initial", "two", "must be a whole number of at least 1, got 'two'"),
        ("--repeats", "2.5", "must be a whole number of at least 1, got '2.5'"),
        ("--max-samples", "0", "must be a whole number of at least 1, got '0'"),
        (
            "--test-size",
            "1.5",
            "must be a number between 0 and 1 (exclusive), got '1.5'",
        ),
    ],
)
def test_compare_refuses_bad_numbers_before_any_work(option, value, message, capsys):
    # Refused by argparse, naming the option, before the dataset is even
    # loaded (no header line on stdout).
    with pytest.raises(SystemExit) as exc:
        main(["compare", option, value])
    assert exc.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"argument {option}: {message}" in captured.err


@pytest.mark.parametrize("option", ["--batch-size", "--budget"])
def test_label_refuses_a_batch_or_budget_below_one(option, tmp_path, capsys):
    csv = tmp_path / "rows.csv"
    csv.write_text("text,label\nhello,\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        main(["label", str(csv), "--classes", "a,b", option, "0"])
    assert exc.value.code == 2
    assert f"argument {option}: must be a whole number" in capsys.readouterr().err
