"""Corrections in the annotation loop: relabel or remove any row's label and
undo the latest answer, with the journal's audit trail, the learner
retrained and the round engine's state kept consistent (see
:class:`skal.loop.AnnotationLoop`)."""

from skal._loop_journal import correcting

__all__ = ["LoopCorrections", "latest_oracle_entry"]

_CHANGES = ("label", "relabel", "remove")


def latest_oracle_entry(history):
    """The latest entry of a journal's history that its ``undo`` may retract
    and that an annotator gave (source ``"oracle"``), or None."""
    best = None
    for entry in history:
        if entry["kind"] == "undo" or entry["undone"] or entry["source"] != "oracle":
            continue
        if entry["kind"] in _CHANGES and entry["superseded"]:
            continue
        if best is None or entry["seq"] > best["seq"]:
            best = entry
    return best


def _record_again(journal, entry, round):
    """Write ``entry`` (an answer or correction just undone in the journal)
    again: the engine could not follow the undo."""
    index, kind = entry["index"], entry["kind"]
    if kind in ("skip", "unknown"):
        journal.add_answer(index, kind, round=round)
    elif kind == "remove":
        journal.remove_label(index)
    elif kind == "relabel" or entry.get("restored") is not None:
        journal.relabel(index, entry["label"], round=round)
    else:
        journal.add_label(index, entry["label"], round=round)


class LoopCorrections:
    """The correction methods of :class:`~skal.loop.AnnotationLoop`."""

    def relabel(self, index, label):
        """Give pool row ``index`` the label ``label``, correcting its label.

        Any row: a labeled one gets its label replaced (the journal keeps
        the old one in its history), an unlabeled one its first label (a
        skipped or "don't know" row, or one waiting in the current round,
        included; it then counts in ``n_bought_``). The learner is retrained
        on the corrected labels at once. A loop not started yet is started
        first, unless its journal holds labels that keep it from starting:
        then the journal alone is corrected, to fix them. After the loop has
        ended, the journal (opened again for the moment) and the learner are
        corrected.

        Parameters
        ----------
        index : int
            Position in the pool.
        label : label
            The correct label, validated like an answer.

        Returns
        -------
        previous : label or None
            The label the row had.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.linear_model import LogisticRegression
        >>> from skal import UncertaintySamplingClassifier
        >>> from skal.loop import AnnotationLoop
        >>> X, y = load_iris(return_X_y=True)
        >>> y_known = np.full_like(y, -1)
        >>> y_known[[0, 50, 100]] = y[[0, 50, 100]]
        >>> learner = UncertaintySamplingClassifier(
        ...     LogisticRegression(max_iter=500), random_state=0)
        >>> loop = AnnotationLoop(learner, X, y=y_known, verbose=0)
        >>> index = loop.next_query()
        >>> truth = int(y[index])
        >>> loop.submit((truth + 1) % 3)  # a slip
        >>> loop.relabel(index, truth) == (truth + 1) % 3
        True
        >>> loop.labels_[index] == truth, learner.n_labeled_
        (True, 4)
        """
        if label is None:
            raise ValueError(
                "relabel needs a label; remove_label(index) makes a row unlabeled."
            )
        return self._correct(index, label)

    def remove_label(self, index):
        """Make pool row ``index`` unlabeled again; the learner forgets it.

        The row may be queried again later. The journal keeps the removed
        label in its history.

        Parameters
        ----------
        index : int
            A labeled position in the pool.

        Returns
        -------
        removed : label
            The label the row had.
        """
        return self._correct(index, None)

    def undo(self):
        """Retract the latest answer or correction, in the journal (as one
        more entry: nothing is erased), the learner and the loop.

        An answer to a question (a label, a skip, a "don't know") is
        retracted and its sample is asked again next; a correction is
        reverted. This session's answers come first; once they are all
        undone, the latest answer of earlier sessions still in effect (from
        the journal). Labels that came with the data (``y``) are never
        undone.

        Returns
        -------
        undone : dict or None
            ``kind`` (``"label"``, ``"skip"``, ``"unknown"``,
            ``"relabel"`` or ``"remove"``), ``index``, ``label`` (the label
            retracted, if any) and ``previous`` (the label it replaced);
            None if there was nothing to undo.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.linear_model import LogisticRegression
        >>> from skal import UncertaintySamplingClassifier
        >>> from skal.loop import AnnotationLoop
        >>> X, y = load_iris(return_X_y=True)
        >>> y_known = np.full_like(y, -1)
        >>> y_known[[0, 50, 100]] = y[[0, 50, 100]]
        >>> loop = AnnotationLoop(UncertaintySamplingClassifier(
        ...     LogisticRegression(max_iter=500), random_state=0), X, y=y_known,
        ...     verbose=0)
        >>> first = loop.next_query()
        >>> loop.submit(2)
        >>> loop.undo()["index"] == first, loop.next_query() == first
        (True, True)
        >>> loop.n_bought_
        0
        """
        engine = self.engine_ if self._started() else None
        entry = None if engine is None else engine.last_answer()
        with correcting(
            self._live_journal(), self.journal, self.X, self.learner
        ) as journal:
            if entry is not None:
                if journal is not None:
                    done = journal.undo(session=self._session)
                    if done is None or (done["index"], done["kind"]) != (
                        entry["index"],
                        entry["kind"],
                    ):
                        from skal.journal import JournalError

                        raise JournalError(
                            f"The journal {journal.path!r} undid {done!r} where the "
                            f"loop expected {entry!r}: was it written to by "
                            "another program during this session?"
                        )
                try:
                    engine.undo()
                except BaseException:
                    if journal is not None:
                        _record_again(journal, done, engine.round_)
                    raise
                return {k: entry[k] for k in ("kind", "index", "label", "previous")}
            if journal is None:
                return None
            target = latest_oracle_entry(journal.history())
            if target is None:
                return None
            done = journal.undo(session=target["session"])
            if engine is not None:
                self._follow_journal_undo(journal, done)
            return {
                "kind": done["kind"],
                "index": done["index"],
                "label": done["label"],
                "previous": done["previous"],
            }

    def apply_command(self, command):
        """Carry out a front end's command: :data:`~skal.oracles.UNDO` or a
        :class:`~skal.oracles.Relabel` (what :meth:`run` does when an oracle
        returns one).

        Parameters
        ----------
        command : UNDO or Relabel

        Returns
        -------
        message : str
            What was done, in words, or why it was not ("Not done: ...").

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.linear_model import LogisticRegression
        >>> from skal import UncertaintySamplingClassifier
        >>> from skal.loop import AnnotationLoop
        >>> from skal.oracles import UNDO, Relabel
        >>> X, y = load_iris(return_X_y=True)
        >>> y_known = np.full_like(y, -1)
        >>> y_known[[0, 50, 100]] = y[[0, 50, 100]]
        >>> loop = AnnotationLoop(UncertaintySamplingClassifier(
        ...     LogisticRegression(max_iter=500), random_state=0), X, y=y_known,
        ...     verbose=0)
        >>> loop.apply_command(Relabel(50, 2))
        'Sample 50: 1 -> 2.'
        >>> loop.apply_command(UNDO)
        'Undid the correction of sample 50: it is 1 again.'
        >>> loop.apply_command(Relabel(9999, 2))
        'Not done: Row 9999 is outside the pool of 150 samples.'
        """
        from skal.journal import JournalError
        from skal.oracles import UNDO

        try:
            if command is UNDO:
                return self._describe_undo(self.undo())
            index, label = command
            if label is None:
                old = self.remove_label(index)
                return f"Sample {index}: the label {old!r} was removed."
            old = self.relabel(index, label)
            if old is None:
                return f"Sample {index} is labeled {label!r}."
            return f"Sample {index}: {old!r} -> {label!r}."
        except (ValueError, TypeError, JournalError) as exc:
            return f"Not done: {exc}"

    def _describe_undo(self, done):
        if done is None:
            return "Nothing to undo."
        index, kind = done["index"], done["kind"]
        again = (
            "; it is asked again"
            if self.engine_ is not None and index in self.engine_.pending_
            else ""
        )
        if kind == "label":
            return f"Undid the label {done['label']!r} of sample {index}{again}."
        if kind == "relabel":
            return (
                f"Undid the correction of sample {index}: it is "
                f"{done['previous']!r} again."
            )
        if kind == "remove":
            return f"Undid the removal: sample {index} is {done['previous']!r} again."
        what = "skip" if kind == "skip" else "don't know"
        return f"Undid the {what} of sample {index}{again}."

    # ----------------------------------------------------------- helpers
    def _follow_journal_undo(self, journal, done):
        """Apply to the engine an undo made in the journal (an answer of an
        earlier session)."""
        index, kind = done["index"], done["kind"]
        restored = done["restored"]
        origin = "oracle"
        if restored is not None and index not in dict(journal.labels(source="oracle")):
            origin = "initial"
        entry = {
            "kind": kind,
            "index": index,
            "label": done["label"],
            "previous": restored,
            "previous_origin": origin,
            "asked": kind in ("label", "skip", "unknown"),
        }
        try:
            self.engine_.revert(entry)
        except BaseException:
            _record_again(journal, done, self.engine_.round_)
            raise

    def _started(self):
        """Start the loop for a correction; False if its journal holds
        labels that keep it from starting (the correction then goes to the
        journal alone, to fix them)."""
        from skal.journal import JournalLabelError

        if self.engine_ is None and not self._closed:
            try:
                self.start()
            except JournalLabelError:
                return False
        return self.engine_ is not None

    def _correct(self, index, label):
        if not self._started():
            return self._correct_journal_only(index, label)
        engine = self.engine_
        index = engine.validate_index(index)
        if label is not None:
            label = engine.check_label(index, label)
        old = engine.labels_.get(index)
        if label is None and old is None:
            raise ValueError(f"Row {index} has no label to remove.")
        if label is not None and old is not None and engine.same_label(old, label):
            return old
        with correcting(
            self._live_journal(), self.journal, self.X, self.learner
        ) as journal:
            if journal is not None:
                if label is None:
                    journal.remove_label(index)
                elif old is None:
                    journal.add_label(index, label, round=engine.round_)
                else:
                    journal.relabel(index, label, round=engine.round_)
            try:
                engine.set_label(index, label)
            except BaseException:
                if journal is not None:
                    journal.undo(session=journal.session_)
                raise
        return old

    def _correct_journal_only(self, index, label):
        with correcting(None, self.journal, self.X, self.learner) as journal:
            labeled = {i for i, _ in journal.labels()}
            if label is None:
                return journal.remove_label(index)
            if index in labeled:
                return journal.relabel(index, label)
            journal.add_label(index, label)
            return None
