"""The one place that looks inside Pipelines and fitted searches.

Learners wrap whatever the user passes: a bare estimator, a
:class:`~sklearn.pipeline.Pipeline` ending in one, or a search
(:class:`~sklearn.model_selection.GridSearchCV`) over either. Several
features need the *final* estimator (warm starts, linear-model gradients,
networks) or the features it reads (diversity, BADGE); they all go through
:func:`final_step` and :func:`split_final`.
"""

__all__ = ["final_step", "split_final", "transform_to_final"]


def _inner(estimator, fitted):
    """One level down: ``(head, inner)`` or ``(None, None)`` at the bottom.

    ``head`` is what transforms X on the way to ``inner`` (a Pipeline's
    transformers), or None.
    """
    if fitted and hasattr(estimator, "best_estimator_"):
        return None, estimator.best_estimator_
    if hasattr(estimator, "steps"):
        head = estimator[:-1] if len(estimator.steps) > 1 else None
        return head, estimator.steps[-1][1]
    if not fitted and (
        hasattr(estimator, "param_grid") or hasattr(estimator, "param_distributions")
    ):
        # An unfitted search: what it will fit is its estimator.
        return None, estimator.estimator
    return None, None


def final_step(estimator):
    """The estimator at the end of Pipelines and searches (fitted or not).

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skal._pipeline import final_step
    >>> final_step(make_pipeline(StandardScaler(), LogisticRegression()))
    LogisticRegression()
    """
    fitted = hasattr(estimator, "best_estimator_")
    while True:
        _, inner = _inner(estimator, fitted)
        if inner is None:
            return estimator
        estimator = inner


def split_final(estimator, *, fitted=True):
    """``(heads, final)``: the transformers in front of the final estimator, in
    order, and the final estimator itself.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skal._pipeline import split_final
    >>> heads, final = split_final(
    ...     make_pipeline(StandardScaler(), LogisticRegression()), fitted=False)
    >>> len(heads), type(final).__name__
    (1, 'LogisticRegression')
    """
    heads = []
    while True:
        head, inner = _inner(estimator, fitted)
        if inner is None:
            return heads, estimator
        if head is not None:
            heads.append(head)
        estimator = inner


def transform_to_final(estimator, X):
    """``(final, Xt)``: the fitted final estimator and X as it reads it.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skal._pipeline import transform_to_final
    >>> X, y = np.array([[0.0], [2.0], [4.0], [6.0]]), [0, 0, 1, 1]
    >>> final, Xt = transform_to_final(
    ...     make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y), X)
    >>> round(float(Xt.mean()), 6), type(final).__name__
    (0.0, 'LogisticRegression')
    """
    heads, final = split_final(estimator, fitted=True)
    for head in heads:
        X = head.transform(X)
    return final, X
