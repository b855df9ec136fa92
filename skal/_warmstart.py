"""Warm start between rounds: resume training the fitted estimator.

A learner with ``warm_start=True`` keeps its trained ``estimator_`` between
rounds and continues training it on all labels bought so far, instead of
training a fresh clone from scratch (``warm_start=False``). That is only
right for estimators whose refit *resumes optimisation*: networks (skorch,
scikeras) and iterative scikit-learn models. Estimators whose own
``warm_start`` means something else (forests and boosting add members and
skip refitting the existing ones) must not go through here.
"""

from skal._pipeline import final_step as _final_step

__all__ = ["check_can_resume", "resume_fit"]


def _can_resume(estimator):
    # partial_fit + a warm_start parameter: the signature of estimators whose
    # warm refit continues optimisation (SGD*, MLP*, Perceptron, skorch,
    # scikeras). Ensembles have warm_start but no partial_fit.
    final = _final_step(estimator)
    return hasattr(final, "partial_fit") and "warm_start" in final.get_params(
        deep=False
    )


def check_can_resume(estimator, learner_name):
    """Raise if ``estimator`` cannot resume training on a refit."""
    if not _can_resume(estimator):
        raise TypeError(
            f"{learner_name}(warm_start=True) continues training the fitted "
            "estimator between rounds, which needs an estimator that can "
            "resume: a skorch or scikeras network, or an iterative scikit-learn "
            "model with partial_fit and a warm_start parameter (SGDClassifier, "
            f"MLPClassifier, ...), alone or ending a Pipeline. "
            f"{type(_final_step(estimator)).__name__} cannot; use "
            "warm_start=False to train a fresh clone each round."
        )


def resume_fit(estimator, X, y):
    """Continue training the fitted ``estimator`` on ``(X, y)``.

    Sets the final step's own ``warm_start`` and refits: a skorch net trains
    ``max_epochs`` more epochs, a scikeras model ``epochs`` more, from the
    current weights; a Pipeline's transformers are refit on all labels.
    """
    _final_step(estimator).set_params(warm_start=True)
    return estimator.fit(X, y)
