"""Correcting the labels of a CSV's journal: relabel, remove, undo."""

import os

from skal.csv_labeling._csv import default_journal_path, load, open_bound

__all__ = ["correct_labels"]


def correct_labels(
    path,
    classes,
    *,
    journal=None,
    relabel=None,
    remove=(),
    undo=0,
    text_column=None,
    feature_columns=None,
    label_column="label",
):
    """Correct labels in a CSV's journal: relabel rows, remove labels, undo.

    Every correction is one more entry of the journal (its history keeps the
    old label); the next labeling session, :func:`show_labels` and
    :func:`export_labeled_csv` all see the corrected labels. Everything is
    checked before anything is written.

    Parameters
    ----------
    path : str or path-like
        The CSV the journal was written for (the same rows, same order).
    classes : list of str
        The labels allowed.
    journal : str or path-like, default=None
        The journal; ``<csv name>.journal.sqlite`` if None.
    relabel : dict of int to str, default=None
        New label of each row (rows as numbered while labeling: ``sample
        N``, counting data rows from 0); an unlabeled row gets its first
        label.
    remove : iterable of int, default=()
        Rows whose label is removed (they become unlabeled again).
    undo : int, default=0
        How many of the latest answers to retract (see
        :meth:`~skal.journal.Journal.undo`); not combined with the others.
    text_column, feature_columns, label_column
        As given to :func:`label_csv` for this CSV.

    Returns
    -------
    changes : list of str
        What was done, one line per correction.

    Examples
    --------
    >>> import os, tempfile
    >>> from skal.csv_labeling import correct_labels, label_csv
    >>> folder = tempfile.mkdtemp()
    >>> data = os.path.join(folder, "notes.csv")
    >>> with open(data, "w") as handle:
    ...     _ = handle.write("text\\nbuy milk\\ncall mum\\nfix bike\\n")
    >>> _ = label_csv(data, ["chore", "call"], text_column="text", budget=3,
    ...               oracle=lambda t: "chore", random_state=0, verbose=0)
    >>> correct_labels(data, ["chore", "call"], text_column="text",
    ...                relabel={1: "call"}, remove=[0])
    ["row 1: 'chore' -> 'call'", "row 0: 'chore' removed"]
    >>> correct_labels(data, ["chore", "call"], text_column="text", undo=1)
    ["row 0: undid the removal of 'chore' (now 'chore')"]
    """
    relabel = dict(relabel or {})
    remove = list(remove)
    journal = default_journal_path(path) if journal is None else journal
    if undo and (relabel or remove):
        raise ValueError("--undo cannot be combined with --relabel or --remove.")
    both = sorted(set(relabel) & set(remove))
    if both:
        raise ValueError(f"Rows {both} are both relabeled and removed; choose one.")
    if not os.path.exists(journal):
        raise FileNotFoundError(
            f"No journal at {os.fspath(journal)!r}: nothing to correct. (Pass "
            "--journal if it is elsewhere.)"
        )
    classes, X, _, _, keys = load(
        path, classes, text_column, feature_columns, label_column
    )
    for row, label in relabel.items():
        if label not in classes:
            raise ValueError(
                f"Row {row}: {label!r} is not one of the classes {classes}."
            )
    for row in [*relabel, *remove]:
        if not 0 <= row < len(X):
            raise ValueError(
                f"Row {row} is not a row of {os.fspath(path)!r}: rows are numbered "
                f"0 to {len(X) - 1}, as shown while labeling ('sample N')."
            )

    def check(j):
        unlabeled = sorted(set(remove) - {i for i, _ in j.labels()})
        if unlabeled:
            raise ValueError(f"Rows {unlabeled} have no label to remove.")

    changes = []
    with open_bound(path, journal, classes, X, keys, fixing=True, check=check) as j:
        current = dict(j.labels())
        for row, label in relabel.items():
            if row in current:
                old = j.relabel(row, label)
                changes.append(f"row {row}: {old!r} -> {label!r}")
            else:
                j.add_label(row, label)
                changes.append(f"row {row}: {label!r} (was unlabeled)")
        for row in remove:
            changes.append(f"row {row}: {j.remove_label(row)!r} removed")
        for _ in range(undo):
            done = j.undo()
            if done is None:
                changes.append("nothing left to undo")
                break
            changes.append(_describe_undo(done))
    return changes


def _describe_undo(done):
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
