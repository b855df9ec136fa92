"""Label the rows of a CSV file, journaled: what ``skal label`` runs.

The CSV is read once; its rows become the pool of an
:class:`~skal.loop.AnnotationLoop` whose every answer goes to an SQLite
:class:`~skal.journal.Journal`. :func:`correct_labels` fixes mistakes (with
an audit trail), :func:`show_labels` lists the labels, and
:func:`export_labeled_csv` writes the labeled rows back out, finding each
row by its contents even if the CSV was re-sorted.
"""

from skal.csv_labeling._corrections import correct_labels
from skal.csv_labeling._csv import default_journal_path
from skal.csv_labeling._export import export_labeled_csv, show_labels
from skal.csv_labeling._label import label_csv

__all__ = [
    "correct_labels",
    "default_journal_path",
    "export_labeled_csv",
    "label_csv",
    "show_labels",
]
