import subprocess
import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402
from sklearn.datasets import load_iris, make_blobs  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.naive_bayes import GaussianNB  # noqa: E402

from skal import RandomSampler, UncertaintySamplingClassifier  # noqa: E402
from skal.evaluation import LearningCurveResults  # noqa: E402
from skal.plotting import (  # noqa: E402
    ActiveLearningCurveDisplay,
    InformativenessDisplay,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture
def results():
    rng = np.random.default_rng(0)
    records = []
    for name, slope in [("margin", 0.02), ("entropy", 0.015), ("random", 0.01)]:
        for seed in range(4):
            for n in (10, 20, 30, 40):
                score = 0.4 + slope * n + rng.normal(scale=0.02)
                records.append(
                    {
                        "learner": name,
                        "seed": seed,
                        "n_labeled": n,
                        "score": score,
                        "full_score": 0.99,
                    }
                )
    return LearningCurveResults(records, baseline="random", score_name="accuracy")


def _png(fig, path):
    fig.savefig(path, dpi=60)
    return plt.imread(path)


def _assert_not_blank(image):
    rgb = image[..., :3]
    assert rgb.std() > 0.05
    # Lines, bands and text in several colours, not one flat fill.
    colours = np.unique((rgb * 255).astype(np.uint8).reshape(-1, 3), axis=0)
    assert colours.shape[0] > 20


def test_learning_curve_display_artists(results, tmp_path):
    display = ActiveLearningCurveDisplay.from_results(results)
    ax = display.ax_
    assert display.figure_ is ax.figure
    # Three curves and the dotted line of the whole pool's score.
    assert len(ax.get_lines()) == 4 and display.lines_ == ax.get_lines()[:3]
    assert display.reference_line_ is ax.get_lines()[3]
    assert display.reference_line_.get_ydata()[0] == pytest.approx(0.99)
    assert ax.get_title() == "Learning curves: mean ± std over 4 repeats"
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == 3 and display.fill_between_ == bands
    assert display.errorbar_ is None
    assert ax.get_xlabel() == "Number of labels"
    assert ax.get_ylabel() == "Accuracy"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert [t.split()[0] for t in legend] == ["margin", "entropy", "random", "whole"]
    # The legend carries each curve's AULC, computed on the mean curve.
    n, scores = results.curve("margin")
    from skal.evaluation import area_under_learning_curve

    aulc = area_under_learning_curve(n, scores.mean(axis=0))
    assert legend[0] == f"margin (AULC {aulc:.3f})"
    # Each line is the mean; each band spans mean +- std.
    for line, band, name in zip(
        display.lines_, bands, ["margin", "entropy", "random"], strict=True
    ):
        n, scores = results.curve(name)
        np.testing.assert_array_equal(line.get_xdata(), n)
        np.testing.assert_allclose(line.get_ydata(), scores.mean(axis=0))
        ys = band.get_paths()[0].vertices[:, 1]
        mean, std = scores.mean(axis=0), scores.std(axis=0)
        assert ys.max() == pytest.approx((mean + std).max())
        assert ys.min() == pytest.approx((mean - std).min())
    # Random sampling, the baseline, is the dashed one.
    styles = [line.get_linestyle() for line in display.lines_]
    assert styles == ["-", "-", "--"]
    _assert_not_blank(_png(display.figure_, tmp_path / "curves.png"))


def test_learning_curve_display_options(results, tmp_path):
    fig, ax = plt.subplots()
    display = ActiveLearningCurveDisplay.from_results(
        results,
        ax=ax,
        learners=["random", "margin"],
        std_display_style="errorbar",
        line_kw={"linewidth": 3},
    )
    assert display.ax_ is ax
    assert len(display.errorbar_) == 2 and display.fill_between_ is None
    assert not [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert [line.get_linewidth() for line in display.lines_] == [3, 3]
    display = ActiveLearningCurveDisplay.from_results(results, std_display_style=None)
    assert display.fill_between_ is None and display.errorbar_ is None
    assert len(display.ax_.collections) == 0
    with pytest.raises(ValueError, match="std_display_style"):
        display.plot(std_display_style="violin")
    with pytest.raises(ValueError, match="curves is empty"):
        ActiveLearningCurveDisplay(curves={}).plot()
    with pytest.raises(ValueError, match="3 scores per repeat for 2"):
        ActiveLearningCurveDisplay(
            curves={"a": (np.array([1, 2]), np.ones((2, 3)))}
        ).plot()


def test_learning_curve_display_from_estimators(tmp_path):
    X, y = load_iris(return_X_y=True)
    display = ActiveLearningCurveDisplay.from_estimators(
        {
            "nb-margin": UncertaintySamplingClassifier(GaussianNB(), batch_size=10),
            "nb-random": RandomSampler(GaussianNB(), batch_size=10),
        },
        X,
        y,
        budget=30,
        n_repeats=2,
        random_state=0,
    )
    assert display.results_.learners == ["nb-margin", "nb-random"]
    np.testing.assert_allclose(
        display.lines_[1].get_ydata(),
        display.results_.curve("nb-random")[1].mean(axis=0),
    )
    assert display.lines_[1].get_linestyle() == "--"
    _assert_not_blank(_png(display.figure_, tmp_path / "est.png"))


@pytest.fixture
def blobs_learner():
    X, y = make_blobs(n_samples=150, centers=2, random_state=0)
    learner = UncertaintySamplingClassifier(
        LogisticRegression(), batch_size=6, budget=20, random_state=0
    ).fit(X, y)
    return learner, X


def test_informativeness_display(blobs_learner, tmp_path):
    learner, X = blobs_learner
    labeled = learner.labeled_indices_
    display = InformativenessDisplay.from_estimator(
        learner, X, labeled=labeled, grid_resolution=30
    )
    scores = learner.informativeness(X)
    np.testing.assert_allclose(display.scatter_.get_array(), scores)
    np.testing.assert_allclose(display.scatter_.get_offsets(), X)
    # The next batch: the 6 most informative rows that are not yet labeled.
    queried = display.queried_.get_offsets()
    assert queried.shape == (6, 2)
    pool = np.setdiff1d(np.arange(len(X)), labeled)
    best = pool[np.argsort(-scores[pool], kind="stable")[:6]]
    np.testing.assert_allclose(queried, X[best])
    assert not np.isin(best, labeled).any()
    np.testing.assert_allclose(display.labeled_.get_offsets(), X[labeled])
    assert display.contour_ is not None
    assert display.colorbar_.ax.get_ylabel() == "informativeness"
    assert display.ax_.get_xlabel() == "feature 0"
    legend = [t.get_text() for t in display.ax_.get_legend().get_texts()]
    assert legend == ["next batch", "labeled"]
    image = _png(display.figure_, tmp_path / "inf.png")
    _assert_not_blank(image)
    # The red circles of the next batch are on the picture.
    rgb = image[..., :3]
    red = (rgb[..., 0] > 0.8) & (rgb[..., 1] < 0.2) & (rgb[..., 2] < 0.2)
    assert red.sum() > 20


def test_informativeness_display_marks_the_learners_labels_by_default(blobs_learner):
    learner, X = blobs_learner
    display = InformativenessDisplay.from_estimator(learner, X, grid_resolution=None)
    np.testing.assert_allclose(
        display.labeled_.get_offsets(), X[learner.labeled_indices_]
    )
    queried = display.queried_.get_offsets()
    assert not any(
        (X[learner.labeled_indices_] == q).all(axis=1).any() for q in queried
    )
    # Another set of rows than the pool: nothing to mark.
    other = InformativenessDisplay.from_estimator(learner, X[:40], grid_resolution=None)
    assert other.labeled_ is None


def test_bands_stay_inside_the_score_range():
    """Scores near 1.0 with a wide spread: the band stops at 1.0, the mean
    line is untouched."""
    n = np.array([10, 20, 30])
    scores = np.array([[0.9, 1.0, 1.0], [0.7, 0.9, 1.0], [0.5, 0.8, 0.96]])
    display = ActiveLearningCurveDisplay(curves={"a": (n, scores)}).plot()
    ys = display.fill_between_[0].get_paths()[0].vertices[:, 1]
    assert ys.max() <= 1.0 and ys.min() >= 0.0
    assert ys.max() == pytest.approx(1.0)
    np.testing.assert_allclose(display.lines_[0].get_ydata(), scores.mean(axis=0))
    bars = ActiveLearningCurveDisplay(curves={"a": (n, scores)}).plot(
        std_display_style="errorbar"
    )
    segments = bars.errorbar_[0].lines[2][0].get_segments()
    assert max(seg[:, 1].max() for seg in segments) <= 1.0 + 1e-12
    # Scores outside [0, 1] (an RMSE, a negative R^2) are not clipped...
    neg = ActiveLearningCurveDisplay(curves={"a": (n, scores - 1.5)}).plot()
    ys = neg.fill_between_[0].get_paths()[0].vertices[:, 1]
    assert ys.min() < (scores - 1.5).mean(axis=0).min() - 0.05
    # ...unless a range is given.
    fixed = ActiveLearningCurveDisplay(
        curves={"a": (n, scores)}, score_range=(0.0, 0.95)
    ).plot()
    assert fixed.fill_between_[0].get_paths()[0].vertices[:, 1].max() <= 0.95


def test_informativeness_display_options(blobs_learner):
    pd = pytest.importorskip("pandas")
    learner, X = blobs_learner
    frame = pd.DataFrame(X, columns=["x1", "x2"])
    learner = UncertaintySamplingClassifier(
        LogisticRegression(), batch_size=6, budget=20, random_state=0
    ).fit(frame, learner.predict(X))
    display = InformativenessDisplay.from_estimator(
        learner, frame, n_queries=0, grid_resolution=None, labeled=None
    )
    assert display.contour_ is None and display.queried_ is None
    assert display.labeled_ is None and display.ax_.get_legend() is None
    assert (display.ax_.get_xlabel(), display.ax_.get_ylabel()) == ("x1", "x2")
    with pytest.raises(ValueError, match=r"shape \(n_samples, 2\)"):
        InformativenessDisplay.from_estimator(learner, np.ones((5, 3)))


def test_import_does_not_load_matplotlib():
    code = (
        "import sys, skal.plotting, skal.evaluation; print('matplotlib' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"
