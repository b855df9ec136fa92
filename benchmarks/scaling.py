"""Scaling: the whole-run time of every learner at 10^3, 10^4 and 10^5 rows,
and a Dask run on a 10^7-row pool.

``--part runs``: each learner runs a whole simulation (``fit`` with a
``budget``: ``--initial`` labels by its cold start, then batches of
``--batch`` until ``--budget``) on a 10-class ``make_classification`` pool
of each size, in a fresh process with one BLAS thread; the estimator is
``make_pipeline(StandardScaler(), LogisticRegression())``. The table gives
the wall time of the whole run (every fit, query and teach) and the growth
from the smallest pool to the largest: the query scans the pool, the fits
do not grow with it.

``--part dask``: a 10^7 x 20 float64 pool (1.5 GiB) generated and persisted
on a ``LocalCluster`` of worker processes; a margin learner trained on
1000 labels in the client queries it ``--rounds`` times, each batch fetched
to the client, labeled (a fixed linear rule) and taught as new samples. The
pool never comes to the client: its blocks are scored where they live and
only each block's top candidates come back. The client's peak memory is
its peak RSS (interpreter included) and what tracemalloc saw the rounds
allocate.

::

    nice python benchmarks/scaling.py --part runs
    nice python benchmarks/scaling.py --part dask
"""

import argparse
import json
import os
import resource
import statistics
import sys
import time

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402
from _common import run_worker as spawn  # noqa: E402

LEARNERS = [
    "random",
    "margin",
    "ranked",
    "kcenter",
    "cluster",
    "density",
    "self_training",
    "committee",
    "egl",
    "eer",
    "rep_kcenter",
    "rep_kmeans",
    "rep_density",
    "rep_typiclust",
    "adaptive",
]


def _learner(name, batch, budget, n_initial):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    import skal

    est = make_pipeline(StandardScaler(), LogisticRegression())
    common = {
        "batch_size": batch,
        "budget": budget,
        "n_initial": n_initial,
        "random_state": 0,
    }
    if name == "random":
        return skal.RandomSampler(est, **common)
    if name == "margin":
        return skal.UncertaintySamplingClassifier(est, **common)
    if name in ("ranked", "kcenter", "cluster"):
        return skal.UncertaintySamplingClassifier(est, batch_mode=name, **common)
    if name == "density":
        return skal.UncertaintySamplingClassifier(est, density_weight=1.0, **common)
    if name == "self_training":
        return skal.UncertaintySamplingClassifier(
            est, self_training=skal.SelfTraining(), **common
        )
    if name == "committee":
        return skal.CommitteeSampler(est, **common)
    if name == "egl":
        return skal.ExpectedModelChangeClassifier(est, **common)
    if name == "eer":
        return skal.ExpectedErrorReductionClassifier(est, **common)
    if name.startswith("rep_"):
        return skal.RepresentativeSampler(est, method=name[4:], **common)
    if name == "adaptive":
        return skal.AdaptiveSampler(est, **common)
    raise ValueError(name)


def _data(n, n_features=20, n_classes=10):
    from sklearn.datasets import make_classification

    return make_classification(
        n_samples=n,
        n_features=n_features,
        n_informative=10,
        n_redundant=0,
        n_classes=n_classes,
        n_clusters_per_class=1,
        random_state=0,
    )


def run_worker(spec):
    import warnings

    warnings.simplefilter("ignore")
    X, y = _data(spec["n"])
    learner = _learner(spec["learner"], spec["batch"], spec["budget"], spec["initial"])
    t0 = time.perf_counter()
    learner.fit(X, y)
    wall = time.perf_counter() - t0
    return {"wall": wall, "n_labeled": int(learner.n_labeled_)}


def dask_worker(spec):
    import tracemalloc

    import dask.array as da
    from distributed import Client, LocalCluster
    from sklearn.linear_model import LogisticRegression

    from skal import UncertaintySamplingClassifier

    n, d = spec["n"], 20
    rng = np.random.default_rng(0)
    w = rng.normal(size=(d, 10))

    def label(X):
        return np.argmax(X @ w, axis=1)

    X_lab = rng.normal(size=(1000, d))
    y_lab = label(X_lab)
    out = {"n": n}
    with (
        LocalCluster(
            n_workers=spec["workers"],
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            memory_limit="6GiB",
        ) as cluster,
        Client(cluster),
    ):
        t0 = time.perf_counter()
        pool = da.random.RandomState(0).normal(size=(n, d), chunks=(spec["chunk"], d))
        pool = pool.persist()
        from distributed import wait

        wait(pool)
        out["generate_s"] = time.perf_counter() - t0
        learner = UncertaintySamplingClassifier(
            LogisticRegression(max_iter=1000), batch_size=spec["batch"], random_state=0
        ).fit(X_lab, y_lab)
        tracemalloc.start()
        rounds = []
        for _ in range(spec["rounds"]):
            t0 = time.perf_counter()
            idx = learner.query(pool)
            X_new = pool[np.sort(idx)].compute()
            learner.teach(X_new, label(X_new))
            rounds.append(time.perf_counter() - t0)
        out["traced_peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        out["rounds_s"] = rounds
        out["n_labeled"] = int(learner.n_labeled_)
    out["client_maxrss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=["runs", "dask"], default="runs")
    parser.add_argument("--sizes", default="1e3,1e4,1e5")
    parser.add_argument("--learners", default=",".join(LEARNERS))
    parser.add_argument("--budget", type=int, default=200)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--initial", type=int, default=20)
    parser.add_argument("--n", type=lambda s: int(float(s)), default=10**7)
    parser.add_argument("--chunk", type=int, default=500_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--dask-batch", type=int, default=100)
    parser.add_argument("--json", help="write the raw results here")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        spec = json.loads(args.worker)
        work = dask_worker if spec.get("part") == "dask" else run_worker
        print(json.dumps(work(spec)))
        return
    load = os.getloadavg()[0]
    if args.part == "dask":
        spec = {
            "part": "dask",
            "n": args.n,
            "chunk": args.chunk,
            "workers": args.workers,
            "rounds": args.rounds,
            "batch": args.dask_batch,
        }
        r = spawn(__file__, spec)
        print(
            f"\nDask LocalCluster, {args.workers} worker processes x 1 thread; pool "
            f"{args.n:,} x 20 float64 ({args.n * 160 / 2**30:.1f} GiB) in blocks of "
            f"{args.chunk:,} rows, persisted on the workers; margin, batch "
            f"{args.dask_batch}, {args.rounds} rounds; load {load:.1f} at start, "
            f"{os.getloadavg()[0]:.1f} at end\n"
        )
        print("| pool rows | generate + persist s | round s (median) | rounds s |")
        print("|---|---|---|---|")
        print(
            f"| {args.n:,} | {r['generate_s']:.1f} | "
            f"{statistics.median(r['rounds_s']):.1f} | "
            f"{', '.join(f'{t:.1f}' for t in r['rounds_s'])} |"
        )
        print(
            f"\nclient: peak RSS {r['client_maxrss'] / 2**20:.0f} MiB (interpreter, "
            f"dask and scikit-learn included), rounds allocated at most "
            f"{r['traced_peak'] / 2**20:.1f} MiB (tracemalloc); "
            f"{r['n_labeled']} labels at the end"
        )
        raw = r
    else:
        sizes = [int(float(s)) for s in args.sizes.split(",")]
        learners = args.learners.split(",")
        raw = {}
        for name in learners:
            for n in sizes:
                spec = {
                    "learner": name,
                    "n": n,
                    "budget": args.budget,
                    "batch": args.batch,
                    "initial": args.initial,
                }
                raw[(name, n)] = spawn(__file__, spec)
                print(
                    f"{name:<14} {n:>8,} {raw[(name, n)]['wall']:7.2f} s",
                    file=sys.stderr,
                    flush=True,
                )
        print(
            f"\nWhole simulated runs: {args.initial} labels by the cold start, then "
            f"batches of {args.batch} to {args.budget}; StandardScaler + "
            f"LogisticRegression, 10 classes, 20 features, 1 BLAS thread, "
            f"n_jobs=None; load {load:.1f} at start, {os.getloadavg()[0]:.1f} at end\n"
        )
        headers = ["learner", *[f"{n:,} rows s" for n in sizes]]
        headers.append(f"{sizes[-1]:,} / {sizes[0]:,}")
        print("| " + " | ".join(headers) + " |")
        print("|" + "|".join("---" for _ in headers) + "|")
        for name in learners:
            walls = [raw[(name, n)]["wall"] for n in sizes]
            row = [name, *[f"{w:.2f}" for w in walls], f"{walls[-1] / walls[0]:.1f}x"]
            print("| " + " | ".join(row) + " |")
        raw = {f"{k[0]}@{k[1]}": v for k, v in raw.items()}
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"args": vars(args), "raw": raw}, fh)


if __name__ == "__main__":
    main()
