"""Scoring the pool: the rows a query searches, the scorer shipped to the
one scoring path (:mod:`skal._scan`), the default top-k selection and
``informativeness``. Part of every learner (see
:class:`~skal.base.BaseActiveLearner`).
"""

import copy

import numpy as np
from sklearn.utils.validation import check_is_fitted

from skal._data import n_rows
from skal._pool import check_positions
from skal._random import KeyStream
from skal._scan import (
    FiniteScores,
    PoolPositions,
    check_dask_pool,
    is_dask_array,
    is_distributed,
    scan_scores,
    scan_top_k,
    scoring_chunk_rows,
)

__all__ = ["PoolScanMixin", "QueryPool"]


class QueryPool:
    """The rows a query searches: ``source[candidates]``; ``remembered`` if
    they are the unlabeled rows of the data given to ``fit``."""

    def __init__(self, source, candidates, remembered):
        self.source = source
        self.candidates = candidates
        self.remembered = remembered

    @property
    def size(self):
        return self.candidates.shape[0]


class PoolScanMixin:
    """The pool-scoring side of a learner."""

    def _score_at(self, X, start):
        """:meth:`_score` of rows that start at candidate position ``start``."""
        return self._score(X)

    def _select(self, pool, k):
        """The ``k`` best candidates of ``pool`` and their scores."""
        pos, scores = scan_top_k(
            self._scorer(pool),
            pool.source,
            pool.candidates,
            k,
            keys=self._keys(),
            chunk_size=self._chunk_size(pool.size),
            n_jobs=self.n_jobs,
            block=self._scan_block,
        )
        return pool.candidates[pos], scores

    def _keys(self):
        return KeyStream(self._seed, self._round)

    def _chunk_size(self, n_pool):
        return scoring_chunk_rows(n_pool, self._row_bytes(), self._scan_block)

    def _scorer(self, pool):
        """``score_at(rows, start)``, on a copy without the remembered data
        when the work leaves this process."""
        if not is_distributed(self.n_jobs, pool.source):
            score_at = self._score_at
        else:
            view = copy.copy(self)
            view._pool = self._pool.without_data()
            view._space = None
            score_at = view._score_at
        return FiniteScores(score_at) if self._scores_finite() else score_at

    def _scores_finite(self):
        """Whether :meth:`_score` gives finite scores by construction (a
        measure that keeps validated probabilities finite), so that the scan
        need not check them again."""
        return False

    def _query_pool(self, X, exclude):
        if X is None:
            source = self._pool.X
            candidates = self._pool.unlabeled()
        else:
            source = self._check_X_new(X)
            if is_dask_array(source):
                source = check_dask_pool(source)
            self._check_rows(source)
            candidates = PoolPositions(n_rows(source))
        if exclude is not None and len(exclude):
            n = n_rows(source)
            drop = np.zeros(n, dtype=bool)
            drop[check_positions(exclude, n, what="exclude")] = True
            candidates = np.asarray(candidates)
            candidates = candidates[~drop[candidates]]
        return QueryPool(source, candidates, X is None)

    def _score_upper(self):
        """The largest score ``_score`` can give (inf when unbounded)."""
        return float("inf")

    def informativeness(self, X=None, *, normalize=False):
        """Every pool sample's informativeness (higher = more informative).

        For plots, stopping rules and custom selection; with
        ``batch_mode="top_k"``, :meth:`query` picks the top of this ranking.
        Includes the weighting of ``density_weight`` where the learner has it.

        Parameters
        ----------
        X : array-like of shape (n_pool, ...), default=None
            The pool; None scores the unlabeled rows remembered from ``fit``
            (in their order in that data).
        normalize : bool, default=False
            Divide by the largest score the measure can give, so that scores
            lie in ``[0, 1]`` whatever the measure; refused for unbounded
            measures.

        Returns
        -------
        scores : ndarray of shape (n_pool,)
        """
        check_is_fitted(self, "_pool")
        if not self._ready():
            raise ValueError(
                "No model yet: teach labels of at least two classes (one label, "
                "for regression) before scoring; query() picks a cold start "
                "without scores."
            )
        upper = self._score_upper()
        if normalize and not np.isfinite(upper):
            raise ValueError(
                f"{type(self).__name__}'s scores have no upper bound, so they "
                "cannot be normalized; use normalize=False and a threshold on "
                "their own scale."
            )
        pool = self._query_pool(X, None)
        scores = scan_scores(
            self._scorer(pool),
            pool.source,
            pool.candidates,
            chunk_size=self._chunk_size(pool.size),
            n_jobs=self.n_jobs,
            block=self._scan_block,
        )
        return scores / upper if normalize else scores
