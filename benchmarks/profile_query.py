"""Where skal's margin query spends its time beyond ``predict_proba``.

For one pool size (``--n``, 10^5 and 10^6 in docs/performance.md), in one
process with 1 BLAS thread, with the query of ``query_speed.py`` (margin,
LogisticRegression, 20 features, 10 classes, batch 100):

1. **Stages.** skal's query path (``skal._scan._local_top_k`` with the margin
   scorer) is replayed stage by stage on the very chunks skal scores (their
   sizes are recorded from the estimator's calls during a real query), with
   the same functions, and each stage is timed: the estimator's
   ``predict_proba`` per chunk, ``checked_margin_core`` (the probability
   check, top two and margin in one pass), the running threshold (the rows
   that reach the ``k``-th kept score), the tie-break keys of those rows
   only, and the merge (concatenations and ``top_k_keyed``). The replay must
   choose skal's batch (checked) and take skal's time (printed side by side).
2. **Variants**, each timed as a whole call: the floor (``predict_proba`` on
   the whole pool), skal's query, the prototype of ``margin_prototype.py`` at
   several chunk sizes, and, on one chunk's probabilities, ``top_two``
   against ``np.partition(axis=1)`` and ``check_proba``, and the plain
   ``margin_core(check_proba(...))`` against ``checked_margin_core``.
3. ``--cprofile``: cProfile of skal's query, the functions by own time.

Every call starts in the same state (``_runner.reset``, ``--state`` as in
``query_speed.py``) and the variants are interleaved, in a shuffled order per
repeat, so that load from other processes hits them alike; tables give
medians over ``--repeats`` and paired ratios to the floor, in CPU time first
(the stages are timed in this thread's CPU time), which other processes
sharing the cores move least, and in wall time.

This script names skal's internals (``skal.scoring._measures.top_two``,
``skal._random.KeyStream`` and ``base_seed``) on purpose: it profiles them,
as of the commit it runs on; a renamed one fails loudly here.

::

    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 \\
        python benchmarks/profile_query.py --n 1e6
"""

import argparse
import cProfile
import io
import os
import pstats
import random
import statistics
import sys
import time

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402
from _common import (  # noqa: E402
    Load,
    machine,
    make_data,
    print_table,
    quantiles,
    size,
    stamp,
)
from _runner import _blas, reset, set_state, timed  # noqa: E402
from margin_prototype import PrototypeQuery, skal_chunk_rows  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from skal import UncertaintySamplingClassifier  # noqa: E402
from skal._random import KeyStream, base_seed  # noqa: E402
from skal.scoring import check_proba  # noqa: E402
from skal.scoring._measures import (  # noqa: E402
    checked_margin_core,
    margin_core,
    top_two,
)
from skal.selection import top_k_keyed  # noqa: E402

STAGES = [
    ("predict_proba", "the estimator, chunk by chunk (floor work)"),
    ("margin", "checked_margin_core: probability check + top two + margin, fused"),
    ("threshold", "rows reaching the k-th kept score: flatnonzero, partition"),
    ("keys", "tie-break keys of those rows: KeyStream.draw_at"),
    ("merge", "concatenations, top_k_keyed, gather of the kept rows"),
]


class RecordingProba:
    """Wraps ``predict_proba`` to record the rows of each call."""

    def __init__(self, predict_proba):
        self.predict_proba = predict_proba
        self.rows = []

    def __call__(self, X):
        self.rows.append(X.shape[0])
        return self.predict_proba(X)


def replay(predict_proba, X, chunks, k, keys, n_classes, source, clock):
    """skal's chunked margin top-k (``skal._scan._local_top_k`` with the
    margin scorer), stage by stage; adds seconds to ``clock``."""
    # CPU time of this thread (1 BLAS thread: the estimator's work included):
    # what other processes take of the core does not count.
    now = time.thread_time
    best_idx = np.empty(0, dtype=np.intp)
    best_scores = np.empty(0)
    best_keys = np.empty(0)
    start = 0
    for rows in chunks:
        stop = start + rows
        t0 = now()
        proba = predict_proba(X[start:stop])
        t1 = now()
        scores = checked_margin_core(proba, n_classes=n_classes, source=source)
        # Each temporary dies where it dies in skal (the chunk's probabilities
        # when the scorer returns): which memory the next chunk reuses matters.
        del proba
        if scores.shape[0] != rows:
            raise ValueError("wrong number of scores")
        t2 = now()
        if best_scores.shape[0] == k:
            hit = np.flatnonzero(scores >= best_scores[-1])
        else:
            hit = np.arange(rows)
        if best_scores.shape[0] + hit.shape[0] > k:
            both = np.concatenate([best_scores, scores[hit]])
            kth = np.partition(both, both.shape[0] - k)[both.shape[0] - k]
            hit = hit[scores[hit] >= kth]
        t3 = now()
        hit_keys = keys.draw_at(hit + start)
        t4 = now()
        if hit.shape[0]:
            idx = np.concatenate([best_idx, hit + start])
            scores = np.concatenate([best_scores, scores[hit]])
            all_keys = np.concatenate([best_keys, hit_keys])
            keep = top_k_keyed(scores, all_keys, k)
            best_idx, best_scores = idx[keep], scores[keep]
            best_keys = all_keys[keep]
        del scores, hit, hit_keys
        t5 = now()
        for (name, _), dt in zip(
            STAGES, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4), strict=True
        ):
            clock[name] = clock.get(name, 0.0) + dt
        start = stop
    return best_idx


def partition_top_two(proba):
    part = np.partition(proba, proba.shape[1] - 2, axis=1)
    return part[:, -1], part[:, -2]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=size, default=10**6)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--labeled", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument(
        "--chunks",
        default="16384,32768,65536,131072",
        help="chunk sizes of the prototype",
    )
    parser.add_argument("--cprofile", action="store_true")
    parser.add_argument(
        "--state",
        choices=("warm", "cold"),
        default="warm",
        help="memory state before every call, as in query_speed.py",
    )
    parser.add_argument("--data-dir", default="/tmp/skal-bench")
    args = parser.parse_args(argv)
    set_state(args.state)

    labeled, pool = make_data(
        args.data_dir, args.n, args.features, args.classes, args.labeled
    )
    with np.load(labeled) as data:
        X_lab, y_lab = data["X"], data["y"]
    X = np.load(pool)
    k = args.batch
    learner = UncertaintySamplingClassifier(
        LogisticRegression(max_iter=1000),
        measure="margin",
        batch_size=k,
        random_state=0,
    ).fit(X_lab, y_lab)
    floor_est = LogisticRegression(max_iter=1000).fit(X_lab, y_lab)
    predict = learner.estimator_.predict_proba

    # The chunks skal scores: recorded from the estimator's own calls.
    recorder = RecordingProba(predict)
    learner.estimator_.predict_proba = recorder
    try:
        learner.query(X)
    finally:
        del learner.estimator_.predict_proba
    chunks = recorder.rows
    expected = skal_chunk_rows(args.n, args.features, len(learner.classes_))
    if chunks[0] != expected:
        print(
            f"warning: skal scored chunks of {chunks[0]} rows, the prototype's "
            f"skal_chunk_rows says {expected}: its formula is out of date",
            file=sys.stderr,
        )
    # A query is a function of the learner's state: right after fit its keys
    # are the stream of round 0 of the learner's base seed.
    keys = KeyStream(base_seed(0), 0)
    n_classes = len(learner.classes_)
    source = "LogisticRegression.predict_proba"
    # The prototype at skal's own chunk size too: the code changes alone.
    sizes = sorted({chunks[0], *(size(s) for s in args.chunks.split(",") if s)})
    protos = {c: PrototypeQuery(learner, 0, chunk_rows=c) for c in sizes}

    probas = floor_est.predict_proba(X[: chunks[0]])
    clocks = []
    batches = {}

    def run_replay():
        clock = {}
        batches["replay"] = replay(
            predict, X, chunks, k, keys, n_classes, source, clock
        )
        clocks.append(clock)
        return batches["replay"]

    variants = {
        "floor: predict_proba(X)": lambda: floor_est.predict_proba(X),
        "skal: learner.query(X)": lambda: batches.__setitem__("skal", learner.query(X)),
        "replay of skal's stages": run_replay,
    }
    for c, proto in protos.items():
        what = " (skal's chunk)" if c == chunks[0] else ""
        variants[f"prototype, chunks of {c:,}{what}"] = lambda proto=proto, c=c: (
            batches.__setitem__(f"proto{c}", proto.query(X))
        )
    chunk_top_two = {
        f"top_two, one chunk ({chunks[0]:,} rows)": lambda: top_two(probas),
        f"np.partition(axis=1), one chunk ({chunks[0]:,} rows)": (
            lambda: partition_top_two(probas)
        ),
        f"check_proba, one chunk ({chunks[0]:,} rows)": (
            lambda: check_proba(probas, n_classes=n_classes, source=source)
        ),
        f"check_proba + margin_core, one chunk ({chunks[0]:,} rows)": (
            lambda: margin_core(check_proba(probas, n_classes=n_classes, source=source))
        ),
        # What skal's margin query runs per chunk since commit 20e1cf5.
        f"checked_margin_core (one pass), one chunk ({chunks[0]:,} rows)": (
            lambda: checked_margin_core(probas, n_classes=n_classes, source=source)
        ),
    }
    variants.update(chunk_top_two)
    # What a query costs whatever the pool: validation, set-up, the batch.
    small = X[:1000]
    variants["skal: learner.query(X[:1000])"] = lambda: learner.query(small)
    variants["floor: predict_proba(X[:1000])"] = lambda: floor_est.predict_proba(small)

    for run in variants.values():  # warm-up, untimed
        run()
        reset()
    times = {name: [] for name in variants}
    cpu = {name: [] for name in variants}
    faults = {name: [] for name in variants}
    order = list(variants)
    shuffle = random.Random(args.n)
    clocks.clear()
    load = Load()
    for _ in range(args.repeats):
        shuffle.shuffle(order)
        for name in order:
            result, out = timed(variants[name])
            del out
            times[name].append(result["wall"])
            cpu[name].append(result["cpu"])
            faults[name].append(result["minflt"])
            load.add(result)
        assert all(np.array_equal(batches["skal"], b) for b in batches.values()), (
            "a variant chose another batch than skal"
        )

    load.finish()
    print(f"Run {stamp()}: python benchmarks/profile_query.py {' '.join(sys.argv[1:])}")
    print(f"Machine: {machine()}; BLAS: {_blas()}")
    print(
        f"Pool {args.n:,} x {args.features}, {args.classes} classes, batch {k}; "
        f"skal's chunks: {len(chunks)} x {chunks[0]:,} rows; {args.repeats} "
        f"interleaved repeats, medians; memory state: {args.state}\n"
    )
    floor = times["floor: predict_proba(X)"]
    floor_cpu = cpu["floor: predict_proba(X)"]
    rows = []
    for name in variants:
        by_cpu = quantiles([t / f for t, f in zip(cpu[name], floor_cpu, strict=True)])
        by_wall = quantiles([t / f for t, f in zip(times[name], floor, strict=True)])
        rows.append(
            [
                name,
                f"{quantiles(times[name])[0] * 1e3:.2f}",
                f"{quantiles(cpu[name])[0] * 1e3:.2f}",
                f"{min(cpu[name]) * 1e3:.2f}",
                "{:.3f} [{:.3f}-{:.3f}]".format(*by_cpu),
                "{:.3f} [{:.3f}-{:.3f}]".format(*by_wall),
                f"{statistics.median(faults[name]):.0f}",
            ]
        )
    headers = [
        "call",
        "median ms",
        "CPU ms",
        "fastest CPU ms",
        "x floor (CPU)",
        "x floor (wall)",
        "page faults",
    ]
    print_table(headers, rows)

    floor_med, floor_min = quantiles(floor_cpu)[0], min(floor_cpu)
    print(
        "\nskal's query, stage by stage (the replay above, in CPU time; median "
        "and fastest over the repeats, against the floor's median and fastest "
        "CPU time):\n"
    )
    rows = []
    total_med = total_min = 0.0
    for name, what in STAGES:
        med = statistics.median(c[name] for c in clocks)
        fastest = min(c[name] for c in clocks)
        total_med += med
        total_min += fastest
        rows.append(
            [
                name,
                what,
                f"{med * 1e3:.2f}",
                f"{med / floor_med:.1%}",
                f"{fastest * 1e3:.2f}",
                f"{fastest / floor_min:.1%}",
            ]
        )
    rows.append(
        [
            "sum",
            "",
            f"{total_med * 1e3:.2f}",
            f"{total_med / floor_med:.1%}",
            f"{total_min * 1e3:.2f}",
            f"{total_min / floor_min:.1%}",
        ]
    )
    headers = ["stage", "what", "CPU ms", "of floor", "fastest", "of floor"]
    print_table(headers, rows)
    print(f"\nLoad: {load.describe()}")

    if args.cprofile:
        reset()
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(5):
            learner.query(X)
        profile.disable()
        text = io.StringIO()
        stats = pstats.Stats(profile, stream=text).sort_stats("tottime")
        stats.print_stats(20)
        print("\ncProfile of 5 skal queries (own time, seconds for all 5):\n")
        print(text.getvalue())


if __name__ == "__main__":
    main()
