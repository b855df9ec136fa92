"""A prototype of skal's margin top-k query, for the core engineer: what it
would take to bring the query's overhead over the floor (the estimator's own
``predict_proba`` on the whole pool) down, choosing exactly the same batch.

Not library code: it reproduces ``UncertaintySamplingClassifier(measure=
"margin", batch_mode="top_k").query(X)`` on a new pool (numpy ``X``) right
after ``fit``, with the learner's fitted ``estimator_``, the same tie-break keys
(key ``j`` is draw ``j`` of the query's ``skal._random.KeyStream``) and the same
ordering of the batch by ``(score, key)``. The changes against skal's path
(``skal._scan._local_top_k`` + ``UncertaintySamplingClassifier._score`` =
``check_proba`` + ``margin_core``, then ``check_scores`` and ``top_k_keyed``),
each measured by ``profile_query.py``:

1. The probabilities are validated inside the top-two passes: row sums are
   accumulated one class column at a time while the block is in cache, and
   the minimum is taken per block, instead of ``proba.sum(axis=-1)`` (a
   reduction over 10 values per row, as slow as ``max(axis=1)``) and a second
   pass for ``proba.min()``. Decisions are exactly skal's: a chunk whose sums
   are not all within the tolerance with room to spare (``_SLACK``, far above
   the rounding difference of two summation orders) goes through
   ``skal.scoring.check_proba`` itself, which accepts it or raises its own
   error.
2. The scores are not checked again: margins of validated probabilities are
   finite (``check_scores`` would refuse only NaN or inf).
3. The margin ``1 - (first - second)`` is computed in place, block by block
   (the same floating-point operations, the same values to the bit).
4. Top-k with a running threshold: once ``k`` samples are kept, a chunk's
   sample can only enter if its score is at least the ``k``-th kept score, so
   only those (a few) are merged, instead of concatenating and partitioning
   ``chunk + k`` scores, keys and positions for every chunk.
5. Chunk sizes are skal's (``skal._scan.scoring_chunk_rows`` with the
   learner's 64 MiB budget) unless ``chunk_rows`` is given, so that what is
   measured is the code above. The batch does not depend on the chunking (the
   keys follow positions).

Check that it chooses the very same batches as skal (pools full of ties
included) and raises skal's errors, then exit::

    python benchmarks/margin_prototype.py --check
"""

import argparse
import contextlib
import sys

import numpy as np
from sklearn.utils.validation import check_is_fitted

#: Rows per block of the top-two passes: three float64 vectors of this length
#: and the block's rows stay in a core's L2 cache (as in skal.scoring).
BLOCK = 8192
#: Room left to the tolerance on row sums before a chunk is handed to
#: ``check_proba`` itself: two summation orders of 10-1000 values differ by a
#: few ulps (1e-15), far below this.
_SLACK = 1e-9


def checked_margins(proba, n_classes, source):
    """``1 - (p_(1) - p_(2))`` of every row, after the checks of
    ``skal.scoring.check_proba`` (same decisions, same errors)."""
    from skal.scoring import PROBA_ATOL, check_proba

    proba = np.asarray(proba, dtype=float)
    if proba.ndim != 2 or proba.shape[1] != n_classes or n_classes < 2:
        # Shapes skal refuses, and one class: skal's own path.
        from skal.scoring import margin

        return margin(check_proba(proba, n_classes=n_classes, source=source))
    n = proba.shape[0]
    out = np.empty(n)
    sums = np.empty(n)
    second = np.empty(min(n, BLOCK))
    tmp = np.empty(min(n, BLOCK))
    low = np.inf
    for start in range(0, n, BLOCK):
        block = proba[start : start + BLOCK]
        m = block.shape[0]
        top, runner_up, lo = out[start : start + m], second[:m], tmp[:m]
        total = sums[start : start + m]
        first_col, second_col = block[:, 0], block[:, 1]
        np.add(first_col, second_col, out=total)
        np.maximum(first_col, second_col, out=top)
        np.minimum(first_col, second_col, out=runner_up)
        for column in range(2, n_classes):
            value = block[:, column]
            np.add(total, value, out=total)
            np.minimum(top, value, out=lo)
            np.maximum(runner_up, lo, out=runner_up)
            np.maximum(top, value, out=top)
        low = min(low, float(block.min()))
        # 1 - (first - second), in the block's own memory, while in cache.
        np.subtract(top, runner_up, out=top)
        np.subtract(1.0, top, out=top)
    np.subtract(sums, 1.0, out=sums)
    np.abs(sums, out=sums)
    if low < -PROBA_ATOL or not np.all(sums <= PROBA_ATOL - _SLACK):
        check_proba(proba, n_classes=n_classes, source=source)  # raises, or fine
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
    """Rows per chunk as skal's query chooses them for a numpy pool: its
    ``scoring_chunk_rows`` at ``8 * (2 * n_features + 4 * n_classes)`` bytes a
    row (``BaseActiveLearner._row_bytes`` as of the commit measured)."""
    from skal._scan import scoring_chunk_rows

    return scoring_chunk_rows(n_samples, 8 * (2 * n_features + 4 * max(n_classes, 1)))


def margin_top_k(predict_proba, X, k, keys, chunk_rows, n_classes, source):
    """Positions and margins of the ``k`` best rows of ``X``, best first;
    ``keys.draw(start, size)`` gives the tie-break keys of rows ``start ..``."""
    n = X.shape[0]
    best_idx = np.empty(0, dtype=np.intp)
    best_scores = np.empty(0)
    best_keys = np.empty(0)
    for start in range(0, n, chunk_rows):
        stop = min(start + chunk_rows, n)
        scores = checked_margins(predict_proba(X[start:stop]), n_classes, source)
        if scores.shape[0] != stop - start:
            raise ValueError(
                f"The learner returned {scores.shape[0]} scores for a chunk of "
                f"{stop - start} rows."
            )
        chunk_keys = keys.draw(start, stop - start)
        if best_idx.shape[0] == k:
            # Anything below the k-th kept score cannot enter the batch.
            hit = np.flatnonzero(scores >= best_scores[-1])
            if hit.shape[0] == 0:
                continue
            idx, scores, chunk_keys = hit + start, scores[hit], chunk_keys[hit]
        else:
            idx = np.arange(start, stop)
        best_idx, best_scores, best_keys = _best_k(
            np.concatenate([best_idx, idx]),
            np.concatenate([best_scores, scores]),
            np.concatenate([best_keys, chunk_keys]),
            k,
        )
    return best_idx, best_scores


class PrototypeQuery:
    """``learner.query(X)`` for a margin ``UncertaintySamplingClassifier``
    right after ``fit(random_state=...)``, on a new numpy pool, the
    prototype's way.

    The keys are the query's stream as skal derives it after ``fit``:
    ``KeyStream(base_seed(random_state), round=0)``; a query does not move
    them (asking twice returns the same batch), teaching does.
    """

    def __init__(self, learner, random_state=None, chunk_rows=None):
        from skal._random import KeyStream, base_seed

        check_is_fitted(learner)
        self.learner = learner
        self.keys = KeyStream(base_seed(random_state), 0)
        self.chunk_rows = chunk_rows

    def query(self, X, k=None):
        k = self.learner.batch_size if k is None else k
        if not 1 <= k <= X.shape[0]:
            raise ValueError(f"k={k} must be in [1, {X.shape[0]}].")
        n_classes = len(self.learner.classes_)
        chunk_rows = self.chunk_rows
        if chunk_rows is None:
            chunk_rows = skal_chunk_rows(X.shape[0], X.shape[1], n_classes)
        model = self.learner.estimator_
        source = f"{type(model).__name__}.predict_proba"
        return margin_top_k(
            model.predict_proba, X, k, self.keys, chunk_rows, n_classes, source
        )[0]

    def query_fn(self, X):
        return lambda: self.query(X)


@contextlib.contextmanager
def _skal_chunks(rows, learner):
    """skal's (and the prototype's) chunks of ``rows`` rows, through
    scikit-learn's ``working_memory``; None leaves skal's budget."""
    if rows is None:
        yield
        return
    from sklearn import config_context

    row_bytes = 8 * (2 * learner.n_features_in_ + 4 * len(learner.classes_))
    with config_context(working_memory=(rows + 0.5) * row_bytes / 2**20):
        assert (
            skal_chunk_rows(10**9, learner.n_features_in_, len(learner.classes_))
            == rows
        )
        yield


def check(verbose=True):
    """The prototype chooses skal's batches exactly; raises AssertionError."""
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression

    from skal import UncertaintySamplingClassifier

    cases = 0
    for n_classes in (2, 3, 10):
        X, y = make_classification(
            n_samples=300,
            n_features=8,
            n_informative=6,
            n_classes=n_classes,
            random_state=n_classes,
        )
        rng = np.random.default_rng(n_classes)
        distinct = rng.normal(size=(40, 8)) * 2
        for seed in (0, 7):
            for k in (1, 10, 100):
                learner = UncertaintySamplingClassifier(
                    LogisticRegression(max_iter=1000), batch_size=k, random_state=seed
                ).fit(X, y)
                # skal's chunks and the prototype's are the same (skal's are
                # set through working_memory): an estimator's predict_proba
                # may differ in the last bit between batch sizes (BLAS), which
                # can reorder exactly tied rows.
                for chunk_rows in (7, 97, 4096, None):
                    proto = PrototypeQuery(learner, seed)
                    for n_pool in (k, 1000, 5000):
                        for ties in (False, True):
                            # Pools of 40 distinct rows repeated: exact ties
                            # everywhere, so that only the keys decide.
                            pool = (
                                distinct[rng.integers(0, 40, size=n_pool)]
                                if ties
                                else rng.normal(size=(n_pool, 8)) * 2
                            )
                            with _skal_chunks(chunk_rows, learner):
                                want = learner.query(pool)
                                got = proto.query(pool)
                            assert np.array_equal(want, got), (
                                n_classes,
                                seed,
                                k,
                                chunk_rows,
                                n_pool,
                                ties,
                            )
                            cases += 1
    # skal's decisions and errors on probabilities that are not probabilities.
    from skal.scoring import check_proba, margin

    rng = np.random.default_rng(0)
    good = rng.dirichlet(np.ones(10), size=20_000)
    assert np.array_equal(checked_margins(good, 10, "M"), margin(good))
    near = good.copy()
    near[5] *= 1 + 0.999e-3  # within the tolerance: accepted by both
    assert np.array_equal(checked_margins(near, 10, "M"), margin(check_proba(near)))
    for broken in (np.nan, np.inf, -0.5, 2.0):
        bad = good.copy()
        bad[17, 3] = broken
        try:
            check_proba(bad, n_classes=10, source="M")
        except ValueError as exc:
            want = str(exc)
        try:
            checked_margins(bad, 10, "M")
        except ValueError as exc:
            assert str(exc) == want, (str(exc), want)
        else:
            raise AssertionError(f"{broken} in the probabilities was accepted")
    if verbose:
        print(
            f"same batch as skal in all {cases} queries; same margins to the bit; "
            "same errors"
        )


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
