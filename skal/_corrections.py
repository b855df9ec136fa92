"""Corrections of labels already taught: :meth:`relabel` and :meth:`forget`.

Both change the pool through :class:`~skal._pool.LabeledPool` and retrain
atomically, like ``teach``: a failure leaves the learner exactly as it was.
"""

from sklearn.utils.validation import check_is_fitted

from skal import _labels
from skal._pool import check_positions

__all__ = ["CorrectionsMixin"]


class CorrectionsMixin:
    """``relabel`` and ``forget``; part of every learner."""

    def relabel(self, y, indices):
        """Correct the labels of labeled rows of the remembered pool; refit.

        Parameters
        ----------
        y : array-like of shape (n_rows,)
            The correct labels.
        indices : array-like of int
            Labeled positions into the data given to ``fit``.

        Returns
        -------
        self : object
        """
        check_is_fitted(self, "_pool")
        idx = check_positions(indices, self._pool.n)
        labels = _labels.check_labels(
            _labels.check_y(y, idx.shape[0]),
            self._classification(),
            self._declared_classes(),
        )
        self._atomic(lambda: self._pool.relabel(idx, labels))
        self._round += 1
        return self

    def forget(self, indices):
        """Make labeled rows of the remembered pool unlabeled again; refit.

        Parameters
        ----------
        indices : array-like of int
            Labeled positions into the data given to ``fit``.

        Returns
        -------
        self : object
        """
        check_is_fitted(self, "_pool")
        idx = check_positions(indices, self._pool.n)

        def change():
            self._pool.forget(idx)
            if not self._pool.n_labeled:
                raise ValueError("forget() would leave no label to train on.")

        self._atomic(change)
        self._round += 1
        return self
