"""Query by committee: query where a committee of models disagrees most."""

import warnings
from numbers import Integral

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin, is_classifier, is_regressor
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.metaestimators import available_if

from skal._data import take_rows
from skal._delegation import templates
from skal._docs import fill_doc
from skal._ensemble import ClassifierCommittee, RegressorCommittee
from skal._mixins import DeclaredClassesMixin, DiverseBatchMixin, WarmStartMixin
from skal._pipeline import final_step
from skal._random import draw_seed, stream
from skal._scan import is_dask_array
from skal.base import BaseActiveLearner
from skal.scoring import MEASURES, Measure, feed, get_measure, measures_for
from skal.selection import reference_rows
from skal.self_training import SelfTrainingMixin

__all__ = ["CommitteeSampler", "CommitteeRegressor"]

_COMMITTEE_CONSTRAINTS: dict = {
    **BaseActiveLearner._parameter_constraints,
    "estimator": [HasMethods(["fit", "predict"]), list, tuple],
    "n_members": [Interval(Integral, 2, None, closed="left")],
    "bootstrap": ["boolean", StrOptions({"auto"})],
    **DiverseBatchMixin._diversity_constraints,
    **WarmStartMixin._warm_start_constraints,
}


def _randomized(estimator):
    """Whether clones of ``estimator`` can differ without resampling: it has
    a ``random_state`` the learner seeds, or it is a skorch network, whose
    initialisation the learner seeds per member."""
    if any(
        key == "random_state" or key.endswith("__random_state")
        for key in estimator.get_params(deep=True)
    ):
        return True
    final = final_step(estimator)
    return any(cls.__module__.split(".")[0] == "skorch" for cls in type(final).__mro__)


class _CommitteeMixin:
    """What both committee learners share: members, seeding, memory use."""

    def _check_members(self):
        if isinstance(self.estimator, (list, tuple)):
            if len(self.estimator) < 2:
                raise ValueError(
                    f"estimator is a list of {len(self.estimator)} estimator(s); a "
                    "committee needs at least two members. Pass more estimators, or "
                    "a single estimator to bag into n_members members."
                )
            bad = [
                est
                for est in self.estimator
                if not (hasattr(est, "fit") and hasattr(est, "predict"))
            ]
            if bad:
                raise TypeError(
                    f"Every committee member needs fit and predict; {bad[0]!r} "
                    "lacks one. Pass estimator instances, not classes or strings."
                )
        elif not self._use_bootstrap() and not _randomized(self.estimator):
            raise ValueError(
                f"{type(self).__name__}(bootstrap=False) with one estimator builds "
                f"{self.n_members} identical members of "
                f"{type(self.estimator).__name__}, which has no random_state: "
                "they can never disagree, and the query would follow rounding "
                "noise. Use bootstrap=True (or 'auto'), a randomized estimator, or "
                "a list of different estimators."
            )
        return templates(self.estimator)

    def _use_bootstrap(self):
        if self.bootstrap == "auto":
            return not isinstance(self.estimator, (list, tuple))
        return bool(self.bootstrap)

    def _committee(self, kind, **extra):
        committee = kind(
            self.estimator,
            n_members=self.n_members,
            bootstrap=self._use_bootstrap(),
            n_jobs=self.n_jobs,
            warm_start=False,
            # Every refit bags afresh, and the learner's random_state
            # reproduces the whole run.
            random_state=draw_seed(stream(self._seed, "train", self._round)),
            **extra,
        )
        return committee

    def _train(self, X, y):
        resume = self._resumable(y)
        self._trained_classes = np.unique(y) if self._classification() else None
        if resume:
            committee = self.estimator_
            committee.set_params(
                warm_start=True,
                random_state=draw_seed(stream(self._seed, "train", self._round)),
            )
            committee.fit(X, y)
        else:
            committee = self._new_committee().fit(X, y)
        self.estimators_ = committee.estimators_
        return committee

    def _row_bytes(self):
        members = getattr(self, "estimators_", ())
        return super()._row_bytes() * max(len(members), 1)

    def fit(self, X, y):
        self.__dict__.pop("estimators_", None)
        super().fit(X, y)
        if not self._ready():
            # An unfitted committee makes predict raise NotFittedError like
            # every other learner's.
            self.estimator_ = self._new_committee()
        return self

    fit.__doc__ = BaseActiveLearner.fit.__doc__


def _no_decision_function(self):
    raise AttributeError(
        f"{type(self).__name__} has no decision_function: its members' decision "
        "functions are on different scales and lack the classes their bootstrap "
        "missed. Use predict_proba."
    )


@fill_doc
class CommitteeSampler(
    _CommitteeMixin,
    DiverseBatchMixin,
    SelfTrainingMixin,
    DeclaredClassesMixin,
    WarmStartMixin,
    ClassifierMixin,
    BaseActiveLearner,
):
    """Active learning by query by committee (QBC) for classification.

    A committee of classifiers is trained on the labels bought so far and the
    pool samples its members disagree about most are queried (Seung et al.
    1992). The committee is either one estimator bagged into ``n_members``
    members, each fit on a bootstrap resample of the labeled set ("query by
    bagging", Abe & Mamitsuka 1998), or a list of different estimators.

    Parameters
    ----------
    estimator : estimator object or list of estimator objects
        A classifier to bag into ``n_members`` members, or a list of at least
        two classifiers, one member each. Members are cloned on every refit.
        To tune a listed member's hyper-parameters, grid-search over whole
        lists (``{"estimator": [[a, b], [a2, b]]}``): nested
        ``estimator__<param>`` names reach only a single estimator. The
        committee predicts with its members' mean probability, so a weaker
        member lowers its accuracy: a logistic regression listed with a
        Gaussian naive Bayes reached 0.748 on digits at 200 labels, against
        random sampling's 0.917 (docs/label-efficiency.md). List members of
        similar strength.
    measure : str, Measure or callable, default="vote_entropy"
        Disagreement measure from :data:`skal.scoring.MEASURES`:
        ``"vote_entropy"`` and ``"variation_ratios"`` read the members' hard
        votes and need only ``predict``; ``"consensus_entropy"``,
        ``"kl_max_disagreement"``, ``"mutual_information"`` and
        ``"mean_std"`` read their probabilities; the single-model measures
        (``"margin"``...) read their mean probability. A callable maps the
        members' probabilities, shape (n_members, n, K), to n scores.

        With few labels, the probability measures can lose to random
        sampling: members fitted on bootstrap resamples of a few dozen
        labels are confidently wrong in different ways, and these measures
        rank highest the rows where one member is confidently wrong, which
        are not where a label teaches most (digits, 20 to 200 labels of a logistic
        regression: ``"kl_max_disagreement"`` -10.6, ``"mutual_information"``
        -11.2, ``"mean_std"`` -10.0 and ``"consensus_entropy"`` -4.7 points of
        area under the learning curve, docs/label-efficiency.md). The vote
        measures, the default, stay at or above random sampling there.
    n_members : int, default=5
        Committee size when ``estimator`` is a single estimator; ignored for a
        list.
    bootstrap : bool or "auto", default="auto"
        Fit each member on a bootstrap resample of the labeled set. ``"auto"``
        resamples for a single estimator (its members would otherwise differ
        only by their ``random_state``) and not for a list. A single
        estimator without any ``random_state`` needs resampling: its members
        would be identical.
    %(batch_size)s
    %(diversity)s
    %(simulation)s
    %(classes)s
    %(self_training)s
    warm_start : bool, default=False
        Between rounds, continue training the fitted members, each on a fresh
        bootstrap resample of all labels, instead of training new clones: for
        skorch / scikeras networks (deep ensembles) and scikit-learn models
        with ``partial_fit`` and ``warm_start``. A round that brings a new
        class trains fresh clones.
    %(common_tail)s

    Attributes
    ----------
    estimator_ : ClassifierCommittee
        The fitted committee: ``predict_proba`` is the mean of its members'
        probabilities aligned to ``classes_`` (a class missing from a member's
        bootstrap gets probability 0 from that member), ``predict`` its argmax
        (the majority vote when members lack ``predict_proba``).
    estimators_ : list of estimator objects
        The fitted members.
    %(classes_)s
    %(common_attributes)s

    See Also
    --------
    CommitteeRegressor : Query by committee for regression.
    UncertaintySamplingClassifier : Uncertainty of a single model.

    References
    ----------
    .. [1] H. S. Seung, M. Opper and H. Sompolinsky, "Query by committee",
       COLT 1992.
    .. [2] N. Abe and H. Mamitsuka, "Query learning strategies using boosting
       and bagging", ICML 1998.
    .. [3] I. Dagan and S. P. Engelson, "Committee-based sampling for training
       probabilistic classifiers", ICML 1995 (vote entropy).
    .. [4] A. McCallum and K. Nigam, "Employing EM and pool-based active
       learning for text classification", ICML 1998 (consensus entropy, KL
       max disagreement).
    .. [5] N. Houlsby, F. Huszar, Z. Ghahramani and M. Lengyel, "Bayesian
       active learning for classification and preference learning", 2011
       (mutual information, BALD).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.naive_bayes import GaussianNB
    >>> from skal import CommitteeSampler
    >>> X, y = load_iris(return_X_y=True)
    >>> y_partial = np.full_like(y, -1)
    >>> y_partial[[0, 1, 50, 51, 100, 101]] = y[[0, 1, 50, 51, 100, 101]]
    >>> learner = CommitteeSampler(
    ...     LogisticRegression(), measure="consensus_entropy", n_members=4,
    ...     batch_size=3, random_state=0,
    ... ).fit(X, y_partial)
    >>> len(learner.estimators_), learner.predict_proba(X[:1]).shape
    (4, (1, 3))
    >>> idx = learner.query()
    >>> learner = learner.teach(y=y[idx], indices=idx)
    >>> learner.n_labeled_
    9

    A committee of different models, scored on a simulated budget:

    >>> learner = CommitteeSampler(
    ...     [LogisticRegression(), GaussianNB()], batch_size=10, budget=40,
    ...     random_state=0,
    ... ).fit(X, y)
    >>> learner.n_labeled_, len(learner.estimators_)
    (40, 2)
    """

    _parameter_constraints: dict = {
        **_COMMITTEE_CONSTRAINTS,
        "measure": [StrOptions(set(measures_for("member_proba"))), Measure, callable],
        **DeclaredClassesMixin._classes_constraints,
        **SelfTrainingMixin._self_training_constraints,
    }

    def __init__(
        self,
        estimator,
        *,
        measure="vote_entropy",
        n_members=5,
        bootstrap="auto",
        batch_size=1,
        batch_mode="top_k",
        density_weight=0.0,
        feature_space="model",
        budget=None,
        n_initial=10,
        cold_start="random",
        classes=None,
        self_training=None,
        warm_start=False,
        callbacks=None,
        n_jobs=None,
        random_state=None,
    ):
        self.estimator = estimator
        self.measure = measure
        self.n_members = n_members
        self.bootstrap = bootstrap
        self.batch_size = batch_size
        self.batch_mode = batch_mode
        self.density_weight = density_weight
        self.feature_space = feature_space
        self.budget = budget
        self.n_initial = n_initial
        self.cold_start = cold_start
        self.classes = classes
        self.self_training = self_training
        self.warm_start = warm_start
        self.callbacks = callbacks
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _check_estimator(self):
        members = self._check_members()
        regressors = [est for est in members if is_regressor(est)]
        if regressors:
            raise TypeError(
                f"CommitteeSampler is for classification; {regressors[0]!r} is a "
                "regressor. Use CommitteeRegressor for regression."
            )
        no_proba = [est for est in members if not hasattr(est, "predict_proba")]
        try:
            self._measure  # noqa: B018 - validates the measure at fit
        except ValueError:
            raise TypeError(
                f"CommitteeSampler(measure={self.measure!r}) reads the members' "
                f"probabilities, but {no_proba[0]!r} has no predict_proba. Use "
                "measure='vote_entropy' or 'variation_ratios', which need only "
                "predict, or probabilistic members (wrap them in "
                "sklearn.calibration.CalibratedClassifierCV(estimator, "
                "ensemble=False))."
            ) from None

    @property
    def _measure(self):
        members = templates(self.estimator)
        votes_only = any(not hasattr(est, "predict_proba") for est in members)
        output = "votes" if votes_only else "member_proba"
        if votes_only and not isinstance(self.measure, str | Measure):
            output = "member_proba"
        return get_measure(self.measure, output=output)

    def _new_committee(self):
        classes = getattr(self, "classes_", None)
        return self._committee(ClassifierCommittee, classes=classes)

    def _start(self):
        super()._start()
        self._warned_identical = False

    def _after_train(self, X, y):
        if (
            self._use_bootstrap()
            or isinstance(self.estimator, (list, tuple))
            or self._warned_identical
        ):
            return super()._after_train(X, y)
        # On the training rows, members that fit them perfectly agree however
        # different they are; on pool rows only members that cannot disagree
        # do. Identical probabilities mean identical votes too.
        rows = take_rows(self._pool.X, reference_rows(self._pool.n, 256))
        if is_dask_array(rows):
            rows = rows.compute()
        if hasattr(self.estimator, "predict_proba"):
            spread = self.estimator_.member_proba(rows).std(axis=0).max()
        else:
            spread = self.estimator_.member_votes(rows).std(axis=0).max()
        if spread < 1e-9:
            self._warned_identical = True
            warnings.warn(
                "The committee's members predict identically on the pool: "
                "without bootstrap, they differ only by their random_state, "
                "which this estimator does not use. Their disagreement is "
                "rounding noise or nothing (a random query); use bootstrap=True.",
                UserWarning,
                stacklevel=3,
            )
        return super()._after_train(X, y)

    def _score(self, X):
        committee = self.estimator_
        n_classes = len(self.classes_)
        if self._measure.reads == "vote_fractions" and not hasattr(
            committee, "member_proba"
        ):
            values = feed(
                self._measure, votes=committee.member_votes(X), n_classes=n_classes
            )
        else:
            values = feed(self._measure, member_proba=committee.member_proba(X))
        return self._measure.core(values)

    def _score_upper(self):
        return self._measure.upper(len(self.classes_), len(self.estimators_))

    @available_if(_no_decision_function)
    def decision_function(self, X):  # pragma: no cover - never available
        raise AttributeError("decision_function")


@fill_doc
class CommitteeRegressor(
    _CommitteeMixin,
    DiverseBatchMixin,
    WarmStartMixin,
    RegressorMixin,
    BaseActiveLearner,
):
    """Active learning by query by committee for regression.

    Queries the pool samples on which the committee's predictions vary most
    (Burbidge et al. 2007): the variance of the members' predictions. The
    committee is one regressor bagged into ``n_members`` members, each fit on
    a bootstrap resample of the labeled set (RayChaudhuri & Hamey 1995), or a
    list of different regressors. This is the learner for regressors that do
    not report their own uncertainty (see
    :class:`~skal.UncertaintySamplingRegressor` for those that do). Unlabeled
    rows are marked with NaN in ``y``.

    Parameters
    ----------
    estimator : estimator object or list of estimator objects
        A regressor to bag into ``n_members`` members, or a list of at least
        two regressors, one member each. Members are cloned on every refit.
    n_members : int, default=5
        Committee size when ``estimator`` is a single estimator; ignored for a
        list.
    bootstrap : bool or "auto", default="auto"
        Fit each member on a bootstrap resample of the labeled set. ``"auto"``
        resamples for a single estimator and not for a list.
    %(batch_size)s
    %(diversity)s
    %(simulation)s
    warm_start : bool, default=False
        Between rounds, continue training the fitted members, each on a fresh
        bootstrap resample of all labels, instead of training new clones.
    %(common_tail)s

    Attributes
    ----------
    estimator_ : RegressorCommittee
        The fitted committee; ``predict`` is the members' mean prediction.
    estimators_ : list of estimator objects
        The fitted members.
    %(common_attributes)s

    See Also
    --------
    UncertaintySamplingRegressor : Predictive standard deviation of one model.
    CommitteeSampler : Query by committee for classification.

    References
    ----------
    .. [1] R. Burbidge, J. J. Rowland and R. D. King, "Active learning for
       regression based on query by committee", IDEAL 2007.
    .. [2] T. RayChaudhuri and L. G. C. Hamey, "Minimisation of data
       collection by active learning", ICNN 1995.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.tree import DecisionTreeRegressor
    >>> from skal import CommitteeRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> y_partial = np.full(y.shape, np.nan)
    >>> y_partial[:20] = y[:20]
    >>> learner = CommitteeRegressor(
    ...     DecisionTreeRegressor(max_depth=3), n_members=5, batch_size=5,
    ...     random_state=0,
    ... ).fit(X, y_partial)
    >>> idx = learner.query()
    >>> bool(np.isin(idx, np.arange(20)).any())
    False
    >>> learner = learner.teach(y=y[idx], indices=idx)
    >>> learner.n_labeled_, len(learner.estimators_)
    (25, 5)
    """

    _parameter_constraints: dict = dict(_COMMITTEE_CONSTRAINTS)

    def __init__(
        self,
        estimator,
        *,
        n_members=5,
        bootstrap="auto",
        batch_size=1,
        batch_mode="top_k",
        density_weight=0.0,
        feature_space="model",
        budget=None,
        n_initial=10,
        cold_start="random",
        warm_start=False,
        callbacks=None,
        n_jobs=None,
        random_state=None,
    ):
        self.estimator = estimator
        self.n_members = n_members
        self.bootstrap = bootstrap
        self.batch_size = batch_size
        self.batch_mode = batch_mode
        self.density_weight = density_weight
        self.feature_space = feature_space
        self.budget = budget
        self.n_initial = n_initial
        self.cold_start = cold_start
        self.warm_start = warm_start
        self.callbacks = callbacks
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _check_estimator(self):
        classifiers = [est for est in self._check_members() if is_classifier(est)]
        if classifiers:
            raise TypeError(
                f"CommitteeRegressor is for regression; {classifiers[0]!r} is a "
                "classifier. Use CommitteeSampler for classification."
            )

    def _new_committee(self):
        return self._committee(RegressorCommittee)

    def _score(self, X):
        return MEASURES["variance"].core(self.estimator_.member_predictions(X))
