"""``skal compare``: learning curves of several learners on a dataset, for
classification or regression, printed as a table and drawn as a plot.

The work is :func:`skal.evaluation.learning_curves`; this module reads the
options, picks the task, the model and the score, and reports.
"""

import sys

from skal._cli_args import fraction, positive_int

__all__ = ["add_compare"]

DEFAULT_LEARNERS = {
    "classification": ("adaptive", "margin", "random"),
    "regression": ("std", "committee", "random"),
}
# A forest has no predictive standard deviation.
_NO_STD = ("committee", "random")
ESTIMATORS = {
    "classification": ("logistic", "naive_bayes", "forest"),
    "regression": ("bayesian_ridge", "forest"),
}
METRICS = {"classification": "accuracy", "regression": "r2"}
_METRIC_ALIASES = {
    "rmse": "neg_root_mean_squared_error",
    "mae": "neg_mean_absolute_error",
}


def add_compare(subparsers):
    from skal.datasets import DATASETS, REGRESSION_DATASETS

    parser = subparsers.add_parser(
        "compare",
        help="compare learners against random sampling on a dataset",
        description=(
            "Simulate active learning with each learner on repeated seeded "
            "train/test splits of a dataset, print learning-curve summaries "
            "(final score, AULC, deficiency, label savings and the share of "
            "the gap to the whole pool closed, against random sampling) and "
            "write a plot of the learning curves. Classification or "
            "regression, told from the labels or by --task."
        ),
    )
    parser.add_argument(
        "--dataset",
        default="digits",
        help=f"{', '.join(DATASETS)} (classification), "
        f"{', '.join(REGRESSION_DATASETS)} (regression), or the path of a CSV "
        "file or an IDX image file (default: digits)",
    )
    parser.add_argument(
        "--labels", help="IDX label file, when --dataset is an IDX image file"
    )
    parser.add_argument(
        "--label-column",
        help="label column of a CSV, by name or position (default: a column "
        "named label/target/class/y, else the last)",
    )
    parser.add_argument(
        "--task",
        choices=("auto", "classification", "regression"),
        default="auto",
        help="auto: regression when the labels are real numbers, else "
        "classification (default: %(default)s)",
    )
    parser.add_argument(
        "--learners",
        nargs="+",
        metavar="NAME",
        help="learners to compare, space- or comma-separated. Classification: "
        "adaptive (AdaptiveSampler), margin, entropy, least_confidence, ratio, "
        "committee, random; regression: std (UncertaintySamplingRegressor), "
        "committee, random; or any active learner class skal exports, with "
        "optional :param=value settings (e.g. CommitteeSampler:n_members=3) "
        "(default: adaptive margin random; for regression std committee random)",
    )
    parser.add_argument(
        "--estimator",
        choices=("auto", "logistic", "naive_bayes", "forest", "bayesian_ridge"),
        default="auto",
        help="model wrapped by every learner. Classification: standardised "
        "logistic regression (auto), Gaussian naive Bayes or a random forest; "
        "regression: standardised Bayesian ridge (auto) or a random forest",
    )
    parser.add_argument(
        "--metric",
        help="score of the curves, a scikit-learn scorer name (accuracy, "
        "balanced_accuracy, f1_macro, r2, ...) or rmse / mae for regression "
        "(as negative errors: higher is better) (default: accuracy; r2)",
    )
    parser.add_argument("--budget", type=positive_int, default=200, help="labels (200)")
    parser.add_argument(
        "--batch-size", type=positive_int, default=20, help="labels per round (20)"
    )
    parser.add_argument(
        "--n-initial",
        type=positive_int,
        default=20,
        help="labels bought in the first round (20)",
    )
    parser.add_argument(
        "--repeats", type=positive_int, default=10, help="seeded runs (10)"
    )
    parser.add_argument(
        "--test-size", type=fraction, default=0.25, help="test fraction (0.25)"
    )
    parser.add_argument(
        "--max-samples",
        type=positive_int,
        help="subsample the dataset to this many rows (stratified for "
        "classification) first",
    )
    parser.add_argument(
        "--target",
        type=float,
        help="score for the label savings (default: random sampling's final)",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (0)")
    parser.add_argument(
        "--n-jobs", type=int, default=-1, help="parallel jobs (-1: all cores)"
    )
    parser.add_argument(
        "--plot",
        default="skal-compare.png",
        help="PNG file for the learning curves (default: %(default)s); 'none' to skip",
    )
    parser.add_argument(
        "--output", help="also save every curve point to a .csv or .json file"
    )
    parser.set_defaults(func=run_compare)


def _task(y, requested):
    """The task: as requested, or told from the labels."""
    import numpy as np
    from sklearn.utils.multiclass import type_of_target

    known = y[~np.isnan(y)] if y.dtype.kind == "f" else y
    if known.dtype.kind == "O":
        # String labels next to -1 (empty cells): compare them as strings.
        known = known.astype(str)
    kind = type_of_target(known)
    values, counts = np.unique(known, return_counts=True)
    if requested == "regression":
        if y.dtype.kind not in "iuf":
            raise ValueError(
                f"--task regression needs numeric labels; these are {y.dtype} "
                f"(e.g. {y[0]!r})."
            )
        return "regression"
    if kind == "continuous":
        if requested == "auto":
            return "regression"
        raise ValueError(
            f"the labels are real numbers ({len(values)} distinct values): "
            "that is a regression target; use --task regression (or auto)."
        )
    # Whole numbers stored as floats with many distinct values (a count, a
    # score: scikit-learn's diabetes) are a target to regress, not hundreds
    # of classes with one sample each.
    if (
        requested == "auto"
        and y.dtype.kind == "f"
        and len(values) > max(20, len(known) // 10)
    ):
        return "regression"
    single = int((counts < 2).sum())
    if single:
        raise ValueError(
            f"{single} of the {len(values)} classes have a single sample, too "
            "few to split into train and test"
            + (
                ": is this a regression target? Use --task regression."
                if y.dtype.kind in "iuf"
                else "; merge or drop the rare classes."
            )
        )
    return "classification"


def _estimator(name, task):
    if name == "auto":
        name = ESTIMATORS[task][0]
    if name not in ESTIMATORS[task]:
        raise ValueError(
            f"--estimator {name} is not a {task} model; for {task} choose from "
            f"{list(ESTIMATORS[task])} (or auto)."
        )
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if name == "naive_bayes":
        from sklearn.naive_bayes import GaussianNB

        return name, GaussianNB()
    if name == "forest":
        from sklearn import ensemble

        cls = (
            ensemble.RandomForestRegressor
            if task == "regression"
            else ensemble.RandomForestClassifier
        )
        return name, cls(n_estimators=100, random_state=0)
    if name == "bayesian_ridge":
        from sklearn.linear_model import BayesianRidge

        return name, make_pipeline(StandardScaler(), BayesianRidge())
    from sklearn.linear_model import LogisticRegression

    # Scaling inside the pipeline learns only from the labels bought so far.
    return name, make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))


def _metric(name, task):
    from sklearn.metrics import get_scorer_names

    if name is None:
        return METRICS[task]
    scorer = _METRIC_ALIASES.get(name, name)
    if scorer not in get_scorer_names():
        raise ValueError(
            f"--metric {name!r} is not a scikit-learn scorer; e.g. "
            f"{METRICS[task]}{', rmse, mae' if task == 'regression' else ''}, or "
            "one of sklearn.metrics.get_scorer_names()."
        )
    return scorer


def _load(args):
    import numpy as np

    from skal.datasets import load_dataset

    label_column = args.label_column
    if label_column is not None and label_column.lstrip("-").isdigit():
        label_column = int(label_column)
    X, y = load_dataset(args.dataset, label_column=label_column, labels=args.labels)
    task = _task(y, args.task)
    if task == "regression":
        y = y.astype(float)
        missing = np.isnan(y)
        if missing.any():
            # A simulation needs every label: rows without one cannot be the
            # oracle's answers.
            print(
                f"skal compare: note: {int(missing.sum())} rows have no label "
                "(an empty cell); they are left out.",
                file=sys.stderr,
            )
            X, y = X[~missing], y[~missing]
    elif np.any(y == -1):
        # The loaders read an empty label cell as -1, the unlabeled marker;
        # a simulation cannot tell it from a class named -1.
        print(
            f"skal compare: note: {int(np.sum(y == -1))} rows have label -1 "
            "(an empty label cell reads as -1); the simulation treats -1 as "
            "a class.",
            file=sys.stderr,
        )
    if args.max_samples is not None and args.max_samples < len(y):
        from sklearn.model_selection import train_test_split

        keep, _ = train_test_split(
            np.arange(len(y)),
            train_size=args.max_samples,
            stratify=y if task == "classification" else None,
            random_state=args.seed,
        )
        X, y = X[np.sort(keep)], y[np.sort(keep)]
    return X, y, task


def _describe(X, y, task):
    import numpy as np

    if task == "regression":
        return f"target from {np.min(y):.3g} to {np.max(y):.3g}"
    return f"{len(np.unique(y))} classes"


def run_compare(args):
    import time
    import warnings

    from skal.evaluation import learning_curves, make_learners

    start = time.perf_counter()
    try:
        X, y, task = _load(args)
        estimator_name, estimator = _estimator(args.estimator, task)
        if args.learners is None:
            specs = list(
                _NO_STD
                if task == "regression" and estimator_name == "forest"
                else DEFAULT_LEARNERS[task]
            )
        else:
            specs = [s for item in args.learners for s in item.split(",") if s.strip()]
        scoring = _metric(args.metric, task)
        learners = make_learners(
            specs,
            estimator,
            batch_size=args.batch_size,
            budget=args.budget,
            n_initial=args.n_initial,
        )
        print(
            f"skal compare: {args.dataset} ({X.shape[0]} samples, {X.shape[1]} "
            f"features, {_describe(X, y, task)}), {task}, {estimator_name}, "
            f"budget {args.budget} in batches of {args.batch_size} from "
            f"{args.n_initial}, {args.repeats} repeats",
            flush=True,
        )
        with warnings.catch_warnings():
            # A model fit on twenty labels may stop before convergence; the
            # learning curve shows what that costs, a warning per fit does not.
            warnings.simplefilter("ignore", category=UserWarning)
            results = learning_curves(
                learners,
                X,
                y,
                n_repeats=args.repeats,
                test_size=args.test_size,
                scoring=scoring,
                random_state=args.seed,
                n_jobs=args.n_jobs,
            )
        text = results.to_string(target=args.target)
    except (ValueError, TypeError, OSError) as exc:
        print(f"skal compare: error: {exc}", file=sys.stderr)
        return 2
    print()
    print(text)
    if args.output:
        if args.output.lower().endswith(".json"):
            results.to_json(args.output)
        else:
            results.to_csv(args.output)
        print(f"\ncurves written to {args.output}")
    if args.plot and args.plot.lower() != "none":
        _save_plot(results, args, estimator_name)
        print(f"plot written to {args.plot}")
    print(f"done in {time.perf_counter() - start:.1f} s")
    return 0


def _save_plot(results, args, estimator_name):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from skal.plotting import ActiveLearningCurveDisplay

    fig, ax = plt.subplots(figsize=(7, 4.5))
    ActiveLearningCurveDisplay.from_results(
        results,
        ax=ax,
        title=f"{args.dataset}: {estimator_name}, mean ± std over "
        f"{args.repeats} repeats",
    )
    fig.tight_layout()
    fig.savefig(args.plot, dpi=120)
    plt.close(fig)
