"""AdaptiveSampler: the learner skal recommends.

It combines what the literature shows works, each part measured in
docs/label-efficiency.md:

- a cold start that covers the data (TypiClust: typical samples of as many
  clusters as labels, Hacohen et al. 2022), in the model's feature space;
- batches that are informative and diverse: the most uncertain samples by
  margin, spread over the pool by informativeness-weighted k-means over the
  ``10 * batch_size`` best (Zhdanov 2019);
- exploration that keeps looking for regions the model has never seen: a
  share of every batch goes to typical samples far from every labeled one
  (density-weighted k-center). The share follows the evidence: how much more
  often the model was wrong about the exploration picks of the recent rounds
  than it expected to be (a new class is always such a surprise). While
  typical samples keep surprising the model the learner keeps exploring,
  and once they stop it turns to uncertainty -- Hacohen et al.'s switch from
  typical samples at low budgets to uncertainty at high budgets, with the
  switch point read off the data instead of fixed;
- self-training as the standard algorithm does it (confident pseudo-labels
  of the pool, the model retrained and the pool pseudo-labeled again until
  nothing new is confident, at most scikit-learn's ten iterations), the
  self-trained model ranking the pool too, as in CEAL (Wang et al. 2016):
  it knows the easy regions, so its uncertainty points at the hard ones.
  Bought labels stay apart from pseudo-labels.

``history_`` says, for every round, how the batch was split.
"""

from numbers import Real

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils._param_validation import Interval, StrOptions

from skal._data import take_rows
from skal._docs import fill_doc
from skal._features import FEATURE_SPACES, values_in_chunks
from skal._mixins import DeclaredClassesMixin, GeometryMixin, WarmStartMixin
from skal._pipeline import final_step
from skal._random import stream
from skal._scan import scan_top_k
from skal.base import BaseActiveLearner
from skal.scoring import MEASURES
from skal.selection import (
    cluster_diverse,
    kcenter_greedy,
    local_density,
    nearest_distances,
)
from skal.self_training import SelfTraining, SelfTrainingMixin

__all__ = ["AdaptiveSampler"]

# Zhdanov's pre-filter: k-means over the 10 * k most uncertain.
_CANDIDATES_PER_PICK = 10
# Weight of past rounds' exploration evidence: each round halves it, so the
# share follows the last two or three rounds.
_FORGET = 0.5
# The least share of exploration picks, for small batches.
_LOWEST_SHARE = 0.1
# scikit-learn's SelfTrainingClassifier default: the loop ends earlier once
# no new sample is confident (or max_samples is reached).
_SELF_TRAINING_ITERATIONS = 10


@fill_doc
class AdaptiveSampler(
    GeometryMixin,
    SelfTrainingMixin,
    DeclaredClassesMixin,
    WarmStartMixin,
    ClassifierMixin,
    BaseActiveLearner,
):
    """The recommended learner: cold start, exploration, diverse uncertain
    batches and self-training, each adapted to the data as labels arrive.

    Parameters
    ----------
    estimator : estimator object
        Classifier implementing ``fit`` and ``predict_proba`` (a Pipeline,
        or a network through :mod:`skal.neural`). Cloned on fit.
    %(batch_size)s
    %(budget)s
    n_initial : int, default=10
        Labels bought in the first round of a simulation, chosen by
        TypiClust.
    exploration : float in [0, 1] or "auto", default="auto"
        Share of each batch spent on exploration (typical samples far from
        every labeled one). ``"auto"`` follows the evidence: the recent excess
        of the model's errors on exploration picks over the errors it
        expected, between one pick per batch (one per ten labels for batches
        smaller than ten) and half the batch.
    self_training : SelfTraining, "auto" or None, default="auto"
        Confident pseudo-labels of the pool; ``"auto"`` is
        ``SelfTraining(max_iter=10, in_rounds=True)`` (threshold 0.95,
        iterated as :class:`sklearn.semi_supervised.SelfTrainingClassifier`
        does, and the self-trained model also ranks the pool), None turns it
        off. The choice was measured against one iteration and against
        self-training for predictions only (docs/label-efficiency.md).
    feature_space : {"model", "input"} or callable, default="model"
        Where the cold start, the batch diversity and the exploration measure
        distances (see :class:`~skal.UncertaintySamplingClassifier`).
    %(classes)s
    %(warm_start)s
    %(common_tail)s

    Attributes
    ----------
    %(estimator_)s
    %(classes_)s
    exploration_share_ : float
        The share of the next batch that goes to exploration.
    %(common_attributes)s

    See Also
    --------
    UncertaintySamplingClassifier : Uncertainty sampling with every option.
    RepresentativeSampler : Label-free selection.

    References
    ----------
    .. [1] G. Hacohen, A. Dekel and D. Weinshall, "Active Learning on a
       Budget: Opposite Strategies Suit High and Low Budgets", ICML 2022.
    .. [2] F. Zhdanov, "Diverse mini-batch Active Learning", 2019.
    .. [3] T. Scheffer, C. Decomain and S. Wrobel, "Active hidden Markov
       models for information extraction", IDA 2001 (margin).
    .. [4] K. Wang, D. Zhang, Y. Li, R. Zhang and L. Lin, "Cost-Effective
       Active Learning for Deep Image Classification", IEEE TCSVT 2016
       (CEAL: self-training inside the active-learning rounds).

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skal import AdaptiveSampler
    >>> X, y = load_digits(return_X_y=True)
    >>> learner = AdaptiveSampler(
    ...     make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
    ...     batch_size=20, budget=100, n_initial=20, random_state=0,
    ... ).fit(X, y)
    >>> learner.n_labeled_, sorted(learner.history_[1]["split"])
    (100, ['exploit', 'explore'])
    """

    _parameter_constraints: dict = {
        **BaseActiveLearner._parameter_constraints,
        "exploration": [Interval(Real, 0, 1, closed="both"), StrOptions({"auto"})],
        "self_training": [SelfTraining, StrOptions({"auto"}), None],
        "feature_space": [StrOptions(set(FEATURE_SPACES)), callable],
        **DeclaredClassesMixin._classes_constraints,
        **WarmStartMixin._warm_start_constraints,
    }
    _parameter_constraints.pop("cold_start")

    def __init__(
        self,
        estimator,
        *,
        batch_size=1,
        budget=None,
        n_initial=10,
        exploration="auto",
        self_training="auto",
        feature_space="model",
        classes=None,
        warm_start=False,
        callbacks=None,
        n_jobs=None,
        random_state=None,
    ):
        self.estimator = estimator
        self.batch_size = batch_size
        self.budget = budget
        self.n_initial = n_initial
        self.exploration = exploration
        self.self_training = self_training
        self.feature_space = feature_space
        self.classes = classes
        self.warm_start = warm_start
        self.callbacks = callbacks
        self.n_jobs = n_jobs
        self.random_state = random_state

    cold_start = "typiclust"

    # ------------------------------------------------------------- hooks
    def _check_estimator(self):
        if not hasattr(self.estimator, "predict_proba"):
            raise TypeError(
                f"AdaptiveSampler needs an estimator with predict_proba; "
                f"{self.estimator!r} has none. Use a probabilistic classifier, "
                "or wrap it in sklearn.calibration.CalibratedClassifierCV("
                "estimator, ensemble=False)."
            )

    def _self_training_policy(self):
        if self.self_training == "auto":
            return SelfTraining(max_iter=_SELF_TRAINING_ITERATIONS, in_rounds=True)
        return self.self_training

    def _feature_space(self):
        return self.feature_space

    def _score(self, X):
        model = self.estimator_
        classes = getattr(model, "classes_", None)
        return MEASURES["margin"].score(
            model.predict_proba(X),
            n_classes=None if classes is None else len(classes),
            source=f"{type(final_step(model)).__name__}.predict_proba",
        )

    def _scores_finite(self):
        return True

    def _score_upper(self):
        return 1.0

    # ------------------------------------------------------ exploration
    def _share(self):
        """The share of the next batch spent on exploration.

        The evidence is the *excess surprise* of the recent exploration
        picks: how often the model was wrong about them, minus how often it
        expected to be (one minus its confidence). A model that is wrong where
        it thinks it is right has regions it does not know it does not know:
        explore more. Label noise makes it wrong everywhere, confident or not,
        which the subtraction discounts. No evidence yet: the floor.
        """
        if self.exploration != "auto":
            return float(self.exploration)
        excess, n = self._evidence
        share = max(excess, 0.0) / (n + 1.0)
        return float(np.clip(share, self._lowest_share(), 0.5))

    def _lowest_share(self):
        # Evidence keeps coming: one exploration pick per batch, or per ten
        # labels where batches are smaller (with batches of one, one pick
        # per batch would be all of them).
        return min(1.0 / max(self.batch_size, 1), _LOWEST_SHARE)

    def _split(self, k):
        share = self._share()
        n_explore = share * k
        whole = int(np.floor(n_explore))
        # The fractional pick is drawn from the query stream: still a
        # function of the learner's state.
        rng = stream(self._seed, "select", self._round, 1)
        whole += int(rng.random() < n_explore - whole)
        return min(whole, k)

    def _explore(self, pool, k, exclude):
        """``k`` typical samples far from every labeled one."""
        what = "AdaptiveSampler exploration"
        rng = stream(self._seed, "select", self._round, 2)

        def features(rows):
            return self._distance_features(rows, what)

        def pool_density():
            reference = features(take_rows(self._pool.X, _spread(self._pool.n)))
            return values_in_chunks(
                lambda f: local_density(f, reference=reference),
                features,
                self._pool.X,
            )

        whole = self._whole_pool(pool)
        if whole is not None:
            # Over the rows of the data given to fit: no copy of the pool's
            # features.
            rows, available = whole
            nearest = self._nearest_all(what).copy()
            density = self._row_values("local_density", pool_density)
            # This round's uncertain picks count as covered already.
            for row in pool.candidates[exclude]:
                np.minimum(nearest, rows.distances_to(row), out=nearest)
            picked = kcenter_greedy(
                rows,
                k,
                nearest=nearest,
                scores=density,
                weights=density,
                available=available,
                random_state=rng,
            )
            return np.searchsorted(pool.candidates, picked)
        nearest = self._nearest(pool, what).copy()
        feats = features(take_rows(pool.source, pool.candidates))
        if pool.remembered:
            density = self._row_values("local_density", pool_density)
            density = density[pool.candidates]
        else:
            density = local_density(feats, reference=feats[_spread(feats.shape[0])])
        if exclude.size:
            np.minimum(nearest, nearest_distances(feats, feats[exclude]), out=nearest)
        return kcenter_greedy(
            feats,
            k,
            nearest=nearest,
            scores=density,
            weights=density,
            random_state=rng,
        )

    def _distance_space_fixed(self):
        return True

    def _distance_features(self, rows, what):
        # A space that does not move with the model, so that the distances to
        # the labeled samples are kept from round to round.
        return self._space_for().features(rows, model_ready=False, what=what)

    def _select(self, pool, k):
        n_explore = self._split(k)
        n_exploit = k - n_explore
        chosen, scores, kinds = [], [], []
        if n_exploit:
            m = min(pool.size, _CANDIDATES_PER_PICK * n_exploit)
            top, top_scores = scan_top_k(
                self._scorer(pool),
                pool.source,
                pool.candidates,
                m,
                keys=self._keys(),
                chunk_size=self._chunk_size(pool.size),
                n_jobs=self.n_jobs,
            )
            feats = self._features(
                take_rows(pool.source, pool.candidates[top]), "AdaptiveSampler"
            )
            pos = cluster_diverse(
                top_scores,
                feats,
                n_exploit,
                n_candidates=m,
                # The most uncertain of each cluster, not the one nearest its
                # center as in Zhdanov's paper: measured better on every
                # benchmark set (docs/label-efficiency.md).
                pick="best",
                random_state=stream(self._seed, "select", self._round, 3),
            )
            chosen += top[pos].tolist()
            scores += top_scores[pos].tolist()
            kinds += ["exploit"] * n_exploit
        if n_explore:
            explored = self._explore(pool, n_explore, np.asarray(chosen, dtype=int))
            chosen += explored.tolist()
            scores += self._score(
                take_rows(pool.source, pool.candidates[explored])
            ).tolist()
            kinds += ["explore"] * n_explore
        positions = np.asarray(chosen, dtype=np.intp)
        self._pending_kinds = (
            dict(zip(pool.candidates[positions].tolist(), kinds, strict=True))
            if pool.remembered
            else {}
        )
        if pool.remembered:
            rows = pool.candidates[positions]
            proba = self.estimator_.predict_proba(take_rows(pool.source, rows))
            classes = np.asarray(self.estimator_.classes_)
            predicted = classes[np.argmax(proba, axis=1)]
            confidence = np.max(proba, axis=1)
            self._predicted = {
                int(r): (p, kind, c)
                for r, p, kind, c in zip(
                    rows.tolist(), predicted, kinds, confidence, strict=True
                )
            }
        return pool.candidates[positions], np.asarray(scores)

    def _query_info(self):
        kinds = list(self._pending_kinds.values())
        return {
            "split": {
                "exploit": kinds.count("exploit"),
                "explore": kinds.count("explore"),
            },
            "exploration_share": self._share(),
        }

    def _cold_start(self, pool, k):
        idx, scores = super()._cold_start(pool, k)
        self._pending_kinds = {int(i): "explore" for i in idx}
        return idx, scores

    # -------------------------------------------------------- evidence
    def _start(self):
        super()._start()
        # (discounted sum of excess surprises, discounted number of picks)
        self._evidence = (0.0, 0.0)
        # Row -> (predicted label, kind of pick, confidence), until answered.
        self._predicted = {}
        self._pending_kinds = {}
        self.exploration_share_ = self._share()

    def _after_train(self, X, y):
        self._learn_from_answers()
        super()._after_train(X, y)

    def _learn_from_answers(self):
        """Fold the answers to the last exploration picks into the evidence."""
        predicted = self._predicted
        if not predicted:
            return
        labels = dict(
            zip(self._pool.order.tolist(), self._pool.y.tolist(), strict=True)
        )
        answered = [i for i in predicted if i in labels]
        if not answered:
            return
        rows = [i for i in answered if predicted[i][1] == "explore"]
        # Wrong (1) or right (0), minus the chance of being wrong the model
        # gave itself.
        excess = sum(
            (labels[i] != predicted[i][0]) - (1.0 - predicted[i][2]) for i in rows
        )
        old_excess, old_n = self._evidence
        self._evidence = (
            _FORGET * old_excess + excess,
            _FORGET * old_n + len(rows),
        )
        self._predicted = {i: p for i, p in predicted.items() if i not in labels}
        self.exploration_share_ = self._share()


def _spread(n, n_reference=1000):
    from skal.selection import reference_rows

    return reference_rows(n, n_reference)
