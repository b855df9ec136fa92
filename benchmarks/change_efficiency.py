"""Label efficiency of the speed changes: each against what it replaced,
paired over seeded repeats.

A faster round must not buy fewer correct answers per label. Each pair runs
on the same splits and initial samples (``learning_curves`` with one
``random_state``), the model a standardised logistic regression:

- ``kmeans``: ``RepresentativeSampler(method="kmeans")``, which clusters the
  pool once per fit and covers the clustering, against ``kmeans:recluster``,
  the rule it replaced (k-means of the remaining pool at every query);
- ``kcenter`` / ``ranked``: batch diversity measured in the Pipeline head
  fitted once on the pool (the default, cacheable), against ``...:refit``,
  the head refitted on the labels every round (a callable
  ``feature_space``, nothing cacheable);
- ``eer``: expected error reduction whose hypothetical refits start from the
  current solution (the default for linear models), against ``eer:cold``,
  refits from scratch;
- ``margin:warm``: ``warm_start=True`` against ``margin`` (cold refits).

The table gives the final accuracy and the area under the learning curve of
each, and the paired difference (points, 95% t-interval) of the change to
the rule it replaced.

::

    nice python benchmarks/change_efficiency.py                # a few minutes
    nice python benchmarks/change_efficiency.py --datasets digits --repeats 20
"""

import argparse
import math
import os
import sys
import time
import warnings

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skal import (  # noqa: E402
    ExpectedErrorReductionClassifier,
    RepresentativeSampler,
    UncertaintySamplingClassifier,
)
from skal.datasets import load_dataset  # noqa: E402
from skal.evaluation import area_under_learning_curve, learning_curves  # noqa: E402
from skal.selection import kmeans_representatives  # noqa: E402

#: Per dataset: (budget, batch_size, n_initial).
SETTINGS = {
    "digits": (200, 20, 20),
    "synthetic": (200, 20, 20),
    "many_classes": (400, 40, 40),
}
#: EER is costly: a smaller budget, and only where it finishes in minutes.
EER_SETTINGS = {"digits": (100, 10, 20), "synthetic": (100, 10, 20)}


class ReclusteringKMeans(RepresentativeSampler):
    """The rule ``method="kmeans"`` replaced: k-means of the remaining pool at
    every query, the sample nearest each centroid (through the documented
    ``_select`` hook)."""

    def _select(self, pool, k):
        from skal._data import take_rows
        from skal._random import stream

        if self.method != "kmeans" or not pool.remembered:
            return super()._select(pool, k)
        feats = self._features_of(take_rows(pool.source, pool.candidates))
        pos = kmeans_representatives(
            feats, k, random_state=stream(self._seed, "select", self._round)
        )
        return pool.candidates[pos], np.zeros(k)


class ColdLogisticRegression(LogisticRegression):
    """LogisticRegression that skal does not resume (defined outside
    scikit-learn, without partial_fit): every hypothetical refit is cold."""


def head_refit_on_labels(estimator, X):
    """The space of the Pipeline head as refitted on the labels each round."""
    return estimator[:-1].transform(X)


def _model(cls=LogisticRegression):
    return make_pipeline(StandardScaler(), cls(max_iter=1000))


PAIRS = {
    "kmeans": (
        lambda: RepresentativeSampler(_model(), method="kmeans"),
        lambda: ReclusteringKMeans(_model(), method="kmeans"),
    ),
    "kcenter": (
        lambda: UncertaintySamplingClassifier(_model(), batch_mode="kcenter"),
        lambda: UncertaintySamplingClassifier(
            _model(), batch_mode="kcenter", feature_space=head_refit_on_labels
        ),
    ),
    "ranked": (
        lambda: UncertaintySamplingClassifier(_model(), batch_mode="ranked"),
        lambda: UncertaintySamplingClassifier(
            _model(), batch_mode="ranked", feature_space=head_refit_on_labels
        ),
    ),
    "margin:warm": (
        lambda: UncertaintySamplingClassifier(_model(), warm_start=True),
        lambda: UncertaintySamplingClassifier(_model()),
    ),
    "eer": (
        lambda: ExpectedErrorReductionClassifier(
            _model(), n_candidates=10, n_eval_samples=100, n_jobs=1
        ),
        lambda: ExpectedErrorReductionClassifier(
            _model(ColdLogisticRegression),
            n_candidates=10,
            n_eval_samples=100,
            n_jobs=1,
        ),
    ),
}
REPLACED = {
    "kmeans": "kmeans:recluster",
    "kcenter": "kcenter:refit",
    "ranked": "ranked:refit",
    "margin:warm": "margin",
    "eer": "eer:cold",
}


def _per_seed(results, learner):
    by_seed = {}
    for r in results.records:
        if r["learner"] == learner:
            by_seed.setdefault(r["seed"], []).append((r["n_labeled"], r["score"]))
    finals, aulcs = {}, {}
    for seed, points in by_seed.items():
        n, s = np.array(sorted(points)).T
        finals[seed], aulcs[seed] = s[-1], area_under_learning_curve(n, s)
    return finals, aulcs


def _paired(a, b):
    from scipy.stats import t

    diff = 100 * (np.asarray(a) - np.asarray(b))
    n = diff.shape[0]
    half = t.ppf(0.975, n - 1) * diff.std(ddof=1) / math.sqrt(n) if n > 1 else 0.0
    return float(diff.mean()), float(half)


def run(dataset, pairs, repeats, n_jobs, seed):
    X, y = load_dataset(dataset)
    rows = []
    for name in pairs:
        settings = EER_SETTINGS if name == "eer" else SETTINGS
        if dataset not in settings:
            continue
        budget, batch, n_initial = settings[dataset]
        new, old = PAIRS[name]
        learners = {name: new(), REPLACED[name]: old()}
        for learner in learners.values():
            learner.set_params(batch_size=batch, n_initial=n_initial)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            results = learning_curves(
                learners,
                X,
                y,
                budget=budget,
                n_repeats=repeats,
                random_state=seed,
                n_jobs=n_jobs,
                baseline=None,
            )
        wall = time.perf_counter() - t0
        nf, na = _per_seed(results, name)
        of, oa = _per_seed(results, REPLACED[name])
        seeds = sorted(nf)
        df = _paired([nf[s] for s in seeds], [of[s] for s in seeds])
        da = _paired([na[s] for s in seeds], [oa[s] for s in seeds])
        rows.append(
            [
                dataset,
                f"{name} vs {REPLACED[name]}",
                budget,
                f"{np.mean([nf[s] for s in seeds]):.3f} / "
                f"{np.mean([of[s] for s in seeds]):.3f}",
                f"{df[0]:+.1f} ± {df[1]:.1f}",
                f"{np.mean([na[s] for s in seeds]):.3f} / "
                f"{np.mean([oa[s] for s in seeds]):.3f}",
                f"{da[0]:+.1f} ± {da[1]:.1f}",
                f"{wall:.0f}",
            ]
        )
        print(" | ".join(str(c) for c in rows[-1]), file=sys.stderr, flush=True)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", default="digits,synthetic,many_classes")
    parser.add_argument("--pairs", default=",".join(PAIRS))
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    load = os.getloadavg()[0]
    rows = []
    for dataset in args.datasets.split(","):
        rows += run(
            dataset, args.pairs.split(","), args.repeats, args.n_jobs, args.seed
        )
    print(
        f"\n{args.repeats} paired repeats, seed {args.seed}, n_jobs={args.n_jobs}; "
        f"load {load:.1f} at start, {os.getloadavg()[0]:.1f} at end\n"
    )
    headers = [
        "dataset",
        "change vs replaced",
        "budget",
        "final acc. (new / old)",
        "Δ final (pts, 95% CI)",
        "AULC (new / old)",
        "Δ AULC (pts, 95% CI)",
        "wall s",
    ]
    print("| " + " | ".join(headers) + " |")
    print("|" + "|".join("---" for _ in headers) + "|")
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |")


if __name__ == "__main__":
    main()
