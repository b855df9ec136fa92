"""Query by committee: query where a committee of models disagrees most."""

from numbers import Integral

from sklearn.base import ClassifierMixin, RegressorMixin, is_classifier, is_regressor
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.metaestimators import available_if

from skal._ensemble import _SEED_MAX, ClassifierCommittee, RegressorCommittee
from skal.base import BATCH_PARAMETER_CONSTRAINTS, BaseActiveLearner, _templates
from skal.scoring import COMMITTEE_MEASURES, committee_variance

__all__ = ["CommitteeSampler", "CommitteeRegressor"]

# These measures read hard votes (members need only predict); the others read
# the members' probabilities.
_VOTE_MEASURES = frozenset({"vote_entropy", "variation_ratios"})

_COMMITTEE_CONSTRAINTS: dict = {
    **BaseActiveLearner._parameter_constraints,
    "estimator": [HasMethods(["fit", "predict"]), list, tuple],
    "n_members": [Interval(Integral, 2, None, closed="left")],
    "bootstrap": ["boolean", StrOptions({"auto"})],
    "n_jobs": [Integral, None],
    "warm_start": ["boolean"],
}


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
        return _templates(self.estimator)

    def _use_bootstrap(self):
        if self.bootstrap == "auto":
            return not isinstance(self.estimator, (list, tuple))
        return bool(self.bootstrap)

    def _committee_params(self):
        return dict(
            n_members=self.n_members,
            bootstrap=self._use_bootstrap(),
            n_jobs=self.n_jobs,
            # Drawn from the learner's generator: every refit bags afresh, and
            # the learner's random_state reproduces the whole run.
            random_state=int(self._rng.integers(_SEED_MAX)),
        )

    def _row_bytes(self):
        # estimator_, not estimators_: self-training scores the pool inside
        # _refit, before estimators_ is synchronised.
        members = getattr(self.estimator_, "estimators_", ())
        return super()._row_bytes() * max(len(members), 1)

    def _refit(self):
        # A warm refit resumes the committee in place, without _fit_estimator.
        super()._refit()
        self.estimators_ = self.estimator_.estimators_

    def fit(self, X, y):
        self.__dict__.pop("estimators_", None)
        super().fit(X, y)
        if not self._model_ready():
            # Base fit leaves a clone of `estimator` (for listed members, a
            # plain list) until labels arrive; an unfitted committee instead
            # makes predict raise NotFittedError like every other learner.
            self.estimator_ = self._committee_type(self.estimator)
        return self

    fit.__doc__ = BaseActiveLearner.fit.__doc__


def _no_decision_function(self):
    raise AttributeError(
        f"{type(self).__name__} has no decision_function: its members' decision "
        "functions are on different scales and lack the classes their bootstrap "
        "missed. Use predict_proba."
    )


class CommitteeSampler(_CommitteeMixin, ClassifierMixin, BaseActiveLearner):
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
        ``estimator__<param>`` names reach only a single estimator.
    n_members : int, default=5
        Committee size when ``estimator`` is a single estimator; ignored for a
        list.
    disagreement : {"vote_entropy", "consensus_entropy", "kl_max_disagreement", \
            "variation_ratios", "mutual_information", "mean_std"} or callable, \
            default="vote_entropy"
        Disagreement measure from :mod:`skal.scoring`. ``"vote_entropy"`` and
        ``"variation_ratios"`` read the members' hard votes and need only
        ``predict``; the others read their probabilities and need
        ``predict_proba``, as does a callable, which maps the members'
        probabilities of shape (n_members, n, n_classes) to n scores, higher =
        more informative.
    bootstrap : bool or "auto", default="auto"
        Fit each member on a bootstrap resample of the labeled set. ``"auto"``
        resamples for a single estimator (its members would otherwise differ
        only by their ``random_state``) and not for a list.
    batch_size : int, default=1
        Samples per query (and per simulated round).
    batch_strategy : {"top_k", "ranked", "kcenter", "cluster"}, default="top_k"
        How a batch is formed from the scores: the ``batch_size`` best, or a
        batch that is also diverse in feature space (see
        :meth:`~skal.BaseActiveLearner.query`). Diversity needs numeric X.
    density_weight : float >= 0, default=0.0
        Information-density weighting of the scores (Settles & Craven 2008);
        0 turns it off.
    budget : int, default=None
        If set, ``fit`` simulates active learning with ``y`` as the oracle
        until ``budget`` labels are bought (see :meth:`fit`).
    n_initial : int, default=10
        Labels bought before the first query in a simulation.
    initial : {"random", "kmeans", "kcenter", "density"}, default="random"
        How the first samples are chosen without a model: at random, one
        representative per k-means cluster, a greedy k-center cover, or typical
        yet spread-out samples (see :class:`~skal.RepresentativeSampler`).
    classes : array-like, default=None
        All class labels, declared up front so probability columns stay
        aligned while some classes are still unlabeled.
    n_jobs : int, default=None
        Members fitted (and predicting) in parallel through joblib; ``None``
        means 1 unless in a :func:`joblib.parallel_config` context, ``-1``
        all processors.
    warm_start : bool, default=False
        Between rounds, continue training the fitted members, each on a fresh
        bootstrap resample of all labels, instead of training new clones: for
        skorch / scikeras networks (deep ensembles) and scikit-learn models
        with ``partial_fit`` and ``warm_start``. A round that brings a new
        class trains fresh clones.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial sample, the bootstrap resamples, every member's own
        ``random_state`` (as in :class:`~sklearn.ensemble.BaggingClassifier`)
        and tie-breaking between equal scores.

    Attributes
    ----------
    estimator_ : ClassifierCommittee
        The fitted committee: ``predict_proba`` is the mean of its members'
        probabilities aligned to ``classes_`` (a class missing from a member's
        bootstrap gets probability 0 from that member), ``predict`` its argmax
        (the majority vote when members lack ``predict_proba``).
    estimators_ : list of estimator objects
        The fitted members.
    classes_ : ndarray of shape (n_classes,)
        Class labels (``classes`` if declared).
    labeled_indices_ : ndarray of int
        Labeled rows of the data given to ``fit``, in buying order.
    n_labeled_ : int
        Number of labels training the committee.
    history_ : list of dict
        One record per round: ``round``, ``n_labeled``, ``indices``, ``scores``.
    n_features_in_ : int
        Number of features seen during fit (for 2-d inputs).
    feature_names_in_ : ndarray of str
        Column names, when fit on a DataFrame with string column names.

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
    .. [6] M. Kampffmeyer, A.-B. Salberg and R. Jenssen, "Semantic
       segmentation of small objects and modeling of uncertainty in urban
       remote sensing images using deep convolutional neural networks", CVPR
       Workshops 2016 (mean standard deviation).

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
    ...     LogisticRegression(), n_members=4, disagreement="consensus_entropy",
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

    _committee_type = ClassifierCommittee
    _parameter_constraints: dict = {
        **_COMMITTEE_CONSTRAINTS,
        "disagreement": [StrOptions(set(COMMITTEE_MEASURES)), callable],
        "classes": ["array-like", None],
        **BATCH_PARAMETER_CONSTRAINTS,
    }

    def __init__(
        self,
        estimator,
        *,
        n_members=5,
        disagreement="vote_entropy",
        bootstrap="auto",
        batch_size=1,
        budget=None,
        n_initial=10,
        initial="random",
        classes=None,
        n_jobs=None,
        batch_strategy="top_k",
        density_weight=0.0,
        warm_start=False,
        random_state=None,
    ):
        self.estimator = estimator
        self.n_members = n_members
        self.disagreement = disagreement
        self.bootstrap = bootstrap
        self.batch_size = batch_size
        self.budget = budget
        self.n_initial = n_initial
        self.initial = initial
        self.classes = classes
        self.n_jobs = n_jobs
        self.batch_strategy = batch_strategy
        self.density_weight = density_weight
        self.warm_start = warm_start
        self.random_state = random_state

    def _check_estimator(self):
        members = self._check_members()
        regressors = [est for est in members if is_regressor(est)]
        if regressors:
            raise TypeError(
                f"CommitteeSampler is for classification; {regressors[0]!r} is a "
                "regressor. Use CommitteeRegressor for regression."
            )
        if self.disagreement in _VOTE_MEASURES:
            return
        no_proba = [est for est in members if not hasattr(est, "predict_proba")]
        if no_proba:
            raise TypeError(
                f"CommitteeSampler(disagreement={self.disagreement!r}) reads the "
                f"members' probabilities, but {no_proba[0]!r} has no "
                "predict_proba. Use disagreement='vote_entropy' or "
                "'variation_ratios', which need only predict, or probabilistic "
                "members (wrap them in sklearn.calibration.CalibratedClassifierCV("
                "estimator, ensemble=False))."
            )

    def _fit_estimator(self, X, y):
        committee = ClassifierCommittee(
            self.estimator, classes=self.classes_, **self._committee_params()
        ).fit(X, y)
        return committee

    def _score_rows(self, X):
        if self.disagreement in _VOTE_MEASURES:
            votes = self.estimator_.member_votes(X)
            return COMMITTEE_MEASURES[self.disagreement](votes, len(self.classes_))
        measure = (
            self.disagreement
            if callable(self.disagreement)
            else COMMITTEE_MEASURES[self.disagreement]
        )
        return measure(self.estimator_.member_proba(X))

    @available_if(_no_decision_function)
    def decision_function(self, X):  # pragma: no cover - never available
        raise AttributeError("decision_function")


class CommitteeRegressor(_CommitteeMixin, RegressorMixin, BaseActiveLearner):
    """Active learning by query by committee for regression.

    Queries the pool samples on which the committee's predictions vary most
    (Burbidge et al. 2007): the variance of the members' predictions. The
    committee is one regressor bagged into ``n_members`` members, each fit on
    a bootstrap resample of the labeled set (RayChaudhuri & Hamey 1995), or a
    list of different regressors. Unlabeled rows are marked with NaN in ``y``.

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
    batch_size : int, default=1
        Samples per query (and per simulated round).
    batch_strategy : {"top_k", "ranked", "kcenter", "cluster"}, default="top_k"
        How a batch is formed from the scores: the ``batch_size`` best, or a
        batch that is also diverse in feature space (see
        :meth:`~skal.BaseActiveLearner.query`). Diversity needs numeric X.
    density_weight : float >= 0, default=0.0
        Information-density weighting of the scores (Settles & Craven 2008);
        0 turns it off.
    budget : int, default=None
        If set, ``fit`` simulates active learning with ``y`` as the oracle
        until ``budget`` labels are bought (see :meth:`fit`).
    n_initial : int, default=10
        Labels bought before the first query in a simulation.
    initial : {"random", "kmeans", "kcenter", "density"}, default="random"
        How the first samples are chosen without a model: at random, one
        representative per k-means cluster, a greedy k-center cover, or typical
        yet spread-out samples (see :class:`~skal.RepresentativeSampler`).
    n_jobs : int, default=None
        Members fitted (and predicting) in parallel through joblib.
    warm_start : bool, default=False
        Between rounds, continue training the fitted members, each on a fresh
        bootstrap resample of all labels, instead of training new clones: for
        skorch / scikeras networks (deep ensembles) and scikit-learn models
        with ``partial_fit`` and ``warm_start``. A round that brings a new
        class trains fresh clones.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial sample, the bootstrap resamples, every member's own
        ``random_state`` and tie-breaking between equal scores.

    Attributes
    ----------
    estimator_ : RegressorCommittee
        The fitted committee; ``predict`` is the members' mean prediction.
    estimators_ : list of estimator objects
        The fitted members.
    labeled_indices_ : ndarray of int
        Labeled rows of the data given to ``fit``, in buying order.
    n_labeled_ : int
        Number of labels training the committee.
    history_ : list of dict
        One record per round: ``round``, ``n_labeled``, ``indices``, ``scores``.
    n_features_in_ : int
        Number of features seen during fit (for 2-d inputs).
    feature_names_in_ : ndarray of str
        Column names, when fit on a DataFrame with string column names.

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
    .. [3] A. Krogh and J. Vedelsby, "Neural network ensembles, cross
       validation, and active learning", NIPS 1995.

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

    _committee_type = RegressorCommittee
    _parameter_constraints: dict = {
        **_COMMITTEE_CONSTRAINTS,
        **BATCH_PARAMETER_CONSTRAINTS,
    }

    def __init__(
        self,
        estimator,
        *,
        n_members=5,
        bootstrap="auto",
        batch_size=1,
        budget=None,
        n_initial=10,
        initial="random",
        n_jobs=None,
        batch_strategy="top_k",
        density_weight=0.0,
        warm_start=False,
        random_state=None,
    ):
        self.estimator = estimator
        self.n_members = n_members
        self.bootstrap = bootstrap
        self.batch_size = batch_size
        self.budget = budget
        self.n_initial = n_initial
        self.initial = initial
        self.n_jobs = n_jobs
        self.batch_strategy = batch_strategy
        self.density_weight = density_weight
        self.warm_start = warm_start
        self.random_state = random_state

    def _check_estimator(self):
        classifiers = [est for est in self._check_members() if is_classifier(est)]
        if classifiers:
            raise TypeError(
                f"CommitteeRegressor is for regression; {classifiers[0]!r} is a "
                "classifier. Use CommitteeSampler for classification."
            )

    def _fit_estimator(self, X, y):
        return RegressorCommittee(self.estimator, **self._committee_params()).fit(X, y)

    def _score_rows(self, X):
        return committee_variance(self.estimator_.member_predictions(X))
