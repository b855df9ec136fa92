"""Label the rows of a CSV file, journaled: what ``skal label`` runs.

The CSV is read once; its rows become the pool of an
:class:`~skal.loop.AnnotationLoop` whose every answer goes to an SQLite
:class:`~skal.journal.Journal`. :func:`correct_labels` fixes mistakes (with
an audit trail), :func:`show_labels` lists the labels, and
:func:`export_labeled_csv` writes the labeled rows back out, finding each
row by its contents even if the CSV was re-sorted.
"""

import csv
import os

import numpy as np

from skal import _csv
from skal._files import text_output

__all__ = [
    "correct_labels",
    "default_journal_path",
    "export_labeled_csv",
    "label_csv",
    "show_labels",
]


def default_journal_path(csv_path):
    """The journal file ``skal label`` uses for a CSV: ``<name>.journal.sqlite``.

    Parameters
    ----------
    csv_path : str or path-like
        The CSV being labeled.

    Returns
    -------
    path : str
        The CSV's path with ``.journal.sqlite`` in place of its extension.

    Examples
    --------
    >>> from skal.csv_labeling import default_journal_path
    >>> default_journal_path("data/reviews.csv")
    'data/reviews.journal.sqlite'
    """
    root, _ = os.path.splitext(os.fspath(csv_path))
    return root + ".journal.sqlite"


def label_csv(
    path,
    classes,
    *,
    journal=None,
    text_column=None,
    feature_columns=None,
    label_column="label",
    learner="margin",
    batch_size=1,
    budget=None,
    export=None,
    random_state=None,
    oracle=None,
    verbose=1,
    background=True,
):
    """Label the rows of a CSV file, journaled; what ``skal label`` runs.

    Texts (``text_column``) are modeled by TF-IDF and logistic regression,
    numeric columns by standardised logistic regression, wrapped in
    :class:`~skal.UncertaintySamplingClassifier` (or
    :class:`~skal.RandomSampler` for ``learner="random"``). Every answer is
    committed to the journal; running again with the same CSV and journal
    resumes, and asks nothing already answered (skipped rows excepted). The
    journal is the truth: a label corrected or removed there is not taken
    back from the CSV's label column.

    Parameters
    ----------
    path : str or path-like
        The CSV file, with a header row.
    classes : list of str
        The labels to choose from; the journal refuses any other.
    journal : str or path-like, default=None
        The journal file; ``<csv name>.journal.sqlite`` next to the CSV if
        None.
    text_column : str, default=None
        Column of texts to label. If None, the samples are ``feature_columns``.
    feature_columns : list of str, default=None
        Numeric columns; every column but ``label_column`` if None.
    label_column : str, default="label"
        Column of labels already known, if the CSV has it (empty cells are
        unlabeled); the export writes labels to it.
    learner : str, default="margin"
        Which row to ask next: an uncertainty measure (``"margin"``,
        ``"least_confidence"``, ``"ratio"``, ``"entropy"``), or ``"random"``.
    batch_size : int, default=1
        Rows asked per round (the model is retrained after each round).
    budget : int, default=None
        Labels to give in total over all sessions; None: until stopped.
    export : str or path-like, default=None
        Write the labeled rows (every CSV column, labels filled in) here
        when the session ends. Refused up front if it is the CSV or the
        journal.
    random_state : int, default=None
        Seeds the cold start and tie-breaking.
    oracle : Oracle, default=None
        Who answers; a :class:`~skal.terminal.TerminalOracle` if None.
    verbose : int, default=1
        0 hides the progress bar.
    background : bool, default=True
        Retrain in the background: the next question comes at once from
        rows ranked by the previous model (the prompt says so) while the
        model is refitted and the pool ranked anew (see
        :class:`~skal.loop.AnnotationLoop`); False waits for each refit.

    Returns
    -------
    loop : AnnotationLoop
        The finished loop (its journal closed).

    Examples
    --------
    >>> import csv, os, tempfile
    >>> from skal.csv_labeling import label_csv
    >>> from skal.oracles import FunctionOracle
    >>> folder = tempfile.mkdtemp()
    >>> data = os.path.join(folder, "reviews.csv")
    >>> with open(data, "w", newline="") as handle:
    ...     writer = csv.writer(handle)
    ...     writer.writerows([["text"], ["great film"], ["awful film"],
    ...                       ["great cast"], ["awful plot"], ["great plot"]])
    >>> person = FunctionOracle(lambda text: "pos" if "great" in text else "neg")
    >>> export = os.path.join(folder, "labels.csv")
    >>> loop = label_csv(data, ["neg", "pos"], text_column="text", budget=4,
    ...                  oracle=person, random_state=0, verbose=0, export=export)
    >>> loop.n_bought_, os.path.exists(os.path.join(folder, "reviews.journal.sqlite"))
    (4, True)
    >>> with open(export) as handle:
    ...     exported = list(csv.DictReader(handle))
    >>> len(exported), all(
    ...     (row["label"] == "pos") == ("great" in row["text"]) for row in exported)
    (4, True)
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from skal.baseline import RandomSampler
    from skal.loop import AnnotationLoop
    from skal.terminal import TerminalOracle
    from skal.uncertainty import UncertaintySamplingClassifier

    journal = default_journal_path(path) if journal is None else journal
    _csv.check_export(export, path, journal)
    classes, X, known, shown, keys = _csv.load(
        path, classes, text_column, feature_columns, label_column
    )
    if text_column is not None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        estimator = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000))
    else:
        from sklearn.preprocessing import StandardScaler

        estimator = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    common = {"batch_size": batch_size, "classes": classes}
    if learner == "random":
        learner = RandomSampler(estimator, random_state=random_state, **common)
    else:
        learner = UncertaintySamplingClassifier(
            estimator, measure=learner, random_state=random_state, **common
        )
    if oracle is None:
        oracle = TerminalOracle(classes, feature_names=shown)
    y = np.full(len(X), -1, dtype=object)

    def take_csv_labels(j):
        # A row the journal ever labeled is the journal's: a correction or a
        # removal there must not be undone by the CSV's old label.
        touched = set()
        if j is not None:
            touched = {
                e["index"]
                for e in j.history()
                if e["kind"] in ("label", "relabel", "remove")
            }
        for i, value in sorted(known.items()):
            if i in touched:
                continue
            if value not in classes:
                raise ValueError(
                    f"{os.fspath(path)!r} line {i + 2} (sample {i}) is labeled "
                    f"{value!r} in its {label_column!r} column, which is not one "
                    f"of the classes {classes}. Fix that cell, or pass the classes "
                    "it uses."
                )
            y[i] = value

    if not os.path.exists(journal):
        take_csv_labels(None)  # before a typo can create a journal
    options = {
        "text_column": text_column,
        "feature_columns": feature_columns,
        "label_column": label_column,
    }
    j = _csv.open_bound(
        path, journal, classes, X, keys, check=take_csv_labels, **options
    )
    ended = False
    try:
        loop = AnnotationLoop(
            learner,
            X,
            oracle,
            y=y,
            budget=budget,
            journal=j,
            verbose=verbose,
            background=background,
        )
        try:
            loop.run()
            ended = True
        except KeyboardInterrupt:
            ended = True  # Ctrl-C is a way to stop: export what was given
            raise
    finally:
        j.close()
        if export is not None and ended:
            export_labeled_csv(path, journal, export, label_column=label_column)
    return loop


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
    _csv.check_export(export, path, journal)
    columns, rows, labels, positions, _, _ = _csv.labeled_rows(
        path, journal, label_column
    )
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
    columns, rows, labels, positions, counts, trail = _csv.labeled_rows(
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
    classes, X, _, _, keys = _csv.load(
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
    with _csv.open_bound(
        path, journal, classes, X, keys, fixing=True, check=check
    ) as j:
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
            changes.append(_csv.describe_undo(done))
    return changes
