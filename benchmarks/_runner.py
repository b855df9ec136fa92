"""One contestant of a benchmark, in its own process, timed call by call.

Started by ``_common.Contestant`` with skal's Python or with the peers'
(``peers_env.sh``), so it imports only numpy, scikit-learn and the
contestant's own library (psutil and threadpoolctl if present)::

    python benchmarks/_runner.py '{"contestant": "skal", "pool": ..., ...}'

It loads the data, builds the contestant, makes one untimed warm-up call and
prints one JSON line (``ready``). Then it answers commands read from stdin,
one JSON line each, so that the driver can interleave the calls of every
contestant (each in its own process) call by call:

- ``time``: one timed call. Before it, the state is reset the same way for
  every call of every contestant: the previous result was dropped as soon as
  its call returned and garbage is collected; then, in the ``"warm"`` state
  (the default), freed memory stays in the process (``mallopt``: no
  ``mmap`` for large blocks, no trimming of the heap), so every call reuses
  the pages the warm-up call touched and takes no page fault; in the
  ``"cold"`` state, ``malloc_trim(0)`` hands freed memory back to the kernel,
  so every call faults its allocations in afresh. Answers wall and CPU
  seconds, the page faults the call took (``minflt``: the same from call to
  call when the state is) and the CPU seconds other processes used on the
  machine meanwhile (``others_cpu``, from ``/proc/stat``).
- ``memory``: one call under tracemalloc (after the same reset); its peak is
  what the call allocated on top of the loaded pool (numpy reports its
  buffers to tracemalloc).
- ``quit``: answers the peak resident set (VmHWM, pool included), versions,
  BLAS threads and the batch of the first call, then exits.
"""

import ctypes
import ctypes.util
import gc
import json
import os
import resource
import signal
import sys
import time
import tracemalloc

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


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


def _skal_learner(spec, X_lab, y_lab, **params):
    from skal import UncertaintySamplingClassifier

    return UncertaintySamplingClassifier(
        _estimator(), measure="margin", batch_size=spec["k"], random_state=0, **params
    ).fit(X_lab, y_lab)


def skal(spec, X_lab, y_lab, X):
    learner = _skal_learner(spec, X_lab, y_lab)
    return lambda: learner.query(X)


def skal_jobs(spec, X_lab, y_lab, X):
    learner = _skal_learner(spec, X_lab, y_lab, n_jobs=spec.get("workers", 2))
    return lambda: learner.query(X)


def skal_proto(spec, X_lab, y_lab, X):
    """The margin top-k prototype of ``margin_prototype.py`` (not the library):
    same fitted model, same tie-break keys, same batch as ``skal``."""
    sys.path.insert(0, HERE)
    from margin_prototype import PrototypeQuery

    learner = _skal_learner(spec, X_lab, y_lab)
    return PrototypeQuery(learner, random_state=0).query_fn(X)


def skal_dask(spec, X_lab, y_lab, X):
    import dask.array as da
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=spec.get("workers", 2),
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
    )
    client = Client(cluster)
    learner = _skal_learner(spec, X_lab, y_lab)
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
        learner = _skal_learner(spec, X_lab, y_lab, batch_mode=strategy)
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
        skal_proto,
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


# --------------------------------------------------------------------- state
def _libc():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c"))
    except (OSError, TypeError):
        return None


_LIBC = _libc()
_STATE = {"name": "cold"}


def set_state(name):
    """``"warm"``: freed memory stays in this process; ``"cold"``: it goes back
    to the kernel before every call. Call before anything large is allocated."""
    if name not in ("warm", "cold"):
        raise ValueError(f"state must be 'warm' or 'cold', got {name!r}")
    if name == "warm":
        # glibc serves blocks over 32 MiB with mmap and unmaps them on free,
        # whatever its thresholds: only M_MMAP_MAX=0 keeps them in the heap,
        # and M_TRIM_THRESHOLD keeps the heap from shrinking.
        M_TRIM_THRESHOLD, M_MMAP_MAX = -1, -4
        if _LIBC is None or not (
            _LIBC.mallopt(M_MMAP_MAX, 0) and _LIBC.mallopt(M_TRIM_THRESHOLD, 2**31 - 1)
        ):
            raise RuntimeError("the warm state needs glibc's mallopt")
    _STATE["name"] = name


def reset():
    """The same starting state before every call of every contestant."""
    gc.collect()
    if _STATE["name"] == "cold" and _LIBC is not None:
        _LIBC.malloc_trim(ctypes.c_size_t(0))


def _busy_seconds():
    """CPU seconds the whole machine spent busy (all cores), and stolen."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
    except OSError:
        return float("nan"), float("nan")
    hz = os.sysconf("SC_CLK_TCK")
    user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq) / hz, steal / hz


_CHILDREN = []


def _watch_children():
    """Remember this process's children (dask workers), whose CPU is the
    contestant's own, not other processes' load."""
    try:
        import psutil
    except ImportError:
        return
    _CHILDREN[:] = psutil.Process().children(recursive=True)


def _children_cpu():
    total = 0.0
    for child in _CHILDREN:
        try:
            times = child.cpu_times()
        except Exception:  # noqa: BLE001 - a worker that exited counts nothing
            continue
        total += times.user + times.system
    return total


def timed(run):
    """One call after :func:`reset`: its timings, and its result."""
    reset()
    faults0 = resource.getrusage(resource.RUSAGE_SELF)
    busy0, steal0 = _busy_seconds()
    own0 = time.process_time()
    children0 = _children_cpu()
    t0, c0 = time.perf_counter(), time.process_time()
    out = run()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    children1 = _children_cpu()
    # Everything this process did between the two readings of /proc/stat.
    own = time.process_time() - own0 + children1 - children0
    busy1, steal1 = _busy_seconds()
    faults1 = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "wall": wall,
        # The contestant's own CPU, its worker processes' (dask) included.
        "cpu": cpu + children1 - children0,
        "minflt": faults1.ru_minflt - faults0.ru_minflt,
        "majflt": faults1.ru_majflt - faults0.ru_majflt,
        "others_cpu": max(busy1 - busy0 - own, 0.0),
        "steal": steal1 - steal0,
    }, out


def traced(run):
    """Peak bytes one call allocates (tracemalloc), after :func:`reset`."""
    reset()
    tracemalloc.start()
    out = run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del out
    return peak


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


def _batch(out, contestant):
    if contestant == "floor":
        return []  # probabilities, not a batch: nothing to compare
    return np.asarray(out).ravel().astype(int).tolist()


def _answer(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def _die_with_parent():
    """Linux: end this process if the driver dies (a killed benchmark leaves
    no contestant running on)."""
    if _LIBC is None or not sys.platform.startswith("linux"):
        return
    PR_SET_PDEATHSIG = 1
    _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def main():
    _die_with_parent()
    spec = json.loads(sys.argv[1])
    set_state(spec.get("state", "warm"))
    name = spec["contestant"]
    labeled = np.load(spec["labeled"])
    X_lab, y_lab = labeled["X"], labeled["y"]
    X = np.load(spec["pool"], mmap_mode="r" if spec.get("memmap") else None)
    build = CONTESTANTS[name]
    warmup = spec.get("warmup", "full")
    if warmup == "small":
        # Slow selectors: a call on the first rows pays the imports and other
        # first-call costs, so that the timed call on the whole pool does not.
        small = build(spec, X_lab, y_lab, np.asarray(X[: spec.get("small", 2000)]))
        small()
        del small
    run = build(spec, X_lab, y_lab, X)
    chosen = None
    if warmup == "full":
        chosen = _batch(run(), name)
    _watch_children()
    reset()
    _answer({"ready": name, "pid": os.getpid()})
    for line in sys.stdin:
        command = line.strip()
        if command == "time":
            result, out = timed(run)
            if chosen is None:
                chosen = _batch(out, name)
            del out
            _answer(result)
        elif command == "memory":
            _answer({"peak_bytes": traced(run)})
        elif command == "quit":
            break
        else:
            _answer({"error": f"unknown command {command!r}"})
    import sklearn

    _answer(
        {
            "contestant": name,
            "n": int(X.shape[0]),
            "maxrss_bytes": _peak_rss(),
            "chosen": chosen,
            "sklearn": sklearn.__version__,
            "numpy": np.__version__,
            "blas": _blas(),
        }
    )
    keep_alive = getattr(run, "keep_alive", None)
    if keep_alive is not None:
        client, cluster = keep_alive
        client.close()
        cluster.close()


if __name__ == "__main__":
    main()
