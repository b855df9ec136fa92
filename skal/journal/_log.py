"""The answers log and the current labels derived from it.

``answers`` is append-only: a label, a relabel, a removal, a skip, a don't
know, or an undo of an earlier entry. Per row, the label-changing entries
(label, relabel, remove) not undone form a stack whose top says the row's
state: labeled (label, relabel) or not (remove, or an empty stack). Undo only
ever retracts the top of a row's stack, or a skip or don't know.

``current_labels`` holds, per labeled row, the entry that gave its current
label; its primary key makes the database itself refuse two current labels
for one row. Every change to it is made in the transaction that appends the
entry causing it, and :func:`replay` rebuilds it from the log alone, so a
journal whose two disagree is detected on open.
"""

import time

from skal.journal._labels import decode_label

__all__ = ["LABEL_CHANGES", "KINDS", "append", "current", "replay"]

#: Entries that change a row's label.
LABEL_CHANGES = ("label", "relabel", "remove")
#: Every kind of entry in the log.
KINDS = (*LABEL_CHANGES, "skip", "unknown", "undo")

_COLUMNS = "seq, idx, kind, label, previous, undoes, round, session, source, time"


def append(conn, index, kind, *, label=None, previous=None, undoes=None, **ctx):
    """Append one entry; ``ctx`` holds ``round``, ``session`` and ``source``."""
    cursor = conn.execute(
        "INSERT INTO answers (idx, kind, label, previous, undoes, round, session, "
        "source, time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            index,
            kind,
            label,
            previous,
            undoes,
            ctx.get("round"),
            ctx.get("session"),
            ctx["source"],
            time.time(),
        ),
    )
    return cursor.lastrowid


def current(conn, index):
    """``(seq, label_text)`` of a row's current label, or None."""
    return conn.execute(
        "SELECT c.seq, a.label FROM current_labels c JOIN answers a "
        "ON a.seq = c.seq WHERE c.idx = ?",
        (index,),
    ).fetchone()


def set_current(conn, index, seq):
    conn.execute(
        "INSERT INTO current_labels (idx, seq) VALUES (?, ?) "
        "ON CONFLICT (idx) DO UPDATE SET seq = excluded.seq",
        (index, seq),
    )


def live_top(conn, index):
    """The top of a row's stack: ``(seq, kind, label)`` of its latest
    label-changing entry not undone, or None."""
    return conn.execute(
        "SELECT a.seq, a.kind, a.label FROM answers a WHERE a.idx = ? "
        "AND a.kind IN ('label', 'relabel', 'remove') AND NOT EXISTS "
        "(SELECT 1 FROM answers u WHERE u.undoes = a.seq) "
        "ORDER BY a.seq DESC LIMIT 1",
        (index,),
    ).fetchone()


def latest_in_effect(conn, session=None):
    """The latest entry an undo may retract, as a log row, or None.

    In effect are the skips and don't knows not undone and, per row, the top
    of its stack.
    """
    sql = (
        f"SELECT {_COLUMNS} FROM answers a WHERE a.kind != 'undo' AND NOT EXISTS "
        "(SELECT 1 FROM answers u WHERE u.undoes = a.seq) AND (a.kind IN "
        "('skip', 'unknown') OR a.seq = (SELECT MAX(b.seq) FROM answers b "
        "WHERE b.idx = a.idx AND b.kind IN ('label', 'relabel', 'remove') AND "
        "NOT EXISTS (SELECT 1 FROM answers v WHERE v.undoes = b.seq)))"
    )
    args = ()
    if session is not None:
        sql += " AND a.session = ?"
        args = (session,)
    return conn.execute(sql + " ORDER BY a.seq DESC LIMIT 1", args).fetchone()


def log_rows(conn, index=None):
    sql = f"SELECT {_COLUMNS} FROM answers"
    args = ()
    if index is not None:
        sql += " WHERE idx = ?"
        args = (index,)
    return conn.execute(sql + " ORDER BY seq", args).fetchall()


def _same(a, b):
    return a is not None and b is not None and (type(a), a) == (type(b), b)


def replay(rows):
    """Rebuild the state from log rows (in ``seq`` order).

    Returns
    -------
    state : dict
        ``current`` ({index: seq of the entry giving its label}), ``undone``
        (set of seqs), ``superseded`` (set of seqs), ``problems`` (texts
        describing entries that break the log's rules).
    """
    stacks = {}  # index -> [(seq, kind, label)] of live label changes
    entries = {}
    undone, problems = set(), []
    for seq, index, kind, label, previous, undoes, *_ in rows:
        entries[seq] = (index, kind)
        stack = stacks.setdefault(index, [])
        top = stack[-1] if stack else None
        labeled = top is not None and top[1] != "remove"
        where = f"entry {seq} (row {index}, {kind})"
        try:
            new = None if label is None else decode_label(label)
            old = None if previous is None else decode_label(previous)
        except ValueError as exc:
            problems.append(f"{where}: {exc}")
            continue
        if kind == "label":
            if labeled:
                problems.append(f"{where}: the row already had a current label")
            stack.append((seq, kind, new))
        elif kind in ("relabel", "remove"):
            if not labeled:
                problems.append(f"{where}: the row had no label to change")
            elif not _same(old, top[2]):
                problems.append(
                    f"{where}: it records {old!r} as the label it replaced, but "
                    f"the row's label was {top[2]!r}"
                )
            stack.append((seq, kind, new))
        elif kind == "undo":
            target = entries.get(undoes)
            if target is None or undoes in undone or target[1] == "undo":
                problems.append(f"{where}: it undoes entry {undoes}, which it cannot")
                continue
            if target[0] != index:
                problems.append(f"{where}: it undoes entry {undoes} of another row")
                continue
            if target[1] in LABEL_CHANGES:
                if not stack or stack[-1][0] != undoes:
                    problems.append(
                        f"{where}: entry {undoes} was not the row's latest change"
                    )
                    continue
                stack.pop()
            undone.add(undoes)
    current_, superseded = {}, set()
    for index, stack in stacks.items():
        for seq, _, _ in stack[:-1]:
            superseded.add(seq)
        if stack and stack[-1][1] != "remove":
            current_[index] = stack[-1][0]
    return {
        "current": current_,
        "undone": undone,
        "superseded": superseded,
        "problems": problems,
    }


def history(conn, index=None):
    """Every entry (of one row if ``index`` is given) with its flags."""
    rows = log_rows(conn, index)
    state = replay(rows)
    out = []
    for seq, idx, kind, label, previous, undoes, rnd, session, source, t in rows:
        out.append(
            {
                "seq": seq,
                "index": idx,
                "kind": kind,
                "label": None if label is None else decode_label(label),
                "previous": None if previous is None else decode_label(previous),
                "undoes": undoes,
                "round": rnd,
                "session": session,
                "source": source,
                "time": t,
                "superseded": seq in state["superseded"],
                "undone": seq in state["undone"],
            }
        )
    return out
