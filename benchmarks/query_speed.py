"""Query speed on large pools: skal against the estimator's own predict_proba
(the floor), modAL and scikit-activeml, all in one run.

The query: margin sampling of ``--batch`` samples with LogisticRegression
(``--classes`` classes, ``--features`` features) trained on the same labeled
set. Every contestant runs in its own process with the same BLAS/OpenMP
thread count (``--threads``, 1 by default: OMP_NUM_THREADS,
OPENBLAS_NUM_THREADS and MKL_NUM_THREADS are set for every process) and the
same environment otherwise; the peers run in their own virtual environment
(``bash benchmarks/peers_env.sh``), because modAL needs scikit-learn < 1.8.
The floor is measured in both environments and each library is compared with
the floor of its own scikit-learn.

Timing (see ``_common.interleave`` and ``_runner``): all the contestants of a
pool size are started and warmed up, then timed call by call, each repeat
going once through all of them in a shuffled order; before every call the
process drops what earlier calls left (results, garbage, freed heap pages),
so every call starts in the same state. Ratios are paired: each call over
the reference's call of the same repeat; the table gives their median and
interquartile range over ``--rounds`` x ``--repeats`` repeats (fresh
processes every round). The memory column is what one query allocates on top
of the pool (tracemalloc); RSS is the process's peak, pool included.

Default run (about 3 minutes on 2 cores)::

    python benchmarks/query_speed.py

Largest sizes (10^7 rows, memory-mapped from /tmp, 1.6 GB on disk, always
timed in the cold state; about 6 minutes)::

    python benchmarks/query_speed.py --sizes 1e6 --huge --rounds 1 --repeats 3
"""

import argparse
import json
import shlex
import statistics
import sys
from functools import partial
from pathlib import Path

from _common import (
    PEERS_PYTHON,
    Contestant,
    interleave,
    machine,
    make_data,
    overlap,
    paired,
    print_table,
    quantiles,
    ratio_text,
    size,
    stamp,
)


def _progress(n, rep, key, call):
    name, env = key
    print(
        f"n={n:>10,} repeat {rep + 1:>2} {env:>5}:{name:<11} {call['wall']:8.4f} s"
        f"  {call['minflt']:>7} faults",
        file=sys.stderr,
        flush=True,
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1e4,1e5,1e6", help="pool sizes in memory")
    parser.add_argument(
        "--huge",
        action="store_true",
        help="also 10^7 rows, memory-mapped (np.memmap on --data-dir)",
    )
    parser.add_argument("--memmap-sizes", default="", help="other memory-mapped sizes")
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--labeled", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2, help="fresh processes")
    parser.add_argument("--repeats", type=int, default=9, help="timed calls a round")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads, all")
    parser.add_argument("--peers-python", default=PEERS_PYTHON)
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument(
        "--jobs",
        action="store_true",
        help="also skal with n_jobs=2 (joblib threads, 1 BLAS thread each)",
    )
    parser.add_argument(
        "--dask",
        action="store_true",
        help="also skal on a dask array pool (LocalCluster, 2 worker processes)",
    )
    parser.add_argument(
        "--prototype",
        action="store_true",
        help="also the margin top-k prototype of benchmarks/margin_prototype.py",
    )
    parser.add_argument(
        "--state",
        choices=("warm", "cold"),
        default="warm",
        help="warm: every call reuses memory the process already touched (no "
        "page faults); cold: freed memory goes back to the kernel before every "
        "call (each call faults its allocations in afresh). Memory-mapped "
        "pools are always timed cold",
    )
    parser.add_argument("--data-dir", default="/tmp/skal-bench")
    parser.add_argument("--json", help="write the raw results here")
    args = parser.parse_args(argv)

    pools = [(size(s), False) for s in args.sizes.split(",") if s]
    memmaps = [size(s) for s in args.memmap_sizes.split(",") if s]
    if args.huge:
        memmaps.append(10**7)
    pools += [(n, True) for n in memmaps]

    skal_side = ["floor", "skal"]
    skal_side += ["skal_proto"] if args.prototype else []
    skal_side += ["skal_jobs"] if args.jobs else []
    skal_side += ["skal_dask"] if args.dask else []
    peer_side = [] if args.no_peers else ["floor", "modal", "skactiveml"]
    lineup = [(sys.executable, c, "skal") for c in skal_side]
    lineup += [(args.peers_python, c, "peers") for c in peer_side]

    print(f"Run {stamp()}: python benchmarks/query_speed.py {shlex.join(sys.argv[1:])}")
    print(f"Machine: {machine()}")
    print(
        f"Every contestant: its own process, {args.threads} BLAS/OpenMP thread(s) "
        "(OMP_NUM_THREADS, OPENBLAS_NUM_THREADS, MKL_NUM_THREADS); "
        f"memory state before every call: {args.state}"
        + (
            " (cold for memory-mapped pools)"
            if memmaps and args.state == "warm"
            else ""
        )
    )

    calls, peaks, infos, loads = {}, {}, {}, {}
    for n, memmap in pools:
        labeled, pool = make_data(
            args.data_dir, n, args.features, args.classes, args.labeled
        )
        spec = {
            "n": n,
            "labeled": labeled,
            "pool": pool,
            "memmap": memmap,
            "k": args.batch,
            # Warm, every process would keep its peak resident at once:
            # scikit-activeml's 10 GB at 10^7 rows next to everyone else's.
            "state": "cold" if memmap else args.state,
        }
        for round_ in range(args.rounds):
            starters = [
                (
                    (c, env),
                    partial(
                        Contestant, python, {**spec, "contestant": c}, args.threads, env
                    ),
                )
                for python, c, env in lineup
            ]
            results, load = interleave(
                starters,
                args.repeats,
                seed=round_ * 7919 + n,
                progress=partial(_progress, n),
            )
            loads.setdefault((n, memmap), []).append(load)
            for key, r in results.items():
                calls.setdefault((n, memmap) + key, []).extend(r["calls"])
                peaks.setdefault((n, memmap) + key, []).append(r["peak_bytes"])
                infos.setdefault((n, memmap) + key, []).append(r["info"])

    for env in ("skal", "peers"):
        info = next((i[0] for (_, _, _, e), i in infos.items() if e == env), None)
        if info:
            versions = {k: info[k] for k in ("sklearn", "numpy", "blas")}
            print(f"{env} environment: {json.dumps(versions)}")
    print(
        f"LogisticRegression, {args.features} features, {args.classes} classes, "
        f"margin, batch {args.batch}; {args.rounds} rounds x {args.repeats} "
        "interleaved repeats; ratios: median [interquartile range] of the "
        "per-repeat ratios\n"
    )
    headers = [
        "pool",
        "contestant",
        "median s",
        "CPU s",
        "x own floor",
        "x own floor (CPU)",
        "x skal",
        "page faults",
        "query peak MiB",
        "RSS MiB",
        "same batch as skal",
    ]
    rows = []
    for n, memmap in pools:
        where = (n, memmap)
        skal_calls = calls.get(where + ("skal", "skal"))
        skal_info = infos.get(where + ("skal", "skal"))
        skal_batch = skal_info[0]["chosen"] if skal_info else None
        for _, contestant, env in lineup:
            key = where + (contestant, env)
            mine = calls[key]
            floor = calls[where + ("floor", env)]
            name = contestant if contestant != "floor" else f"floor ({env} env)"
            same = ""
            if skal_batch is not None and contestant != "floor":
                same = f"{overlap(skal_batch, infos[key][0]['chosen']):.0%}"
            faults = statistics.median(c["minflt"] for c in mine)
            rows.append(
                [
                    f"{n:,}" + (" (memmap)" if memmap else ""),
                    name,
                    f"{quantiles([c['wall'] for c in mine])[0]:.4f}",
                    f"{quantiles([c['cpu'] for c in mine])[0]:.4f}",
                    ratio_text(paired(mine, floor)),
                    ratio_text(paired(mine, floor, "cpu")),
                    ratio_text(paired(mine, skal_calls)) if skal_calls else "",
                    f"{faults:.0f}",
                    f"{statistics.median(peaks[key]) / 2**20:.1f}",
                    f"{max(i['maxrss_bytes'] for i in infos[key]) / 2**20:.0f}",
                    same,
                ]
            )
    print_table(headers, rows)
    print()
    for (n, memmap), pool_loads in loads.items():
        where = f"{n:,} rows" + (" (memmap)" if memmap else "")
        for i, load in enumerate(pool_loads):
            print(f"Load, {where}, round {i + 1}: {load.describe()}")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "args": vars(args),
                    "argv": sys.argv[1:],
                    "date": stamp(),
                    "machine": machine(),
                    "loads": [
                        {"n": n, "memmap": m, "rounds": [ld.as_dict() for ld in ls]}
                        for (n, m), ls in loads.items()
                    ],
                    "results": [
                        {
                            "n": n,
                            "memmap": m,
                            "contestant": c,
                            "env": e,
                            "calls": calls[(n, m, c, e)],
                            "peak_bytes": peaks[(n, m, c, e)],
                            "info": infos[(n, m, c, e)],
                        }
                        for (n, m, c, e) in calls
                    ],
                },
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
