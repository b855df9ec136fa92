"""Labeling a CSV in a journaled annotation loop: what ``skal label`` runs."""

import os

import numpy as np

from skal.csv_labeling._csv import check_export, default_journal_path, load, open_bound
from skal.csv_labeling._export import export_labeled_csv

__all__ = ["label_csv"]


def label_csv(
    path,
    classes,
    *,
    journal=None,
    text_column=None,
    feature_columns=None,
    label_column="label",
    strategy="margin",
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
    :class:`~skal.RandomSampler` for ``strategy="random"``). Every answer is
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
    strategy : str, default="margin"
        An uncertainty measure of :mod:`skal.scoring`, or ``"random"``.
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
    >>> loop.n_labels_, os.path.exists(os.path.join(folder, "reviews.journal.sqlite"))
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
    from skal.oracles import TerminalOracle
    from skal.uncertainty import UncertaintySamplingClassifier

    journal = default_journal_path(path) if journal is None else journal
    check_export(export, path, journal)
    classes, X, known, shown, keys = load(
        path, classes, text_column, feature_columns, label_column
    )
    if text_column is not None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        estimator = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000))
    else:
        from sklearn.preprocessing import StandardScaler

        estimator = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    common = {"batch_size": batch_size, "classes": classes}
    if strategy == "random":
        learner = RandomSampler(estimator, random_state=random_state, **common)
    else:
        learner = UncertaintySamplingClassifier(
            estimator, strategy=strategy, random_state=random_state, **common
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
    j = open_bound(path, journal, classes, X, keys, check=take_csv_labels, **options)
    ended = False
    try:
        loop = AnnotationLoop(
            learner, X, oracle, y=y, budget=budget, journal=j, verbose=verbose
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
