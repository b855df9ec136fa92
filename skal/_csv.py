"""The helpers of :mod:`skal.csv_labeling`: reading a CSV (its pool, the
labels it has, the key that identifies each row), opening its journal, and
finding labeled rows again by their contents."""

import csv
import json
import os
from collections import defaultdict

import numpy as np

from skal._files import same_file
from skal.journal import Journal, JournalLabelError, pool_fingerprint, row_fingerprints

__all__ = [
    "check_export",
    "command",
    "describe_undo",
    "feature_matrix",
    "journal_path_for",
    "labeled_rows",
    "load",
    "match_rows",
    "open_bound",
    "read_csv",
    "row_keys",
]


def read_csv(path):
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames:
            raise ValueError(f"{path!r} has no header row.")
        rows = list(reader)
    if not rows:
        raise ValueError(f"{path!r} has no data rows.")
    return list(reader.fieldnames), rows


def feature_matrix(rows, columns, path):
    X = np.empty((len(rows), len(columns)))
    for i, row in enumerate(rows):
        for j, column in enumerate(columns):
            cell = (row[column] or "").strip()
            try:
                X[i, j] = float(cell)
            except ValueError:
                raise ValueError(
                    f"{path!r} row {i + 2}, column {column!r}: {cell!r} is not a "
                    "number. Pass --text-column for a column of texts, or choose "
                    "numeric --feature-columns."
                ) from None
            if not np.isfinite(X[i, j]):
                raise ValueError(
                    f"{path!r} row {i + 2}, column {column!r} is empty or not "
                    "finite; fill it in or leave the column out."
                )
    return X


def row_keys(columns, rows, label_column):
    """What identifies a row: its cells, the label column aside (labels may
    be filled in by hand), by column name (columns may be moved)."""
    names = sorted(c for c in columns if c != label_column)
    return [json.dumps([[c, row.get(c) or ""] for c in names]) for row in rows]


def load(path, classes, text_column, feature_columns, label_column):
    """The pool, the labels the CSV already has, and how to show a row."""
    classes = [str(c) for c in classes]
    if len(set(classes)) < 2:
        raise ValueError(f"Give at least two distinct classes, got {classes}.")
    columns, rows = read_csv(path)
    if text_column is not None:
        if text_column not in columns:
            raise ValueError(
                f"No column {text_column!r} in {path!r}; it has {columns}."
            )
        X = np.array([row[text_column] or "" for row in rows], dtype=object)
        shown = None
    else:
        if feature_columns is None:
            feature_columns = [c for c in columns if c != label_column]
        missing = [c for c in feature_columns if c not in columns]
        if missing or not feature_columns:
            raise ValueError(
                f"Feature columns {missing or feature_columns} are not in "
                f"{path!r}; it has {columns}."
            )
        X = feature_matrix(rows, feature_columns, path)
        shown = list(feature_columns)
    known = {}
    if label_column in columns:
        for i, row in enumerate(rows):
            value = (row[label_column] or "").strip()
            if value:
                known[i] = value
    keys = row_keys(columns, rows, label_column)
    return classes, X, known, shown, keys


def check_export(export, path, journal):
    """Refuse to export over the input CSV, the journal or its side files."""
    if export is None:
        return
    victims = [(path, "the CSV being labeled"), (journal, "the journal")]
    for suffix in ("-wal", "-shm", "-journal", ".lock"):
        victims.append((os.fspath(journal) + suffix, f"the journal's {suffix} file"))
    for victim, what in victims:
        if same_file(export, victim):
            raise ValueError(
                f"--export {os.fspath(export)!r} is {what} ({os.fspath(victim)!r}); "
                "writing it would destroy it. Export to a new file, e.g. "
                f"{os.path.splitext(os.fspath(path))[0] + '.labeled.csv'!r}."
            )


def journal_path_for(csv_path):
    """``<csv name>.journal.sqlite`` next to the CSV."""
    root, _ = os.path.splitext(os.fspath(csv_path))
    return root + ".journal.sqlite"


def command(path, classes, journal, options):
    """The ``skal label`` command line for this CSV, to quote in errors."""
    import shlex

    words = ["skal", "label", os.fspath(path), "--classes", ",".join(classes)]
    if options.get("text_column") is not None:
        words += ["--text-column", options["text_column"]]
    if options.get("feature_columns") is not None:
        words += ["--feature-columns", ",".join(options["feature_columns"])]
    if options.get("label_column", "label") != "label":
        words += ["--label-column", options["label_column"]]
    if os.fspath(journal) != journal_path_for(path):
        words += ["--journal", os.fspath(journal)]
    return " ".join(shlex.quote(w) for w in words)


def open_bound(path, journal, classes, X, keys, *, fixing=False, check=None, **opts):
    """The journal, bound to the CSV's pool with its classes and row keys;
    ``check(journal)`` runs first, so that a refusal records no session."""
    j = Journal(journal)
    try:
        known = j.meta("pool_fingerprint")
        if known is not None and known != pool_fingerprint(X):
            raise ValueError(
                f"The rows of {os.fspath(path)!r} are not those the journal "
                f"{os.fspath(journal)!r} was written for (it had {j.meta('n_pool')} "
                f"rows, the CSV has {len(X)}): rows were added, removed, edited or "
                "re-ordered, and the journal's row numbers would label the wrong "
                "rows. Restore the CSV as it was, or use a new --journal. "
                "(--export-only and --show-labels find rows by their contents and "
                "still work on a re-sorted CSV.)"
            )
        if check is not None:
            check(j)
        j.bind(X, classes=classes, row_keys=keys)
    except JournalLabelError as exc:
        if not fixing:
            j.close()
            bad = exc.problems
            shown = "; ".join(
                f"row {p['index']} is labeled {p['label']!r}" for p in bad[:5]
            )
            more = f" (and {len(bad) - 5} more)" if len(bad) > 5 else ""
            fixes = " ".join(f"--relabel {p['index']}=LABEL" for p in bad[:5])
            raise JournalLabelError(
                f"The journal {os.fspath(journal)!r} holds labels that are not "
                f"among the classes {classes}: {shown}{more}. Correct them (the "
                "journal keeps the old ones in its history), e.g.\n  "
                f"{command(path, classes, journal, opts)} {fixes}\nor remove "
                "them with --remove ROW, or undo the latest answers with --undo.",
                bad,
            ) from None
    except BaseException:
        j.close()
        raise
    return j


def match_rows(indices, stored, current):
    """Map journal rows to CSV positions by fingerprint: the same position
    if the row is still there, else the first unclaimed row with the same
    contents. Returns the mapping and the rows not found, with why."""
    positions, missing, pending = {}, [], []
    for i in indices:
        if stored.get(i) is None:
            missing.append((i, "no fingerprint was recorded for it"))
        elif i < len(current) and current[i] == stored[i]:
            positions[i] = i
        else:
            pending.append(i)
    if pending:
        claimed = set(positions.values())
        free = defaultdict(list)
        for p, fingerprint in enumerate(current):
            if p not in claimed:
                free[fingerprint].append(p)
        for i in pending:
            spots = free.get(stored[i])
            if spots:
                positions[i] = spots.pop(0)
            else:
                missing.append((i, "no row of the CSV has its contents any more"))
    return positions, missing


def labeled_rows(path, journal, label_column):
    columns, rows = read_csv(path)
    with Journal(journal, readonly=True) as j:
        labels = dict(j.labels())
        stored = j.row_fingerprints()
        counts = defaultdict(int)
        trail = defaultdict(list)
        for entry in j.history():
            counts[entry["index"]] += 1
            if entry["kind"] in ("label", "relabel") and not entry["undone"]:
                trail[entry["index"]].append(entry["label"])
    current = row_fingerprints(row_keys(columns, rows, label_column))
    positions, missing = match_rows(sorted(labels), stored, current)
    if missing:
        shown = "; ".join(
            f"row {i} (line {i + 2} when labeled {labels[i]!r}): {why}"
            for i, why in missing[:5]
        )
        more = f" (and {len(missing) - 5} more)" if len(missing) > 5 else ""
        rows_ = "row" if len(missing) == 1 else "rows"
        raise ValueError(
            f"{len(missing)} labeled {rows_} of the journal {os.fspath(journal)!r} "
            f"cannot be found in {os.fspath(path)!r}: {shown}{more}. The CSV was "
            "edited since they were labeled (or its --label-column differs). "
            "Restore those rows, or use the CSV as it was when labeled; if no "
            "fingerprint was recorded (a journal of skal 0.1), run `skal label` "
            "once on the original CSV first."
        )
    return columns, rows, labels, positions, counts, trail


def describe_undo(done):
    kind, row = done["kind"], done["index"]
    now = "unlabeled" if done["restored"] is None else repr(done["restored"])
    if kind == "label":
        return f"row {row}: undid the label {done['label']!r} (now {now})"
    if kind == "relabel":
        return f"row {row}: undid the correction to {done['label']!r} (now {now})"
    if kind == "remove":
        return f"row {row}: undid the removal of {done['previous']!r} (now {now})"
    what = "skip" if kind == "skip" else "don't know"
    return f"row {row}: undid the {what}"
