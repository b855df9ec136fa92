"""The journal's exceptions: every refusal is a :class:`JournalError` that
names the file and the way out."""

__all__ = [
    "JournalBusyError",
    "JournalError",
    "JournalLabelError",
    "JournalLockedError",
]


class JournalError(Exception):
    """A journal that cannot be used as asked: not a skal journal, damaged,
    written for another pool, not writable, or an answer that contradicts it.

    Examples
    --------
    >>> import os, tempfile
    >>> from skal.journal import Journal, JournalError
    >>> path = os.path.join(tempfile.mkdtemp(), "labels.csv")
    >>> with open(path, "w") as handle:
    ...     _ = handle.write("index,label\\n")
    >>> try:
    ...     Journal(path)
    ... except JournalError as error:
    ...     print("refused:", "not an SQLite database" in str(error))
    refused: True
    """


class JournalLockedError(JournalError):
    """Another session (in this process or another) has the journal open for
    writing.

    Examples
    --------
    >>> import os, tempfile
    >>> from skal.journal import Journal, JournalLockedError
    >>> path = os.path.join(tempfile.mkdtemp(), "labels.sqlite")
    >>> first = Journal(path)
    >>> try:
    ...     Journal(path)
    ... except JournalLockedError:
    ...     print("locked")
    locked
    >>> first.close()
    >>> Journal(path).close()  # free again
    """


class JournalBusyError(JournalError):
    """Another program (an ``sqlite3`` shell, a database browser, a backup
    tool) held SQLite's write lock on the journal for longer than the
    journal's ``timeout``, so an answer could not be written.

    The answer is not lost silently: it is in ``answer``, and the message
    says it was not recorded.

    Attributes
    ----------
    answer : dict or None
        What was being written: ``index``, ``kind`` and ``label`` (None for a
        skip or a don't know); None when no answer was being written.

    Examples
    --------
    >>> import os, sqlite3, tempfile, warnings
    >>> from skal.journal import Journal, JournalBusyError
    >>> path = os.path.join(tempfile.mkdtemp(), "labels.sqlite")
    >>> journal = Journal(path, timeout=0.2)
    >>> journal.bind(["a", "b"])
    >>> other = sqlite3.connect(path, isolation_level=None)
    >>> _ = other.execute("BEGIN IMMEDIATE")  # holds SQLite's write lock
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     try:
    ...         journal.add_label(1, "cat")
    ...     except JournalBusyError as error:
    ...         print(error.answer)
    {'index': 1, 'kind': 'label', 'label': 'cat'}
    >>> _ = other.execute("ROLLBACK")
    >>> journal.add_label(1, "cat")  # the lock is free: recorded now
    >>> journal.close(); other.close()
    """

    def __init__(self, message, answer=None):
        super().__init__(message)
        self.answer = answer


class JournalLabelError(JournalError):
    """The journal holds labels a learner cannot train on: of another type
    than the journal's, or outside the declared classes.

    Raised by :meth:`Journal.bind`, which still starts the session, so that
    the labels can be corrected on the same open journal with
    :meth:`~Journal.relabel`, :meth:`~Journal.remove_label` or
    :meth:`~Journal.undo`.

    Attributes
    ----------
    problems : list of dict
        One per bad label: ``index``, ``label`` and ``reason``.

    Examples
    --------
    >>> import os, tempfile
    >>> from skal.journal import Journal, JournalLabelError
    >>> path = os.path.join(tempfile.mkdtemp(), "labels.sqlite")
    >>> with Journal(path) as journal:
    ...     journal.bind(["a", "b", "c"])
    ...     journal.add_label(0, "cat")
    ...     journal.add_label(1, "dgo")  # a typo
    >>> with Journal(path) as journal:
    ...     try:
    ...         journal.bind(["a", "b", "c"], classes=["cat", "dog"])
    ...     except JournalLabelError as error:
    ...         print(error.problems[0]["index"], error.problems[0]["label"])
    ...         print(journal.relabel(1, "dog"))
    1 dgo
    dgo
    """

    def __init__(self, message, problems=()):
        super().__init__(message)
        self.problems = list(problems)
