"""Batch diversity at scale: skal's k-center greedy, density-weighted k-center
and k-means representatives, and its uncertainty + diversity queries, against
scikit-activeml's CoreSet and TypiClust, in one run.

The pool is 10^5 x 128 by default, batch 100, with ``--labeled`` labeled samples
as the existing centers. Each contestant runs in its own process with the
same BLAS thread count; scikit-activeml in its own virtual environment
(``bash benchmarks/peers_env.sh``). The selectors are slow enough that the
first call is timed (no warm-up); the memory column is what one selection
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
import sys
from pathlib import Path

from _common import (
    PEERS_PYTHON,
    machine,
    make_data,
    overlap,
    print_table,
    run_contestant,
    size,
    summarize,
)

SKAL_SIDE = [
    "skal_kcenter",
    "skal_density",
    "skal_kmeans",
    "skal_margin_kcenter",
    "skal_margin_cluster",
]
PEER_SIDE = ["skactiveml_coreset", "skactiveml_typiclust"]
PARTNER = {"skactiveml_coreset": "skal_kcenter"}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=size, default=10**5)
    parser.add_argument("--features", type=int, default=128)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--labeled", type=int, default=100)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads, all")
    parser.add_argument("--peers-python", default=PEERS_PYTHON)
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--only", help="comma-separated contestants")
    parser.add_argument("--data-dir", default="/tmp/skal-bench")
    parser.add_argument("--json", help="write the raw results here")
    args = parser.parse_args(argv)

    lineup = [(sys.executable, c) for c in SKAL_SIDE]
    if not args.no_peers:
        lineup += [(args.peers_python, c) for c in PEER_SIDE]
    if args.only:
        wanted = set(args.only.split(","))
        lineup = [(p, c) for p, c in lineup if c in wanted]
    labeled, pool = make_data(
        args.data_dir, args.n, args.features, args.classes, args.labeled
    )
    raw = {}
    for round_ in range(args.rounds):
        for python, contestant in lineup:
            spec = {
                "contestant": contestant,
                "n": args.n,
                "labeled": labeled,
                "pool": pool,
                "k": args.batch,
                "repeats": 1,
                "warmup": False,
            }
            result = run_contestant(python, spec, args.threads)
            raw.setdefault(contestant, []).append(result)
            print(
                f"round {round_ + 1}/{args.rounds} {contestant:<22}"
                f"{result['wall'][0]:8.2f} s",
                file=sys.stderr,
                flush=True,
            )
    stats = {c: summarize(r) for c, r in raw.items()}
    print(f"\nMachine: {machine()}; BLAS threads per contestant: {args.threads}")
    print(
        f"Pool {args.n:,} x {args.features}, {args.labeled} labeled, batch "
        f"{args.batch}; medians of {args.rounds} rounds\n"
    )
    headers = ["contestant", "median s", "CPU s", "selection peak MiB", "RSS MiB"]
    headers.append("same batch as partner")
    rows = []
    for _, contestant in lineup:
        s = stats[contestant]
        partner = PARTNER.get(contestant)
        same = (
            f"{overlap(s['chosen'], stats[partner]['chosen']):.0%} ({partner})"
            if partner in stats
            else ""
        )
        rows.append(
            [
                contestant,
                f"{s['wall']:.2f}",
                f"{s['cpu']:.2f}",
                f"{s['peak_mib']:.1f}",
                f"{s['maxrss_mib']:.0f}",
                same,
            ]
        )
    print_table(headers, rows)
    if args.json:
        Path(args.json).write_text(
            json.dumps({"args": vars(args), "machine": machine(), "raw": raw}, indent=1)
        )


if __name__ == "__main__":
    main()
