"""Corrections for :class:`skal.engine.RoundEngine`: relabel or remove any
row's label, and undo the latest answer, with the learner retrained on the
corrected labels and the engine's state kept consistent.

Every answer and correction of the engine's life is kept in an undo stack.
Undoing an answer to a question (a label, a skip, a don't know) makes the
sample unanswered again and asks it again first; undoing a correction
restores the label it replaced. The learner follows every change at once:
``relabel`` for a taught row whose label changes, ``forget`` for one whose
label goes, ``teach`` for a new label; when the labels left cannot train a
model (a classifier left with one class), the learner is fitted again
without labels and they wait, as in a cold start, for a second class.
"""

import numpy as np

from skal import _labels
from skal._markers import SKIP, UNKNOWN

__all__ = ["CorrectionsMixin", "same_label"]


def same_label(a, b):
    """Whether two labels are the same label (``1 == 1.0``, ``1 != True``)."""
    return (type(a), a) == (type(b), b) or (
        isinstance(a, (int, float, np.generic))
        and isinstance(b, (int, float, np.generic))
        and not isinstance(a, bool)
        and not isinstance(b, bool)
        and a == b
    )


class CorrectionsMixin:
    """Relabel, remove and undo on the round engine."""

    def _init_corrections(self, bought):
        self._oracle_rows = set(int(i) for i in bought or ())
        self._undo_stack = []

    # ------------------------------------------------------------ public
    def set_label(self, index, label, *, origin="oracle", remember=True):
        """Give pool row ``index`` a label, replace its label, or remove it
        (``label=None``); the learner is retrained at once.

        Parameters
        ----------
        index : int
            Position in the pool; any row, labeled or not.
        label : label or None
            The new label (validated like an answer); None removes the label.
        origin : {"oracle", "initial"}, default="oracle"
            Who gave the label: oracle labels count in ``n_bought_``.
        remember : bool, default=True
            Whether :meth:`undo` can retract this change later.

        Returns
        -------
        previous : label or None
            The label the row had.
        """
        self._settle()
        index = self.validate_index(index)
        if label is not None:
            label = self.check_label(index, label)
        old = self.labels_.get(index)
        if label is None and old is None:
            raise ValueError(f"Row {index} has no label to remove.")
        if old is not None and label is not None and same_label(old, label):
            return old
        was_oracle = index in self._oracle_rows
        changed = self._retrain_for(index, label)
        # The learner took the change: now the state follows.
        if label is None:
            del self.labels_[index]
            if index in self._untaught:
                self._untaught.remove(index)
            self._taught.discard(index)
        else:
            self.labels_[index] = label
            if index not in self._taught and index not in self._untaught:
                self._untaught.append(index)
            if index in self.pending_:
                self.pending_.remove(index)
            self.skipped_.discard(index)
            self.unknown_.discard(index)
        if changed == "unfit":
            self._taught = set()
            self._untaught = list(self.labels_)
        oracle_now = label is not None and origin == "oracle"
        self.n_bought_ += int(oracle_now) - int(was_oracle)
        (self._oracle_rows.add if oracle_now else self._oracle_rows.discard)(index)
        if remember:
            kind = (
                "remove" if label is None else ("label" if old is None else "relabel")
            )
            self._undo_stack.append(
                {
                    "kind": kind,
                    "index": index,
                    "label": label,
                    "previous": old,
                    "previous_origin": "oracle" if was_oracle else "initial",
                    "asked": False,
                }
            )
        if self._teach_untaught():
            changed = True
        if changed:
            self._version += 1
            self._emit("on_model_change")
        return old

    def undo(self):
        """Retract the latest answer or correction not yet undone.

        An answer to a question (a label, a skip, a don't know) is retracted
        and its sample asked again first; a correction is reverted (the
        label it replaced comes back).

        Returns
        -------
        undone : dict or None
            ``kind`` (``"label"``, ``"skip"``, ``"unknown"``, ``"relabel"``,
            ``"remove"``), ``index``, ``label``, ``previous`` and ``asked``
            (whether it answered a question); None if there is nothing to
            undo.
        """
        self._settle()
        if not self._undo_stack:
            return None
        entry = self._undo_stack[-1]
        self.revert(entry)
        self._undo_stack.pop()
        return dict(entry)

    def last_answer(self):
        """The entry :meth:`undo` would retract, or None."""
        return dict(self._undo_stack[-1]) if self._undo_stack else None

    def revert(self, entry):
        """Apply the inverse of ``entry`` (as :meth:`undo` returns them) to
        the state and the learner; the undo stack is left as it is."""
        index, kind = entry["index"], entry["kind"]
        if kind in ("skip", "unknown"):
            (self.skipped_ if kind == "skip" else self.unknown_).discard(index)
        elif kind in ("label", "relabel", "remove"):
            previous = entry.get("previous")
            if previous is None:
                if index in self.labels_:
                    self.set_label(index, None, remember=False)
            else:
                self.set_label(
                    index,
                    previous,
                    origin=entry.get("previous_origin", "oracle"),
                    remember=False,
                )
        else:
            raise ValueError(f"Cannot revert an entry of kind {kind!r}.")
        self._forget_in_record(index, kind)
        if entry.get("asked") and index not in self.labels_:
            self.ask_again(index)

    def ask_again(self, index):
        """Ask about ``index`` next (it must be unanswered)."""
        index = self.validate_index(index)
        if index in self.labels_ or index in self.pending_ or self._ended:
            return
        self.skipped_.discard(index)
        self.unknown_.discard(index)
        if self._record is None:
            self._open_record([index], None, resumed=True)
        else:
            self._record["queried"].append(index)
        self.pending_.insert(0, index)

    def check_label(self, index, label):
        """``label`` as it would be recorded for row ``index``; raises if it
        cannot be used (a marker, the wrong type, not a declared class)."""
        if label is None or label is SKIP or label is UNKNOWN:
            raise ValueError(
                f"{label!r} is not a label; give a class (or remove the label)."
            )
        return self.check_answer(index, label)

    same_label = staticmethod(same_label)

    def validate_index(self, index):
        """``index`` as an int position in the pool; raises if it is not one."""
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise TypeError(f"A pool index must be an int, got {index!r}.")
        index = int(index)
        if not 0 <= index < self._n_pool:
            raise ValueError(
                f"Row {index} is outside the pool of {self._n_pool} samples."
            )
        return index

    def _forget_in_record(self, index, kind):
        """Take an undone answer out of the record of the round it was given
        in (the current one, or an earlier one of ``history_``)."""
        key = {"label": "labeled", "skip": "skipped", "unknown": "unknown"}.get(kind)
        if key is None:
            return
        records = [] if self._record is None else [self._record]
        for record in [*records, *reversed(self.history_)]:
            entries = record[key]
            kept = [e for e in entries if (e[0] if key == "labeled" else e) != index]
            if len(kept) != len(entries):
                record[key] = kept
                return

    def _retrain_for(self, index, label):
        """Change the learner for ``index`` getting ``label`` (None: no
        label). Returns False (nothing to retrain), True, or "unfit"."""
        if index not in self._taught:
            return False
        taught = {i: self.labels_[i] for i in self._taught if i != index}
        if label is not None:
            taught[index] = label
        if not _labels.can_train(
            list(taught.values()), self._classifier, model_ready=False
        ):
            self._unfit()
            return "unfit"
        if label is None:
            self.learner.forget([index])
        else:
            self.learner.relabel(_label_array([label]), [index])
        return True

    def _unfit(self):
        """Fit the learner on the pool again with no label at all."""
        if self.X is None:
            raise ValueError(
                "The labels left cannot train a model (one class only), and the "
                "engine has no pool (X) to fit the learner on without labels; "
                "give the RoundEngine its pool."
            )
        n = self._n_pool
        if self._classifier:
            strings = any(isinstance(v, str) for v in self.labels_.values())
            y = np.full(n, _labels.UNLABELED, dtype=object if strings else int)
        else:
            y = np.full(n, np.nan)
        self.learner.fit(self.X, y)


def _label_array(labels):
    if any(isinstance(v, str) for v in labels):
        return np.asarray(labels, dtype=object)
    return np.asarray(labels)
