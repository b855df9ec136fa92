"""The ``skal`` command line: ``skal compare`` (the main job), ``skal label`` and
``skal label-studio``.

This module only parses arguments and dispatches; the work lives in
:mod:`skal.evaluation` (compare), :mod:`skal.csv_labeling` (label) and
:mod:`skal.integrations.label_studio` (label-studio).
"""

import argparse
import sys

__all__ = ["main"]


_COMPARE_DEFAULT = ("adaptive", "margin", "random")


def _add_compare(subparsers):
    parser = subparsers.add_parser(
        "compare",
        help="compare learners against random sampling on a dataset",
        description=(
            "Simulate active learning with each learner on repeated seeded "
            "train/test splits of a dataset, print learning-curve summaries "
            "(final score, AULC, deficiency and label savings against random "
            "sampling) and write a plot of the learning curves."
        ),
    )
    parser.add_argument(
        "--dataset",
        default="digits",
        help="digits, wine, breast_cancer, iris, synthetic, imbalanced, "
        "many_classes, noisy, or the path of a "
        "CSV file or an IDX image file (default: digits)",
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
        "--learners",
        nargs="+",
        default=list(_COMPARE_DEFAULT),
        metavar="NAME",
        help="learners to compare, space- or comma-separated: adaptive "
        "(AdaptiveSampler), random, margin, entropy, least_confidence, ratio, "
        "or any active learner class "
        "skal exports, with optional :param=value settings "
        "(e.g. CommitteeSampler:n_members=3) (default: %(default)s)",
    )
    parser.add_argument(
        "--estimator",
        choices=("logistic", "naive_bayes", "forest"),
        default="logistic",
        help="model wrapped by every learner: standardised logistic "
        "regression, Gaussian naive Bayes or a random forest "
        "(default: %(default)s)",
    )
    parser.add_argument("--budget", type=int, default=200, help="labels (200)")
    parser.add_argument(
        "--batch-size", type=int, default=20, help="labels per round (20)"
    )
    parser.add_argument(
        "--n-initial",
        type=int,
        default=20,
        help="labels bought in the first round (20)",
    )
    parser.add_argument("--repeats", type=int, default=10, help="seeded runs (10)")
    parser.add_argument(
        "--test-size", type=float, default=0.25, help="test fraction (0.25)"
    )
    parser.add_argument(
        "--max-samples",
        type=int,
        help="subsample the dataset to this many rows, stratified, first",
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
    parser.set_defaults(func=_run_compare)


def _compare_estimator(name):
    if name == "naive_bayes":
        from sklearn.naive_bayes import GaussianNB

        return GaussianNB()
    if name == "forest":
        from sklearn.ensemble import RandomForestClassifier

        return RandomForestClassifier(n_estimators=100, random_state=0)
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    # Scaling inside the pipeline learns only from the labels bought so far.
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))


def _run_compare(args):
    import time
    import warnings

    import numpy as np

    from skal.datasets import load_dataset
    from skal.evaluation import learning_curves, make_learners

    start = time.perf_counter()
    specs = [s for item in args.learners for s in item.split(",") if s.strip()]
    label_column = args.label_column
    if label_column is not None and label_column.lstrip("-").isdigit():
        label_column = int(label_column)
    try:
        X, y = load_dataset(args.dataset, label_column=label_column, labels=args.labels)
        if np.any(y == -1):
            # The loaders read an empty label cell as -1, the unlabeled
            # marker; a simulation cannot tell it from a class named -1.
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
                stratify=y,
                random_state=args.seed,
            )
            X, y = X[np.sort(keep)], y[np.sort(keep)]
        learners = make_learners(
            specs,
            _compare_estimator(args.estimator),
            batch_size=args.batch_size,
            budget=args.budget,
            n_initial=args.n_initial,
        )
        print(
            f"skal compare: {args.dataset} ({X.shape[0]} samples, {X.shape[1]} "
            f"features, {len(np.unique(y))} classes), {args.estimator}, "
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
        _save_compare_plot(results, args)
        print(f"plot written to {args.plot}")
    print(f"done in {time.perf_counter() - start:.1f} s")
    return 0


def _save_compare_plot(results, args):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from skal.plotting import ActiveLearningCurveDisplay

    fig, ax = plt.subplots(figsize=(7, 4.5))
    ActiveLearningCurveDisplay.from_results(results, ax=ax)
    ax.set_title(
        f"{args.dataset}: {args.estimator}, mean ± std over {args.repeats} repeats"
    )
    fig.tight_layout()
    fig.savefig(args.plot, dpi=120)
    plt.close(fig)


def _add_label(subparsers):
    parser = subparsers.add_parser(
        "label",
        help="label a CSV in the terminal, journaled to SQLite",
        description=(
            "Ask for the labels of a CSV's rows in the terminal, most "
            "informative first. Every answer is committed to an SQLite journal "
            "at once: stop any time (q, Ctrl-C, or a crash) and run the same "
            "command again to resume. Answer with a class number or name, s to "
            "skip (asked again in a later session), ? for don't know (never "
            "asked again), q to quit. Mistakes are corrected with --relabel, "
            "--remove or --undo (run with the same options as for labeling; "
            "rows are numbered as shown while labeling, 'sample N'); the journal "
            "keeps every answer and correction. --show-labels lists the labels."
        ),
    )
    parser.add_argument("csv", help="CSV file with a header row")
    parser.add_argument(
        "--classes",
        required=True,
        help="the labels to choose from, comma-separated (e.g. pos,neg)",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--text-column", help="column of texts to label")
    source.add_argument(
        "--feature-columns",
        help="numeric columns, comma-separated (default: all but --label-column)",
    )
    parser.add_argument(
        "--label-column",
        default="label",
        help="column of labels already known, empty when unknown; the export "
        "writes labels there (default: %(default)s)",
    )
    parser.add_argument(
        "--journal",
        help="SQLite journal (default: the CSV's name with .journal.sqlite)",
    )
    parser.add_argument(
        "--learner",
        default="margin",
        choices=("margin", "least_confidence", "ratio", "entropy", "random"),
        help="which row to ask next (default: %(default)s)",
    )
    parser.add_argument("--batch-size", type=int, default=1, help="rows per round (1)")
    parser.add_argument(
        "--budget", type=int, help="labels to give, all sessions together"
    )
    parser.add_argument(
        "--export",
        help="write the labeled rows to this CSV when the session ends (never "
        "the input CSV or the journal)",
    )
    parser.add_argument(
        "--export-only",
        action="store_true",
        help="only write --export from the journal; ask nothing",
    )
    fixes = parser.add_argument_group(
        "corrections (ask nothing; combine with --export or --show-labels)"
    )
    fixes.add_argument(
        "--relabel",
        action="append",
        default=[],
        metavar="ROW=LABEL",
        help="give row ROW the label LABEL, replacing its label (repeatable)",
    )
    fixes.add_argument(
        "--remove",
        action="append",
        default=[],
        type=int,
        metavar="ROW",
        help="remove the label of row ROW: it is unlabeled again (repeatable)",
    )
    fixes.add_argument(
        "--undo",
        action="count",
        default=0,
        help="retract the latest answer or correction still in effect (give it "
        "twice to undo two)",
    )
    fixes.add_argument(
        "--show-labels",
        action="store_true",
        help="print the current labels, how many answers each row had, and "
        "earlier labels of corrected rows",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (0)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def parse_relabel(items):
        out = {}
        for item in items:
            row, sep, label = item.partition("=")
            try:
                row = int(row)
            except ValueError:
                row = None
            if not sep or row is None or not label.strip():
                raise ValueError(
                    f"--relabel {item!r}: write it ROW=LABEL, e.g. --relabel 3=pos."
                )
            if row in out:
                raise ValueError(f"--relabel gives row {row} two labels.")
            out[row] = label.strip()
        return out

    def run(args):
        from skal.csv_labeling import (
            correct_labels,
            default_journal_path,
            export_labeled_csv,
            label_csv,
            show_labels,
        )
        from skal.journal import JournalError

        journal = (
            default_journal_path(args.csv) if args.journal is None else args.journal
        )
        classes = [c.strip() for c in args.classes.split(",") if c.strip()]
        columns = {
            "text_column": args.text_column,
            "feature_columns": None
            if args.feature_columns is None
            else [c.strip() for c in args.feature_columns.split(",")],
            "label_column": args.label_column,
        }
        fixing = args.relabel or args.remove or args.undo
        try:
            if fixing or args.show_labels:
                if fixing:
                    changes = correct_labels(
                        args.csv,
                        classes,
                        journal=journal,
                        relabel=parse_relabel(args.relabel),
                        remove=args.remove,
                        undo=args.undo,
                        **columns,
                    )
                    print("\n".join(changes))
                    print(f"Journal: {journal} (every earlier answer is kept)")
                if args.show_labels:
                    print(
                        show_labels(
                            args.csv, journal=journal, label_column=args.label_column
                        )
                    )
                if args.export:
                    n = export_labeled_csv(
                        args.csv, journal, args.export, label_column=args.label_column
                    )
                    print(f"{n} labeled rows written to {args.export}")
                return 0
            if args.export_only:
                if not args.export:
                    raise ValueError("--export-only needs --export FILE.")
                n = export_labeled_csv(
                    args.csv, journal, args.export, label_column=args.label_column
                )
                print(f"{n} labeled rows written to {args.export}")
                return 0
            loop = label_csv(
                args.csv,
                classes,
                journal=journal,
                learner=args.learner,
                batch_size=args.batch_size,
                budget=args.budget,
                export=args.export,
                random_state=args.seed,
                verbose=0 if args.quiet else 1,
                **columns,
            )
        except KeyboardInterrupt:
            print(
                f"\nInterrupted. Every answer given is saved in {journal}; run the "
                "same command to resume.",
                file=sys.stderr,
            )
            return 130
        except (JournalError, ValueError, OSError) as exc:
            print(f"skal label: error: {exc}", file=sys.stderr)
            return 2
        given = sum(len(r["labeled"]) for r in loop.history_)
        print(
            f"\n{given} labels given in this session, {loop.n_bought_} in all; "
            f"stopped: {loop.stop_reason_}. Journal: {journal}"
        )
        if args.export:
            print(f"Labeled rows written to {args.export}")
        return 0

    parser.set_defaults(func=run)


def _add_label_studio(subparsers):
    parser = subparsers.add_parser(
        "label-studio",
        help="order a Label Studio project by active learning, live",
        description=(
            "Connect an active learner to a Label Studio project: pull its "
            "tasks and annotations, retrain, and push one prediction per task "
            "whose score is the learner's informativeness, then keep doing so "
            "as annotations arrive (edited or deleted ones correct the "
            "journal). A data-manager tab sorted by that score is created: "
            "'Label Tasks As Displayed' from it asks the most informative task "
            "first. "
            "Ctrl-C stops cleanly; run the same command to resume."
        ),
    )
    parser.add_argument(
        "--url", help="Label Studio's address (default: $LABEL_STUDIO_URL)"
    )
    parser.add_argument(
        "--token",
        help="API token, legacy or personal access token (default: "
        "$LABEL_STUDIO_API_KEY, which keeps it out of the process list)",
    )
    parser.add_argument(
        "--project", type=int, required=True, help="project id (in its URL)"
    )
    parser.add_argument(
        "--learner",
        default="margin",
        help="the learner, as skal compare --learners takes it: margin, "
        "entropy, least_confidence, ratio, random, or a learner class with "
        ":param=value settings (default: %(default)s)",
    )
    parser.add_argument(
        "--estimator",
        choices=("logistic", "naive_bayes", "forest"),
        default="logistic",
        help="model (after TF-IDF for texts, standardisation otherwise) "
        "(default: %(default)s)",
    )
    parser.add_argument("--control", help="<Choices> control to learn, if several")
    parser.add_argument(
        "--features", help="numeric task-data fields to learn from, comma-separated"
    )
    parser.add_argument(
        "--image-size",
        default="16x16",
        help="images are resized to this, in grayscale (default: %(default)s)",
    )
    parser.add_argument(
        "--journal",
        help="folder of the project's journals (default: skal-label-studio/project-ID)",
    )
    parser.add_argument(
        "--interval", type=float, default=5.0, help="seconds between polls (5)"
    )
    parser.add_argument(
        "--webhook",
        metavar="HOST:PORT",
        help="also listen for Label Studio's webhooks there (registered in the "
        "project while running), to retrain at once",
    )
    parser.add_argument(
        "--webhook-url", help="URL Label Studio calls, if not http://HOST:PORT/..."
    )
    parser.add_argument("--once", action="store_true", help="sync once and exit")
    parser.add_argument("--seed", type=int, default=0, help="random seed (0)")
    parser.add_argument(
        "--verbose", action="store_true", help="a line for every poll too"
    )

    def run(args):
        from skal.integrations.label_studio._command import run_command

        return run_command(args)

    parser.set_defaults(func=run)


def _not_yet(name):
    def run(args):
        print(f"skal {name}: not implemented yet", file=sys.stderr)
        return 2

    return run


def main(argv=None):
    """Entry point of the ``skal`` console script."""
    parser = argparse.ArgumentParser(
        prog="skal", description="Active learning for scikit-learn."
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    _add_compare(subparsers)
    _add_label(subparsers)
    _add_label_studio(subparsers)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
