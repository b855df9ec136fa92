"""Where a learner would query in a 2-d pool."""

import numpy as np

from skal.plotting._axes import axes_or_new

__all__ = ["InformativenessDisplay"]


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
        ax = axes_or_new(ax)
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
