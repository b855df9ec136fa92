"""The ``skal`` command line: ``skal compare`` (the main job), ``skal label`` and
``skal label-studio``.

This module only parses arguments and dispatches; the work lives in
``skal._cli_compare`` and :mod:`skal.evaluation` (compare),
:mod:`skal.csv_labeling` (label) and :mod:`skal.integrations.label_studio`
(label-studio).
"""

import argparse
import sys

from skal._cli_args import positive_int
from skal._cli_compare import add_compare

__all__ = ["main"]


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
    parser.add_argument(
        "--batch-size", type=positive_int, default=1, help="rows per round (1)"
    )
    parser.add_argument(
        "--budget", type=positive_int, help="labels to give, all sessions together"
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


def main(argv=None):
    """Entry point of the ``skal`` console script."""
    parser = argparse.ArgumentParser(
        prog="skal", description="Active learning for scikit-learn."
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    add_compare(subparsers)
    _add_label(subparsers)
    _add_label_studio(subparsers)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
