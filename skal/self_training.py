"""Self-training on top of active learning: free labels for confident samples.

Any classifier learner takes ``self_training=SelfTraining(...)``. After each
retraining, the pool samples the model is most confident about get the
model's prediction as a pseudo-label, and a model is trained on the bought
labels plus those (Yarowsky 1995; with active learning, Wang et al. 2016).
Pseudo-labels are recomputed from the bought labels at every retraining, so
a mistake does not stick, and they are kept apart: ``n_labeled_``,
``labeled_indices_`` and ``history_`` count bought labels only.

By default the self-trained model only *predicts*: queries still rank the
pool with the model of bought labels (``estimator_``), so the oracle is
asked about what the model really does not know, while predictions gain
from the pool (``in_rounds=True`` lets the self-trained model rank the pool
too).
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval, StrOptions

from skal._data import stack_rows, take_rows
from skal._scan import scan_scores
from skal.selection import top_k

__all__ = ["SelfTraining", "SelfTrainingMixin"]


class SelfTraining(BaseEstimator):
    """How a learner pseudo-labels its pool: the ``self_training`` parameter.

    Parameters
    ----------
    threshold : float in [0, 1), default=0.95
        With ``criterion="threshold"``, pool samples whose highest predicted
        probability exceeds ``threshold`` are pseudo-labeled. The default is
        conservative: a wrong pseudo-label costs more than a missing one.
    criterion : {"threshold", "k_best"}, default="threshold"
        Pseudo-label every sample above ``threshold``, or the ``k_best`` most
        confident ones per iteration (as in
        :class:`sklearn.semi_supervised.SelfTrainingClassifier`).
    k_best : int, default=10
        Samples pseudo-labeled per iteration with ``criterion="k_best"``.
    max_iter : int or None, default=1
        Self-training iterations per retraining (each adds pseudo-labels from
        the model trained on the previous ones); None iterates until no sample
        is added (not with ``"k_best"``, which would label the whole pool).
    in_rounds : bool, default=False
        Let the self-trained model also rank the pool for queries; by default
        it only predicts.
    max_samples : int or None, default=10_000
        At most this many pseudo-labels per retraining, the most confident
        first. On a large pool a threshold of 0.95 can pseudo-label most of
        it: every round would then train on a copy of the pool (a million
        rows, a gigabyte and tens of seconds per round at 2*10^6 rows, see
        docs/scaling.md). None: no limit.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skal import SelfTraining, UncertaintySamplingClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> learner = UncertaintySamplingClassifier(
    ...     LogisticRegression(max_iter=1000), batch_size=20, budget=60,
    ...     n_initial=20, self_training=SelfTraining(threshold=0.9),
    ...     random_state=0,
    ... ).fit(X, y)
    >>> learner.n_labeled_, bool(len(learner.pseudo_indices_) > 100)
    (60, True)
    """

    _parameter_constraints: dict = {
        "threshold": [Interval(Real, 0.0, 1.0, closed="left")],
        "criterion": [StrOptions({"threshold", "k_best"})],
        "k_best": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left"), None],
        "in_rounds": ["boolean"],
        "max_samples": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(
        self,
        threshold=0.95,
        *,
        criterion="threshold",
        k_best=10,
        max_iter=1,
        in_rounds=False,
        max_samples=10_000,
    ):
        self.threshold = threshold
        self.criterion = criterion
        self.k_best = k_best
        self.max_iter = max_iter
        self.in_rounds = in_rounds
        self.max_samples = max_samples

    def check(self):
        """Validate the parameters (called when the learner fits)."""
        self._validate_params()
        if self.criterion == "k_best" and self.max_iter is None:
            raise ValueError(
                "SelfTraining(criterion='k_best', max_iter=None) would add k_best "
                "pseudo-labels per iteration until the whole pool is labeled by the "
                "model itself, however unsure it is. Set max_iter (e.g. 5), or use "
                "criterion='threshold'."
            )


class _Confidence:
    """``score_at`` of the pool: the model's highest probability per row."""

    def __init__(self, model):
        self.model = model

    def __call__(self, rows, start):
        return np.asarray(self.model.predict_proba(rows), dtype=float).max(axis=1)


class SelfTrainingMixin:
    """``self_training``: a model trained on bought labels and confident
    pseudo-labels of the pool predicts (and, ``in_rounds``, ranks)."""

    _self_training_constraints = {"self_training": [SelfTraining, None]}

    def _self_training_policy(self):
        """The :class:`SelfTraining` in force, or None."""
        return self.self_training

    def _check_capabilities(self):
        super()._check_capabilities()
        policy = self._self_training_policy()
        if policy is not None:
            policy.check()
            if not self._classification():
                raise TypeError(
                    "self_training pseudo-labels by predicted class probability, "
                    f"so it needs a classifier; {self.estimator!r} is not one. "
                    "Leave self_training=None for regression."
                )
            if not hasattr(self.estimator, "predict_proba"):
                raise TypeError(
                    "self_training pseudo-labels by predicted probability; "
                    f"{self.estimator!r} has no predict_proba."
                )

    def _predictor(self):
        model = getattr(self, "self_trained_estimator_", None)
        return self.estimator_ if model is None else model

    def _after_train(self, X, y):
        super()._after_train(X, y)
        policy = self._self_training_policy()
        self.__dict__.pop("self_trained_estimator_", None)
        if policy is None:
            return
        model, indices, labels, n_fits = self._pseudo_label(X, y, policy)
        self.pseudo_indices_ = indices
        self.pseudo_labels_ = labels
        self.n_iter_ = n_fits
        if not hasattr(self, "pseudo_history_") or not self.history_:
            self.pseudo_history_ = []
        self.pseudo_history_.append(
            {
                "n_labeled": int(y.shape[0]),
                "n_pseudo": int(indices.shape[0]),
                "indices": indices,
                "labels": labels,
            }
        )
        if policy.in_rounds:
            self.estimator_ = model
        else:
            self.self_trained_estimator_ = model

    def _pseudo_label(self, X_train, y_train, policy):
        """The self-trained model, the pseudo-labeled rows, their labels and
        the number of fits (the bought-labels model counts as one)."""
        pool = self._pool.unlabeled()
        model = self.estimator_
        indices = np.empty(0, dtype=np.intp)
        labels = y_train[:0]
        n_iter, n_fits = 0, 1
        while pool.shape[0] and (policy.max_iter is None or n_iter < policy.max_iter):
            n_iter += 1
            conf = scan_scores(
                _Confidence(model),
                self._pool.X,
                pool,
                chunk_size=self._chunk_size(pool.shape[0]),
                n_jobs=self.n_jobs,
            )
            if policy.criterion == "threshold":
                chosen = np.flatnonzero(conf > policy.threshold)
            else:
                chosen = top_k(conf, min(policy.k_best, conf.shape[0]), random_state=0)
            room = (
                chosen.shape[0]
                if policy.max_samples is None
                else policy.max_samples - indices.shape[0]
            )
            if chosen.shape[0] > room:
                # The most confident first (ties in a fixed, seeded order).
                chosen = chosen[top_k(conf[chosen], room, random_state=0)]
            if chosen.shape[0] == 0:
                break
            rows = pool[np.sort(chosen)]
            proba = model.predict_proba(take_rows(self._pool.X, rows))
            proba = np.asarray(proba).reshape(rows.shape[0], -1)
            new = np.asarray(model.classes_)[np.argmax(proba, axis=1)]
            indices = np.concatenate([indices, rows])
            labels = np.concatenate([labels, new.astype(labels.dtype)])
            pool = np.setdiff1d(pool, rows, assume_unique=True)
            X_all = stack_rows([X_train, take_rows(self._pool.X, indices)])
            model = self._fit_clone(X_all, np.concatenate([y_train, labels]))
            n_fits += 1
        return model, indices, labels, n_fits
