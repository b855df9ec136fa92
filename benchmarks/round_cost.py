"""Per-round cost against the labels bought: every learner and batch option,
time per query at 20, 200 and 2000 labels on a 10^5-row pool.

A round of active learning is ``teach`` (refit on every label so far) then
``query``. The refit grows with the labels by nature (it is the estimator's
own fit); the query should not: the distances to the labeled samples are
kept across rounds and updated with the new labels only, clustering is
fitted once per pool, and the expected-error refits are bounded per query.

Every contestant runs in a fresh process (nothing of another contestant's
warm-up alive), one BLAS thread, with the same data: a 10-class
``make_classification`` pool of ``--n`` x ``--features`` and the estimator
``make_pipeline(StandardScaler(), LogisticRegression())``. For each labeled
count ``L`` the learner is fitted on ``L - batch`` stratified random labels,
queried and taught once (as in a loop: the caches are warm), then
``--rounds`` times the query is timed at ``L``, ``L + batch``, ... labels,
each time after a teach (whose refit is timed apart). The table gives the
median query time at each ``L`` and the growth from the first to the last
``L``; every diversity option must stay under 1.5x.

Cold starts run once per fit, before any model (0 labels): they are timed
apart, as the first query of a fit on an unlabeled pool.

::

    nice python benchmarks/round_cost.py                 # about 10 minutes
    nice python benchmarks/round_cost.py --only ranked,kcenter --labels 20,2000
"""

import argparse
import json
import os
import statistics
import sys
import time

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402
from _common import run_worker  # noqa: E402

DIVERSE = {
    "ranked",
    "kcenter",
    "cluster",
    "density",
    "rep_kcenter",
    "rep_kmeans",
    "rep_density",
    "rep_typiclust",
    "adaptive",
}
LEARNERS = [
    "margin",
    "ranked",
    "kcenter",
    "cluster",
    "density",
    "rep_kcenter",
    "rep_kmeans",
    "rep_density",
    "rep_typiclust",
    "committee",
    "egl",
    "eer",
    "adaptive",
]
COLD_STARTS = ["random", "kmeans", "kcenter", "density", "typiclust"]


def _data(n, n_features, n_classes):
    from sklearn.datasets import make_classification

    return make_classification(
        n_samples=n,
        n_features=n_features,
        n_informative=min(n_features, 10),
        n_redundant=0,
        n_classes=n_classes,
        n_clusters_per_class=1,
        class_sep=1.0,
        random_state=0,
    )


def _learner(name, batch, n_jobs):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    import skal

    est = make_pipeline(StandardScaler(), LogisticRegression())
    common = {"batch_size": batch, "random_state": 0, "n_jobs": n_jobs}
    if name.startswith("cold_"):
        return skal.UncertaintySamplingClassifier(est, cold_start=name[5:], **common)
    if name == "margin":
        return skal.UncertaintySamplingClassifier(est, **common)
    if name in ("ranked", "kcenter", "cluster"):
        return skal.UncertaintySamplingClassifier(est, batch_mode=name, **common)
    if name == "density":
        return skal.UncertaintySamplingClassifier(est, density_weight=1.0, **common)
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
    raise ValueError(f"unknown contestant {name!r}")


def _initial(y, n_labeled, seed=0):
    """``n_labeled`` rows, every class at least once."""
    rng = np.random.default_rng(seed)
    classes = np.unique(y)
    first = [rng.choice(np.flatnonzero(y == c)) for c in classes]
    rest = np.setdiff1d(np.arange(y.shape[0]), first)
    more = rng.choice(rest, size=n_labeled - len(first), replace=False)
    return np.concatenate([first, more])[:n_labeled]


def worker(spec):
    X, y = _data(spec["n"], spec["features"], spec["classes"])
    batch = spec["batch"]
    name = spec["contestant"]
    out = {"contestant": name, "query": {}, "teach": {}}
    if name.startswith("cold_"):
        times = []
        for _ in range(spec["rounds"]):
            learner = _learner(name, batch, spec["n_jobs"])
            learner.fit(X, np.full(y.shape[0], -1))
            t0 = time.perf_counter()
            learner.query()
            times.append(time.perf_counter() - t0)
        out["query"]["0"] = times
        return out
    if name == "floor":
        learner = _learner("margin", batch, spec["n_jobs"])
        y_part = np.full(y.shape[0], -1)
        rows = _initial(y, 200)
        y_part[rows] = y[rows]
        learner.fit(X, y_part)
        model = learner.estimator_
        times = []
        for _ in range(spec["rounds"]):
            t0 = time.perf_counter()
            model.predict_proba(X)
            times.append(time.perf_counter() - t0)
        out["query"] = {str(L): times for L in spec["labels"]}
        return out
    # One learner per labeled count, queried in turn, round after round: load
    # from other processes hits every count alike.
    learners, pending = {}, {}
    for L in spec["labels"]:
        learner = _learner(name, batch, spec["n_jobs"])
        y_part = np.full(y.shape[0], -1)
        rows = _initial(y, L - batch)
        y_part[rows] = y[rows]
        learner.fit(X, y_part)
        learners[L], pending[L] = learner, learner.query()
        out["query"][str(L)], out["teach"][str(L)] = [], []
    for _ in range(spec["rounds"]):
        for L, learner in learners.items():
            idx = pending[L]
            t0 = time.perf_counter()
            learner.teach(y=y[idx], indices=idx)
            out["teach"][str(L)].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            pending[L] = learner.query()
            out["query"][str(L)].append(time.perf_counter() - t0)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=lambda s: int(float(s)), default=10**5)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--labels", default="20,200,2000")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--n-jobs", type=int, default=None)
    parser.add_argument("--only", help="comma-separated contestants")
    parser.add_argument("--no-cold", action="store_true")
    parser.add_argument("--json", help="write the raw results here")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return
    labels = [int(v) for v in args.labels.split(",")]
    lineup = ["floor", *LEARNERS]
    if not args.no_cold:
        lineup += [f"cold_{c}" for c in COLD_STARTS]
    if args.only:
        wanted = args.only.split(",")
        lineup = [c for c in lineup if c in wanted]
    base = {
        "n": args.n,
        "features": args.features,
        "classes": args.classes,
        "batch": args.batch,
        "labels": labels,
        "rounds": args.rounds,
        "n_jobs": args.n_jobs,
    }
    load = os.getloadavg()
    raw = {}
    for name in lineup:
        t0 = time.perf_counter()
        raw[name] = run_worker(__file__, {**base, "contestant": name})
        print(
            f"{name:<16} {time.perf_counter() - t0:7.1f} s", file=sys.stderr, flush=True
        )
    end_load = os.getloadavg()
    print(
        f"\nPool {args.n:,} x {args.features}, {args.classes} classes, batch "
        f"{args.batch}, StandardScaler + LogisticRegression, 1 BLAS thread, "
        f"n_jobs={args.n_jobs}; medians of {args.rounds} rounds; load "
        f"{load[0]:.1f} at start, {end_load[0]:.1f} at end\n"
    )
    headers = ["learner", *[f"query s @{L}" for L in labels]]
    headers += [f"growth {labels[0]}->{labels[-1]}", "diversity", "refit s @last"]
    print("| " + " | ".join(headers) + " |")
    print("|" + "|".join("---" for _ in headers) + "|")
    failed = []
    for name in lineup:
        if name.startswith("cold_"):
            continue
        med = [statistics.median(raw[name]["query"][str(L)]) for L in labels]
        growth = med[-1] / med[0]
        teach = raw[name]["teach"].get(str(labels[-1]))
        diverse = name in DIVERSE
        if diverse and growth >= 1.5:
            failed.append(name)
        row = [name, *[f"{m:.3f}" for m in med], f"{growth:.2f}x"]
        row += [
            "yes" if diverse else "",
            f"{statistics.median(teach):.3f}" if teach else "",
        ]
        print("| " + " | ".join(row) + " |")
    colds = [c for c in lineup if c.startswith("cold_")]
    if colds:
        print("\n| cold start (0 labels) | first query s |\n|---|---|")
        for name in colds:
            print(f"| {name[5:]} | {statistics.median(raw[name]['query']['0']):.3f} |")
    if failed:
        print(f"\nGrowth >= 1.5x: {', '.join(failed)}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"args": vars(args), "load": [load, end_load], "raw": raw}, fh)


if __name__ == "__main__":
    main()
