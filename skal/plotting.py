"""Matplotlib displays, in the style of scikit-learn's ``*Display`` objects.

- :class:`ActiveLearningCurveDisplay`: learning curves of several strategies
  (mean over repeats, with a band of one standard deviation), random sampling
  drawn dashed as the baseline to beat.
- :class:`InformativenessDisplay`: where a learner would query in a 2-d pool:
  the informativeness of every sample, over the plane, and the next batch.

Like scikit-learn's displays, each is built with ``from_*`` class methods (or
from precomputed values), draws with ``plot`` on a given or new ``ax``,
and keeps the matplotlib artists it drew as attributes ending in ``_``.
matplotlib is imported only when something is drawn.
"""

import numpy as np

__all__ = ["ActiveLearningCurveDisplay", "InformativenessDisplay"]


def _axes(ax):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots()
    return ax


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
        ax = _axes(ax)
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


class InformativenessDisplay:
    """Informativeness of the samples of a 2-d pool, and the next batch.

    The pool is drawn as a scatter coloured by each sample's informativeness
    (higher = more worth labeling), over a filled contour of the
    informativeness across the plane; the samples
    :meth:`~skal.BaseActiveLearner.query` would pick next are circled in red,
    and labeled samples, if given, drawn as crosses.

    Parameters
    ----------
    X : ndarray of shape (n_samples, 2)
        The pool.
    scores : ndarray of shape (n_samples,)
        Informativeness of each pool sample.
    query_indices : ndarray of int, default=None
        Positions in ``X`` of the next batch.
    grid : tuple of three ndarrays, default=None
        ``(xx, yy, zz)``: a mesh over the plane and the informativeness on
        it, for the background.
    labeled : ndarray of shape (n_labeled, 2), default=None
        Samples already labeled.
    feature_names : list of str, default=None
        Axis labels; "feature 0" and "feature 1" if None.

    Attributes
    ----------
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure
    scatter_ : matplotlib PathCollection
        The pool, coloured by informativeness.
    contour_ : matplotlib QuadContourSet or None
        The background.
    queried_ : matplotlib PathCollection or None
        The next batch.
    labeled_ : matplotlib PathCollection or None
        The labeled samples.
    colorbar_ : matplotlib Colorbar

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklearn.datasets import make_blobs
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skal import UncertaintySamplingClassifier
    >>> from skal.plotting import InformativenessDisplay
    >>> X, y = make_blobs(n_samples=200, centers=2, random_state=0)
    >>> learner = UncertaintySamplingClassifier(
    ...     LogisticRegression(), batch_size=5, budget=20, random_state=0
    ... ).fit(X, y)
    >>> display = InformativenessDisplay.from_estimator(learner, X)
    >>> len(display.queried_.get_offsets()), display.colorbar_.ax.get_ylabel()
    (5, 'informativeness')
    """

    def __init__(
        self,
        *,
        X,
        scores,
        query_indices=None,
        grid=None,
        labeled=None,
        feature_names=None,
    ):
        self.X = X
        self.scores = scores
        self.query_indices = query_indices
        self.grid = grid
        self.labeled = labeled
        self.feature_names = feature_names

    def plot(self, ax=None, *, cmap="viridis", scatter_kw=None):
        """Draw the pool, the background and the next batch.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; None makes a new figure.
        cmap : str or Colormap, default="viridis"
        scatter_kw : dict, default=None
            Passed to ``ax.scatter`` for the pool.

        Returns
        -------
        display : InformativenessDisplay
            ``self``, with the artists stored.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import numpy as np
        >>> from skal.plotting import InformativenessDisplay
        >>> X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.5]])
        >>> display = InformativenessDisplay(
        ...     X=X, scores=np.array([0.1, 0.9, 0.4]), query_indices=[1]
        ... ).plot()
        >>> display.queried_.get_offsets().tolist(), display.contour_
        ([[1.0, 1.0]], None)
        """
        ax = _axes(ax)
        X = np.asarray(self.X, dtype=float)
        scores = np.asarray(self.scores, dtype=float)
        vmin, vmax = scores.min(), scores.max()
        self.contour_ = None
        if self.grid is not None:
            xx, yy, zz = self.grid
            vmin, vmax = min(vmin, zz.min()), max(vmax, zz.max())
            if vmax > vmin:
                self.contour_ = ax.contourf(
                    xx, yy, zz, levels=12, cmap=cmap, alpha=0.35, vmin=vmin, vmax=vmax
                )
        kw = {"s": 18, "edgecolors": "k", "linewidths": 0.3}
        kw.update(scatter_kw or {})
        self.scatter_ = ax.scatter(
            X[:, 0], X[:, 1], c=scores, cmap=cmap, vmin=vmin, vmax=vmax, **kw
        )
        self.queried_ = None
        if self.query_indices is not None and len(self.query_indices):
            q = X[np.asarray(self.query_indices)]
            self.queried_ = ax.scatter(
                q[:, 0],
                q[:, 1],
                s=90,
                facecolors="none",
                edgecolors="red",
                linewidths=1.5,
                label="next batch",
            )
        self.labeled_ = None
        if self.labeled is not None and len(self.labeled):
            lab = np.asarray(self.labeled, dtype=float)
            self.labeled_ = ax.scatter(
                lab[:, 0], lab[:, 1], marker="x", c="k", s=25, label="labeled"
            )
        self.colorbar_ = ax.figure.colorbar(self.scatter_, ax=ax)
        self.colorbar_.set_label("informativeness")
        names = self.feature_names or ["feature 0", "feature 1"]
        ax.set_xlabel(names[0])
        ax.set_ylabel(names[1])
        if self.queried_ is not None or self.labeled_ is not None:
            ax.legend(loc="best")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_estimator(
        cls,
        learner,
        X,
        *,
        n_queries=None,
        labeled="auto",
        grid_resolution=60,
        feature_names=None,
        ax=None,
        **plot_kw,
    ):
        """Score a 2-d pool with a fitted learner and draw it.

        Parameters
        ----------
        learner : fitted active learner
            Any learner with ``informativeness(X)``.
        X : array-like of shape (n_samples, 2)
            The pool to show.
        n_queries : int, default=None
            Size of the highlighted next batch: the ``n_queries`` most
            informative samples not in ``labeled`` (ties in pool order). None
            uses the learner's ``batch_size``; 0 highlights none.
        labeled : array-like of int, "auto" or None, default="auto"
            Positions in ``X`` of samples already labeled, drawn as crosses
            and never in the next batch. ``"auto"``: the learner's
            ``labeled_indices_`` when ``X`` is the pool it was fit on (as
            many rows); None marks none.
        grid_resolution : int or None, default=60
            Points per axis of the background mesh; None draws no background.
        feature_names : list of str, default=None
            Axis labels; the DataFrame's column names if ``X`` is one.
        ax : matplotlib Axes, default=None
            Axes to draw on; None makes a new figure.
        **plot_kw
            Passed to :meth:`plot`.

        Returns
        -------
        display : InformativenessDisplay

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from sklearn.datasets import make_moons
        >>> from sklearn.linear_model import LogisticRegression
        >>> from skal import UncertaintySamplingClassifier
        >>> from skal.plotting import InformativenessDisplay
        >>> X, y = make_moons(n_samples=100, noise=0.2, random_state=0)
        >>> learner = UncertaintySamplingClassifier(
        ...     LogisticRegression(), batch_size=4, budget=20, random_state=0
        ... ).fit(X, y)
        >>> display = InformativenessDisplay.from_estimator(
        ...     learner, X, grid_resolution=20)
        >>> display.contour_ is not None, len(display.labeled_.get_offsets())
        (True, 20)
        """
        if feature_names is None and hasattr(X, "columns"):
            feature_names = [str(c) for c in X.columns]
        X_arr = np.asarray(X, dtype=float)
        if X_arr.ndim != 2 or X_arr.shape[1] != 2:
            raise ValueError(
                "InformativenessDisplay draws a 2-d pool: X must have shape "
                f"(n_samples, 2), got {X_arr.shape}. Project the pool first (e.g. "
                "with PCA) and fit the learner on the projection."
            )
        if isinstance(labeled, str) and labeled == "auto":
            same_pool = getattr(learner, "n_samples_fit_", None) == X_arr.shape[0]
            labeled = learner.labeled_indices_ if same_pool else None
        scores = np.asarray(learner.informativeness(X), dtype=float)
        k = getattr(learner, "batch_size", 1) if n_queries is None else n_queries
        k = int(k)
        candidates = np.ones(scores.shape[0], dtype=bool)
        if labeled is not None:
            candidates[np.asarray(labeled, dtype=np.intp)] = False
        # Stable sort: equal scores keep pool order, so the picture is
        # reproducible and does not consume the learner's random state.
        order = np.argsort(-scores, kind="stable")
        query = order[candidates[order]][:k]
        grid = None
        if grid_resolution is not None:
            lo, hi = X_arr.min(axis=0), X_arr.max(axis=0)
            pad = 0.05 * np.where(hi > lo, hi - lo, 1.0)
            xx, yy = np.meshgrid(
                np.linspace(lo[0] - pad[0], hi[0] + pad[0], grid_resolution),
                np.linspace(lo[1] - pad[1], hi[1] + pad[1], grid_resolution),
            )
            mesh = np.c_[xx.ravel(), yy.ravel()]
            if hasattr(X, "columns"):
                import pandas as pd

                mesh = pd.DataFrame(mesh, columns=X.columns)
            zz = np.asarray(learner.informativeness(mesh), dtype=float)
            grid = (xx, yy, zz.reshape(xx.shape))
        display = cls(
            X=X_arr,
            scores=scores,
            query_indices=query,
            grid=grid,
            labeled=None if labeled is None else X_arr[np.asarray(labeled)],
            feature_names=feature_names,
        )
        return display.plot(ax=ax, **plot_kw)
