"""Label efficiency: every strategy against random sampling on five datasets.

For each dataset, every strategy runs a simulated active-learning loop
(standardised logistic regression, the labels of the training part as the
oracle) on ``--repeats`` seeded train/test splits; all strategies of one
repeat share the split and the initial labeled sample. The table gives, per
strategy, mean ± std over the repeats of the final test accuracy, the
normalised area under the learning curve (AULC) and the deficiency against
random sampling (Baram et al. 2004; below 1 is better than random), then the
labels needed to reach random sampling's final accuracy and the fraction of
labels saved, both read off the mean learning curve.

Run from the repository root (the figures in docs/label-efficiency.md)::

    python benchmarks/label_efficiency.py --repeats 10 --n-jobs 2 \\
        --output label-efficiency.json --plot-dir docs/_static

It prints one markdown table per dataset; ``--output`` also saves every
curve point.
"""

import argparse
import json
import sys
import time
import warnings

from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skal
from skal.datasets import load_dataset
from skal.evaluation import learning_curves, make_learners

#: Per dataset: (budget, batch_size, n_initial), sized to the training part.
SETTINGS = {
    "digits": (200, 20, 20),
    "synthetic": (200, 20, 20),
    "breast_cancer": (100, 10, 10),
    "wine": (40, 3, 4),
    "iris": (40, 3, 4),
}
#: Learner classes compared when skal exports them. Expected error reduction
#: refits the model once per candidate and class, minutes per round on
#: digits: ask for it with --strategies.
OPTIONAL = [
    "CommitteeSampler",
    "RepresentativeSampler",
    "ExpectedModelChangeClassifier",
]
STRATEGIES = [
    "margin",
    "entropy",
    "least_confidence",
    "ratio",
    *(name for name in OPTIONAL if name in skal.__all__),
    "random",
]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=list(SETTINGS))
    parser.add_argument("--strategies", nargs="+", default=STRATEGIES)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-jobs", type=int, default=-1)
    parser.add_argument("--output", help="JSON file for every curve point")
    parser.add_argument("--plot-dir", help="write one learning-curve PNG per dataset")
    args = parser.parse_args(argv)

    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    saved = {}
    start = time.perf_counter()
    for name in args.datasets:
        budget, batch_size, n_initial = SETTINGS.get(name, (100, 10, 10))
        X, y = load_dataset(name)
        learners = make_learners(
            args.strategies,
            model,
            budget=budget,
            batch_size=batch_size,
            n_initial=n_initial,
        )
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=UserWarning)
            results = learning_curves(
                learners,
                X,
                y,
                n_repeats=args.repeats,
                random_state=args.seed,
                n_jobs=args.n_jobs,
            )
        elapsed = time.perf_counter() - t0
        print(
            f"{name}: {X.shape[0]} samples, budget {budget} in batches of "
            f"{batch_size} from {n_initial}, {args.repeats} repeats, "
            f"{elapsed:.1f} s",
            file=sys.stderr,
            flush=True,
        )
        print(
            f"### {name}: {X.shape[0]} samples, {budget} labels in batches of "
            f"{batch_size} from {n_initial}\n\n"
            f"{results.to_string(markdown=True)}\n",
            flush=True,
        )
        saved[name] = {
            "baseline": results.baseline,
            "score_name": results.score_name,
            "records": results.records,
        }
        if args.plot_dir:
            _plot(results, name, budget, args)
    print(f"total {time.perf_counter() - start:.0f} s", file=sys.stderr)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            json.dump(saved, f)
    return 0


def _plot(results, name, budget, args):
    import os

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from skal.plotting import ActiveLearningCurveDisplay

    fig, ax = plt.subplots(figsize=(7, 4.5))
    ActiveLearningCurveDisplay.from_results(results, ax=ax)
    ax.set_title(f"{name}: mean ± std over {args.repeats} repeats")
    fig.tight_layout()
    fig.savefig(os.path.join(args.plot_dir, f"label-efficiency-{name}.png"), dpi=90)
    plt.close(fig)


if __name__ == "__main__":
    sys.exit(main())
