"""Query speed on large pools: skal against the estimator's own predict_proba
(the floor), modAL and scikit-activeml, all in one run.

Every contestant runs in its own process with the same BLAS thread count and
the same environment (OPENBLAS_CORETYPE included, as found); the peers run in
their own virtual environment (``bash benchmarks/peers_env.sh``), because
modAL needs scikit-learn < 1.8. The floor is measured in both environments and
each library is compared with the floor of its own scikit-learn. Rounds
interleave the contestants so that load from other processes hits them alike;
the table gives medians over every timed call.

The query: margin sampling of ``--batch`` samples with LogisticRegression
(``--classes`` classes, ``--features`` features) trained on the same labeled
set. Ratios are paired: each round's median over the median of the
reference that ran in the same round, then the median over rounds; "best"
divides the fastest calls, which load from other processes touches least. The memory
column is what one query allocates on top of the pool (tracemalloc); RSS is
the process's peak, pool included.

Default run (minutes on 2 cores)::

    python benchmarks/query_speed.py

Largest sizes (10^7 rows, memory-mapped from /tmp, ~1.6 GB on disk)::

    python benchmarks/query_speed.py --sizes 1e6 --huge
"""

import argparse
import json
import sys
from pathlib import Path

from _common import (
    PEERS_PYTHON,
    best_ratio,
    machine,
    make_data,
    overlap,
    paired_ratio,
    print_table,
    run_contestant,
    size,
    summarize,
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
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3, help="timed calls a round")
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
    parser.add_argument("--data-dir", default="/tmp/skal-bench")
    parser.add_argument("--json", help="write the raw results here")
    args = parser.parse_args(argv)

    pools = [(size(s), False) for s in args.sizes.split(",") if s]
    memmaps = [size(s) for s in args.memmap_sizes.split(",") if s]
    if args.huge:
        memmaps.append(10**7)
    pools += [(n, True) for n in memmaps]

    skal_side = ["floor", "skal"]
    skal_side += (["skal_jobs"] if args.jobs else []) + (
        ["skal_dask"] if args.dask else []
    )
    peer_side = [] if args.no_peers else ["floor", "modal", "skactiveml"]
    lineup = [(sys.executable, c, "skal") for c in skal_side]
    lineup += [(args.peers_python, c, "peers") for c in peer_side]

    raw = {}
    for round_ in range(args.rounds):
        for n, memmap in pools:
            labeled, pool = make_data(
                args.data_dir, n, args.features, args.classes, args.labeled
            )
            for python, contestant, env in lineup:
                spec = {
                    "contestant": contestant,
                    "n": n,
                    "labeled": labeled,
                    "pool": pool,
                    "memmap": memmap,
                    "k": args.batch,
                    "repeats": args.repeats,
                }
                result = run_contestant(python, spec, args.threads)
                raw.setdefault((n, memmap, contestant, env), []).append(result)
                where = f"n={n:>10,}{' mmap' if memmap else ''}"
                print(
                    f"round {round_ + 1}/{args.rounds} {where} {env:>5}:"
                    f"{contestant:<10} {min(result['wall']):8.3f} s",
                    file=sys.stderr,
                    flush=True,
                )

    stats = {key: summarize(results) for key, results in raw.items()}
    print(f"\nMachine: {machine()}; BLAS threads per contestant: {args.threads}")
    for env in ("skal", "peers"):
        some = next((s for (_, _, _, e), s in stats.items() if e == env), None)
        if some:
            print(f"{env} environment: {json.dumps(some['versions'])}")
    print(
        f"LogisticRegression, {args.features} features, {args.classes} classes, "
        f"margin, batch {args.batch}; medians of {args.rounds} rounds x "
        f"{args.repeats} calls\n"
    )
    headers = [
        "pool",
        "contestant",
        "median s",
        "CPU s",
        "x own floor",
        "best x own floor",
        "x skal",
        "query peak MiB",
        "RSS MiB",
        "same batch as skal",
    ]
    rows = []
    for n, memmap in pools:
        skal_stats = stats.get((n, memmap, "skal", "skal"))
        for _, contestant, env in lineup:
            key = (n, memmap, contestant, env)
            s = stats[key]
            floor_key = (n, memmap, "floor", env)
            vs_floor = paired_ratio(raw[key], raw[floor_key])
            best_vs_floor = best_ratio(raw[key], raw[floor_key])
            skal_key = (n, memmap, "skal", "skal")
            vs_skal = paired_ratio(raw[key], raw[skal_key]) if skal_stats else None
            name = contestant if contestant != "floor" else f"floor ({env} env)"
            same = (
                f"{overlap(skal_stats['chosen'], s['chosen']):.0%}"
                if skal_stats and contestant != "floor"
                else ""
            )
            rows.append(
                [
                    f"{n:,}" + (" (memmap)" if memmap else ""),
                    name,
                    f"{s['wall']:.3f}",
                    f"{s['cpu']:.3f}",
                    f"{vs_floor:.2f}",
                    f"{best_vs_floor:.2f}",
                    "" if vs_skal is None else f"{vs_skal:.2f}",
                    f"{s['peak_mib']:.1f}",
                    f"{s['maxrss_mib']:.0f}",
                    same,
                ]
            )
    print_table(headers, rows)
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "args": vars(args),
                    "machine": machine(),
                    "results": [
                        {"n": n, "memmap": m, "contestant": c, "env": e, "runs": r}
                        for (n, m, c, e), r in raw.items()
                    ],
                },
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
