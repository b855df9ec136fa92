"""Learning curves of active learners against labels bought."""

import numpy as np

from skal.plotting._axes import axes_or_new

__all__ = ["ActiveLearningCurveDisplay"]


class ActiveLearningCurveDisplay:
    """Learning curves of active learners: score against labels bought.

    Use :meth:`from_results` (curves computed by
    :func:`skal.evaluation.learning_curves`) or :meth:`from_estimators`
    (compute and draw). Each learner gets a line through its mean score over
    the repeats and, by default, a band of plus or minus one standard
    deviation.

    Parameters
    ----------
    curves : dict of {str: (ndarray, ndarray)}
        Per learner, the label counts of shape (n_points,) and the scores of
        shape (n_repeats, n_points).
    score_name : str, default="score"
        Label of the y axis.
    baseline : str, default=None
        The learner drawn dashed (random sampling).
    reference : float, default=None
        The score of the model trained on the whole pool, drawn as a dotted
        horizontal line: the ceiling the curves approach.
    score_range : (float, float) or "auto" or None, default="auto"
        Bounds the spread bands are clipped to. ``"auto"`` is ``(0, 1)`` when
        every score lies there (accuracy and the like), else no clipping.

    Attributes
    ----------
    ax_ : matplotlib Axes
        The axes drawn on.
    figure_ : matplotlib Figure
        The figure holding ``ax_``.
    lines_ : list of matplotlib Line2D
        One mean curve per learner, in the order of ``curves``.
    fill_between_ : list of matplotlib PolyCollection or None
        One band per learner with ``std_display_style="fill_between"``.
    errorbar_ : list of matplotlib ErrorbarContainer or None
        One per learner with ``std_display_style="errorbar"``.
    reference_line_ : matplotlib Line2D or None
        The whole-pool score, if ``reference`` is given.

    See Also
    --------
    skal.evaluation.learning_curves : Compute the curves.
    sklearn.model_selection.LearningCurveDisplay : The passive counterpart.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skal.plotting import ActiveLearningCurveDisplay
    >>> n = np.array([10, 20, 30])
    >>> display = ActiveLearningCurveDisplay(
    ...     curves={"margin": (n, np.array([[0.6, 0.8, 0.9], [0.5, 0.8, 0.92]])),
    ...             "random": (n, np.array([[0.6, 0.7, 0.8], [0.5, 0.7, 0.78]]))},
    ...     score_name="accuracy", baseline="random",
    ... ).plot()
    >>> len(display.lines_), len(display.fill_between_)
    (2, 2)
    >>> display.ax_.get_xlabel(), display.ax_.get_ylabel()
    ('Number of labels', 'Accuracy')
    """

    def __init__(
        self,
        *,
        curves,
        score_name="score",
        baseline=None,
        reference=None,
        score_range="auto",
    ):
        self.curves = curves
        self.score_name = score_name
        self.baseline = baseline
        self.reference = reference
        self.score_range = score_range

    def _band_limits(self):
        if self.score_range != "auto":
            return self.score_range or (None, None)
        values = np.concatenate(
            [np.ravel(np.asarray(s, dtype=float)) for _, s in self.curves.values()]
        )
        if values.size and values.min() >= 0 and values.max() <= 1:
            return (0.0, 1.0)
        return (None, None)

    def plot(
        self,
        ax=None,
        *,
        std_display_style="fill_between",
        line_kw=None,
        fill_between_kw=None,
        errorbar_kw=None,
        title=None,
    ):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; None makes a new figure.
        std_display_style : {"fill_between", "errorbar"} or None, \
                default="fill_between"
            How to show the spread over repeats: a band, error bars, or not.
        line_kw, fill_between_kw, errorbar_kw : dict, default=None
            Passed to ``ax.plot``, ``ax.fill_between`` and ``ax.errorbar``.
        title : str, default=None
            Title of the axes; None leaves it as it is.

        Returns
        -------
        display : ActiveLearningCurveDisplay
            ``self``, with the artists stored.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import numpy as np
        >>> from skal.plotting import ActiveLearningCurveDisplay
        >>> n = np.array([10, 20, 30])
        >>> display = ActiveLearningCurveDisplay(
        ...     curves={"margin": (n, np.array([[0.6, 0.8, 0.9], [0.5, 0.8, 0.9]]))}
        ... ).plot(std_display_style="errorbar")
        >>> len(display.errorbar_), display.fill_between_
        (1, None)
        """
        from skal.evaluation import area_under_learning_curve

        if std_display_style not in ("fill_between", "errorbar", None):
            raise ValueError(
                "std_display_style must be 'fill_between', 'errorbar' or None, "
                f"got {std_display_style!r}."
            )
        if not self.curves:
            raise ValueError("curves is empty: nothing to plot.")
        ax = axes_or_new(ax)
        low, high = self._band_limits()
        self.lines_ = []
        self.fill_between_ = [] if std_display_style == "fill_between" else None
        self.errorbar_ = [] if std_display_style == "errorbar" else None
        for name, (n_labeled, scores) in self.curves.items():
            n_labeled = np.asarray(n_labeled)
            scores = np.atleast_2d(np.asarray(scores, dtype=float))
            if scores.shape[1] != n_labeled.shape[0]:
                raise ValueError(
                    f"curves[{name!r}]: {scores.shape[1]} scores per repeat for "
                    f"{n_labeled.shape[0]} label counts."
                )
            mean, std = scores.mean(axis=0), scores.std(axis=0)
            # A band of one std around a mean near 1.0 would cross a score
            # that cannot be exceeded: clip it to the score's range.
            lower = np.clip(mean - std, low, high) if low is not None else mean - std
            upper = np.clip(mean + std, low, high) if high is not None else mean + std
            aulc = area_under_learning_curve(n_labeled, mean)
            kw = {"label": f"{name} (AULC {aulc:.3f})", "marker": "o", "ms": 3}
            if name == self.baseline:
                kw.update(linestyle="--", color="0.35")
            kw.update(line_kw or {})
            (line,) = ax.plot(n_labeled, mean, **kw)
            self.lines_.append(line)
            color = line.get_color()
            if std_display_style == "fill_between":
                band_kw = {"alpha": 0.2, "color": color, "linewidth": 0}
                band_kw.update(fill_between_kw or {})
                self.fill_between_.append(
                    ax.fill_between(n_labeled, lower, upper, **band_kw)
                )
            elif std_display_style == "errorbar":
                bar_kw = {"fmt": "none", "ecolor": color, "capsize": 2}
                bar_kw.update(errorbar_kw or {})
                yerr = np.vstack([mean - lower, upper - mean])
                self.errorbar_.append(ax.errorbar(n_labeled, mean, yerr=yerr, **bar_kw))
        self.reference_line_ = None
        if self.reference is not None and np.isfinite(self.reference):
            self.reference_line_ = ax.axhline(
                self.reference,
                color="0.2",
                linestyle=":",
                linewidth=1.2,
                label=f"whole pool ({self.reference:.3f})",
            )
        if title is not None:
            ax.set_title(title)
        ax.set_xlabel("Number of labels")
        name = self.score_name
        ax.set_ylabel(name[:1].upper() + name[1:])
        ax.grid(True, alpha=0.3)
        ax.legend(loc="lower right")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_results(
        cls, results, *, ax=None, learners=None, reference="auto", **plot_kw
    ):
        """Draw curves computed by :func:`skal.evaluation.learning_curves`.

        Parameters
        ----------
        results : LearningCurveResults
            The curves.
        ax : matplotlib Axes, default=None
            Axes to draw on; None makes a new figure.
        learners : list of str, default=None
            Which learners to draw, in this order; None draws all.
        reference : float, "auto" or None, default="auto"
            The whole-pool line; ``"auto"`` draws the mean ``full_score`` of
            the drawn learners' repeats, None none.
        **plot_kw
            Passed to :meth:`plot` (``std_display_style``, ``line_kw``,
            ``title``...). The default title says how many repeats the
            curves average.

        Returns
        -------
        display : ActiveLearningCurveDisplay

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from skal.evaluation import LearningCurveResults
        >>> from skal.plotting import ActiveLearningCurveDisplay
        >>> results = LearningCurveResults(
        ...     [{"learner": "random", "seed": s, "n_labeled": n, "score": n / 40,
        ...       "full_score": 1.0} for s in range(3) for n in (10, 20, 30)],
        ...     baseline="random", score_name="accuracy")
        >>> display = ActiveLearningCurveDisplay.from_results(results)
        >>> display.lines_[0].get_linestyle()
        '--'
        >>> display.reference_line_.get_label(), display.ax_.get_title()
        ('whole pool (1.000)', 'Learning curves: mean ± std over 3 repeats')
        """
        names = results.learners if learners is None else list(learners)
        curves = {name: results.curve(name) for name in names}
        if reference == "auto":
            fulls = [
                r["full_score"]
                for r in results.records
                if r["learner"] in names and np.isfinite(r["full_score"])
            ]
            reference = float(np.mean(fulls)) if fulls else None
        display = cls(
            curves=curves,
            score_name=results.score_name,
            baseline=results.baseline,
            reference=reference,
        )
        n_repeats = max(scores.shape[0] for _, scores in curves.values())
        plot_kw.setdefault(
            "title", f"Learning curves: mean ± std over {n_repeats} repeats"
        )
        return display.plot(ax=ax, **plot_kw)

    @classmethod
    def from_estimators(
        cls,
        learners,
        X,
        y,
        *,
        budget=None,
        n_repeats=10,
        test_size=0.25,
        scoring=None,
        random_state=None,
        n_jobs=None,
        ax=None,
        **plot_kw,
    ):
        """Compute learning curves of ``learners`` and draw them.

        Parameters
        ----------
        learners : dict of {str: learner} or list of learners
            As in :func:`skal.evaluation.learning_curves`.
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, ...)
            All samples.
        y : array-like of shape (n_samples,)
            All labels.
        budget, n_repeats, test_size, scoring, random_state, n_jobs
            As in :func:`skal.evaluation.learning_curves`.
        ax : matplotlib Axes, default=None
            Axes to draw on; None makes a new figure.
        **plot_kw
            Passed to :meth:`plot`.

        Returns
        -------
        display : ActiveLearningCurveDisplay
            With the computed curves in ``results_``
            (:class:`~skal.evaluation.LearningCurveResults`).

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.naive_bayes import GaussianNB
        >>> from skal import RandomSampler, UncertaintySamplingClassifier
        >>> from skal.plotting import ActiveLearningCurveDisplay
        >>> X, y = load_iris(return_X_y=True)
        >>> display = ActiveLearningCurveDisplay.from_estimators(
        ...     [UncertaintySamplingClassifier(GaussianNB(), batch_size=10),
        ...      RandomSampler(GaussianNB(), batch_size=10)],
        ...     X, y, budget=30, n_repeats=2, random_state=0)
        >>> [line.get_label().split()[0] for line in display.lines_]
        ['margin', 'random']
        """
        from skal.evaluation import learning_curves

        results = learning_curves(
            learners,
            X,
            y,
            budget=budget,
            n_repeats=n_repeats,
            test_size=test_size,
            scoring=scoring,
            random_state=random_state,
            n_jobs=n_jobs,
        )
        display = cls.from_results(results, ax=ax, **plot_kw)
        display.results_ = results
        return display
