"""``skal compare`` with the default ``--n-jobs -1`` against ``--n-jobs 1``:
parallel repeats must not oversubscribe the cores.

Each run is a fresh ``skal compare`` process in the environment as found
(no thread variable set, so OpenBLAS starts one thread per core, as a user's
shell does), timed whole; ``--n-jobs 1`` also runs with one BLAS thread
(``OPENBLAS_NUM_THREADS=1``), the best a sequential run can do. The variants
alternate run after run, so load from other processes hits them alike; the
table gives the median wall time and the paired median ratio to
``--n-jobs 1``.

::

    nice python benchmarks/compare_jobs.py --runs 3
    nice python benchmarks/compare_jobs.py --learners adaptive,margin,committee,random
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
VARIANTS = {
    "--n-jobs -1 (default)": ("-1", None),
    "--n-jobs 1": ("1", None),
    "--n-jobs 1, 1 BLAS thread": ("1", "1"),
}


def _run(args, n_jobs, threads, out_dir):
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}
    if threads is not None:
        for name in THREAD_VARIABLES:
            env[name] = threads
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    command = [
        sys.executable,
        "-c",
        "import sys; from skal.cli import main; sys.exit(main(sys.argv[1:]))",
        "compare",
        "--dataset",
        args.dataset,
        "--learners",
        args.learners,
        "--repeats",
        str(args.repeats),
        "--budget",
        str(args.budget),
        "--seed",
        "0",
        "--n-jobs",
        n_jobs,
        "--plot",
        str(Path(out_dir) / "curves.png"),
    ]
    t0 = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if proc.returncode:
        raise RuntimeError(proc.stderr[-3000:])
    return wall, proc.stdout


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="digits")
    parser.add_argument("--learners", default="adaptive,margin,committee,random")
    parser.add_argument("--repeats", type=int, default=4)
    parser.add_argument("--budget", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    load = os.getloadavg()[0]
    walls = {name: [] for name in VARIANTS}
    outputs = {}
    with tempfile.TemporaryDirectory() as out_dir:
        for run in range(args.runs):
            for name, (n_jobs, threads) in VARIANTS.items():
                wall, out = _run(args, n_jobs, threads, out_dir)
                walls[name].append(wall)
                outputs[name] = out
                print(f"run {run + 1} {name:<28} {wall:6.1f} s", file=sys.stderr)
    tables = {name: out.split("\n\n")[0] for name, out in outputs.items()}
    same = len(set(tables.values())) == 1
    print(
        f"\nskal compare --dataset {args.dataset} --learners {args.learners} "
        f"--repeats {args.repeats} --budget {args.budget} --seed 0; "
        f"{os.cpu_count()} cores; {args.runs} runs each, alternating; load "
        f"{load:.1f} at start, {os.getloadavg()[0]:.1f} at end; "
        f"same printed results in every variant: {same}\n"
    )
    ref = walls["--n-jobs 1"]
    print("| variant | median s | time / --n-jobs 1 (paired median) |")
    print("|---|---|---|")
    for name, times in walls.items():
        ratios = [t / r for t, r in zip(times, ref, strict=True)]
        print(
            f"| {name} | {statistics.median(times):.1f} | "
            f"{statistics.median(ratios):.2f}x |"
        )


if __name__ == "__main__":
    main()
