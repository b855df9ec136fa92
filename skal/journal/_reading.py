"""Reading a journal: current labels, the full history, rounds, exports.

Every reader sees corrections and undos: only the latest answer in effect
counts, and a retracted skip or don't know no longer does.
"""

import json

from skal.journal import _log
from skal.journal._errors import JournalError
from skal.journal._labels import check_classes, decode_label, label_problem

__all__ = ["JournalReading"]

_KINDS = ("label", "skip", "unknown")


class JournalReading:
    """The reading methods of :class:`skal.journal.Journal`."""

    def _readable(self):
        if self._conn is None:
            raise JournalError(f"The journal {self.path!r} is closed.")
        return self._conn

    def meta(self, key, default=None):
        """A value of the journal's metadata.

        Parameters
        ----------
        key : str
            ``"format"``, ``"created"``, ``"skal_version"``,
            ``"pool_fingerprint"``, ``"n_pool"``, ``"label_type"``,
            ``"classes"`` (JSON), ``"row_keys"`` or ``"migrated_from"``.
        default : object, default=None
            Returned when the key is not set.

        Returns
        -------
        value : str or default
            The stored text.

        Examples
        --------
        >>> import os, tempfile
        >>> from skal.journal import Journal
        >>> with Journal(os.path.join(tempfile.mkdtemp(), "j.sqlite")) as journal:
        ...     journal.bind(["a", "b", "c"])
        ...     print(journal.meta("n_pool"), journal.meta("label_type", "unset"))
        3 unset
        """
        row = (
            self._readable()
            .execute("SELECT value FROM meta WHERE key = ?", (key,))
            .fetchone()
        )
        return default if row is None else row[0]

    def labels(self, *, source=None):
        """The current label of every labeled row.

        Parameters
        ----------
        source : str, default=None
            Only labels whose latest answer came from this source
            (``"oracle"``, ``"initial"``).

        Returns
        -------
        labels : list of (int, label) tuples
            Pool index and current label, ordered by when that label was
            given (a relabeled row moves to the time of its correction).

        Examples
        --------
        >>> import os, tempfile
        >>> from skal.journal import Journal
        >>> with Journal(os.path.join(tempfile.mkdtemp(), "j.sqlite")) as journal:
        ...     journal.bind(["a", "b", "c"])
        ...     journal.add_label(0, "x", source="initial")
        ...     journal.add_label(2, "y")
        ...     _ = journal.relabel(0, "y")
        ...     print(journal.labels(), journal.labels(source="initial"))
        [(2, 'y'), (0, 'y')] []
        """
        sql = (
            "SELECT c.idx, a.label FROM current_labels c JOIN answers a "
            "ON a.seq = c.seq"
        )
        args = ()
        if source is not None:
            sql += " WHERE a.source = ?"
            args = (source,)
        rows = self._readable().execute(sql + " ORDER BY c.seq", args)
        return [(idx, decode_label(label)) for idx, label in rows]

    def n_labels(self, *, source=None):
        """How many rows have a current label (from ``source`` if given).

        Parameters
        ----------
        source : str, default=None
            Count only labels whose latest answer came from this source.

        Returns
        -------
        n : int
            The number of labeled rows.

        Examples
        --------
        >>> import os, tempfile
        >>> from skal.journal import Journal
        >>> with Journal(os.path.join(tempfile.mkdtemp(), "j.sqlite")) as journal:
        ...     journal.bind(["a", "b", "c"])
        ...     journal.add_label(0, "x")
        ...     journal.add_label(1, "y")
        ...     _ = journal.remove_label(0)
        ...     print(journal.n_labels(), journal.n_labels(source="initial"))
        1 0
        """
        sql = "SELECT COUNT(*) FROM current_labels c JOIN answers a ON a.seq = c.seq"
        args = ()
        if source is not None:
            sql += " WHERE a.source = ?"
            args = (source,)
        return self._readable().execute(sql, args).fetchone()[0]

    def answers(self):
        """The answers in effect, oldest first: each row's current label and
        every skip and don't know not undone.

        Returns
        -------
        answers : list of dict
            Keys ``index``, ``kind`` (``"label"``, ``"skip"`` or
            ``"unknown"``), ``label`` (None unless a label), ``round``,
            ``session``, ``source``, ``time`` (Unix seconds).

        See Also
        --------
        history : Every answer and correction, retracted ones included.

        Examples
        --------
        >>> import os, tempfile
        >>> from skal.journal import Journal
        >>> with Journal(os.path.join(tempfile.mkdtemp(), "j.sqlite")) as journal:
        ...     journal.bind(["a", "b", "c"])
        ...     journal.add_answer(1, "skip")
        ...     journal.add_label(2, "x")
        ...     [(a["index"], a["kind"], a["label"]) for a in journal.answers()]
        [(1, 'skip', None), (2, 'label', 'x')]
        """
        rows = self._readable().execute(
            "SELECT a.idx, CASE WHEN a.kind = 'relabel' THEN 'label' ELSE a.kind "
            "END, a.label, a.round, a.session, a.source, a.time FROM answers a "
            "WHERE a.seq IN (SELECT seq FROM current_labels) OR (a.kind IN "
            "('skip', 'unknown') AND NOT EXISTS (SELECT 1 FROM answers u WHERE "
            "u.undoes = a.seq)) ORDER BY a.seq"
        )
        return [
            {
                "index": idx,
                "kind": kind,
                "label": None if label is None else decode_label(label),
                "round": rnd,
                "session": session,
                "source": source,
                "time": t,
            }
            for idx, kind, label, rnd, session, source, t in rows
        ]

    def history(self, index=None):
        """Every answer and correction ever recorded, oldest first.

        Parameters
        ----------
        index : int, default=None
            Only the entries of this pool row.

        Returns
        -------
        history : list of dict
            Keys ``seq`` (order of recording), ``index``, ``kind``
            (``"label"``, ``"relabel"``, ``"remove"``, ``"skip"``,
            ``"unknown"`` or ``"undo"``), ``label`` (the label given),
            ``previous`` (the label a relabel or remove replaced), ``undoes``
            (the ``seq`` an undo retracted), ``round``, ``session``,
            ``source``, ``time``, ``superseded`` (a label change a later one
            replaced) and ``undone`` (retracted by an undo).

        Examples
        --------
        >>> import os, tempfile
        >>> from skal.journal import Journal
        >>> with Journal(os.path.join(tempfile.mkdtemp(), "j.sqlite")) as journal:
        ...     journal.bind(["a", "b"])
        ...     journal.add_label(1, "cat")
        ...     _ = journal.relabel(1, "dog")
        ...     _ = journal.undo()
        ...     for entry in journal.history(1):
        ...         print(entry["kind"], entry["label"], entry["previous"],
        ...               entry["superseded"], entry["undone"])
        label cat None False False
        relabel dog cat False True
        undo None None False False
        """
        conn = self._readable()
        if index is not None:
            index = int(index)
        return _log.history(conn, index)

    def indices(self, kind):
        """Pool rows with an answer of ``kind`` in effect.

        Parameters
        ----------
        kind : {"label", "skip", "unknown"}
            ``"label"``: rows with a current label, ordered like
            :meth:`labels`; ``"skip"`` and ``"unknown"``: rows with such an
            answer not undone, in the order of their first one.

        Returns
        -------
        indices : list of int
            Positions in the pool.

        Examples
        --------
        >>> import os, tempfile
        >>> from skal.journal import Journal
        >>> with Journal(os.path.join(tempfile.mkdtemp(), "j.sqlite")) as journal:
        ...     journal.bind(["a", "b", "c"])
        ...     journal.add_answer(2, "unknown")
        ...     journal.add_answer(0, "unknown")
        ...     _ = journal.undo()  # the don't know for row 0
        ...     print(journal.indices("unknown"), journal.indices("label"))
        [2] []
        """
        if kind not in _KINDS:
            raise ValueError(f"kind must be one of {_KINDS}, got {kind!r}.")
        conn = self._readable()
        if kind == "label":
            return [
                r[0]
                for r in conn.execute("SELECT idx FROM current_labels ORDER BY seq")
            ]
        rows = conn.execute(
            "SELECT a.idx FROM answers a WHERE a.kind = ? AND NOT EXISTS (SELECT 1 "
            "FROM answers u WHERE u.undoes = a.seq) GROUP BY a.idx "
            "ORDER BY MIN(a.seq)",
            (kind,),
        )
        return [row[0] for row in rows]

    def open_round(self):
        """The last round if it was interrupted, with its unanswered samples.

        A sample counts as answered if it has a current label, a don't know
        in effect, or a skip in effect given in that round; an undone answer
        makes it pending again.

        Returns
        -------
        open : tuple (round, pending) or None
            ``pending`` lists the queried samples still unanswered, in query
            order. None if every round was finished.

        Examples
        --------
        >>> import os, tempfile
        >>> from skal.journal import Journal
        >>> with Journal(os.path.join(tempfile.mkdtemp(), "j.sqlite")) as journal:
        ...     journal.bind(["a", "b", "c", "d"])
        ...     journal.start_round(0, [3, 1, 2])
        ...     journal.add_label(3, "x", round=0)
        ...     journal.add_answer(1, "skip", round=0)
        ...     _ = journal.undo()  # the skip
        ...     print(journal.open_round())
        (0, [1, 2])
        """
        conn = self._readable()
        row = conn.execute(
            "SELECT round, queried, finished FROM rounds ORDER BY round DESC LIMIT 1"
        ).fetchone()
        if row is None or row[2] is not None:
            return None
        rnd, queried = row[0], json.loads(row[1])
        answered = {
            r[0]
            for r in conn.execute(
                "SELECT idx FROM current_labels UNION SELECT a.idx FROM answers a "
                "WHERE (a.kind = 'unknown' OR (a.kind = 'skip' AND a.round = ?)) "
                "AND NOT EXISTS (SELECT 1 FROM answers u WHERE u.undoes = a.seq)",
                (rnd,),
            )
        }
        return rnd, [i for i in queried if i not in answered]

    def next_round(self):
        """The number the next round should take.

        Returns
        -------
        round : int
            One more than the last round recorded, 0 for a new journal.

        Examples
        --------
        >>> import os, tempfile
        >>> from skal.journal import Journal
        >>> with Journal(os.path.join(tempfile.mkdtemp(), "j.sqlite")) as journal:
        ...     journal.bind(["a", "b"])
        ...     before = journal.next_round()
        ...     journal.start_round(before, [0, 1])
        ...     print(before, journal.next_round())
        0 1
        """
        row = self._readable().execute("SELECT MAX(round) FROM rounds").fetchone()
        return 0 if row[0] is None else row[0] + 1

    def row_fingerprints(self):
        """The fingerprint of each answered row, as recorded when answered.

        They let an export find each labeled row again by its contents (see
        :func:`skal.journal.row_fingerprints`); the keys passed to
        :meth:`bind` as ``row_keys``, or the pool's rows, were hashed.

        Returns
        -------
        fingerprints : dict of int to str
            Pool index to 64 hexadecimal characters.

        Examples
        --------
        >>> import os, tempfile
        >>> from skal.journal import Journal, row_fingerprints
        >>> pool = ["a", "b", "c"]
        >>> with Journal(os.path.join(tempfile.mkdtemp(), "j.sqlite")) as journal:
        ...     journal.bind(pool)
        ...     journal.add_label(2, "x")
        ...     print(journal.row_fingerprints() == {2: row_fingerprints(pool)[2]})
        True
        """
        rows = self._readable().execute(
            "SELECT idx, fingerprint FROM row_fingerprints ORDER BY idx"
        )
        return dict(rows)

    def invalid_labels(self, classes=None):
        """Current labels a learner could not train on.

        A label is invalid if its type is not the journal's (fixed by its
        declared classes, else by its first label) or if it is not one of
        the declared classes.

        Parameters
        ----------
        classes : list, default=None
            Check against these classes instead of the declared ones.

        Returns
        -------
        problems : list of dict
            ``index``, ``label`` and ``reason`` of each invalid label, by row.

        Examples
        --------
        >>> import os, tempfile
        >>> from skal.journal import Journal
        >>> with Journal(os.path.join(tempfile.mkdtemp(), "j.sqlite")) as journal:
        ...     journal.bind(["a", "b"])
        ...     journal.add_label(0, "cat")
        ...     (problem,) = journal.invalid_labels(classes=["dog", "bird"])
        ...     print(problem["index"], problem["label"], problem["reason"])
        0 cat it is not one of the classes ['dog', 'bird']
        """
        journal_type = self.meta("label_type")
        if classes is None:
            stored = self.meta("classes")
            classes = None if stored is None else json.loads(stored)
        else:
            classes, journal_type = check_classes(classes)
        problems = []
        for index, label in sorted(self.labels()):
            why = label_problem(label, journal_type, classes)
            if why is not None:
                problems.append({"index": index, "label": label, "reason": why})
        return problems

    def export_csv(self, file, *, kinds=("label",)):
        """Write the answers in effect as CSV: index, kind, label, round,
        source, time.

        Parameters
        ----------
        file : str, path-like or text file object
            Where to write; a path is replaced atomically (a crash leaves
            the old file or the new one, never half of one).
        kinds : tuple of str, default=("label",)
            Which answers to write; add ``"skip"`` and ``"unknown"`` for the
            full record.

        Returns
        -------
        n_rows : int
            Rows written (the header excluded).

        Examples
        --------
        >>> import io, os, tempfile
        >>> from skal.journal import Journal
        >>> with Journal(os.path.join(tempfile.mkdtemp(), "j.sqlite")) as journal:
        ...     journal.bind(["a", "b"])
        ...     journal.add_label(1, "x", round=0)
        ...     out = io.StringIO()
        ...     print(journal.export_csv(out))
        1
        >>> out.getvalue().splitlines()[1].split(",")[:5]
        ['1', 'label', 'x', '0', 'oracle']
        """
        import csv
        import datetime

        from skal._files import text_output

        rows = [a for a in self.answers() if a["kind"] in kinds]
        with text_output(file) as handle:
            writer = csv.writer(handle)
            writer.writerow(["index", "kind", "label", "round", "source", "time"])
            for a in rows:
                writer.writerow(
                    [
                        a["index"],
                        a["kind"],
                        "" if a["label"] is None else a["label"],
                        "" if a["round"] is None else a["round"],
                        a["source"],
                        datetime.datetime.fromtimestamp(a["time"]).isoformat(
                            timespec="seconds"
                        ),
                    ]
                )
        return len(rows)
