"""AnnotationLoop: rounds, budget, skips and don't-knows, cold start, callbacks,
stopping, progress, containers, and the step API."""

import numpy as np
import pytest
from sklearn.datasets import load_iris, make_blobs
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline

from skal import RandomSampler, UncertaintySamplingClassifier
from skal.journal import Journal
from skal.loop import AnnotationLoop, annotate
from skal.oracles import SKIP, STOP, UNKNOWN, KnownLabels, Oracle
from skal.stopping import BudgetSpent, TargetScore

# `iris` (one labeled flower per species) comes from conftest.py.


def make_learner(**kw):
    kw.setdefault("random_state", 0)
    return UncertaintySamplingClassifier(LogisticRegression(max_iter=500), **kw)


class Scripted(Oracle):
    """Answers from a script (by question number), else the truth; logs asks."""

    def __init__(self, y, script=None):
        self.y = y
        self.script = script or {}
        self.asked = []

    def ask(self, sample, index):
        self.asked.append(index)
        answer = self.script.get(len(self.asked))
        return answer if answer is not None else self.y[index].item()


def test_budget_is_exact_and_the_last_batch_shrinks(iris):
    X, y, y_known = iris
    oracle = Scripted(y)
    loop = AnnotationLoop(
        make_learner(), X, oracle, y=y_known, budget=7, batch_size=3, verbose=0
    ).run()
    assert [len(r["queried"]) for r in loop.history_] == [3, 3, 1]
    assert loop.n_bought_ == 7 == len(oracle.asked) == len(set(oracle.asked))
    assert loop.stop_reason_ == "budget of 7 labels spent"
    assert loop.learner.n_labeled_ == 10
    assert not set(oracle.asked) & {0, 50, 100}


def test_the_learner_is_trained_on_exactly_the_answers(iris):
    X, y, y_known = iris
    oracle = Scripted(y)
    learner = make_learner()
    AnnotationLoop(
        learner, X, oracle, y=y_known, budget=9, batch_size=3, verbose=0
    ).run()
    rows = [0, 50, 100, *oracle.asked]
    assert sorted(learner.labeled_indices_) == sorted(rows)
    reference = LogisticRegression(max_iter=500).fit(X[rows], y[rows])
    np.testing.assert_allclose(learner.predict_proba(X), reference.predict_proba(X))


def test_rounds_ask_what_the_learner_queries(iris):
    X, y, y_known = iris
    oracle = Scripted(y)
    AnnotationLoop(
        make_learner(batch_size=4), X, oracle, y=y_known, budget=8, verbose=0
    ).run()
    # Replay by hand: fit, query, teach, query.
    learner = make_learner(batch_size=4).fit(X, y_known)
    first = learner.query()
    learner.teach(y=y[first], indices=first)
    second = learner.query()
    assert oracle.asked == [*first, *second]


def test_skipped_samples_wait_for_a_later_session_and_unknown_ones_never_return(
    tmp_path,
):
    X, y = make_blobs(n_samples=12, centers=[[-5, 0], [5, 0]], random_state=0)
    y_known = np.full_like(y, -1)
    y_known[[np.flatnonzero(y == 0)[0], np.flatnonzero(y == 1)[0]]] = [0, 1]
    journal = str(tmp_path / "j.sqlite")
    oracle = Scripted(y, {1: SKIP, 2: UNKNOWN})
    loop = AnnotationLoop(
        make_learner(), X, oracle, y=y_known, batch_size=3, journal=journal, verbose=0
    ).run()
    skipped, unknown = oracle.asked[0], oracle.asked[1]
    # The session runs the pool dry without asking either again.
    assert oracle.asked.count(skipped) == 1 and oracle.asked.count(unknown) == 1
    assert loop.stop_reason_.startswith("pool exhausted")
    assert skipped not in loop.labels_ and unknown not in loop.labels_
    assert loop.history_[0]["skipped"] == [skipped]
    assert loop.history_[0]["unknown"] == [unknown]
    assert loop.n_bought_ == 12 - 2 - 2
    with Journal(journal, readonly=True) as j:
        kinds = {a["index"]: a["kind"] for a in j.answers() if a["kind"] != "label"}
    assert kinds == {skipped: "skip", unknown: "unknown"}

    # A new session asks the skipped sample again, never the unknown one.
    again = Scripted(y)
    resumed = AnnotationLoop(
        make_learner(), X, again, y=y_known, batch_size=3, journal=journal, verbose=0
    ).run()
    assert again.asked == [skipped]
    assert resumed.labels_[skipped] == y[skipped]
    assert unknown not in resumed.labels_ and unknown in resumed.unknown_


def test_a_round_of_skips_moves_on_instead_of_looping(iris):
    X, y, y_known = iris
    oracle = Scripted(y, {1: SKIP, 2: SKIP, 3: SKIP})
    loop = AnnotationLoop(
        make_learner(), X, oracle, y=y_known, budget=3, batch_size=3, verbose=0
    ).run()
    assert len(oracle.asked) == 6 == len(set(oracle.asked))
    assert loop.n_bought_ == 3 and loop.history_[0]["labeled"] == []


def test_cold_start_with_one_class_keeps_asking_until_a_second_class(iris):
    X, y, _ = iris
    # The person says setosa three times before anything else.
    oracle = Scripted(y, {1: 0, 2: 0, 3: 0, 4: 1})
    learner = make_learner(batch_size=1)
    seen = []
    loop = AnnotationLoop(
        learner,
        X,
        oracle,
        budget=12,
        callbacks=lambda lp, rec: seen.append(lp.learner.n_labeled_),
        verbose=0,
    )
    loop.run()
    # No model until two classes are labeled; then every label trains it.
    assert seen[:4] == [0, 0, 0, 4]
    assert seen[4:] == list(range(5, 13))
    assert len(set(oracle.asked)) == 12


def test_stop_answer_keeps_the_round_open_and_teaches_what_was_given(iris, tmp_path):
    X, y, y_known = iris
    journal = str(tmp_path / "j.sqlite")
    oracle = Scripted(y, {3: STOP})
    loop = AnnotationLoop(
        make_learner(), X, oracle, y=y_known, batch_size=4, journal=journal, verbose=0
    ).run()
    assert loop.stop_reason_ == "stopped by the annotator"
    assert loop.n_bought_ == 2 and loop.learner.n_labeled_ == 5
    assert loop.history_[-1]["complete"] is False
    with Journal(journal, readonly=True) as j:
        assert j.open_round() == (0, oracle.asked[2:3] + loop.pending_[1:])


def test_callbacks_see_every_round_and_can_stop_the_loop(iris):
    X, y, y_known = iris
    records = []

    def callback(loop, record):
        records.append(record)
        if record["round"] == 2:
            loop.stop("enough rounds")

    loop = AnnotationLoop(
        make_learner(),
        X,
        KnownLabels(y),
        y=y_known,
        batch_size=2,
        callbacks=[callback],
        verbose=0,
    ).run()
    assert [r["round"] for r in records] == [0, 1, 2]
    assert loop.stop_reason_ == "enough rounds" and loop.n_bought_ == 6
    assert records[1]["n_labeled"] == 7 and records[1]["n_bought"] == 4
    assert all(len(r["scores"]) == 2 for r in records)


def test_stopping_criteria_end_the_loop_early(iris):
    X, y, y_known = iris
    target = TargetScore(X, y, target=0.9)
    loop = annotate(
        make_learner(batch_size=2),
        X,
        KnownLabels(y),
        y=y_known,
        stopping=[target, BudgetSpent(100)],
        verbose=0,
    )
    assert loop.stop_reason_.startswith("score")
    assert target.scores_[-1] >= 0.9 > max(target.scores_[:-1])
    assert loop.n_bought_ < 100


def test_pool_exhausted_ends_the_loop(iris):
    X, y, _ = iris
    loop = AnnotationLoop(
        make_learner(), X[:20], KnownLabels(y[:20]), batch_size=6, verbose=0
    )
    loop.run()
    assert loop.n_bought_ == 20
    assert [len(r["queried"]) for r in loop.history_] == [6, 6, 6, 2]
    assert loop.stop_reason_.startswith("pool exhausted")


def test_regression_pool_uses_nan_for_unlabeled():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3))
    y = X @ [1.0, -2.0, 0.5]
    y_known = np.full(50, np.nan)
    y_known[:2] = y[:2]
    learner = RandomSampler(LinearRegression(), batch_size=5, random_state=0)
    loop = annotate(learner, X, KnownLabels(y), y=y_known, budget=10, verbose=0)
    assert learner.n_labeled_ == 12
    assert learner.score(X, y) == pytest.approx(1.0)
    assert loop.n_bought_ == 10
    loop = AnnotationLoop(learner, X, y=y_known, verbose=0)
    loop.next_query()
    with pytest.raises(ValueError, match="finite number"):
        loop.submit("tall")


def test_text_pool_and_dataframe_pool():
    texts = [
        "good great fine",
        "bad awful poor",
        "great good",
        "awful bad",
        "fine good",
        "poor bad",
    ] * 3
    truth = ["pos", "neg"] * 9
    learner = UncertaintySamplingClassifier(
        make_pipeline(TfidfVectorizer(), LogisticRegression()),
        classes=["neg", "pos"],
        random_state=0,
    )
    shown = []
    loop = annotate(
        learner,
        texts,
        lambda text: shown.append(text) or ("pos" if "good" in text else "neg"),
        budget=8,
        batch_size=2,
        verbose=0,
    )
    assert all(isinstance(t, str) for t in shown) and loop.n_bought_ == 8
    assert list(learner.predict(["good", "bad"])) == ["pos", "neg"]
    assert {loop.labels_[i] for i in loop.labels_} <= set(truth)

    pd = pytest.importorskip("pandas")
    X, y = load_iris(return_X_y=True, as_frame=True)
    rows = []
    loop = AnnotationLoop(make_learner(), X, budget=4, batch_size=2, verbose=0)
    while (index := loop.next_query()) is not None:
        sample = loop.sample(index)
        rows.append(sample)
        loop.submit(int(y.iloc[index]))
    assert all(isinstance(r, pd.Series) for r in rows)
    assert list(rows[0].index) == list(X.columns)


def test_step_api(iris):
    X, y, y_known = iris
    loop = AnnotationLoop(
        make_learner(), X, y=y_known, budget=3, batch_size=2, verbose=0
    )
    with pytest.raises(RuntimeError, match="next_query"):
        loop.submit(0)
    first = loop.next_query()
    assert loop.next_query() == first  # idempotent until answered
    loop.submit(y[first])
    assert loop.next_query() != first
    with pytest.raises(ValueError, match="run\\(\\) needs an oracle"):
        AnnotationLoop(make_learner(), X, y=y_known).run()


def test_invalid_answers_are_refused_before_anything_is_journaled(iris, tmp_path):
    X, y, y_known = iris
    journal = str(tmp_path / "j.sqlite")
    loop = AnnotationLoop(
        make_learner(classes=[0, 1, 2]), X, y=y_known, journal=journal, verbose=0
    )
    index = loop.next_query()
    with pytest.raises(ValueError, match="not one of the learner's classes"):
        loop.submit(7)
    with pytest.raises(ValueError, match="None is not a label"):
        loop.submit(None)
    assert loop.next_query() == index  # still waiting for a valid answer
    loop.submit(1)
    loop.close()
    with Journal(journal, readonly=True) as j:
        assert j.labels(source="oracle") == [(index, 1)]
    loop = AnnotationLoop(make_learner(), X, y=y_known, verbose=0)
    loop.next_query()
    with pytest.raises(ValueError, match="use one type for all labels"):
        loop.submit("setosa")


def test_a_learner_with_its_own_budget_is_refused(iris):
    X, y, _ = iris
    with pytest.raises(ValueError, match="budget=None"):
        AnnotationLoop(make_learner(budget=10), X, KnownLabels(y)).run()
    with pytest.raises(TypeError, match="skal active learner"):
        AnnotationLoop(LogisticRegression(), X, KnownLabels(y)).run()
    with pytest.raises(ValueError, match="batch_size"):
        AnnotationLoop(make_learner(), X, KnownLabels(y), batch_size=0).run()


def test_progress_bar_and_verbose_zero(iris, capsys):
    X, y, y_known = iris
    annotate(make_learner(), X, KnownLabels(y), y=y_known, budget=3, verbose=1)
    err = capsys.readouterr().err
    assert "labels" in err and "3/3" in err
    annotate(make_learner(), X, KnownLabels(y), y=y_known, budget=3, verbose=0)
    assert capsys.readouterr().err == ""


def test_keyboard_interrupt_keeps_given_labels(iris, tmp_path):
    X, y, y_known = iris
    journal = str(tmp_path / "j.sqlite")

    class Impatient(Scripted):
        def ask(self, sample, index):
            if len(self.asked) == 2:
                raise KeyboardInterrupt
            return super().ask(sample, index)

    loop = AnnotationLoop(
        make_learner(), X, Impatient(y), y=y_known, batch_size=5, journal=journal
    )
    with pytest.raises(KeyboardInterrupt):
        loop.run()
    assert loop.stop_reason_ == "interrupted" and loop.learner.n_labeled_ == 5
    # The lock was released: the journal opens again for writing.
    with Journal(journal) as j:
        assert j.n_labels(source="oracle") == 2


def test_annotation_loop_example(tmp_path):
    import re
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "examples" / "annotation_loop.py"
    res = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    out = res.stdout
    assert "stopped: budget of 40 labels spent" in out
    assert "asked twice: 0" in out
    labels = [int(n) for n in re.findall(r"labels\s+(\d+)", out)]
    assert labels[:4] == [10, 20, 30, 40]
    assert labels[4] == 50  # the resumed session continues from 40
    total = int(re.search(r"journal: (\d+) labels from 40 \+ (\d+)", out).group(1))
    assert total == labels[-1]


def test_the_python_blocks_of_the_guide_run(tmp_path, monkeypatch, capsys):
    import re
    from pathlib import Path

    guide = Path(__file__).resolve().parents[1] / "docs" / "annotation-loop.md"
    # ```python blocks run, in order, in one namespace; ```py blocks need a
    # person (a notebook) and are shown only.
    blocks = re.findall(r"```python\n(.*?)```", guide.read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 4
    monkeypatch.chdir(tmp_path)
    namespace = {}
    for block in blocks:
        exec(compile(block, str(guide), "exec"), namespace)
    out = capsys.readouterr().out
    assert "12 labels" in out and "budget of 5 labels spent" in out
