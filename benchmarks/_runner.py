"""One contestant of a benchmark, timed inside its own process.

Run by ``query_speed.py`` and ``batch_diversity.py`` with skal's Python or with
the peers' (``peers_env.sh``), so it imports only numpy, scikit-learn and the
contestant's own library. Prints one JSON line::

    python benchmarks/_runner.py '{"contestant": "skal", ...}'

Timing: one warm-up call (which also pages a memory-mapped pool in), then
``repeats`` timed calls (wall and CPU seconds). Memory: one more call under
tracemalloc, whose peak is what that call allocated on top of the loaded pool
(numpy reports its buffers to tracemalloc); ``ru_maxrss`` is the process's
peak resident set (VmHWM), pool included.
"""

import json
import resource
import sys
import time
import tracemalloc

import numpy as np


def _estimator():
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=1000)


def _all_rows(X_lab, y_lab, X):
    """Labeled rows then the pool, with NaN for missing labels (skactiveml)."""
    X_all = np.concatenate([X_lab, np.asarray(X)])
    y_all = np.concatenate([y_lab.astype(float), np.full(X.shape[0], np.nan)])
    return X_all, y_all


# ----------------------------------------------------------- uncertainty query
def floor(spec, X_lab, y_lab, X):
    est = _estimator().fit(X_lab, y_lab)
    return lambda: est.predict_proba(X)


def skal(spec, X_lab, y_lab, X):
    from skal import UncertaintySamplingClassifier

    learner = UncertaintySamplingClassifier(
        _estimator(), measure="margin", batch_size=spec["k"], random_state=0
    ).fit(X_lab, y_lab)
    return lambda: learner.query(X)


def skal_jobs(spec, X_lab, y_lab, X):
    from skal import UncertaintySamplingClassifier

    learner = UncertaintySamplingClassifier(
        _estimator(),
        measure="margin",
        batch_size=spec["k"],
        n_jobs=spec.get("workers", 2),
        random_state=0,
    ).fit(X_lab, y_lab)
    return lambda: learner.query(X)


def skal_dask(spec, X_lab, y_lab, X):
    import dask.array as da
    from dask.distributed import Client, LocalCluster

    from skal import UncertaintySamplingClassifier

    cluster = LocalCluster(
        n_workers=spec.get("workers", 2),
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
    )
    client = Client(cluster)
    learner = UncertaintySamplingClassifier(
        _estimator(), measure="margin", batch_size=spec["k"], random_state=0
    ).fit(X_lab, y_lab)
    # The pool lives on the workers, as it would on a cluster: only the top
    # candidates of each block travel back.
    pool = client.persist(da.from_array(X, chunks=(spec.get("block", 250_000), -1)))
    run = lambda: learner.query(pool)  # noqa: E731
    run.keep_alive = (client, cluster)
    return run


def modal(spec, X_lab, y_lab, X):
    from modAL.models import ActiveLearner
    from modAL.uncertainty import margin_sampling

    learner = ActiveLearner(
        estimator=_estimator(),
        query_strategy=margin_sampling,
        X_training=X_lab,
        y_training=y_lab,
    )
    return lambda: learner.query(X, n_instances=spec["k"])[0]


def skactiveml(spec, X_lab, y_lab, X):
    from skactiveml.classifier import SklearnClassifier
    from skactiveml.pool import UncertaintySampling

    clf = SklearnClassifier(_estimator(), classes=np.unique(y_lab)).fit(X_lab, y_lab)
    qs = UncertaintySampling(method="margin_sampling", random_state=0)
    # The pool as candidate samples next to the labeled X: the same fitted
    # model, no copy of the pool into one X.
    return lambda: qs.query(
        X=X_lab,
        y=y_lab,
        clf=clf,
        fit_clf=False,
        candidates=X,
        batch_size=spec["k"],
    )


# ------------------------------------------------------------- batch diversity
def skal_kcenter(spec, X_lab, y_lab, X):
    from skal.selection import kcenter_greedy

    return lambda: kcenter_greedy(X, spec["k"], X_labeled=X_lab, random_state=0)


def skal_density(spec, X_lab, y_lab, X):
    from skal.selection import representatives

    return lambda: representatives(
        X, spec["k"], method="density", X_labeled=X_lab, random_state=0
    )


def skal_kmeans(spec, X_lab, y_lab, X):
    from skal.selection import representatives

    return lambda: representatives(X, spec["k"], method="kmeans", random_state=0)


def _skal_batch(strategy):
    def build(spec, X_lab, y_lab, X):
        from skal import UncertaintySamplingClassifier

        learner = UncertaintySamplingClassifier(
            _estimator(), batch_size=spec["k"], batch_mode=strategy, random_state=0
        ).fit(X_lab, y_lab)
        return lambda: learner.query(X)

    build.__name__ = f"skal_margin_{strategy}"
    return build


skal_margin_kcenter = _skal_batch("kcenter")
skal_margin_cluster = _skal_batch("cluster")


def skactiveml_coreset(spec, X_lab, y_lab, X):
    from skactiveml.pool import CoreSet

    X_all, y_all = _all_rows(X_lab, y_lab, X)
    qs = CoreSet(random_state=0)
    return lambda: qs.query(X=X_all, y=y_all, batch_size=spec["k"]) - X_lab.shape[0]


def skactiveml_typiclust(spec, X_lab, y_lab, X):
    from skactiveml.pool import TypiClust

    X_all, y_all = _all_rows(X_lab, y_lab, X)
    qs = TypiClust(random_state=0, cluster_algo_dict={"n_init": 1})
    return lambda: qs.query(X=X_all, y=y_all, batch_size=spec["k"]) - X_lab.shape[0]


CONTESTANTS = {
    f.__name__: f
    for f in (
        floor,
        skal,
        skal_jobs,
        skal_dask,
        modal,
        skactiveml,
        skal_kcenter,
        skal_density,
        skal_kmeans,
        skal_margin_kcenter,
        skal_margin_cluster,
        skactiveml_coreset,
        skactiveml_typiclust,
    )
}


def _blas():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    # numpy and scipy may each bundle an OpenBLAS; one line per distinct kind.
    found = {
        (i.get("internal_api"), i.get("architecture"), i.get("num_threads"))
        for i in threadpool_info()
        if i.get("user_api") == "blas"
    }
    return [dict(zip(("api", "kernel", "threads"), f, strict=True)) for f in found]


def _peak_rss():
    """Peak resident set of this process, in bytes.

    VmHWM belongs to this program's address space; ``ru_maxrss`` would carry
    the parent's peak over from before ``exec`` on Linux.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main():
    spec = json.loads(sys.argv[1])
    labeled = np.load(spec["labeled"])
    X_lab, y_lab = labeled["X"], labeled["y"]
    X = np.load(spec["pool"], mmap_mode="r" if spec.get("memmap") else None)
    run = CONTESTANTS[spec["contestant"]](spec, X_lab, y_lab, X)
    # Slow selectors skip the warm-up: their first call is timed.
    chosen = np.asarray(run()) if spec.get("warmup", True) else None
    wall, cpu = [], []
    for _ in range(spec["repeats"]):
        t0, c0 = time.perf_counter(), time.process_time()
        out = run()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        if chosen is None:
            chosen = np.asarray(out)
    peak = None
    if spec.get("trace_memory", True):
        tracemalloc.start()
        run()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    import sklearn

    if spec["contestant"] == "floor":
        chosen = np.empty(0)  # probabilities, not a batch: nothing to compare
    print(
        json.dumps(
            {
                "contestant": spec["contestant"],
                "n": int(X.shape[0]),
                "wall": wall,
                "cpu": cpu,
                "peak_bytes": peak,
                "maxrss_bytes": _peak_rss(),
                "chosen": np.asarray(chosen).ravel().astype(int).tolist(),
                "sklearn": sklearn.__version__,
                "numpy": np.__version__,
                "blas": _blas(),
            }
        )
    )
    keep_alive = getattr(run, "keep_alive", None)
    if keep_alive is not None:
        client, cluster = keep_alive
        client.close()
        cluster.close()


if __name__ == "__main__":
    main()
