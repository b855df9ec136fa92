"""Exporting and listing a CSV's labels, each labeled row found again by
the fingerprint of its cells wherever it moved."""

import csv
import os
from collections import defaultdict

from skal._files import text_output
from skal.csv_labeling._csv import (
    check_export,
    default_journal_path,
    read_csv,
    row_keys,
)
from skal.journal import Journal, row_fingerprints

__all__ = ["export_labeled_csv", "match_rows", "show_labels"]


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


def export_labeled_csv(path, journal, export, *, label_column="label"):
    """Write the CSV's labeled rows, with their current labels from the journal.

    Each labeled row is found by its contents (the fingerprint of its cells,
    recorded when it was answered), so a CSV re-sorted or with rows added
    since still gets the right labels; a labeled row that is no longer in
    the CSV is refused, naming it. The export replaces its file atomically
    and never overwrites the CSV or the journal.

    Parameters
    ----------
    path : str or path-like
        The CSV the journal was written for.
    journal : str or path-like
        The journal.
    export : str or path-like
        The CSV to write: every column of ``path`` (plus ``label_column`` if
        it lacked it), the labeled rows only, in their order in ``path``.
    label_column : str, default="label"
        The column that receives the labels.

    Returns
    -------
    n_rows : int
        Rows written.

    Examples
    --------
    >>> import os, tempfile
    >>> from skal.csv_labeling import export_labeled_csv, label_csv
    >>> from skal.oracles import FunctionOracle
    >>> folder = tempfile.mkdtemp()
    >>> data = os.path.join(folder, "notes.csv")
    >>> with open(data, "w") as handle:
    ...     _ = handle.write("text\\nbuy milk\\ncall mum\\nfix bike\\nwash car\\n")
    >>> person = FunctionOracle(lambda t: "chore" if "i" in t else "call")
    >>> _ = label_csv(data, ["chore", "call"], text_column="text", budget=4,
    ...               oracle=person, random_state=0, verbose=0)
    >>> with open(data, "w") as handle:  # re-sorted by hand
    ...     _ = handle.write("text\\nwash car\\nfix bike\\ncall mum\\nbuy milk\\n")
    >>> out = os.path.join(folder, "out.csv")
    >>> export_labeled_csv(data, os.path.join(folder, "notes.journal.sqlite"), out)
    4
    >>> print(open(out).read().strip())
    text,label
    wash car,call
    fix bike,chore
    call mum,call
    buy milk,chore
    """
    check_export(export, path, journal)
    columns, rows, labels, positions, _, _ = labeled_rows(path, journal, label_column)
    header = columns if label_column in columns else [*columns, label_column]
    by_position = sorted((p, i) for i, p in positions.items())
    with text_output(export) as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        for p, i in by_position:
            writer.writerow({**rows[p], label_column: labels[i]})
    return len(by_position)


def show_labels(path, *, journal=None, label_column="label", width=40):
    """A table of the journal's current labels, with their history.

    Parameters
    ----------
    path : str or path-like
        The CSV the journal was written for.
    journal : str or path-like, default=None
        The journal; ``<csv name>.journal.sqlite`` if None.
    label_column : str, default="label"
        The CSV's label column (left out of the row shown).
    width : int, default=40
        Characters of each row shown.

    Returns
    -------
    table : str
        One line per labeled row: the row (as :func:`correct_labels` takes
        it), its label, how many answers the journal has for it, its cells,
        and the labels it had before if it was corrected.

    Examples
    --------
    >>> import os, tempfile
    >>> from skal.csv_labeling import correct_labels, label_csv, show_labels
    >>> from skal.oracles import FunctionOracle
    >>> folder = tempfile.mkdtemp()
    >>> data = os.path.join(folder, "notes.csv")
    >>> with open(data, "w") as handle:
    ...     _ = handle.write("text\\nbuy milk\\ncall mum\\nfix bike\\n")
    >>> _ = label_csv(data, ["chore", "call"], text_column="text", budget=3,
    ...               oracle=lambda t: "chore", random_state=0, verbose=0)
    >>> _ = correct_labels(data, ["chore", "call"], text_column="text",
    ...                    relabel={1: "call"})
    >>> print(show_labels(data))  # doctest: +NORMALIZE_WHITESPACE
    3 labeled rows in ...notes.journal.sqlite:
     row  label  answers  row contents
       0  chore        1  text=buy milk
       1  call         2  text=call mum  (was: chore)
       2  chore        1  text=fix bike
    """
    journal = default_journal_path(path) if journal is None else journal
    columns, rows, labels, positions, counts, trail = labeled_rows(
        path, journal, label_column
    )
    names = [c for c in columns if c != label_column]
    lines = [f"{len(labels)} labeled rows in {os.fspath(journal)}:"]
    if labels:
        size = max(5, *(len(str(v)) for v in labels.values()))
        lines.append(f" row  {'label'.ljust(size)}  answers  row contents")
    for i in sorted(labels):
        cells = ", ".join(f"{c}={rows[positions[i]].get(c) or ''}" for c in names)
        if len(cells) > width:
            cells = cells[: width - 3] + "..."
        before = trail[i][:-1]
        note = f"  (was: {', '.join(map(str, before))})" if before else ""
        moved = f"  [now line {positions[i] + 2}]" if positions[i] != i else ""
        label = str(labels[i]).ljust(size)
        lines.append(f"{i:>4}  {label}  {counts[i]:>7}  {cells}{note}{moved}")
    return "\n".join(lines)
