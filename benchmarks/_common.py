"""What the benchmark drivers share: data on disk, contestants in their own
processes driven call by call, the load on the machine, paired ratios and
tables.

How a timed comparison runs (``interleave``): every contestant lives in its
own process (``_runner.py``, skal's Python or the peers'), loads the pool,
makes one untimed warm-up call and waits. The driver then asks for one timed
call at a time, going through all the contestants once per *repeat*, in an
order shuffled per repeat (seeded), so that no contestant always follows the
same one. Before each call the contestant's process drops what earlier calls
left (results, garbage, freed heap pages: see ``_runner.reset``), so every
call of every contestant starts in the same state. The calls of one repeat
run within seconds of each other: a ratio of two of them (``paired``) is
taken under the same load, and the table gives the median of those per-repeat
ratios with their spread. Fresh processes are started for every round.
"""

import contextlib
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RUNNER = HERE / "_runner.py"
PEERS_PYTHON = "/tmp/skal-peers-venv/bin/python"
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def run_worker(script, spec):
    """Run ``script --worker <spec as JSON>`` in a fresh process and return
    the JSON object its last line of output prints: one contestant, nothing
    of another contestant's allocations or warm-up alive."""
    proc = subprocess.run(
        [sys.executable, str(script), "--worker", json.dumps(spec)],
        capture_output=True,
        text=True,
    )
    if proc.returncode:
        who = spec.get("contestant", spec)
        raise RuntimeError(f"{who} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


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


def thread_env(threads):
    """This process's environment with ``threads`` BLAS/OpenMP threads."""
    env = dict(os.environ)
    for name in THREAD_VARIABLES:
        env[name] = str(threads)
    return env


class Contestant:
    """One contestant's process, answering one command at a time."""

    def __init__(self, python, spec, threads, env_name, timeout=3600):
        self.name = spec["contestant"]
        self.env = env_name
        self.key = (self.name, env_name)
        self.timeout = timeout
        self.proc = subprocess.Popen(
            [python, str(RUNNER), json.dumps(spec)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=thread_env(threads),
            cwd=str(HERE.parent),
        )
        self._read()  # the warm-up is done when "ready" comes

    def _read(self):
        line = self.proc.stdout.readline()
        if not line:
            err = self.proc.stderr.read()
            raise RuntimeError(f"{self.name} ({self.env}) failed:\n{err[-3000:]}")
        return json.loads(line)

    def ask(self, command):
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self):
        info = self.ask("quit")
        self.proc.stdin.close()
        self.proc.wait(timeout=self.timeout)
        self.proc.stdout.close()
        self.proc.stderr.close()
        return info


class Load:
    """The machine's load over a stretch of the run: /proc/loadavg at both
    ends, and how many cores' worth of CPU the other processes used during
    the timed calls (summed from every call's ``others_cpu``)."""

    def __init__(self):
        self.before = _loadavg()
        self.others = 0.0
        self.steal = 0.0
        self.wall = 0.0
        self.worst = 0.0

    def add(self, call):
        self.others += call["others_cpu"]
        self.steal += call.get("steal", 0.0)
        self.wall += call["wall"]
        # /proc/stat counts in 10 ms ticks: a per-call share means little on
        # calls shorter than that.
        if call["wall"] > 0.05:
            self.worst = max(self.worst, call["others_cpu"] / call["wall"])

    def finish(self):
        self.after = _loadavg()
        return self

    def describe(self):
        share = self.others / self.wall if self.wall else float("nan")
        text = (
            f"loadavg {self.before} before, {self.after} after; other processes "
            f"used {share:.2f} cores on average during the timed calls"
        )
        if self.worst:
            text += f" (at most {self.worst:.2f} during one call over 50 ms)"
        if self.wall and self.steal / self.wall >= 0.005:
            text += f"; {self.steal / self.wall:.2f} cores stolen by the hypervisor"
        return text

    def as_dict(self):
        return {
            "loadavg_before": self.before,
            "loadavg_after": self.after,
            "others_cores": self.others / self.wall if self.wall else None,
            "others_worst": self.worst,
            "steal_cores": self.steal / self.wall if self.wall else None,
        }


def _loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


def interleave(starters, repeats, seed, progress=None, memory=True):
    """Start the contestants (one after the other, each warms up alone), then
    time ``repeats`` calls of each, interleaved call by call.

    ``starters`` are ``(key, callable -> Contestant)``. Returns
    ``{key: {"calls": [per-repeat timings], "peak_bytes": ..., "info": ...}}``
    and the :class:`Load` over the timed calls.
    """
    running = {}
    try:
        for key, start in starters:
            running[key] = start()
        load = Load()
        order = list(running)
        shuffle = random.Random(seed)
        calls = {key: [] for key in running}
        for rep in range(repeats):
            shuffle.shuffle(order)
            for key in order:
                call = running[key].ask("time")
                calls[key].append(call)
                load.add(call)
                if progress:
                    progress(rep, key, call)
        load.finish()
        results = {}
        for key, contestant in running.items():
            peak = contestant.ask("memory")["peak_bytes"] if memory else None
            results[key] = {"calls": calls[key], "peak_bytes": peak}
        for key in list(running):
            results[key]["info"] = running.pop(key).close()
        return results, load
    finally:
        for contestant in running.values():
            contestant.proc.kill()


def quantiles(values):
    """Median and the 25th / 75th percentiles."""
    values = sorted(values)
    if len(values) == 1:
        return values[0], values[0], values[0]
    q1, q2, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q2, q1, q3


def paired(calls, reference, field="wall"):
    """Per-repeat ratios ``calls[i] / reference[i]``: the two ran in the same
    repeat, seconds apart."""
    return [c[field] / r[field] for c, r in zip(calls, reference, strict=True)]


def ratio_text(ratios):
    med, q1, q3 = quantiles(ratios)
    return f"{med:.2f} [{q1:.2f}-{q3:.2f}]"


def overlap(a, b):
    """Share of batch ``a`` also in batch ``b``."""
    if not a:
        return float("nan")
    return len(set(a) & set(b)) / len(a)


def machine():
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        mem = float("nan")
    model = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    thp = "?"
    with contextlib.suppress(OSError):
        thp = Path("/sys/kernel/mm/transparent_hugepage/enabled").read_text().strip()
    return (
        f"{os.cpu_count()} cores, {mem:.0f} GiB, {model}, "
        f"Linux {platform.release()}, Python {platform.python_version()}, "
        f"transparent hugepages: {thp}, "
        f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}"
    )


def stamp():
    return time.strftime("%Y-%m-%d %H:%M %Z")


def print_table(headers, rows, file=sys.stdout):
    print("| " + " | ".join(headers) + " |", file=file)
    print("|" + "|".join("---" for _ in headers) + "|", file=file)
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |", file=file)
