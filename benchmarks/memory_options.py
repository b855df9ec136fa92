"""Peak memory of every learner and option on a large pool: what fit, a
query and a round (teach + query) allocate on top of the pool.

Each contestant runs in a fresh process: the pool (``--n`` x ``--features``
float64, 10 classes, ``--labeled`` labeled rows) is generated first, then
:mod:`tracemalloc` (which sees numpy's buffers) measures the peak of each
phase above what is allocated before it. The estimator is
``make_pipeline(StandardScaler(), LogisticRegression())`` (its scaler turns
every chunk into a copy, the case where features cost memory) and the batch
``--batch``. The table divides the peak by the pool's own size and gives the
bytes per pool row: an option is bounded when that stays a few 8-byte
vectors per row, not a copy of the pool. The floor is the estimator's own
``predict_proba`` on the whole pool. RSS is the process's peak, pool and
interpreter included.

::

    nice python benchmarks/memory_options.py                  # 2*10^6 rows
    nice python benchmarks/memory_options.py --n 2e5 --only ranked,density
"""

import argparse
import json
import os
import resource
import sys
import time
import tracemalloc

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402
from _common import run_worker  # noqa: E402

CONTESTANTS = [
    "floor",
    "margin",
    "ranked",
    "kcenter",
    "cluster",
    "density",
    "self_training",
    "rep_kcenter",
    "rep_kmeans",
    "rep_density",
    "rep_typiclust",
    "committee",
    "egl",
    "eer",
    "adaptive",
    "cold_kmeans",
    "cold_kcenter",
    "cold_density",
    "cold_typiclust",
]


def _pool(n, n_features, n_classes, n_labeled, seed=0):
    """Gaussian classes around random centroids, generated in blocks."""
    rng = np.random.default_rng(seed)
    centroids = rng.normal(0, 1.5, size=(n_classes, n_features))
    y = rng.integers(0, n_classes, size=n)
    X = np.empty((n, n_features))
    for start in range(0, n, 10**6):
        stop = min(start + 10**6, n)
        X[start:stop] = centroids[y[start:stop]]
        X[start:stop] += rng.standard_normal((stop - start, n_features))
    labeled = np.concatenate(
        [np.flatnonzero(y == c)[:1] for c in range(n_classes)]
        + [rng.choice(n, size=n_labeled - n_classes, replace=False)]
    )
    return X, y, np.unique(labeled)


def _learner(name, batch):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    import skal

    est = make_pipeline(StandardScaler(), LogisticRegression())
    common = {"batch_size": batch, "random_state": 0}
    if name.startswith("cold_"):
        return skal.UncertaintySamplingClassifier(est, cold_start=name[5:], **common)
    if name in ("margin", "floor"):
        return skal.UncertaintySamplingClassifier(est, **common)
    if name in ("ranked", "kcenter", "cluster"):
        return skal.UncertaintySamplingClassifier(est, batch_mode=name, **common)
    if name == "density":
        return skal.UncertaintySamplingClassifier(est, density_weight=1.0, **common)
    if name == "self_training":
        return skal.UncertaintySamplingClassifier(
            est, self_training=skal.SelfTraining(), **common
        )
    if name.startswith("rep_"):
        return skal.RepresentativeSampler(est, method=name[4:], **common)
    if name == "committee":
        return skal.CommitteeSampler(est, **common)
    if name == "egl":
        return skal.ExpectedModelChangeClassifier(est, **common)
    if name == "eer":
        return skal.ExpectedErrorReductionClassifier(est, **common)
    if name == "adaptive":
        return skal.AdaptiveSampler(est, **common)
    raise ValueError(name)


def _phase(fn):
    """(result, peak bytes above the start, seconds) of ``fn()``."""
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    t0 = time.perf_counter()
    out = fn()
    wall = time.perf_counter() - t0
    return out, tracemalloc.get_traced_memory()[1] - base, wall


def worker(spec):
    X, y, labeled = _pool(spec["n"], spec["features"], 10, spec["labeled"])
    name = spec["contestant"]
    learner = _learner(name, spec["batch"])
    y_part = np.full(y.shape[0], -1)
    if not name.startswith("cold_"):
        y_part[labeled] = y[labeled]
    tracemalloc.start()
    out = {"contestant": name, "pool_bytes": X.nbytes}
    _, out["fit"], out["fit_s"] = _phase(lambda: learner.fit(X, y_part))
    if name == "floor":
        model = learner.estimator_
        _, out["query"], out["query_s"] = _phase(lambda: model.predict_proba(X))
        out["round"], out["round_s"] = out["query"], out["query_s"]
    else:
        idx, out["query"], out["query_s"] = _phase(learner.query)

        def round_():
            learner.teach(y=y[idx], indices=idx)
            return learner.query()

        _, out["round"], out["round_s"] = _phase(round_)
    tracemalloc.stop()
    out["maxrss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=lambda s: int(float(s)), default=2 * 10**6)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--labeled", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--only", help="comma-separated contestants")
    parser.add_argument("--json", help="write the raw results here")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return
    lineup = args.only.split(",") if args.only else CONTESTANTS
    spec = {
        "n": args.n,
        "features": args.features,
        "labeled": args.labeled,
        "batch": args.batch,
    }
    load = os.getloadavg()[0]
    raw = {}
    for name in lineup:
        raw[name] = run_worker(__file__, {**spec, "contestant": name})
        r = raw[name]
        print(
            f"{name:<16} fit {r['fit'] / 2**20:7.1f} MiB {r['fit_s']:6.1f} s   "
            f"round {r['round'] / 2**20:7.1f} MiB {r['round_s']:6.1f} s",
            file=sys.stderr,
            flush=True,
        )
    pool_mib = args.n * args.features * 8 / 2**20
    print(
        f"\nPool {args.n:,} x {args.features} float64 ({pool_mib:.0f} MiB), "
        f"{args.labeled} labels, batch {args.batch}, StandardScaler + "
        f"LogisticRegression, 1 BLAS thread; peaks above what was allocated "
        f"before each phase (tracemalloc); load {load:.1f} at start, "
        f"{os.getloadavg()[0]:.1f} at end\n"
    )
    headers = [
        "option",
        "fit MiB",
        "query MiB",
        "round MiB",
        "round bytes / row",
        "round / pool",
        "first query s",
        "round s",
        "RSS MiB",
    ]
    print("| " + " | ".join(headers) + " |")
    print("|" + "|".join("---" for _ in headers) + "|")
    for name in lineup:
        r = raw[name]
        peak = max(r["query"], r["round"])
        print(
            f"| {name} | {r['fit'] / 2**20:.1f} | {r['query'] / 2**20:.1f} | "
            f"{r['round'] / 2**20:.1f} | {peak / args.n:.0f} | "
            f"{peak / r['pool_bytes']:.2f} | {r['query_s']:.1f} | {r['round_s']:.1f} | "
            f"{r['maxrss'] / 2**20:.0f} |"
        )
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"args": vars(args), "raw": raw}, fh)


if __name__ == "__main__":
    main()
