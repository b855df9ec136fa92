"""Warm starts that pay: a whole 400-label margin run on a 4000 x 784 pool,
each round's fit starting from the previous round's solution
(``warm_start=True``) against training a fresh clone every round (today's
default), paired seeds; and, in the peers' environment, against modAL on the
same scikit-learn.

The pool is MNIST-like and generated, nothing downloaded: scikit-learn's
8 x 8 digits upsampled to 28 x 28 (784 pixels in [0, 1]), each copy shifted
by up to two pixels and blurred with noise, 4000 pool rows and 1000 test
rows. The model is ``LogisticRegression(max_iter=1000)`` (lbfgs): convex, so
a warm refit reaches the optimum a cold one reaches. A run: 10 labels at
random (the same for every contestant of a seed), then batches of 10 by
margin until 400 labels; the time is the whole run (every fit and query),
the accuracy the final model's on the test rows.

Each contestant of each seed runs in a fresh process with one BLAS thread,
the contestants interleaved seed by seed, so load from other processes hits
them alike; the table gives the median time, the paired median ratio to
skal's cold run, and the mean accuracy with its paired difference.

::

    nice python benchmarks/warm_start.py --seeds 5
    nice python benchmarks/warm_start.py --seeds 5 \\
        --peers-python /work/helpers/envs/peers/bin/python   # + modAL, sklearn 1.7

With ``--peers-python`` every contestant runs in that environment (skal from
this checkout on its path), so skal and modAL share one scikit-learn.
"""

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTESTANTS = ["skal_cold", "skal_warm", "modal", "modal_warm_lr"]


def make_pool(n_pool=4000, n_test=1000, seed=0):
    """MNIST-like 28 x 28 digits from scikit-learn's 8 x 8 ones."""
    import numpy as np
    from scipy.ndimage import shift, zoom
    from sklearn.datasets import load_digits

    X8, y8 = load_digits(return_X_y=True)
    rng = np.random.default_rng(seed)
    n = n_pool + n_test
    which = rng.integers(0, X8.shape[0], size=n)
    big = zoom(X8.reshape(-1, 8, 8) / 16.0, (1, 3.5, 3.5), order=1)
    X = np.empty((n, 28 * 28))
    for i, j in enumerate(which):
        img = shift(big[j], rng.integers(-2, 3, size=2), order=0, cval=0.0)
        img = img + rng.normal(0, 0.1, img.shape)
        X[i] = np.clip(img, 0.0, 1.0).ravel()
    y = y8[which]
    return X[:n_pool], y[:n_pool], X[n_pool:], y[n_pool:]


def _initial(y, n, seed):
    import numpy as np

    rng = np.random.default_rng(seed)
    return rng.choice(y.shape[0], size=n, replace=False)


def worker(spec):
    import warnings

    import numpy as np
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    warnings.simplefilter("ignore", ConvergenceWarning)
    X, y, X_test, y_test = make_pool()
    seed, name = spec["seed"], spec["contestant"]
    budget, batch, n_initial = spec["budget"], spec["batch"], spec["initial"]
    first = _initial(y, n_initial, seed)
    t0 = time.perf_counter()
    if name.startswith("skal"):
        from skal import UncertaintySamplingClassifier

        learner = UncertaintySamplingClassifier(
            LogisticRegression(max_iter=spec["max_iter"]),
            measure="margin",
            batch_size=batch,
            warm_start=name == "skal_warm",
            random_state=seed,
        )
        y_part = np.full(y.shape[0], -1)
        y_part[first] = y[first]
        learner.fit(X, y_part)
        while learner.n_labeled_ < budget:
            idx = learner.query()
            learner.teach(y=y[idx], indices=idx)
        model, n_labeled = learner, learner.n_labeled_
    else:
        from modAL.models import ActiveLearner
        from modAL.uncertainty import margin_sampling

        lr = LogisticRegression(
            max_iter=spec["max_iter"], warm_start=name == "modal_warm_lr"
        )
        unlabeled = np.setdiff1d(np.arange(y.shape[0]), first)
        X_pool, y_pool = X[unlabeled], y[unlabeled]
        model = ActiveLearner(
            estimator=lr,
            query_strategy=margin_sampling,
            X_training=X[first],
            y_training=y[first],
        )
        n_labeled = n_initial
        while n_labeled < budget:
            idx, _ = model.query(X_pool, n_instances=batch)
            model.teach(X_pool[idx], y_pool[idx])
            X_pool = np.delete(X_pool, idx, axis=0)
            y_pool = np.delete(y_pool, idx)
            n_labeled += len(idx)
    wall = time.perf_counter() - t0
    return {
        "contestant": name,
        "seed": seed,
        "wall": wall,
        "accuracy": float(model.score(X_test, y_test)),
        "n_labeled": int(n_labeled),
    }


def _run(python, spec):
    env = dict(os.environ)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), *filter(None, [env.get("PYTHONPATH")])]
    )
    proc = subprocess.run(
        [python, __file__, "--worker", json.dumps(spec)],
        capture_output=True,
        text=True,
        env=env,
    )
    if proc.returncode:
        if spec["contestant"] == "modal_warm_lr":
            # modAL refits the very estimator it was given: with warm_start,
            # the first round that brings a new class fails in scikit-learn.
            error = proc.stderr.strip().splitlines()[-1]
            return {
                "contestant": spec["contestant"],
                "seed": spec["seed"],
                "error": error,
            }
        raise RuntimeError(f"{spec['contestant']} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _versions(python):
    code = (
        "import importlib.metadata as m, json\n"
        "out = {}\n"
        "for p in ('scikit-learn', 'numpy', 'modAL-python'):\n"
        "    try: out[p] = m.version(p)\n"
        "    except m.PackageNotFoundError: pass\n"
        "print(json.dumps(out))"
    )
    out = subprocess.run([python, "-c", code], capture_output=True, text=True)
    return json.loads(out.stdout)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--budget", type=int, default=400)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--initial", type=int, default=10)
    parser.add_argument("--max-iter", type=int, default=1000)
    parser.add_argument(
        "--peers-python",
        help="run every contestant in this environment, modAL included",
    )
    parser.add_argument("--json", help="write the raw results here")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return
    python = args.peers_python or sys.executable
    lineup = CONTESTANTS if args.peers_python else CONTESTANTS[:2]
    load = os.getloadavg()[0]
    raw = {c: [] for c in lineup}
    for seed in range(args.seeds):
        for name in lineup:
            spec = {
                "contestant": name,
                "seed": seed,
                "budget": args.budget,
                "batch": args.batch,
                "initial": args.initial,
                "max_iter": args.max_iter,
            }
            result = _run(python, spec)
            raw[name].append(result)
            print(
                f"seed {seed} {name:<14} "
                + (
                    f"fails: {result['error']}"
                    if "error" in result
                    else f"{result['wall']:7.2f} s  acc {result['accuracy']:.3f}"
                ),
                file=sys.stderr,
                flush=True,
            )
    versions = _versions(python)
    print(
        f"\n{args.seeds} seeds, 4000 x 784 pool, {args.budget} labels in batches "
        f"of {args.batch}, LogisticRegression(max_iter={args.max_iter}), 1 BLAS "
        f"thread; {versions}; load {load:.1f} at start, "
        f"{os.getloadavg()[0]:.1f} at end\n"
    )
    ref = raw["skal_cold"]
    print(
        "| contestant | median run s | time / skal cold (paired median) "
        "| accuracy | Δ accuracy vs skal cold (pts, 95% CI) |"
    )
    print("|---|---|---|---|---|")
    for name in lineup:
        runs = raw[name]
        failed = [r for r in runs if "error" in r]
        if failed:
            print(
                f"| {name} | fails in {len(failed)} of {len(runs)} runs: "
                f"`{failed[0]['error'][:120]}` | | | |"
            )
            continue
        ratios = [r["wall"] / c["wall"] for r, c in zip(runs, ref, strict=True)]
        diffs = [
            100 * (r["accuracy"] - c["accuracy"])
            for r, c in zip(runs, ref, strict=True)
        ]
        half = (
            _t975(len(diffs) - 1) * statistics.stdev(diffs) / math.sqrt(len(diffs))
            if len(diffs) > 1
            else 0.0
        )
        print(
            f"| {name} | {statistics.median(r['wall'] for r in runs):.2f} "
            f"| {statistics.median(ratios):.2f}x "
            f"| {statistics.mean(r['accuracy'] for r in runs):.3f} "
            f"| {statistics.mean(diffs):+.1f} ± {half:.1f} |"
        )
    if args.json:
        Path(args.json).write_text(json.dumps({"args": vars(args), "raw": raw}))


def _t975(df):
    from scipy.stats import t

    return float(t.ppf(0.975, df))


if __name__ == "__main__":
    main()
