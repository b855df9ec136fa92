"""skal's journal of a Label Studio project: labels by task id, never by position.

A :class:`~skal.journal.Journal` is bound to one pool, with indices that are
positions in it, and refuses any other pool. For a project, the pool is its
**task ids in ascending order**: journal row ``i`` is task ``task_ids[i]``,
and the journal's fingerprint guards that mapping. When tasks are added to
(or deleted from) the project, the task set -- and so the pool -- changes:
the project then gets a new journal, one **per task set**, in the same
folder::

    <folder>/tasks-<fingerprint>.sqlite   the journal of one task set
    <folder>/tasks-<fingerprint>.json     its task ids, in pool order

The new journal is filled from Label Studio's annotations on the next sync;
the previous ones stay, untouched, so the audit trail of every task id is
the union of all of them (:meth:`ProjectJournal.history`). Going back to an
earlier task set reopens its journal.

Every call into :class:`~skal.journal.Journal` lives in this module.
"""

import json
import os

import numpy as np

from skal.journal import Journal, pool_fingerprint

__all__ = ["ProjectJournal"]

SOURCE = "label-studio"


class ProjectJournal:
    """The journals of one project, one per task set, in one folder.

    Parameters
    ----------
    folder : str or path-like
        Created by the first :meth:`open` if missing.

    Attributes
    ----------
    path : str or None
        The journal of the current task set, once :meth:`open` was called.
    task_ids : ndarray of int or None
        The current task set, ascending: the journal's pool.

    Examples
    --------
    >>> import tempfile
    >>> from skal.integrations.label_studio import ProjectJournal
    >>> journal = ProjectJournal(tempfile.mkdtemp())
    >>> journal.open([7, 3, 9])
    True
    >>> journal.add(9, "cat", round=1)
    >>> journal.labels()
    {9: 'cat'}
    >>> journal.open([3, 7, 9, 12])  # a task was added: a new journal
    True
    >>> journal.labels()  # filled again from Label Studio by the next sync
    {}
    >>> [entry["label"] for entry in journal.history(9)]
    ['cat']
    >>> journal.close()
    """

    def __init__(self, folder):
        self.folder = os.fspath(folder)
        self.path = None
        self.task_ids = None
        self._journal = None
        self._row = {}

    # -------------------------------------------------------------- binding
    def open(self, task_ids, learner=None):
        """Bind to a task set; open (or create) its journal.

        Parameters
        ----------
        task_ids : iterable of int
            The project's task ids, in any order.
        learner : estimator, default=None
            Recorded with the session.

        Returns
        -------
        changed : bool
            Whether the task set differs from the one bound before (always
            True on the first call).
        """
        ids = np.unique(np.asarray(list(task_ids), dtype=np.int64))
        if self.task_ids is not None and np.array_equal(ids, self.task_ids):
            return False
        pool = ids.reshape(-1, 1)
        os.makedirs(self.folder, exist_ok=True)
        stem = os.path.join(self.folder, f"tasks-{pool_fingerprint(pool)[:16]}")
        _write_ids(stem + ".json", ids)
        journal = Journal(stem + ".sqlite")
        try:
            journal.bind(pool, learner)
        except BaseException:
            journal.close()
            raise
        self.close()
        self._journal, self.path, self.task_ids = journal, stem + ".sqlite", ids
        self._row = {int(t): i for i, t in enumerate(ids)}
        return True

    def _index(self, task_id):
        if self._journal is None:
            raise RuntimeError("Call open(task_ids) first.")
        try:
            return self._row[int(task_id)]
        except KeyError:
            raise KeyError(f"Task {task_id} is not in the bound task set.") from None

    # -------------------------------------------------------------- labels
    def labels(self):
        """The current labels: ``{task_id: label}``."""
        if self._journal is None:
            raise RuntimeError("Call open(task_ids) first.")
        ids = self.task_ids
        return {int(ids[i]): label for i, label in self._journal.labels()}

    def add(self, task_id, label, *, round=None):
        """Record a task's first label."""
        self._journal.add_label(self._index(task_id), label, round=round, source=SOURCE)

    def relabel(self, task_id, label, *, round=None):
        """Correct a task's label; the previous one stays in the history."""
        return self._journal.relabel(
            self._index(task_id), label, source=SOURCE, round=round
        )

    def remove(self, task_id):
        """Withdraw a task's label; the history keeps it."""
        return self._journal.remove_label(self._index(task_id), source=SOURCE)

    def last_round(self):
        """The highest round recorded with a label in any of the journals."""
        best = None
        for path, _ in self.generations():
            if path == self.path:
                entries = self._journal.history()
            else:
                with Journal(path, readonly=True) as old:
                    entries = old.history()
            rounds = [e["round"] for e in entries if e["round"] is not None]
            if rounds:
                best = max(rounds) if best is None else max(best, max(rounds))
        return best

    # ------------------------------------------------------------- history
    def generations(self):
        """Every journal of the project: ``[(path, task_ids), ...]``, oldest first."""
        found = []
        if not os.path.isdir(self.folder):
            return found
        for name in os.listdir(self.folder):
            if name.startswith("tasks-") and name.endswith(".json"):
                stem = os.path.join(self.folder, name[: -len(".json")])
                if os.path.exists(stem + ".sqlite"):
                    with open(stem + ".json", encoding="utf-8") as handle:
                        record = json.load(handle)
                    found.append((record["created"], stem + ".sqlite", record))
        found.sort()
        return [
            (path, np.asarray(r["task_ids"], dtype=np.int64)) for _, path, r in found
        ]

    def history(self, task_id=None):
        """The audit trail, by task id, across every task set's journal.

        Parameters
        ----------
        task_id : int, default=None
            One task; every task if None.

        Returns
        -------
        entries : list of dict
            The journals' history entries, each with ``task_id`` and
            ``journal`` (the file) added, oldest first.
        """
        entries = []
        for path, ids in self.generations():
            rows = {int(t): i for i, t in enumerate(ids)}
            if task_id is not None and int(task_id) not in rows:
                continue
            index = None if task_id is None else rows[int(task_id)]
            if path == self.path:
                found = self._journal.history(index)
            else:
                with Journal(path, readonly=True) as old:
                    found = old.history(index)
            for entry in found:
                entry = dict(entry)
                entry["task_id"] = int(ids[entry["index"]])
                entry["journal"] = path
                entries.append(entry)
        entries.sort(key=lambda e: e.get("time") or 0.0)
        return entries

    def close(self):
        """Close the current journal (idempotent)."""
        if self._journal is not None:
            self._journal.close()
        self._journal, self.path, self.task_ids, self._row = None, None, None, {}


def _write_ids(path, ids):
    if os.path.exists(path):
        return
    import datetime

    record = {
        "task_ids": [int(t) for t in ids],
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(),
    }
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(record, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
