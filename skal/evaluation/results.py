"""Learning curves as a tidy table, their summary, and their files.

:class:`LearningCurveResults` holds one record per point of every curve
(learner, seed, n_labeled, score, full_score); it summarises them against
the baseline, prints tables, and reads and writes CSV and JSON.
"""

import csv
import json
import math
from numbers import Real

import numpy as np

from skal.evaluation.metrics import (
    area_under_learning_curve,
    deficiency,
    gap_closed,
    labels_to_reach,
    pooled_deficiency,
)

__all__ = ["LearningCurveResults"]

_COLUMNS = ("learner", "seed", "n_labeled", "score", "full_score")
_SUMMARY_COLUMNS = (
    "learner",
    "n_repeats",
    "final_score_mean",
    "final_score_std",
    "aulc_mean",
    "aulc_std",
    "deficiency",
    "deficiency_std",
    "target",
    "labels_to_target",
    "label_savings",
    "full_score_mean",
    "gap_closed",
)


class LearningCurveResults:
    """Learning curves of several learners over repeats, as a tidy table.

    Made by :func:`learning_curves`, or read back with :meth:`read_csv` /
    :meth:`read_json`. Each record is one point of one curve: ``learner``,
    ``seed`` (of the repeat), ``n_labeled``, ``score``, and ``full_score``
    (the learner's estimator trained on the whole training pool of that
    repeat).

    Parameters
    ----------
    records : list of dict
        The points, with the keys above.
    baseline : str or None, default=None
        The learner that deficiency and label savings compare against.
    score_name : str, default="score"
        What ``score`` measures (an axis label for plots).

    Attributes
    ----------
    learners : list of str
        Learner names, in their order of first appearance.

    Examples
    --------
    >>> from skal.evaluation import LearningCurveResults
    >>> records = [
    ...     {"learner": name, "seed": seed, "n_labeled": n,
    ...      "score": s - 0.01 * seed, "full_score": 0.95}
    ...     for name, curve in [("margin", [0.6, 1.0]), ("random", [0.6, 0.8])]
    ...     for seed in (0, 1)
    ...     for n, s in zip([10, 20], curve)
    ... ]
    >>> results = LearningCurveResults(records, baseline="random")
    >>> row = results.summary(as_frame=False)[0]
    >>> row["learner"], row["aulc_mean"], row["label_savings"]
    ('margin', 0.795, 0.25)
    """

    def __init__(self, records, *, baseline=None, score_name="score"):
        records = [dict(r) for r in records]
        if not records:
            raise ValueError("records is empty: no learning curve to summarise.")
        for r in records:
            missing = set(_COLUMNS) - set(r)
            if missing:
                raise ValueError(f"record {r!r} lacks {sorted(missing)}.")
            r["learner"] = str(r["learner"])
            r["seed"] = int(r["seed"])
            r["n_labeled"] = int(r["n_labeled"])
            r["score"] = float(r["score"])
            r["full_score"] = float(r["full_score"])
        self.records = records
        self.learners = list(dict.fromkeys(r["learner"] for r in records))
        if baseline is not None and baseline not in self.learners:
            raise ValueError(
                f"baseline={baseline!r} is not one of the learners {self.learners}."
            )
        self.baseline = baseline
        self.score_name = score_name

    def __repr__(self):
        seeds = len({r["seed"] for r in self.records})
        return (
            f"LearningCurveResults(learners={self.learners}, n_repeats={seeds}, "
            f"baseline={self.baseline!r})"
        )

    # ---------------------------------------------------------------- curves
    def _per_seed(self, learner):
        if learner not in self.learners:
            raise KeyError(f"No learner {learner!r}; have {self.learners}.")
        by_seed = {}
        for r in self.records:
            if r["learner"] == learner:
                by_seed.setdefault(r["seed"], []).append(
                    (r["n_labeled"], r["score"], r["full_score"])
                )
        return {seed: sorted(points) for seed, points in by_seed.items()}

    def curve(self, learner):
        """One learner's curves on a common grid of label counts.

        Repeats whose rounds fell on other counts (e.g. extra random labels
        bought to see a second class) are interpolated onto the grid.

        Parameters
        ----------
        learner : str
            A name from :attr:`learners`.

        Returns
        -------
        n_labeled : ndarray of shape (n_points,)
            Every label count seen in any repeat.
        scores : ndarray of shape (n_repeats, n_points)
            One row per repeat, in seed order of appearance.

        Examples
        --------
        >>> from skal.evaluation import LearningCurveResults
        >>> results = LearningCurveResults(
        ...     [{"learner": "random", "seed": s, "n_labeled": n,
        ...       "score": n / 80 + s / 4, "full_score": 1.0}
        ...      for s in (0, 1) for n in (10, 20)],
        ...     baseline="random", score_name="accuracy")
        >>> n_labeled, scores = results.curve("random")
        >>> n_labeled.tolist(), scores.tolist()
        ([10, 20], [[0.125, 0.25], [0.375, 0.5]])
        """
        per_seed = self._per_seed(learner)
        grid = np.array(
            sorted({n for points in per_seed.values() for n, _, _ in points})
        )
        rows = []
        for points in per_seed.values():
            n, s, _ = _columns(points)
            rows.append(np.interp(grid, n, s))
        return grid, np.vstack(rows)

    # --------------------------------------------------------------- summary
    def summary(self, *, target=None, as_frame=None):
        """One row per learner: final score, AULC, deficiency, label savings.

        ``final_score`` and ``aulc`` are computed per repeat, then averaged
        (``_mean``) with their standard deviation across repeats (``_std``).
        ``deficiency`` is pooled over the repeats, each paired with the
        baseline's run of the same seed (:func:`pooled_deficiency`: summed
        gaps over summed gaps, robust where a repeat's baseline gap is tiny);
        ``deficiency_std`` is the spread of the per-repeat deficiencies.
        ``labels_to_target`` is read off the mean learning curve,
        which is smoother than any single repeat, and ``label_savings`` is
        ``1 - labels_to_target / baseline's labels_to_target``: the fraction
        of labels the strategy saves to reach ``target`` (0.4 = 40% fewer
        labels than random sampling). ``full_score_mean`` is the mean score
        of the model trained on the whole pool, and ``gap_closed`` the share
        of the gap between the baseline's final score and it that the
        strategy's final score closes, paired by seed (:func:`gap_closed`).

        Parameters
        ----------
        target : float, default=None
            Score to reach; None takes the baseline's mean final score (what
            random sampling achieves with the whole budget).
        as_frame : bool, default=None
            Return a pandas DataFrame; None does so if pandas is installed.

        Returns
        -------
        summary : DataFrame or list of dict
            Columns: learner, n_repeats, final_score_mean, final_score_std,
            aulc_mean, aulc_std, deficiency, deficiency_std, target,
            labels_to_target, label_savings, full_score_mean, gap_closed.
            NaN where a value is undefined
            (no baseline, target never reached).
        """
        if target is None and self.baseline is not None:
            # Read off the same mean curve that labels_to_reach walks, so the
            # baseline reaches its own target exactly.
            target = float(self._mean_curve(self.baseline)[1][-1])
        if target is not None and not isinstance(target, Real):
            raise TypeError(f"target must be a number, got {target!r}.")
        base = None if self.baseline is None else self._per_seed(self.baseline)
        base_n = None
        if self.baseline is not None:
            base_n = labels_to_reach(*self._mean_curve(self.baseline), target)

        rows = []
        for name in self.learners:
            per_seed = self._per_seed(name)
            finals, aulcs, defs, fulls = [], [], [], []
            paired = ([], [], [])
            paired_finals = ([], [], [])
            for seed, points in per_seed.items():
                n, s, full = _columns(points)
                finals.append(s[-1])
                fulls.append(full[0])
                aulcs.append(area_under_learning_curve(n, s))
                if base is not None and seed in base:
                    bn, bs, _ = _columns(base[seed])
                    defs.append(deficiency(n, s, bn, bs, full[0]))
                    paired[0].append((n, s))
                    paired[1].append((bn, bs))
                    paired[2].append(full[0])
                    paired_finals[0].append(s[-1])
                    paired_finals[1].append(bs[-1])
                    paired_finals[2].append(full[0])
            pooled = pooled_deficiency(*paired) if paired[0] else float("nan")
            closed = gap_closed(*paired_finals) if paired[0] else float("nan")
            reach = float("nan")
            if target is not None:
                reach = labels_to_reach(*self._mean_curve(name), target)
            savings = float("nan")
            if base_n is not None and base_n > 0:
                savings = 1 - reach / base_n
            rows.append(
                {
                    "learner": name,
                    "n_repeats": len(per_seed),
                    "final_score_mean": _mean(finals),
                    "final_score_std": _std(finals),
                    "aulc_mean": _mean(aulcs),
                    "aulc_std": _std(aulcs),
                    "deficiency": pooled,
                    "deficiency_std": _std(defs),
                    "target": float("nan") if target is None else float(target),
                    "labels_to_target": reach,
                    "label_savings": round(savings, 12),
                    "full_score_mean": _mean(fulls),
                    "gap_closed": closed,
                }
            )
        return _table(rows, _SUMMARY_COLUMNS, as_frame)

    def _mean_curve(self, learner):
        grid, scores = self.curve(learner)
        return grid, scores.mean(axis=0)

    def to_string(self, *, target=None, digits=3, markdown=False):
        """The summary as a table (mean ± std over the repeats).

        Parameters
        ----------
        target : float, default=None
            As in :meth:`summary`.
        digits : int, default=3
            Decimals of scores.
        markdown : bool, default=False
            A Markdown table instead of aligned plain text.

        Returns
        -------
        text : str
            The table, then a line with the target score, if there is one.

        Examples
        --------
        >>> from skal.evaluation import LearningCurveResults
        >>> results = LearningCurveResults(
        ...     [{"learner": "random", "seed": s, "n_labeled": n,
        ...       "score": n / 80 + s / 4, "full_score": 1.0}
        ...      for s in (0, 1) for n in (10, 20)],
        ...     baseline="random", score_name="accuracy")
        >>> lines = results.to_string(markdown=True).splitlines()
        >>> print(lines[2])
        | random | 0.375 ± 0.125 | 0.312 ± 0.125 | 1.000 ± 0.000 | 20 | 0% | 0% |
        >>> print(lines[-1])
        target accuracy = 0.375 (final mean of 'random')
        """
        rows = self.summary(target=target, as_frame=False)

        def pm(row, key):
            mean = row[f"{key}_mean"] if f"{key}_mean" in row else row[key]
            std = row[f"{key}_std"]
            if math.isnan(mean):
                return "-"
            return f"{mean:.{digits}f} ± {std:.{digits}f}"

        def num(value, fmt):
            return "-" if math.isnan(value) else format(value, fmt)

        header = (
            "learner",
            f"final {self.score_name}",
            "AULC",
            "deficiency",
            "labels to target",
            "label savings",
            "gap closed",
        )
        body = [
            (
                row["learner"],
                pm(row, "final_score"),
                pm(row, "aulc"),
                pm(row, "deficiency"),
                num(row["labels_to_target"], ".0f"),
                num(row["label_savings"], ".0%"),
                num(row["gap_closed"], ".0%"),
            )
            for row in rows
        ]
        if markdown:
            lines = [f"| {' | '.join(r)} |" for r in [header, *body]]
            lines.insert(1, "|" + "---|" * len(header))
        else:
            widths = [
                max(len(r[i]) for r in [header, *body]) for i in range(len(header))
            ]
            lines = [
                "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True))
                for r in [header, *body]
            ]
            lines.insert(1, "  ".join("-" * w for w in widths))
        target_row = rows[0]["target"]
        if not math.isnan(target_row):
            lines += [""] if markdown else []
            lines.append(
                f"target {self.score_name} = {target_row:.{digits}f}"
                + (f" (final mean of {self.baseline!r})" if target is None else "")
            )
        return "\n".join(line.rstrip() for line in lines)

    # ----------------------------------------------------------------- I/O
    def to_frame(self, *, as_frame=None):
        """The tidy table: one row per point of every curve.

        Parameters
        ----------
        as_frame : bool, default=None
            Return a pandas DataFrame; None does so if pandas is installed,
            else returns a list of dicts.

        Returns
        -------
        table : DataFrame or list of dict
            Columns: learner, seed, n_labeled, score, full_score.

        Examples
        --------
        >>> from skal.evaluation import LearningCurveResults
        >>> results = LearningCurveResults(
        ...     [{"learner": "random", "seed": s, "n_labeled": n,
        ...       "score": n / 80 + s / 4, "full_score": 1.0}
        ...      for s in (0, 1) for n in (10, 20)],
        ...     baseline="random", score_name="accuracy")
        >>> row = results.to_frame(as_frame=False)[1]
        >>> row["learner"], row["seed"], row["n_labeled"], row["score"]
        ('random', 0, 20, 0.25)
        """
        return _table(self.records, _COLUMNS, as_frame)

    def to_csv(self, path):
        """Write the tidy table to a CSV file (one row per curve point).

        Parameters
        ----------
        path : str or path-like

        Examples
        --------
        >>> from skal.evaluation import LearningCurveResults
        >>> results = LearningCurveResults(
        ...     [{"learner": "random", "seed": s, "n_labeled": n,
        ...       "score": n / 80 + s / 4, "full_score": 1.0}
        ...      for s in (0, 1) for n in (10, 20)],
        ...     baseline="random", score_name="accuracy")
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "curves.csv")
        >>> results.to_csv(path)
        >>> again = LearningCurveResults.read_csv(path, baseline="random")
        >>> again.records == results.records, again.baseline
        (True, 'random')
        """
        with open(path, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=_COLUMNS)
            writer.writeheader()
            writer.writerows({k: r[k] for k in _COLUMNS} for r in self.records)

    @classmethod
    def read_csv(cls, path, *, baseline=None, score_name="score"):
        """Read a table written by :meth:`to_csv`.

        Parameters
        ----------
        path : str or path-like
        baseline : str, default=None
            The CSV does not store it: name the baseline learner again.
        score_name : str, default="score"

        Returns
        -------
        results : LearningCurveResults
        """
        with open(path, newline="", encoding="utf-8") as f:
            records = list(csv.DictReader(f))
        return cls(records, baseline=baseline, score_name=score_name)

    def to_json(self, path):
        """Write the records, the baseline and the score name to a JSON file.

        Parameters
        ----------
        path : str or path-like

        Examples
        --------
        >>> from skal.evaluation import LearningCurveResults
        >>> results = LearningCurveResults(
        ...     [{"learner": "random", "seed": s, "n_labeled": n,
        ...       "score": n / 80 + s / 4, "full_score": 1.0}
        ...      for s in (0, 1) for n in (10, 20)],
        ...     baseline="random", score_name="accuracy")
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "curves.json")
        >>> results.to_json(path)
        >>> again = LearningCurveResults.read_json(path)
        >>> again.records == results.records, again.baseline
        (True, 'random')
        """
        payload = {
            "baseline": self.baseline,
            "score_name": self.score_name,
            "records": self.records,
        }
        with open(path, "w", encoding="utf-8") as f:
            json.dump(payload, f, indent=1)

    @classmethod
    def read_json(cls, path):
        """Read a file written by :meth:`to_json`.

        Parameters
        ----------
        path : str or path-like

        Returns
        -------
        results : LearningCurveResults
        """
        with open(path, encoding="utf-8") as f:
            payload = json.load(f)
        return cls(
            payload["records"],
            baseline=payload.get("baseline"),
            score_name=payload.get("score_name", "score"),
        )


def _columns(points):
    """(n_labeled, score, full_score) tuples to three float arrays."""
    return np.array(points, dtype=float).T


def _mean(values):
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    return float(values.mean()) if values.size else float("nan")


def _std(values):
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    return float(values.std()) if values.size else float("nan")


def _table(rows, columns, as_frame):
    if as_frame is None:
        try:
            import pandas  # noqa: F401
        except ImportError:
            as_frame = False
        else:
            as_frame = True
    if as_frame:
        import pandas as pd

        return pd.DataFrame([{c: r[c] for c in columns} for r in rows], columns=columns)
    return [{c: r[c] for c in columns} for r in rows]
