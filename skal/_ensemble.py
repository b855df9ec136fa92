"""Committees: members fitted in parallel on bootstrap resamples, their
predictions aligned to one set of classes.

A committee is itself a fitted estimator: the committee learners keep one in
``estimator_``, so the learners' delegated ``predict`` and ``predict_proba``
work on it unchanged, while the strategies read every member's output through
:meth:`ClassifierCommittee.member_proba`,
:meth:`ClassifierCommittee.member_votes` and
:meth:`RegressorCommittee.member_predictions`.
"""

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.utils import check_array, get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from skal._data import n_rows, take_rows
from skal._delegation import templates as _templates
from skal._random import reseed as _reseed
from skal._random import seeded_fit
from skal._threads import limited_threads
from skal._warmstart import resume_fit
from skal.scoring import vote_fractions

__all__ = ["ClassifierCommittee", "RegressorCommittee"]


def _bootstrap(rng, y, classification):
    """A bootstrap resample of the labeled rows.

    For classification it is stratified: each class is resampled within
    itself, as many rows as it has. With a handful of labels a plain
    bootstrap often misses a class, and the member then gives that class
    probability 0 everywhere: the committee "disagrees" because of the
    resampling, not because the data leaves room for it, and a warm-started
    member could not resume on the next round's classes.
    """
    n = y.shape[0]
    if not classification:
        return rng.integers(n, size=n)
    parts = []
    # Classes in order of first appearance: renaming the classes must not
    # change the resamples.
    classes, first = np.unique(y, return_index=True)
    for c in classes[np.argsort(first)]:
        rows = np.flatnonzero(y == c)
        parts.append(rows[rng.integers(rows.shape[0], size=rows.shape[0])])
    return np.sort(np.concatenate(parts))


def _fit_member(member, X, y, sample, resume, seed):
    if sample is not None:
        X, y = take_rows(X, sample), y[sample]
    known = getattr(member, "classes_", None)
    if resume and known is not None and not np.array_equal(known, np.unique(y)):
        # This resample holds other classes than the member was trained on
        # (a bootstrap of a few labels misses some): its weights do not fit
        # them, so it starts afresh, with the same seed.
        member = clone(member)
        if "warm_start" in member.get_params():
            member.set_params(warm_start=False)
        resume = False
    return resume_fit(member, X, y) if resume else seeded_fit(member, X, y, seed)


def _members_have(attr):
    def check(self):
        members = getattr(self, "estimators_", None) or _templates(self.estimator)
        return all(hasattr(member, attr) for member in members)

    return check


class _Committee(BaseEstimator):
    """Members cloned from one estimator (``n_members`` times) or from each
    entry of a list, fitted in parallel, each on its own bootstrap resample
    when ``bootstrap`` is true. With ``warm_start`` a refit continues training
    the fitted members (each on a fresh resample) instead of cloning new ones."""

    _classification = False

    def __init__(
        self,
        estimator,
        *,
        n_members=5,
        bootstrap=True,
        n_jobs=None,
        warm_start=False,
        random_state=None,
    ):
        self.estimator = estimator
        self.n_members = n_members
        self.bootstrap = bootstrap
        self.n_jobs = n_jobs
        self.warm_start = warm_start
        self.random_state = random_state

    def _check_unsampled_rows(self, X):
        """Validate every row, also those no bootstrap resample draws.

        Members only see their resample, so a NaN or a non-numeric value in an
        undrawn row would otherwise pass silently.
        """
        if not (isinstance(X, np.ndarray) or sp.issparse(X)) or X.ndim != 2:
            return  # DataFrames, texts: the members' own pipelines validate.
        tags = [get_tags(t).input_tags for t in _templates(self.estimator)]
        if any(t.string for t in tags):
            return
        check_array(
            X,
            accept_sparse=True,
            dtype="numeric",
            ensure_all_finite=not all(t.allow_nan for t in tags),
        )

    def _fit_members(self, X, y):
        if self.bootstrap:
            self._check_unsampled_rows(X)
        rng = np.random.default_rng(self.random_state)
        resume = self.warm_start and hasattr(self, "estimators_")
        if resume:
            members = self.estimators_
        else:
            templates = _templates(self.estimator)
            if not isinstance(self.estimator, (list, tuple)):
                templates = templates * self.n_members
            members = [_reseed(clone(template), rng) for template in templates]
        samples = [
            _bootstrap(rng, y, self._classification) if self.bootstrap else None
            for _ in members
        ]
        seeds = rng.integers(2**31 - 1, size=len(members))
        # Process workers get their share of the cores' BLAS threads from
        # joblib; thread workers (a parallel_config) from limited_threads.
        with limited_threads(self.n_jobs):
            self.estimators_ = Parallel(n_jobs=self.n_jobs)(
                delayed(_fit_member)(member, X, y, sample, resume, int(seed))
                for member, sample, seed in zip(members, samples, seeds, strict=True)
            )

    def _each(self, method, X):
        check_is_fitted(self)
        # Threads: the members' own predict code mostly releases the GIL
        # (BLAS, Cython), and threads spare the copy of X into processes.
        with limited_threads(self.n_jobs):
            return Parallel(n_jobs=self.n_jobs, prefer="threads")(
                delayed(getattr(member, method))(X) for member in self.estimators_
            )


class ClassifierCommittee(ClassifierMixin, _Committee):
    """A fitted classification committee, its outputs aligned to ``classes``.

    ``predict_proba`` is the members' mean probability; ``predict`` its argmax,
    or the majority vote when some member has no ``predict_proba``.
    """

    _classification = True

    def __init__(
        self,
        estimator,
        *,
        n_members=5,
        bootstrap=True,
        classes=None,
        n_jobs=None,
        warm_start=False,
        random_state=None,
    ):
        super().__init__(
            estimator,
            n_members=n_members,
            bootstrap=bootstrap,
            n_jobs=n_jobs,
            warm_start=warm_start,
            random_state=random_state,
        )
        self.classes = classes

    def fit(self, X, y):
        y = np.asarray(y)
        self.classes_ = np.unique(y if self.classes is None else self.classes)
        self._fit_members(X, y)
        # A member trained on a bootstrap that missed a class has fewer
        # probability columns; this maps its columns into classes_.
        self._columns = [
            None if getattr(m, "classes_", None) is None else self._encode(m.classes_)
            for m in self.estimators_
        ]
        return self

    def _encode(self, labels):
        """Positions of ``labels`` in ``classes_``."""
        labels = np.asarray(labels)
        pos = np.clip(np.searchsorted(self.classes_, labels), 0, len(self.classes_) - 1)
        if not np.array_equal(self.classes_[pos], labels):
            unknown = np.setdiff1d(labels, self.classes_).tolist()
            raise ValueError(
                f"A committee member produced labels {unknown} outside classes_="
                f"{self.classes_.tolist()}."
            )
        return pos

    def member_votes(self, X):
        """Each member's predicted class, as indices into ``classes_``.

        Returns
        -------
        votes : ndarray of shape (n_members, n_samples)
        """
        return np.stack([self._encode(pred) for pred in self._each("predict", X)])

    @available_if(_members_have("predict_proba"))
    def member_proba(self, X):
        """Each member's probabilities, columns aligned to ``classes_``.

        A class a member never saw gets probability 0 from it.

        Returns
        -------
        member_proba : ndarray of shape (n_members, n_samples, n_classes)
        """
        out = np.zeros((len(self.estimators_), n_rows(X), len(self.classes_)))
        for m, (proba, cols) in enumerate(
            zip(self._each("predict_proba", X), self._columns, strict=True)
        ):
            proba = np.asarray(proba, dtype=float)
            if cols is None:
                if proba.shape[1] != len(self.classes_):
                    raise ValueError(
                        f"Member {m} has no classes_ and returns {proba.shape[1]} "
                        f"probability columns for {len(self.classes_)} classes."
                    )
                cols = slice(None)
            out[m][:, cols] = proba
        return out

    @available_if(_members_have("predict_proba"))
    def predict_proba(self, X):
        return self.member_proba(X).mean(axis=0)

    @available_if(_members_have("predict_proba"))
    def predict_log_proba(self, X):
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        check_is_fitted(self)
        if _members_have("predict_proba")(self):
            return self.classes_[self.predict_proba(X).argmax(axis=1)]
        fractions = vote_fractions(self.member_votes(X), len(self.classes_))
        return self.classes_[fractions.argmax(axis=1)]


class RegressorCommittee(RegressorMixin, _Committee):
    """A fitted regression committee; ``predict`` is the members' mean."""

    def fit(self, X, y):
        self._fit_members(X, np.asarray(y, dtype=float))
        return self

    def member_predictions(self, X):
        """Each member's prediction.

        Returns
        -------
        predictions : ndarray of shape (n_members, n_samples)
        """
        return np.stack(
            [np.asarray(p, dtype=float).ravel() for p in self._each("predict", X)]
        )

    def predict(self, X):
        return self.member_predictions(X).mean(axis=0)
