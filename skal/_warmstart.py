"""Warm start between rounds: resume training the fitted estimator.

A learner with ``warm_start=True`` keeps its trained ``estimator_`` between
rounds and continues training it on all labels bought so far, instead of
training a fresh clone from scratch (``warm_start=False``). That is only
right for estimators whose refit *resumes optimisation* from the previous
solution:

- networks (skorch, scikeras) and iterative models with ``partial_fit`` and
  a ``warm_start`` parameter (SGD*, MLP*, Perceptron...);
- scikit-learn's linear models with ``warm_start`` (LogisticRegression,
  ElasticNet, the GLMs...), whose ``warm_start`` is "reuse the solution of
  the previous call to fit as initialization": their losses are convex, so a
  warm refit reaches the optimum a cold one reaches, in fewer iterations.

Estimators whose own ``warm_start`` means something else (forests and
boosting add members and skip refitting the existing ones) must not go
through here.

The same rule lets the expected-error refits of
:class:`~skal.ExpectedErrorReductionClassifier` start from the current model
(:func:`resumable_copy`).
"""

import copy

from skal._pipeline import final_step as _final_step

__all__ = ["can_resume", "check_can_resume", "resumable_copy", "resume_fit"]

# Modules whose estimators' `warm_start` reuses the previous solution as the
# starting point of the same (convex) optimisation.
_RESUMING_MODULES = ("sklearn.linear_model.", "sklearn.neural_network.")


def can_resume(estimator):
    """Whether a refit of ``estimator`` (or of its final step) can start from
    the previous solution."""
    final = _final_step(estimator)
    if "warm_start" not in final.get_params(deep=False):
        return False
    # partial_fit + warm_start: the signature of estimators whose warm refit
    # continues optimisation (SGD*, MLP*, skorch, scikeras). Ensembles have
    # warm_start but no partial_fit.
    if hasattr(final, "partial_fit"):
        return True
    return type(final).__module__.startswith(_RESUMING_MODULES)


def check_can_resume(estimator, learner_name):
    """Raise if ``estimator`` cannot resume training on a refit."""
    if not can_resume(estimator):
        raise TypeError(
            f"{learner_name}(warm_start=True) continues training the fitted "
            "estimator between rounds, which needs an estimator that can "
            "resume: a skorch or scikeras network, a scikit-learn linear model "
            "with a warm_start parameter (LogisticRegression, SGDClassifier, "
            "...) or another iterative model with partial_fit and warm_start "
            "(MLPClassifier, ...), alone or ending a Pipeline. "
            f"{type(_final_step(estimator)).__name__} cannot; use "
            "warm_start=False to train a fresh clone each round."
        )


def resume_fit(estimator, X, y):
    """Continue training the fitted ``estimator`` on ``(X, y)``.

    Sets the final step's own ``warm_start`` and refits: a linear model
    starts its solver from the previous coefficients, a skorch net trains
    ``max_epochs`` more epochs, a scikeras model ``epochs`` more, from the
    current weights; a Pipeline's transformers are refit on all labels.
    """
    _final_step(estimator).set_params(warm_start=True)
    return estimator.fit(X, y)


def resumable_copy(estimator):
    """A copy of the fitted ``estimator`` whose next ``fit`` starts from its
    current solution (the original is left untouched)."""
    twin = copy.deepcopy(estimator)
    _final_step(twin).set_params(warm_start=True)
    return twin
