"""A prototype of skal's margin top-k query, for the core engineer: what it
would take to bring the query's overhead over the floor (the estimator's own
``predict_proba`` on the whole pool) down, choosing exactly the same batch.

Not library code: it reproduces ``UncertaintySamplingClassifier(strategy=
"margin", batch_strategy="top_k").query(X)`` on a new pool (numpy ``X``), with
the fitted ``estimator_`` of a learner, the same tie-break keys (key ``j`` is
draw ``j`` of the learner's generator, one query after another) and the same
ordering of the batch by ``(score, key)``. The changes against skal's path
(``skal.selection.chunked_top_k`` + ``skal.scoring.margin``), each measured by
``profile_query.py``:

1. NaN is checked once, on the margins (1-d), not on the ``(n, n_classes)``
   probabilities and again on the scores: ``np.maximum`` / ``np.minimum``
   propagate NaN, so a row with a NaN probability gets a NaN margin, and the
   same error is raised.
2. The margin ``1 - (first - second)`` is computed in place, block by block
   while the block is in cache (same floating-point operations, the same
   values to the bit).
3. Top-k with a running threshold: once ``k`` samples are kept, a chunk's
   sample can only enter if its score is at least the ``k``-th kept score, so
   only those (a few) are merged, instead of concatenating and partitioning
   ``chunk + k`` scores, keys and positions for every chunk.
4. Positions of a new pool's chunk are the slice itself: no ``arange`` of the
   chunk to find out that it is contiguous.
5. Chunk sizes are skal's (the same 64 MiB budget, ``skal_chunk_rows``) unless
   ``chunk_rows`` is given, so that what is measured is the code above. The
   batch does not depend on the chunking (the keys follow positions); smaller
   chunks (32,768 rows) are faster when freed memory stays in the process
   and slower when every chunk's temporaries are faulted in afresh
   (``profile_query.py`` and ``query_speed.py --state cold``).

Check that it chooses the very same batches as skal (pools full of ties
included), then exit::

    python benchmarks/margin_prototype.py --check
"""

import argparse
import sys

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

#: Rows per block of the top-two passes: three float64 vectors of this length
#: and the block's rows stay in a core's L2 cache (as in skal.scoring).
BLOCK = 8192

_NAN_MESSAGE = (
    "proba contains NaN; the estimator's predict_proba returned invalid probabilities."
)


def margins(proba):
    """``1 - (p_(1) - p_(2))`` of every row, bit-identical to skal's margin."""
    proba = np.asarray(proba, dtype=float)
    if proba.ndim != 2 or proba.shape[1] == 0:
        raise ValueError(
            f"proba must be a 2-d array with a class column, got shape {proba.shape}."
        )
    n, n_classes = proba.shape
    out = np.empty(n)
    if n_classes == 1:
        np.subtract(1.0, proba[:, 0], out=out)
    else:
        second = np.empty(min(n, BLOCK))
        tmp = np.empty(min(n, BLOCK))
        for start in range(0, n, BLOCK):
            block = proba[start : start + BLOCK]
            m = block.shape[0]
            top, runner_up, low = out[start : start + m], second[:m], tmp[:m]
            np.maximum(block[:, 0], block[:, 1], out=top)
            np.minimum(block[:, 0], block[:, 1], out=runner_up)
            for column in range(2, n_classes):
                value = block[:, column]
                np.minimum(top, value, out=low)
                np.maximum(runner_up, low, out=runner_up)
                np.maximum(top, value, out=top)
            # 1 - (first - second), in the block's own memory, while in cache.
            np.subtract(top, runner_up, out=top)
            np.subtract(1.0, top, out=top)
    # NaN propagates through maximum / minimum: one check on n values, not
    # on n * n_classes (and not once more on the scores).
    if np.isnan(out).any():
        raise ValueError(_NAN_MESSAGE)
    return out


def _best_k(idx, scores, keys, k):
    """The ``k`` largest ``(score, key)``, best first (as skal orders them)."""
    n = scores.shape[0]
    if n > k:
        kth = np.partition(scores, n - k)[n - k]
        above = np.flatnonzero(scores > kth)
        tied = np.flatnonzero(scores == kth)
        need = k - above.shape[0]
        if need < tied.shape[0]:
            tied = tied[np.argpartition(-keys[tied], need - 1)[:need]]
        chosen = np.concatenate([above, tied])
    else:
        chosen = np.arange(n)
    order = chosen[np.lexsort((-keys[chosen], -scores[chosen]))]
    return idx[order], scores[order], keys[order]


def skal_chunk_rows(n_samples, n_features, n_classes):
    """Rows per chunk as skal's query chooses them for a numpy pool: a budget
    of ``min(working_memory, QUERY_WORKING_MEMORY)`` MiB at ``8 * (2 *
    n_features + 4 * n_classes)`` bytes a row (``BaseActiveLearner._row_bytes``
    as of the commit measured)."""
    from sklearn import get_config

    from skal._scale import QUERY_WORKING_MEMORY

    budget = min(get_config()["working_memory"], QUERY_WORKING_MEMORY) * 2**20
    row_bytes = 8 * (2 * n_features + 4 * max(n_classes, 1))
    return int(min(max(budget // row_bytes, 1), max(n_samples, 1)))


def margin_top_k(predict_proba, X, k, rng, chunk_rows):
    """Positions and margins of the ``k`` best rows of ``X``, best first.

    Draws ``X.shape[0]`` keys from ``rng`` in row order, as skal does.
    """
    n = X.shape[0]
    best_idx = np.empty(0, dtype=np.intp)
    best_scores = np.empty(0)
    best_keys = np.empty(0)
    for start in range(0, n, chunk_rows):
        stop = min(start + chunk_rows, n)
        scores = margins(predict_proba(X[start:stop]))
        if scores.shape[0] != stop - start:
            raise ValueError(
                f"predict_proba returned {scores.shape[0]} rows for {stop - start}."
            )
        keys = rng.random(stop - start)
        if best_idx.shape[0] == k:
            # Anything below the k-th kept score cannot enter the batch.
            hit = np.flatnonzero(scores >= best_scores[-1])
            if hit.shape[0] == 0:
                continue
            idx, scores, keys = hit + start, scores[hit], keys[hit]
        else:
            idx = np.arange(start, stop)
        best_idx, best_scores, best_keys = _best_k(
            np.concatenate([best_idx, idx]),
            np.concatenate([best_scores, scores]),
            np.concatenate([best_keys, keys]),
            k,
        )
    return best_idx, best_scores


class PrototypeQuery:
    """``learner.query(X)`` for a fitted margin ``UncertaintySamplingClassifier``
    on a new pool, the prototype's way.

    Its generator starts where ``fit(random_state=...)`` leaves the learner's
    (``default_rng`` seeded with ``check_random_state(random_state).randint``),
    and each query draws one key per pool row, as skal's does: the ``i``-th
    query of this object chooses what the learner's ``i``-th query after
    ``fit`` chooses.
    """

    def __init__(self, learner, random_state=None, chunk_rows=None):
        check_is_fitted(learner)
        self.learner = learner
        seed = check_random_state(random_state).randint(np.iinfo(np.int32).max)
        self.rng = np.random.default_rng(seed)
        self.chunk_rows = chunk_rows

    def query(self, X, k=None):
        k = self.learner.batch_size if k is None else k
        if not 1 <= k <= X.shape[0]:
            raise ValueError(f"k={k} must be in [1, {X.shape[0]}].")
        chunk_rows = self.chunk_rows
        if chunk_rows is None:
            n_classes = len(self.learner.classes_)
            chunk_rows = skal_chunk_rows(X.shape[0], X.shape[1], n_classes)
        predict = self.learner.estimator_.predict_proba
        return margin_top_k(predict, X, k, self.rng, chunk_rows)[0]

    def query_fn(self, X):
        return lambda: self.query(X)


class RoundedProbaClassifier(ClassifierMixin, BaseEstimator):
    """A classifier whose probabilities are rounded to ``decimals``: pools full
    of exactly tied margins, where only the keys decide."""

    def __init__(self, estimator=None, decimals=1):
        self.estimator = estimator
        self.decimals = decimals

    def fit(self, X, y):
        from sklearn.linear_model import LogisticRegression

        base = LogisticRegression() if self.estimator is None else self.estimator
        self.estimator_ = clone(base).fit(X, y)
        self.classes_ = self.estimator_.classes_
        self.n_features_in_ = self.estimator_.n_features_in_
        return self

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def predict_proba(self, X):
        return np.round(self.estimator_.predict_proba(X), self.decimals)


def check(verbose=True):
    """The prototype chooses skal's batches exactly; raises AssertionError."""
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression

    from skal import UncertaintySamplingClassifier

    cases = 0
    for n_classes, estimator in [
        (10, LogisticRegression(max_iter=1000)),
        (3, LogisticRegression(max_iter=1000)),
        (2, RoundedProbaClassifier(decimals=1)),
        (10, RoundedProbaClassifier(decimals=1)),
        (4, RoundedProbaClassifier(decimals=2)),
    ]:
        X, y = make_classification(
            n_samples=300,
            n_features=8,
            n_informative=6,
            n_classes=n_classes,
            random_state=n_classes,
        )
        rng = np.random.default_rng(n_classes)
        for seed in (0, 7):
            for k in (1, 10, 100):
                for chunk_rows in (7, 97, 4096, None):
                    learner = UncertaintySamplingClassifier(
                        clone(estimator), batch_size=k, random_state=seed
                    ).fit(X, y)
                    proto = PrototypeQuery(learner, seed, chunk_rows=chunk_rows)
                    for n_pool in (k, 1000, 5000):
                        pool = rng.normal(size=(n_pool, 8)) * 2
                        want = learner.query(pool)
                        got = proto.query(pool)
                        assert np.array_equal(want, got), (
                            n_classes,
                            estimator,
                            seed,
                            k,
                            chunk_rows,
                            n_pool,
                        )
                        cases += 1
    # The same error as skal's for NaN probabilities.
    proba = np.full((5, 3), 1 / 3)
    proba[3, 1] = np.nan
    try:
        margins(proba)
    except ValueError as exc:
        assert "contains NaN" in str(exc)
    else:
        raise AssertionError("NaN probabilities were accepted")
    proba = np.random.default_rng(0).dirichlet(np.ones(10), size=20_000)
    from skal.scoring import margin

    assert np.array_equal(margins(proba), margin(proba))
    if verbose:
        print(f"same batch as skal in all {cases} queries; same margins to the bit")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with skal")
    args = parser.parse_args(argv)
    if args.check:
        check()
        return 0
    parser.print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())
