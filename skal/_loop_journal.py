"""The annotation loop's journal: recording answers (:class:`JournalRecorder`),
resuming from what a journal holds, and one loop per journal file in a
process (a loop started on a journal another loop of this process holds
takes it over: re-running a notebook cell must not need a kernel restart).
"""

import contextlib
import os
import warnings
import weakref

from skal.engine import SKIP, UNKNOWN, Callback

__all__ = [
    "JournalRecorder",
    "bind",
    "correcting",
    "holder",
    "register",
    "release",
    "resume",
]

# Real journal path -> the loop of this process that has it open.
_HOLDERS = {}


class JournalRecorder(Callback):
    """Engine callback that commits every query and answer to a journal.

    Each answer is committed before the engine applies it: if the journal
    cannot write (a full disk, a lock held elsewhere), the engine refuses the
    answer and the same sample stays waiting, so nothing is recorded in one
    place and lost in the other.

    Parameters
    ----------
    journal : Journal
        Open for writing and bound to the pool.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skal import UncertaintySamplingClassifier
    >>> from skal.engine import RoundEngine
    >>> from skal.journal import Journal
    >>> from skal.loop import JournalRecorder
    >>> X = np.arange(20.0).reshape(-1, 1)
    >>> y = (X[:, 0] > 9).astype(int)
    >>> learner = UncertaintySamplingClassifier(
    ...     LogisticRegression(), random_state=0).fit(X, np.full(20, -1))
    >>> journal = Journal(os.path.join(tempfile.mkdtemp(), "j.sqlite"))
    >>> journal.bind(X)
    >>> engine = RoundEngine(learner, X, budget=4, batch_size=2,
    ...                      callbacks=[JournalRecorder(journal)])
    >>> engine.run(lambda row: int(row[0] > 9)).n_bought_, journal.n_labels()
    (4, 4)
    >>> journal.close()
    """

    def __init__(self, journal):
        self.journal = journal

    def on_round_begin(self, engine, indices, scores):
        self.journal.start_round(engine.round_, indices)

    def on_answer(self, engine, index, answer):
        if answer is SKIP or answer is UNKNOWN:
            kind = "skip" if answer is SKIP else "unknown"
            self.journal.add_answer(index, kind, round=engine.round_)
        else:
            self.journal.add_label(index, answer, round=engine.round_)

    def on_round_end(self, engine, record):
        if record["complete"]:
            self.journal.finish_round(record["round"])


def _key(path):
    return os.path.realpath(os.fsdecode(os.fspath(path)))


def holder(path):
    """The loop of this process that has the journal at ``path`` open, or None."""
    ref = _HOLDERS.get(_key(path))
    return None if ref is None else ref()


def register(loop, path):
    _HOLDERS[_key(path)] = weakref.ref(loop)


def release(loop, path):
    key = _key(path)
    ref = _HOLDERS.get(key)
    if ref is not None and ref() in (None, loop):
        del _HOLDERS[key]


def taken_over_warning(path, old):
    warnings.warn(
        f"The journal {os.fspath(path)!r} was held by {old!r} in this process "
        "(a cell run again?). That loop is closed now; every answer it got is in "
        "the journal, and this loop resumes from it.",
        UserWarning,
        stacklevel=4,
    )


def bind(journal, pool, learner, classes, own):
    """Bind ``journal`` to the pool; a journal with labels the learner cannot
    train on is refused with the loop's way out."""
    from skal.journal import JournalLabelError

    try:
        journal.bind(pool, learner, classes=classes)
    except JournalLabelError as exc:
        rows = [p["index"] for p in exc.problems]
        first = rows[0]
        shown = "; ".join(
            f"row {p['index']} is labeled {p['label']!r} ({p['reason']})"
            for p in exc.problems[:5]
        )
        more = f" (and {len(rows) - 5} more)" if len(rows) > 5 else ""
        how = (
            "then call run() again"
            if own
            else "or fix them on the Journal object itself"
        )
        raise JournalLabelError(
            f"The journal {journal.path!r} holds labels the learner cannot train "
            f"on: {shown}{more}. Correct them from this loop before it starts: "
            f"loop.relabel({first}, LABEL) or loop.remove_label({first}) "
            f"(the journal keeps the old labels in its history), {how}.",
            exc.problems,
        ) from None


def resume(journal, labels, budget):
    """Read the journal back, merging its labels into ``labels`` (from ``y``).

    Returns the rows the oracle labeled, the "don't know" rows, the next
    round and an interrupted round's unanswered samples (or None).

    The journal is the truth for every row it ever labeled: a label of ``y``
    for a row the journal relabeled, removed or undid is not taken again,
    and one that differs from an uncorrected journal label is refused.
    """
    from skal.journal import JournalError

    history = journal.history()
    touched = set()
    corrected = set()
    for entry in history:
        if entry["kind"] in ("label", "relabel", "remove"):
            touched.add(entry["index"])
            if entry["kind"] != "label" or entry["undone"]:
                corrected.add(entry["index"])
    initial = dict(labels)
    for index, label in journal.labels():
        if index in initial:
            given = initial.pop(index)
            if index not in corrected and given != label:
                raise JournalError(
                    f"y labels row {index} {given!r} but the journal "
                    f"{journal.path!r} has {label!r} for it. Fix y, use another "
                    f"journal, or correct the journal with loop.relabel({index}, "
                    f"{given!r}) before the loop starts."
                )
        labels[index] = label
    for index in sorted(initial):
        if index in touched:
            # Removed or undone in the journal: y must not bring it back.
            del labels[index]
            continue
        # Labels from y join the journal, so it alone can rebuild the set.
        journal.add_label(index, initial[index], source="initial")
    bought = [i for i, _ in journal.labels(source="oracle")]
    unknown = set(journal.indices("unknown")) - set(labels)
    open_round = journal.open_round()
    if open_round is None:
        return bought, unknown, journal.next_round(), None
    rnd, pending = open_round
    pending = [i for i in pending if i not in labels]
    if budget is not None:
        pending = pending[: max(0, budget - len(bought))]
    if not pending:
        journal.finish_round(rnd)
        return bought, unknown, rnd + 1, None
    return bought, unknown, rnd, pending


@contextlib.contextmanager
def correcting(live, journal, X, learner):
    """The journal to write a correction to: ``live`` (the loop's own, open)
    if given, else ``journal`` (the loop's parameter) opened for the moment:
    a loop not started yet, e.g. to fix the labels that keep it from
    starting, or one that has ended. None if the loop has no journal."""
    from skal._data import as_rows
    from skal.journal import Journal, JournalLabelError

    if live is not None or journal is None:
        yield live
        return
    own = not isinstance(journal, Journal)
    opened = Journal(journal) if own else journal
    try:
        # A bad label raises, but the session is started: that is what we fix.
        with contextlib.suppress(JournalLabelError):
            opened.bind(as_rows(X), learner)
        yield opened
    finally:
        if own:
            opened.close()
