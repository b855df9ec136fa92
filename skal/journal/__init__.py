"""A journal of annotations on embedded SQLite that never loses a label.

Every answer an annotator gives (a label, a skip, a "don't know", and any
correction: a relabel, a removal, an undo) is written and committed the
moment it is given, so a crash, a closed laptop or a ``kill -9`` loses at
most the answer being typed. Answers are appended and never erased, so the
journal is also the audit trail of who labeled what, when, and what they
corrected. It remembers which pool it belongs to (a fingerprint of the data,
and one per answered row) and the learner of each session, so that an
annotation loop started again with the same journal resumes where it
stopped, and a journal is never silently applied to another pool.

One session at a time may write to a journal; any number may read.

The package is split by topic: ``_schema`` (the SQLite
schema, its migrations and its validation), ``_log`` (the
answers log and current labels), ``_fingerprint``,
``_lock`` (one file, one writer), and the
:class:`Journal` class itself.
"""

from skal.journal._errors import (
    JournalBusyError,
    JournalError,
    JournalLabelError,
    JournalLockedError,
)
from skal.journal._fingerprint import pool_fingerprint, row_fingerprints
from skal.journal._journal import Journal
from skal.journal._schema import SCHEMA_VERSION

__all__ = [
    "SCHEMA_VERSION",
    "Journal",
    "JournalBusyError",
    "JournalError",
    "JournalLabelError",
    "JournalLockedError",
    "pool_fingerprint",
    "row_fingerprints",
]

# Tracebacks name the public module, not the private ones. (Journal keeps
# its own: doctest collects a class's methods from the module it names.)
for _public in (
    JournalBusyError,
    JournalError,
    JournalLabelError,
    JournalLockedError,
    pool_fingerprint,
    row_fingerprints,
):
    _public.__module__ = __name__
del _public
