import json
import math

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.naive_bayes import GaussianNB

from skal import RandomSampler, UncertaintySamplingClassifier
from skal.evaluation import (
    LearningCurveResults,
    area_under_learning_curve,
    deficiency,
    labels_to_reach,
    learning_curves,
)


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


def _learners(batch_size=10):
    est = LogisticRegression(max_iter=300)
    return [
        UncertaintySamplingClassifier(est, measure="margin", batch_size=batch_size),
        RandomSampler(est, batch_size=batch_size),
    ]


@pytest.fixture(scope="module")
def results(iris):
    X, y = iris
    return learning_curves(
        _learners(), X, y, budget=40, n_repeats=3, random_state=0, n_jobs=1
    )


# ---------------------------------------------------------------- curve math
def test_aulc_is_mean_score_over_label_range():
    assert area_under_learning_curve([5, 10, 50], [0.7, 0.7, 0.7]) == 0.7
    # Uneven spacing weighs each segment by its width.
    assert area_under_learning_curve([0, 10, 40], [0.0, 1.0, 1.0]) == pytest.approx(
        (5 + 30) / 40
    )
    early = area_under_learning_curve([10, 20, 30], [0.5, 0.9, 0.9])
    late = area_under_learning_curve([10, 20, 30], [0.5, 0.5, 0.9])
    assert early > late


def test_curve_math_rejects_bad_curves():
    with pytest.raises(ValueError, match="strictly increasing"):
        area_under_learning_curve([10, 10], [0.1, 0.2])
    with pytest.raises(ValueError, match="same length"):
        labels_to_reach([10, 20], [0.1], 0.5)
    with pytest.raises(ValueError, match="at least one point"):
        area_under_learning_curve([], [])


def test_deficiency_follows_baram():
    n = [10, 20, 30]
    base = [0.5, 0.7, 0.8]
    assert deficiency(n, base, n, base, 0.9) == 1.0
    assert deficiency(n, [0.9, 0.9, 0.9], n, base, 0.9) == 0.0
    assert deficiency(n, [0.4, 0.6, 0.7], n, base, 0.9) > 1
    # Sum over every integer label count, the curves interpolated between
    # rounds: here the strategy's gap is a constant 0.1 over 21 counts.
    t = np.arange(10, 31)
    expected = 21 * 0.1 / np.sum(0.9 - np.interp(t, n, base))
    assert deficiency(n, [0.8, 0.8, 0.8], n, base, 0.9) == pytest.approx(expected)
    # Only the label range both curves cover counts.
    assert deficiency([0, 10, 30], [0.0, 0.9, 0.9], n, base, 0.9) == 0.0
    assert math.isnan(deficiency([10, 20], [0.5, 0.6], [30, 40], [0.5, 0.6], 0.9))
    # A baseline already at the full score leaves nothing to compare.
    assert math.isnan(deficiency(n, base, n, [0.9, 0.9, 0.9], 0.9))


def test_labels_to_reach_interpolates_first_crossing():
    n = [10, 20, 30, 40]
    assert labels_to_reach(n, [0.5, 0.7, 0.9, 0.6], 0.8) == 25.0
    assert labels_to_reach(n, [0.85, 0.7, 0.9, 0.6], 0.8) == 10.0
    assert math.isnan(labels_to_reach(n, [0.5, 0.7, 0.9, 0.6], 0.95))


# ---------------------------------------------------------- learning curves
def test_learning_curves_layout(results):
    assert results.learners == ["margin", "random"]
    assert results.baseline == "random"
    assert results.score_name == "accuracy"
    n, scores = results.curve("margin")
    assert n.tolist() == [10, 20, 30, 40]
    assert scores.shape == (3, 4)
    assert np.all((scores >= 0) & (scores <= 1))
    # Different seeds: different splits and initial samples.
    assert len({tuple(row) for row in scores}) > 1
    seeds = {r["seed"] for r in results.records}
    assert len(seeds) == 3


@pytest.mark.parametrize("kind", ["margin", "committee"])
def test_curve_points_are_the_models_the_learner_held(iris, kind):
    """Every point equals the score of a learner stopped at that budget.

    A committee predicts with its members, not with one clone of the
    estimator: the curve must score the learner's own model.
    """
    from skal import CommitteeSampler

    X, y = iris
    if kind == "margin":
        learner = _learners()[0]
    else:
        learner = CommitteeSampler(GaussianNB(), n_members=3, batch_size=10)
    res = learning_curves([learner], X, y, budget=40, n_repeats=1, random_state=3)
    seed = res.records[0]["seed"]
    pos = np.arange(len(y))
    train, test = train_test_split(pos, test_size=0.25, random_state=seed, stratify=y)
    _, scores = res.curve(res.learners[0])
    for j, budget in enumerate([10, 20, 30, 40]):
        stopped = clone(learner).set_params(budget=budget, random_state=seed)
        stopped.fit(X[train], y[train])
        assert scores[0, j] == stopped.score(X[test], y[test])
    full = clone(learner.estimator).fit(X[train], y[train])
    assert res.records[0]["full_score"] == full.score(X[test], y[test])


def test_learning_curves_deterministic_and_parallel_safe(iris, results):
    X, y = iris
    again = learning_curves(
        _learners(), X, y, budget=40, n_repeats=3, random_state=0, n_jobs=2
    )
    assert again.records == results.records
    other = learning_curves(
        _learners(), X, y, budget=40, n_repeats=3, random_state=1, n_jobs=1
    )
    assert other.records != results.records


def test_learning_curves_uses_own_budget_and_names_from_dict(iris):
    X, y = iris
    learners = {
        "nb-entropy": UncertaintySamplingClassifier(
            GaussianNB(), measure="entropy", batch_size=15, budget=40
        ),
        "nb-random": RandomSampler(GaussianNB(), batch_size=15, budget=40),
    }
    res = learning_curves(learners, X, y, n_repeats=2, random_state=0)
    assert res.learners == ["nb-entropy", "nb-random"]
    assert res.baseline == "nb-random"
    # The last round buys only what is left of the budget.
    assert res.curve("nb-entropy")[0].tolist() == [10, 25, 40]


def test_learning_curves_errors(iris):
    X, y = iris
    lr = LogisticRegression()
    with pytest.raises(ValueError, match="both be named 'margin'"):
        learning_curves(
            [UncertaintySamplingClassifier(lr), UncertaintySamplingClassifier(lr)],
            X,
            y,
            budget=20,
        )
    with pytest.raises(ValueError, match="budget=None"):
        learning_curves([UncertaintySamplingClassifier(lr)], X, y)
    with pytest.raises(TypeError, match="not an active learner"):
        learning_curves({"lr": lr}, X, y, budget=20)
    with pytest.raises(ValueError, match="baseline='nope'"):
        learning_curves(_learners(), X, y, budget=20, baseline="nope")
    with pytest.raises(ValueError, match="one label per row"):
        learning_curves(_learners(), X, y[:-1], budget=20)
    with pytest.raises(ValueError, match="learners is empty"):
        learning_curves([], X, y, budget=20)


def test_no_random_learner_means_no_baseline(iris):
    X, y = iris
    res = learning_curves(_learners()[:1], X, y, budget=20, n_repeats=2)
    assert res.baseline is None
    row = res.summary(as_frame=False)[0]
    assert math.isnan(row["deficiency"]) and math.isnan(row["label_savings"])
    # An explicit target still gives labels_to_target.
    row = res.summary(target=0.0, as_frame=False)[0]
    assert row["labels_to_target"] == 10


# ------------------------------------------------------------------ summary
def test_summary_against_random(results):
    rows = {r["learner"]: r for r in results.summary(as_frame=False)}
    random, margin = rows["random"], rows["margin"]
    # Random against itself: deficiency exactly 1 in every repeat, no savings.
    assert random["deficiency"] == 1.0 and random["deficiency_std"] == 0.0
    assert random["label_savings"] == 0.0
    _, base = results.curve("random")
    assert random["target"] == pytest.approx(base[:, -1].mean())
    assert margin["n_repeats"] == 3
    _, scores = results.curve("margin")
    assert margin["final_score_mean"] == pytest.approx(scores[:, -1].mean())
    assert margin["final_score_std"] == pytest.approx(scores[:, -1].std())
    aulcs = [area_under_learning_curve([10, 20, 30, 40], s) for s in scores]
    assert margin["aulc_mean"] == pytest.approx(np.mean(aulcs))
    expected = 1 - margin["labels_to_target"] / random["labels_to_target"]
    assert margin["label_savings"] == pytest.approx(expected)


def test_summary_frame_and_text(results):
    pd = pytest.importorskip("pandas")
    frame = results.summary()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame["learner"]) == ["margin", "random"]
    tidy = results.to_frame()
    assert list(tidy.columns) == ["learner", "seed", "n_labeled", "score", "full_score"]
    assert len(tidy) == 2 * 3 * 4
    assert isinstance(results.to_frame(as_frame=False), list)
    text = results.to_string()
    lines = text.splitlines()
    assert lines[0].split()[0] == "learner"
    assert lines[2].startswith("margin") and lines[3].startswith("random")
    assert "±" in lines[2] and "0%" in lines[3]
    assert "target accuracy" in lines[-1]
    md = results.to_string(markdown=True).splitlines()
    assert md[0] == (
        "| learner | final accuracy | AULC | deficiency | labels to target "
        "| label savings | gap closed |"
    )
    assert md[1] == "|---|---|---|---|---|---|---|"
    # Random sampling saves no label; on this small set it already matches
    # the whole pool, so there is no gap to close.
    assert md[3].startswith("| random | ") and md[3].endswith(" | 0% | - |")
    assert md[4] == "" and md[5] == lines[-1]


def test_results_roundtrip_csv_json(results, tmp_path):
    results.to_csv(tmp_path / "r.csv")
    back = LearningCurveResults.read_csv(tmp_path / "r.csv", baseline="random")
    assert back.records == results.records
    results.to_json(tmp_path / "r.json")
    payload = json.loads((tmp_path / "r.json").read_text())
    assert payload["baseline"] == "random"
    back = LearningCurveResults.read_json(tmp_path / "r.json")
    assert back.records == results.records
    assert back.score_name == "accuracy"
    # NaN-aware: a gap_closed can be undefined (random as good as the pool).
    np.testing.assert_equal(
        back.summary(as_frame=False), results.summary(as_frame=False)
    )


def test_results_validation():
    with pytest.raises(ValueError, match="records is empty"):
        LearningCurveResults([])
    with pytest.raises(ValueError, match="lacks"):
        LearningCurveResults([{"learner": "a", "seed": 0}])
    rec = {"learner": "a", "seed": 0, "n_labeled": 1, "score": 1, "full_score": 1}
    with pytest.raises(ValueError, match="baseline='b'"):
        LearningCurveResults([rec], baseline="b")
    with pytest.raises(KeyError, match="No learner 'b'"):
        LearningCurveResults([rec]).curve("b")


# ------------------------------------------------------------ learner specs
def test_make_learners_from_names():
    from skal import CommitteeSampler
    from skal.evaluation import make_learners

    nb = GaussianNB()
    learners = make_learners(
        ["margin", "random", "committeesampler:n_members=3:measure=vote_entropy"],
        nb,
        batch_size=7,
        budget=30,
        unknown_to_all=1,
    )
    assert list(learners) == [
        "margin",
        "random",
        "committeesampler:n_members=3:measure=vote_entropy",
    ]
    margin, random, committee = learners.values()
    assert isinstance(margin, UncertaintySamplingClassifier)
    assert margin.measure == "margin" and margin.batch_size == 7
    assert isinstance(random, RandomSampler) and random.budget == 30
    assert isinstance(committee, CommitteeSampler)
    assert committee.n_members == 3 and committee.measure == "vote_entropy"
    assert committee.estimator is nb


def test_make_learners_errors():
    from skal.evaluation import make_learners

    with pytest.raises(
        ValueError, match=r"choose from \['adaptive', 'random', .*'margin'"
    ):
        make_learners(["nope"], GaussianNB())
    with pytest.raises(ValueError, match="not a param=value setting"):
        make_learners(["margin:3"], GaussianNB())
    with pytest.raises(ValueError, match=r"no parameter \['C'\]"):
        make_learners(["margin:C=1"], GaussianNB())
    with pytest.raises(ValueError, match="listed twice"):
        make_learners(["margin", "margin"], GaussianNB())
    with pytest.raises(ValueError, match="No learner"):
        make_learners([], GaussianNB())


def test_deficiency_stays_meaningful_when_curves_beat_the_full_score():
    from skal.evaluation import deficiency, pooled_deficiency

    # On a small test set random sampling's curve can beat the model trained
    # on every label: with a* = full_score the baseline gap is ~0 or negative
    # and the ratio explodes (1.44 +- 1.28 for a strategy better on every
    # other measure). a* is the best score seen; NaN when random is as good.
    n = [10, 20, 30]
    strategy = [0.95, 0.97, 0.97]
    random = [0.93, 0.96, 0.965]
    value = deficiency(n, strategy, n, random, full_score=0.96)
    assert 0 <= value < 1
    assert np.isnan(deficiency(n, strategy, n, [0.97, 0.97, 0.97], full_score=0.96))
    # Pooled over repeats, a repeat with a tiny baseline gap weighs little.
    curves = [(n, strategy), (n, [0.9, 0.92, 0.93])]
    bases = [(n, [0.965, 0.97, 0.97]), (n, [0.8, 0.85, 0.9])]
    pooled = pooled_deficiency(curves, bases, [0.96, 0.95])
    per_repeat = [
        deficiency(*c, *b, f)
        for c, b, f in zip(curves, bases, [0.96, 0.95], strict=True)
    ]
    assert 0 < pooled < 1
    assert np.isnan(per_repeat[0])


def test_a_committee_of_different_estimators_is_its_own_reference(iris_xy):
    """A list of estimators has no single model to train on everything: the
    reference is the committee with every label."""

    from skal import CommitteeSampler

    X, y = iris_xy
    members = [LogisticRegression(max_iter=300), GaussianNB()]
    params = {"budget": 20, "batch_size": 5, "n_initial": 5}
    results = learning_curves(
        {"committee": CommitteeSampler(members, **params)},
        X,
        y,
        n_repeats=2,
        random_state=0,
        baseline=None,
    )
    seeds = sorted({r["seed"] for r in results.records})
    train, test = train_test_split(
        np.arange(len(y)), test_size=0.25, random_state=seeds[0], stratify=y
    )
    everything = CommitteeSampler(members, random_state=seeds[0]).fit(
        X[train], y[train]
    )
    full = {r["full_score"] for r in results.records if r["seed"] == seeds[0]}
    assert full == {everything.score(X[test], y[test])}
