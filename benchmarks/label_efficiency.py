"""Label efficiency: every learner and option of skal against random sampling.

For each dataset, every learner runs a simulated active-learning loop (the
labels of the training part as the oracle) on ``--repeats`` seeded
train/test splits; all learners of one repeat share the split and, with the
same seed, the same initial sample, so the comparison is paired. For each
learner the table gives the final test accuracy and the normalised area
under the learning curve (AULC), as the paired difference to random sampling
(points of accuracy) with a 95% t-interval over the repeats, and the number
of repeats it wins, ties (within half a point) and loses against random
sampling on the final accuracy. The model is a standardised logistic
regression for every learner.

Run from the repository root (the figures in docs/label-efficiency.md)::

    python benchmarks/label_efficiency.py --repeats 20 --n-jobs 2 \\
        --output label-efficiency.json --plot-dir docs/_static

``--learners`` picks learners by name (see ``LEARNERS``; ``VARIANTS`` are
AdaptiveSampler's other self-training choices, run only when named), ``--datasets``
datasets; ``--held-out`` runs a generated image set no setting of skal was chosen
on; ``--reproduce-lu`` runs the breast-cancer table of Lu, Li & Lin
(2023) instead (RBF SVM, 20 initial labels, a 40% test split, batches of 1,
budget = the whole pool, area under the budget curve).
"""

import argparse
import json
import math
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skal import (
    AdaptiveSampler,
    CommitteeSampler,
    ExpectedErrorReductionClassifier,
    ExpectedModelChangeClassifier,
    RandomSampler,
    RepresentativeSampler,
    SelfTraining,
    UncertaintySamplingClassifier,
)
from skal.datasets import load_dataset
from skal.evaluation import area_under_learning_curve, gap_closed, learning_curves

#: Per dataset: (budget, batch_size, n_initial), sized to the training part.
SETTINGS = {
    "digits": (200, 20, 20),
    "wine": (40, 4, 4),
    "breast_cancer": (100, 10, 10),
    "iris": (40, 4, 4),
    "synthetic": (200, 20, 20),
    "imbalanced": (200, 20, 20),
    "many_classes": (400, 40, 40),
    "noisy": (200, 20, 20),
}

#: Paired differences within this many points of accuracy count as ties.
TIE = 0.5


def _model():
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))


def _uncertainty(**params):
    return UncertaintySamplingClassifier(_model(), **params)


def _badge(**params):
    from skal.neural import BADGEClassifier

    return BADGEClassifier(_model(), **params)


#: Every learner and option the tables show, by name.
LEARNERS = {
    "random": lambda: RandomSampler(_model()),
    "adaptive": lambda: AdaptiveSampler(_model()),
    "adaptive:no_exploration": lambda: AdaptiveSampler(_model(), exploration=0.0),
    "adaptive:no_self_training": lambda: AdaptiveSampler(_model(), self_training=None),
    "margin": lambda: _uncertainty(measure="margin"),
    "entropy": lambda: _uncertainty(measure="entropy"),
    "least_confidence": lambda: _uncertainty(measure="least_confidence"),
    "ratio": lambda: _uncertainty(measure="ratio"),
    "margin+ranked": lambda: _uncertainty(batch_mode="ranked"),
    "margin+kcenter": lambda: _uncertainty(batch_mode="kcenter"),
    "margin+cluster": lambda: _uncertainty(batch_mode="cluster"),
    "margin+density": lambda: _uncertainty(density_weight=1.0),
    "margin+self_training": lambda: _uncertainty(self_training=SelfTraining()),
    "margin+cold_kmeans": lambda: _uncertainty(cold_start="kmeans"),
    "margin+cold_kcenter": lambda: _uncertainty(cold_start="kcenter"),
    "margin+cold_density": lambda: _uncertainty(cold_start="density"),
    "margin+cold_typiclust": lambda: _uncertainty(cold_start="typiclust"),
    **{
        f"committee:{measure}": (
            lambda measure=measure: CommitteeSampler(_model(), measure=measure)
        )
        for measure in (
            "vote_entropy",
            "consensus_entropy",
            "kl_max_disagreement",
            "variation_ratios",
            "mutual_information",
            "mean_std",
        )
    },
    "committee:heterogeneous": lambda: CommitteeSampler(
        [_model(), make_pipeline(StandardScaler(), GaussianNB())],
        measure="consensus_entropy",
    ),
    "expected_model_change": lambda: ExpectedModelChangeClassifier(_model()),
    "badge": lambda: _badge(),
    "expected_error": lambda: ExpectedErrorReductionClassifier(
        _model(), n_candidates=10, n_eval_samples=100
    ),
    **{
        f"representative:{method}": (
            lambda method=method: RepresentativeSampler(_model(), method=method)
        )
        for method in ("kcenter", "kmeans", "density", "typiclust")
    },
}

#: AdaptiveSampler's self-training choices, run on request (``--learners``):
#: one iteration for predictions only (the default before 2026-12-02), the
#: iterated loop for predictions only, one iteration that also ranks.
VARIANTS = {
    "adaptive:st_once": lambda: AdaptiveSampler(_model(), self_training=SelfTraining()),
    "adaptive:st_iterated": lambda: AdaptiveSampler(
        _model(), self_training=SelfTraining(max_iter=10)
    ),
    "adaptive:st_in_rounds": lambda: AdaptiveSampler(
        _model(), self_training=SelfTraining(in_rounds=True)
    ),
}
KNOWN = {**LEARNERS, **VARIANTS}


# ----------------------------------------------------------------- stats
def _t_quantile(df):
    from scipy.stats import t

    return float(t.ppf(0.975, df)) if df > 0 else float("nan")


def paired(values, baseline):
    """Mean paired difference (points), its 95% half-width, wins/ties/losses."""
    diff = 100 * (np.asarray(values) - np.asarray(baseline))
    n = diff.shape[0]
    half = _t_quantile(n - 1) * diff.std(ddof=1) / math.sqrt(n) if n > 1 else 0.0
    wins = int(np.sum(diff > TIE))
    losses = int(np.sum(diff < -TIE))
    return float(diff.mean()), float(half), (wins, n - wins - losses, losses)


def full_scores(results):
    """The whole training split's score of each repeat, by seed."""
    return {r["seed"]: r["full_score"] for r in results.records}


def per_seed(results, learner):
    """Final score and AULC of each repeat, by seed."""
    finals, aulcs = {}, {}
    by_seed = {}
    for r in results.records:
        if r["learner"] == learner:
            by_seed.setdefault(r["seed"], []).append((r["n_labeled"], r["score"]))
    for seed, points in by_seed.items():
        n, s = np.array(sorted(points)).T
        finals[seed] = s[-1]
        aulcs[seed] = area_under_learning_curve(n, s)
    return finals, aulcs


def table(results, learners):
    """Markdown rows: learner, final and AULC differences, W/T/L, absolutes."""
    base_final, base_aulc = per_seed(results, "random")
    seeds = sorted(base_final)
    fulls = full_scores(results)
    full = float(np.mean([fulls[s] for s in seeds]))
    rows = []
    for name in learners:
        finals, aulcs = per_seed(results, name)
        f = [finals[s] for s in seeds]
        a = [aulcs[s] for s in seeds]
        df, hf, (w, t, lo) = paired(f, [base_final[s] for s in seeds])
        da, ha, _ = paired(a, [base_aulc[s] for s in seeds])
        rows.append(
            {
                "learner": name,
                "final": float(np.mean(f)),
                "aulc": float(np.mean(a)),
                "d_final": df,
                "h_final": hf,
                "d_aulc": da,
                "h_aulc": ha,
                "wtl": (w, t, lo),
                "gap_closed": gap_closed(
                    f, [base_final[s] for s in seeds], [fulls[s] for s in seeds]
                ),
            }
        )
    return rows, full


def _percent(value):
    # Undefined where random sampling is already within a point of the
    # whole training split: no gap to close.
    return "-" if math.isnan(value) else f"{value:.0%}"


def print_rows(rows, full, file=sys.stdout):
    print(
        "| learner | final acc. | Δ final vs random (pts, 95% CI) | AULC "
        "| Δ AULC (pts, 95% CI) | W/T/L | gap closed |",
        file=file,
    )
    print("|---|---|---|---|---|---|---|", file=file)
    for r in rows:
        w, t, lo = r["wtl"]
        print(
            f"| {r['learner']} | {r['final']:.3f} | {r['d_final']:+.1f} ± "
            f"{r['h_final']:.1f} | {r['aulc']:.3f} | {r['d_aulc']:+.1f} ± "
            f"{r['h_aulc']:.1f} | {w}/{t}/{lo} | {_percent(r['gap_closed'])} |",
            file=file,
        )
    print(f"\nwhole training split: {full:.3f}", file=file)


# ------------------------------------------------------------------ runs
def run_dataset(name, learner_names, repeats, seed, n_jobs):
    X, y = load_dataset(name)
    return _curves(X, y, SETTINGS[name], learner_names, repeats, seed, n_jobs)


def _curves(X, y, setting, learner_names, repeats, seed, n_jobs, **split):
    """Paired learning curves of the named learners, at ``setting`` =
    (budget, batch_size, n_initial); ``split`` goes to learning_curves."""
    budget, batch_size, n_initial = setting
    learners = {
        key: KNOWN[key]().set_params(batch_size=batch_size, n_initial=n_initial)
        for key in learner_names
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return learning_curves(
            learners,
            X,
            y,
            budget=budget,
            n_repeats=repeats,
            random_state=seed,
            n_jobs=n_jobs,
            baseline="random",
            **split,
        )


def reproduce_lu(repeats, seed, n_jobs, learner_names):
    """Lu, Li & Lin (2023), breast cancer: RBF SVM, StandardScaler, 20
    initial labels, 40% test split, batch size 1, budget = the whole pool;
    the area under the budget curve (the mean test accuracy over every
    budget from 20 to the whole pool). The paper reports random 0.9539 and
    uncertainty sampling 0.9652 (mean of 150 repetitions)."""
    from sklearn.svm import SVC

    X, y = load_dataset("breast_cancer")
    n_pool = int(round(X.shape[0] * 0.6))

    def svm():
        return make_pipeline(StandardScaler(), SVC(probability=True, random_state=0))

    makers = {
        "random": lambda: RandomSampler(svm()),
        "uncertainty": lambda: UncertaintySamplingClassifier(svm()),
        "adaptive": lambda: AdaptiveSampler(svm()),
    }
    learners = {
        key: makers[key]().set_params(batch_size=1, n_initial=20)
        for key in learner_names
        if key in makers
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = learning_curves(
            learners,
            X,
            y,
            budget=n_pool,
            n_repeats=repeats,
            test_size=0.4,
            random_state=seed,
            n_jobs=n_jobs,
            baseline="random" if "random" in learners else None,
        )
    for name in learners:
        _, aulcs = per_seed(results, name)
        values = np.array(list(aulcs.values()))
        half = (
            _t_quantile(values.size - 1) * values.std(ddof=1) / math.sqrt(values.size)
        )
        print(
            f"{name}: AUBC {values.mean():.4f} ± {half:.4f} "
            f"(95% CI, {values.size} repetitions)"
        )
    return results


#: The held-out image set: (budget, batch_size, n_initial), as in issue 10.
HELD_OUT = (400, 10, 10)


def held_out(learner_names, repeats, seed, n_jobs):
    """Data no setting of skal was chosen on: 5000 generated 28 x 28 images
    (scikit-learn's digits upsampled, shifted by up to two pixels and
    blurred with noise; ``warm_start.make_pool``), 1000 of them the test
    split of each repeat, 400 labels in batches of 10 from 10."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from warm_start import make_pool

    X_pool, y_pool, X_test, y_test = make_pool()
    X = np.vstack([X_pool, X_test])
    y = np.concatenate([y_pool, y_test])
    return _curves(
        X,
        y,
        HELD_OUT,
        learner_names,
        repeats,
        seed,
        n_jobs,
        test_size=X_test.shape[0],
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=list(SETTINGS))
    parser.add_argument("--learners", nargs="+", default=list(LEARNERS))
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-jobs", type=int, default=-1)
    parser.add_argument("--output", help="JSON file for every curve point")
    parser.add_argument("--plot-dir", help="write one learning-curve PNG per dataset")
    parser.add_argument("--reproduce-lu", action="store_true")
    parser.add_argument(
        "--held-out",
        action="store_true",
        help="the generated image set no setting was chosen on (see held_out)",
    )
    args = parser.parse_args(argv)
    if "random" not in args.learners:
        args.learners = ["random", *args.learners]
    unknown = set(args.learners) - set(KNOWN)
    if unknown and not args.reproduce_lu:
        parser.error(f"unknown learners {sorted(unknown)}; choose from {list(KNOWN)}")
    start = time.perf_counter()
    if args.reproduce_lu:
        names = [n for n in args.learners if n in ("random", "uncertainty", "adaptive")]
        reproduce_lu(args.repeats, args.seed, args.n_jobs, names or ["random"])
        print(f"total {time.perf_counter() - start:.0f} s", file=sys.stderr)
        return 0
    if args.held_out:
        results = held_out(args.learners, args.repeats, args.seed, args.n_jobs)
        budget, batch_size, n_initial = HELD_OUT
        print(
            f"\n### images (held out): {budget} labels in batches of {batch_size} "
            f"from {n_initial}, {args.repeats} paired repeats "
            f"({time.perf_counter() - start:.0f} s)\n",
            flush=True,
        )
        print_rows(*table(results, args.learners))
        return 0
    saved = {}
    for name in args.datasets:
        t0 = time.perf_counter()
        results = run_dataset(name, args.learners, args.repeats, args.seed, args.n_jobs)
        budget, batch_size, n_initial = SETTINGS[name]
        rows, full = table(results, args.learners)
        print(
            f"\n### {name}: {budget} labels in batches of {batch_size} from "
            f"{n_initial}, {args.repeats} paired repeats "
            f"({time.perf_counter() - t0:.0f} s)\n",
            flush=True,
        )
        print_rows(rows, full)
        saved[name] = {"records": results.records, "rows": rows, "full": full}
        if args.plot_dir:
            _plot(results, name, args)
    print(f"total {time.perf_counter() - start:.0f} s", file=sys.stderr)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            json.dump(saved, f)
    return 0


def _plot(results, name, args):
    import os

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from skal.evaluation import LearningCurveResults
    from skal.plotting import ActiveLearningCurveDisplay

    shown = [n for n in ("adaptive", "margin", "random") if n in results.learners]
    subset = LearningCurveResults(
        [r for r in results.records if r["learner"] in shown],
        baseline="random",
        score_name=results.score_name,
    )
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ActiveLearningCurveDisplay.from_results(subset, ax=ax)
    ax.set_title(f"{name}: mean ± std over {args.repeats} repeats")
    fig.tight_layout()
    fig.savefig(os.path.join(args.plot_dir, f"label-efficiency-{name}.png"), dpi=90)
    plt.close(fig)


if __name__ == "__main__":
    sys.exit(main())
