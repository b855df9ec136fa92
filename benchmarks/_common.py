"""What the benchmark drivers share: data on disk, running contestants in
their own processes, medians and tables."""

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RUNNER = HERE / "_runner.py"
PEERS_PYTHON = "/tmp/skal-peers-venv/bin/python"
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def size(text):
    """``"1e6"`` or ``"1000000"`` -> 1000000."""
    return int(float(text))


def make_data(data_dir, n_pool, n_features, n_classes, n_labeled, block=10**6):
    """Labeled set and pool as .npy files (the pool can be memory-mapped).

    The pool is drawn around the labeled classes' centroids block by block, so
    a 10^7-row pool never has to fit in memory here either.
    """
    from sklearn.datasets import make_classification

    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    tag = f"{n_features}f{n_classes}c{n_labeled}l"
    labeled = data_dir / f"labeled_{tag}.npz"
    if not labeled.exists():
        X, y = make_classification(
            n_samples=n_labeled,
            n_features=n_features,
            n_informative=min(n_features, 10),
            n_redundant=0,
            n_classes=n_classes,
            n_clusters_per_class=1,
            class_sep=1.0,
            random_state=0,
        )
        np.savez(labeled, X=X, y=y)
    pool = data_dir / f"pool_{n_pool}_{tag}.npy"
    if not pool.exists():
        with np.load(labeled) as data:
            X, y = data["X"], data["y"]
        centroids = np.stack([X[y == c].mean(axis=0) for c in np.unique(y)])
        spread = X.std(axis=0)
        rng = np.random.default_rng(n_pool)
        partial = pool.with_suffix(".partial.npy")
        out = np.lib.format.open_memmap(
            partial, mode="w+", dtype=np.float64, shape=(n_pool, n_features)
        )
        for start in range(0, n_pool, block):
            stop = min(start + block, n_pool)
            which = rng.integers(0, centroids.shape[0], size=stop - start)
            noise = rng.standard_normal((stop - start, n_features))
            out[start:stop] = centroids[which] + noise * spread
        out.flush()
        del out
        partial.rename(pool)
    return str(labeled), str(pool)


def run_contestant(python, spec, threads, timeout=3600):
    """Run one contestant in a fresh process with ``threads`` BLAS threads."""
    env = dict(os.environ)
    for name in THREAD_VARIABLES:
        env[name] = str(threads)
    proc = subprocess.run(
        [python, str(RUNNER), json.dumps(spec)],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        cwd=str(HERE.parent),
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"{spec['contestant']} (n={spec.get('n')}) failed:\n{proc.stderr[-3000:]}"
        )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def summarize(results):
    """Median wall and CPU seconds over every timed call of every round."""
    wall = [t for r in results for t in r["wall"]]
    cpu = [t for r in results for t in r["cpu"]]
    peaks = [r["peak_bytes"] for r in results if r["peak_bytes"] is not None]
    return {
        "wall": statistics.median(wall),
        "cpu": statistics.median(cpu),
        "wall_min": min(wall),
        "peak_mib": statistics.median(peaks) / 2**20 if peaks else float("nan"),
        "maxrss_mib": max(r["maxrss_bytes"] for r in results) / 2**20,
        "chosen": results[0]["chosen"],
        "runs": len(wall),
        "versions": {k: results[0][k] for k in ("sklearn", "numpy", "blas")},
    }


def paired_ratio(results, reference):
    """Median over rounds of (median time / reference's median time) in the
    same round: the two ran side by side, under the same load."""
    ratios = [
        statistics.median(r["wall"]) / statistics.median(ref["wall"])
        for r, ref in zip(results, reference, strict=True)
    ]
    return statistics.median(ratios)


def best_ratio(results, reference):
    """Fastest call over fastest call: the ratio least touched by load."""
    best = min(t for r in results for t in r["wall"])
    return best / min(t for r in reference for t in r["wall"])


def overlap(a, b):
    """Share of batch ``a`` also in batch ``b``."""
    if not a:
        return float("nan")
    return len(set(a) & set(b)) / len(a)


def machine():
    import platform

    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        mem = float("nan")
    return (
        f"{os.cpu_count()} cores, {mem:.0f} GiB, {platform.processor() or '?'}, "
        f"Python {platform.python_version()}, "
        f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}"
    )


def print_table(headers, rows, file=sys.stdout):
    print("| " + " | ".join(headers) + " |", file=file)
    print("|" + "|".join("---" for _ in headers) + "|", file=file)
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |", file=file)
