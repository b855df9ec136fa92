"""Label the rows of a CSV file, journaled: what ``skal label`` runs.

The CSV is read once; its rows become the pool of an
:class:`~skal.loop.AnnotationLoop` whose every answer goes to an SQLite
:class:`~skal.journal.Journal`, and :func:`export_labeled_csv` writes the
labeled rows back out.
"""

import numpy as np

from skal.loop import AnnotationLoop

__all__ = ["default_journal_path", "export_labeled_csv", "label_csv"]


def _read_csv(path):
    import csv

    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames:
            raise ValueError(f"{path!r} has no header row.")
        rows = list(reader)
    if not rows:
        raise ValueError(f"{path!r} has no data rows.")
    return list(reader.fieldnames), rows


def _feature_matrix(rows, columns, path):
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
    import os

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
    measure="margin",
    batch_size=1,
    budget=None,
    export=None,
    random_state=None,
    oracle=None,
    verbose=1,
):
    """Label the rows of a CSV file, journaled; what ``skal label`` runs.

    Texts (``text_column``) are modeled by TF-IDF and logistic regression,
    numeric columns by standardised logistic regression, wrapped in
    :class:`~skal.UncertaintySamplingClassifier` (or
    :class:`~skal.RandomSampler` for ``measure="random"``). Every answer is
    committed to the journal; running again with the same CSV and journal
    resumes, and asks nothing already answered (skipped rows excepted).

    Parameters
    ----------
    path : str or path-like
        The CSV file, with a header row.
    classes : list of str
        The labels to choose from.
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
    measure : str, default="margin"
        An uncertainty measure of :mod:`skal.scoring`, or ``"random"`` for
        random sampling.
    batch_size : int, default=1
        Rows asked per round (the model is retrained after each round).
    budget : int, default=None
        Labels to give in total over all sessions; None: until stopped.
    export : str or path-like, default=None
        Write the labeled rows (every CSV column, labels filled in) here
        when the session ends.
    random_state : int, default=None
        Seeds the cold start and tie-breaking.
    oracle : Oracle, default=None
        Who answers; a :class:`~skal.oracles.TerminalOracle` if None.
    verbose : int, default=1
        0 hides the progress bar.

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
    from skal.terminal import TerminalOracle
    from skal.uncertainty import UncertaintySamplingClassifier

    classes = [str(c) for c in classes]
    if len(set(classes)) < 2:
        raise ValueError(f"Give at least two distinct classes, got {classes}.")
    columns, rows = _read_csv(path)
    has_labels = label_column in columns
    if text_column is not None:
        if text_column not in columns:
            raise ValueError(
                f"No column {text_column!r} in {path!r}; it has {columns}."
            )
        X = np.array([row[text_column] or "" for row in rows], dtype=object)
        from sklearn.feature_extraction.text import TfidfVectorizer

        estimator = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000))
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
        X = _feature_matrix(rows, feature_columns, path)
        from sklearn.preprocessing import StandardScaler

        estimator = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
        shown = list(feature_columns)
    y = np.full(len(rows), -1, dtype=object)
    if has_labels:
        for i, row in enumerate(rows):
            value = (row[label_column] or "").strip()
            if value:
                if value not in classes:
                    raise ValueError(
                        f"{path!r} row {i + 2} is labeled {value!r}, which is not "
                        f"one of the classes {classes}."
                    )
                y[i] = value
    if measure == "random":
        learner = RandomSampler(
            estimator, batch_size=batch_size, classes=classes, random_state=random_state
        )
    else:
        learner = UncertaintySamplingClassifier(
            estimator,
            measure=measure,
            batch_size=batch_size,
            classes=classes,
            random_state=random_state,
        )
    if oracle is None:
        oracle = TerminalOracle(classes, feature_names=shown)
    journal = default_journal_path(path) if journal is None else journal
    loop = AnnotationLoop(
        learner, X, oracle, y=y, budget=budget, journal=journal, verbose=verbose
    )
    try:
        loop.run()
    finally:
        if export is not None and loop._started:
            export_labeled_csv(path, journal, export, label_column=label_column)
    return loop


def export_labeled_csv(path, journal, export, *, label_column="label"):
    """Write the CSV's labeled rows, with their labels from the journal.

    Parameters
    ----------
    path : str or path-like
        The CSV the journal was written for.
    journal : str or path-like
        The journal.
    export : str or path-like
        The CSV to write: every column of ``path`` (plus ``label_column`` if
        it lacked it), the labeled rows only, in their original order.
    label_column : str, default="label"
        The column that receives the labels.

    Returns
    -------
    n_rows : int
        Rows written.

    Examples
    --------
    >>> import os, tempfile
    >>> from skal.journal import Journal
    >>> from skal.csv_labeling import export_labeled_csv
    >>> folder = tempfile.mkdtemp()
    >>> data = os.path.join(folder, "notes.csv")
    >>> with open(data, "w") as handle:
    ...     _ = handle.write("text\\nbuy milk\\ncall mum\\nfix bike\\n")
    >>> journal = os.path.join(folder, "notes.sqlite")
    >>> with Journal(journal) as j:
    ...     j.bind(["buy milk", "call mum", "fix bike"])
    ...     j.add_label(2, "chore")
    >>> export_labeled_csv(data, journal, os.path.join(folder, "out.csv"))
    1
    >>> print(open(os.path.join(folder, "out.csv")).read().strip())
    text,label
    fix bike,chore
    """
    import csv

    from skal.journal import Journal

    columns, rows = _read_csv(path)
    with Journal(journal, readonly=True) as j:
        known = j.meta("n_pool")
        labels = dict(j.labels())
    if known is not None and int(known) != len(rows):
        raise ValueError(
            f"The journal {journal!r} was written for {known} rows; {path!r} has "
            f"{len(rows)}."
        )
    header = columns if label_column in columns else [*columns, label_column]
    with open(export, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        for i in sorted(labels):
            writer.writerow({**rows[i], label_column: labels[i]})
    return len(labels)
