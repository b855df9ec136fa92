"""Batch diversity at scale: skal's k-center greedy, density-weighted k-center
and k-means representatives, and its uncertainty + diversity queries, against
scikit-activeml's CoreSet and TypiClust, in one run.

The pool is 10^5 x 128 by default, batch 100, with ``--labeled`` labeled samples
as the existing centers. Each contestant runs in its own process with the
same BLAS/OpenMP thread count (``--threads``, 1 by default); scikit-activeml
in its own virtual environment (``bash benchmarks/peers_env.sh``). The
selectors are slow, so no call on the whole pool is wasted on a warm-up:
each process first runs its selector once on the first 2,000 rows (imports
and other first-call costs), then the calls on the whole pool are timed, one
contestant after another in a shuffled order per repeat, each in the same
memory state (``_runner``). The memory column is what one selection
allocates on top of the pool (tracemalloc).

Pairs that do the same job:

- ``skal_kcenter`` (:func:`skal.selection.kcenter_greedy` over the whole pool)
  and ``skactiveml_coreset``: the same greedy k-center algorithm seeded with the
  labeled samples, so their batches should coincide;
- ``skal_density`` / ``skal_kmeans`` (:func:`skal.selection.representatives`)
  and ``skactiveml_typiclust``: label-free typical-and-spread selections (not
  the same algorithm);
- ``skal_margin_kcenter`` / ``skal_margin_cluster``: what a skal user runs,
  ``UncertaintySamplingClassifier(batch_mode=...)``: margin scores over the
  pool, then diversity among the 10 x batch best.

::

    python benchmarks/batch_diversity.py
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

SKAL_SIDE = [
    "skal_kcenter",
    "skal_density",
    "skal_kmeans",
    "skal_margin_kcenter",
    "skal_margin_cluster",
]
PEER_SIDE = ["skactiveml_coreset", "skactiveml_typiclust"]
# The skal selector each peer is compared with; same algorithm where marked.
PARTNER = {"skactiveml_coreset": "skal_kcenter", "skactiveml_typiclust": "skal_density"}
SAME_ALGORITHM = {"skactiveml_coreset"}


def _progress(rep, key, call):
    print(
        f"repeat {rep + 1} {key[0]:<22}{call['wall']:8.2f} s",
        file=sys.stderr,
        flush=True,
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=size, default=10**5)
    parser.add_argument("--features", type=int, default=128)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--labeled", type=int, default=100)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=2, help="timed calls each")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads, all")
    parser.add_argument(
        "--state",
        choices=("warm", "cold"),
        default="cold",
        help="memory state before every call (see _runner); cold by default: "
        "the warm-up on 2,000 rows does not touch what a call on the whole pool "
        "allocates, so only handing memory back before every call makes the "
        "first timed call like the others",
    )
    parser.add_argument("--peers-python", default=PEERS_PYTHON)
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--only", help="comma-separated contestants")
    parser.add_argument("--data-dir", default="/tmp/skal-bench")
    parser.add_argument("--json", help="write the raw results here")
    args = parser.parse_args(argv)

    lineup = [(sys.executable, c, "skal") for c in SKAL_SIDE]
    if not args.no_peers:
        lineup += [(args.peers_python, c, "peers") for c in PEER_SIDE]
    if args.only:
        wanted = set(args.only.split(","))
        lineup = [entry for entry in lineup if entry[1] in wanted]
    labeled, pool = make_data(
        args.data_dir, args.n, args.features, args.classes, args.labeled
    )
    print(
        f"Run {stamp()}: python benchmarks/batch_diversity.py "
        f"{shlex.join(sys.argv[1:])}"
    )
    print(f"Machine: {machine()}")
    spec = {
        "n": args.n,
        "labeled": labeled,
        "pool": pool,
        "k": args.batch,
        "warmup": "small",
        "state": args.state,
    }
    starters = [
        (
            (c, env),
            partial(Contestant, python, {**spec, "contestant": c}, args.threads, env),
        )
        for python, c, env in lineup
    ]
    results, load = interleave(starters, args.repeats, seed=args.n, progress=_progress)
    by_name = {name: r for (name, _), r in results.items()}
    print(
        f"Pool {args.n:,} x {args.features}, {args.labeled} labeled, batch "
        f"{args.batch}; {args.threads} BLAS thread(s) each; {args.repeats} "
        f"interleaved calls each; memory state {args.state}\n"
    )
    headers = [
        "contestant",
        "median s",
        "CPU s",
        "x partner",
        "selection peak MiB",
        "RSS MiB",
        "same batch as partner",
    ]
    rows = []
    for _, contestant, _ in lineup:
        r = by_name[contestant]
        calls = r["calls"]
        partner = PARTNER.get(contestant)
        vs, same = "", ""
        if partner in by_name:
            vs = f"{ratio_text(paired(calls, by_name[partner]['calls']))} ({partner})"
            if contestant in SAME_ALGORITHM:
                mine, theirs = r["info"]["chosen"], by_name[partner]["info"]["chosen"]
                same = f"{overlap(mine, theirs):.0%}"
        rows.append(
            [
                contestant,
                f"{quantiles([c['wall'] for c in calls])[0]:.2f}",
                f"{quantiles([c['cpu'] for c in calls])[0]:.2f}",
                vs,
                f"{r['peak_bytes'] / 2**20:.1f}",
                f"{r['info']['maxrss_bytes'] / 2**20:.0f}",
                same,
            ]
        )
    print_table(headers, rows)
    print(f"\nLoad: {load.describe()}")
    versions = {
        env: {k: r["info"][k] for k in ("sklearn", "numpy", "blas")}
        for (_, env), r in results.items()
    }
    for env, v in versions.items():
        print(f"{env} environment: {json.dumps(v)}")
    faults = {
        name: statistics.median(c["minflt"] for c in r["calls"])
        for name, r in by_name.items()
    }
    print(f"Page faults per call (median): {json.dumps(faults)}")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "args": vars(args),
                    "date": stamp(),
                    "machine": machine(),
                    "load": load.as_dict(),
                    "results": {c: r for (c, _), r in results.items()},
                },
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
