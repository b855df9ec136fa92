"""Pool state: which rows of the data given to ``fit`` are labeled, in which
order they were labeled, their labels, and the outside samples taught with
``teach(X, y)``.

:class:`LabeledPool` changes only through :meth:`~LabeledPool.add`,
:meth:`~LabeledPool.add_outside`, :meth:`~LabeledPool.relabel` and
:meth:`~LabeledPool.forget`; :meth:`~LabeledPool.snapshot` and
:meth:`~LabeledPool.restore` make a learner's ``teach`` atomic (a failed
refit leaves the pool exactly as it was).
"""

import numpy as np

from skal._data import n_rows, stack_rows, take_rows

__all__ = ["LabeledPool", "check_positions"]


def check_positions(indices, n, *, what="indices"):
    """``indices`` as distinct integer positions in ``[0, n)``."""
    idx = np.asarray(indices)
    if idx.ndim != 1 or (idx.size and idx.dtype.kind not in "iu"):
        raise ValueError(f"{what} must be a 1-d array of integer positions.")
    idx = idx.astype(np.intp)
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise ValueError(
            f"{what} must be positions in [0, {n}) of the data given to fit; got "
            f"values in [{idx.min()}, {idx.max()}]."
        )
    if np.unique(idx).shape[0] != idx.shape[0]:
        raise ValueError(f"{what} contain duplicates; label each row once.")
    return idx


def _merge_labels(old, new):
    """``old`` followed by ``new``, refusing a change of label kind that
    would silently turn labels into other labels (1.5 into 1, 2 into "2")."""
    new = np.asarray(new)
    if new.dtype.kind == "U":
        new = new.astype(object)
    if old.shape[0] == 0 and old.dtype.kind not in "O" and new.dtype != old.dtype:
        return new.copy()
    numeric = "biuf"
    if old.dtype.kind in "iub" and new.dtype.kind == "f":
        if not np.all(np.mod(new, 1) == 0):
            raise ValueError(
                f"Labels {new[np.mod(new, 1) != 0][:5].tolist()} are not integers, "
                "but the labels so far are; use one type for all labels."
            )
        new = new.astype(old.dtype)
    if (old.dtype.kind in numeric) != (new.dtype.kind in numeric) and new.size:
        kinds = {type(v) for v in new.tolist()} | {type(v) for v in old[:1].tolist()}
        if str in kinds and kinds & {int, float}:
            raise ValueError(
                "Labels mix strings and numbers; use one type for all labels."
            )
    merged = np.concatenate([old, new])
    if merged.dtype.kind == "O" and not any(isinstance(v, str) for v in merged):
        merged = np.asarray(merged.tolist())
    return merged


class LabeledPool:
    """The data given to ``fit`` and what is known about its rows.

    Parameters
    ----------
    X : container
        Every row given to ``fit``, labeled or not.
    label_dtype : numpy dtype
        The dtype labels are stored in.
    """

    def __init__(self, X, label_dtype):
        self.X = X
        self.n = n_rows(X)
        self._mask = np.zeros(self.n, dtype=bool)
        self.order = np.empty(0, dtype=np.intp)
        self.y = np.empty(0, dtype=label_dtype)
        self.X_outside = None
        self.y_outside = np.empty(0, dtype=label_dtype)
        # Bumped on every change: what a cache computed from the labeled set
        # (distances to the labeled rows, say) checks before it is reused.
        self.version = 0

    # ---------------------------------------------------------------- reading
    @property
    def n_labeled(self):
        """Labels of remembered rows plus outside samples."""
        return self.order.shape[0] + self.y_outside.shape[0]

    def is_labeled(self, indices):
        return self._mask[indices]

    def unlabeled(self):
        """Positions of the unlabeled remembered rows, increasing."""
        return np.flatnonzero(~self._mask)

    def training_set(self):
        """``(X, y)`` of every labeled sample: remembered rows in labeling
        order, then outside samples."""
        X_lab = take_rows(self.X, self.order)
        X_train = stack_rows([X_lab, self.X_outside])
        if X_train is None:
            X_train = X_lab
        if not self.y_outside.shape[0]:
            return X_train, self.y
        return X_train, _merge_labels(self.y, self.y_outside)

    # --------------------------------------------------------------- changing
    def add(self, indices, labels):
        """Label unlabeled remembered rows, in the order given."""
        already = indices[self._mask[indices]]
        if already.size:
            raise ValueError(
                f"Rows {already.tolist()[:10]} are already labeled; query() never "
                "returns them, so these indices are stale (relabel() corrects a "
                "label)."
            )
        self._mask[indices] = True
        self.order = np.concatenate([self.order, indices])
        self.y = _merge_labels(self.y, labels)
        self.version += 1

    def add_outside(self, X, labels):
        """Label samples from outside the remembered data."""
        self.X_outside = stack_rows([self.X_outside, X])
        self.y_outside = _merge_labels(self.y_outside, labels)
        self.version += 1

    def _where(self, indices):
        missing = indices[~self._mask[indices]]
        if missing.size:
            raise ValueError(
                f"Rows {missing.tolist()[:10]} are not labeled; teach() labels "
                "them first."
            )
        position = np.full(self.n, -1, dtype=np.intp)
        position[self.order] = np.arange(self.order.shape[0])
        return position[indices]

    def relabel(self, indices, labels):
        """Replace the labels of labeled remembered rows."""
        where = self._where(indices)
        # Merging validates the new labels and promotes the dtype if needed.
        merged = _merge_labels(self.y, labels)
        y = merged[: self.y.shape[0]].copy()
        y[where] = merged[self.y.shape[0] :]
        self.y = y
        self.version += 1

    def forget(self, indices):
        """Make labeled remembered rows unlabeled again."""
        where = self._where(indices)
        keep = np.ones(self.order.shape[0], dtype=bool)
        keep[where] = False
        self._mask[indices] = False
        self.order = self.order[keep]
        self.y = self.y[keep]
        self.version += 1

    # -------------------------------------------------------------- atomicity
    def snapshot(self):
        """Everything :meth:`restore` needs; arrays are replaced, never edited
        in place, except the mask, which is copied."""
        return (
            self._mask.copy(),
            self.order,
            self.y,
            self.X_outside,
            self.y_outside,
            self.version,
        )

    def restore(self, state):
        (
            self._mask,
            self.order,
            self.y,
            self.X_outside,
            self.y_outside,
            self.version,
        ) = state

    def without_data(self):
        """A copy that keeps the labels but not the rows (for pickling a
        scorer to workers)."""
        twin = object.__new__(type(self))
        twin.__dict__.update(self.__dict__)
        twin.X = None
        twin.X_outside = None
        return twin
