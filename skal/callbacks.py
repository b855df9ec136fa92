"""Callbacks of the round engine, in skorch's style.

Subclass :class:`Callback` and override the events you need; pass callbacks
to a learner (``callbacks=``, used by its simulated ``fit``) or to an
:class:`~skal.loop.AnnotationLoop`. Stopping criteria
(:mod:`skal.stopping`) are callbacks too. Ready-made: :class:`ScoreEachModel`.
"""

__all__ = ["Callback", "ScoreEachModel"]


class Callback:
    """Base class of round-engine callbacks; every event is a no-op.

    Override what you need. Events, in order:

    - ``on_start(engine)``: once, before the first query;
    - ``on_round_begin(engine, indices, scores)``: a batch was queried;
    - ``on_answer(engine, index, answer)``: a validated answer (a label,
      :data:`SKIP` or :data:`UNKNOWN`) about to be applied; raising here
      refuses it (a journal that cannot write, say) and leaves the engine
      as it was;
    - ``on_model_change(engine)``: the learner was retrained (and once at the
      start if it has a model); stopping criteria decide here;
    - ``on_round_end(engine, record)``: the round's record, as appended to
      ``engine.history_``;
    - ``on_end(engine)``: once, when the engine stops.

    ``max_new_labels(engine)`` may return how many more labels the callback
    allows (None: no limit); the engine never queries more than that.

    Examples
    --------
    >>> from skal.callbacks import Callback
    >>> class CountRounds(Callback):
    ...     def __init__(self):
    ...         self.n_rounds = 0
    ...     def on_round_end(self, engine, record):
    ...         self.n_rounds += 1
    """

    def on_start(self, engine):
        pass

    def on_round_begin(self, engine, indices, scores):
        pass

    def on_answer(self, engine, index, answer):
        pass

    def on_model_change(self, engine):
        pass

    def on_round_end(self, engine, record):
        pass

    def on_end(self, engine):
        pass

    def max_new_labels(self, engine):
        return None


class ScoreEachModel(Callback):
    """Score every model the engine trains, the moment it is trained.

    What :func:`skal.evaluation.learning_curves` uses to draw a learner's
    curve without touching the learner: a warm-started network or a
    committee cannot be rebuilt afterwards from the labels alone.

    Parameters
    ----------
    X_test, y_test : array-like
        Held-out samples and their labels.
    scorer : callable
        ``scorer(learner, X, y) -> float``, e.g. from
        :func:`sklearn.metrics.check_scoring`.

    Attributes
    ----------
    curve : dict
        Score by number of labels training the model (``n_labeled_``).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.metrics import check_scoring
    >>> from skal import RandomSampler
    >>> from skal.callbacks import ScoreEachModel
    >>> X, y = load_iris(return_X_y=True)
    >>> lr = LogisticRegression(max_iter=300)
    >>> scores = ScoreEachModel(X, y, check_scoring(lr))
    >>> learner = RandomSampler(lr, batch_size=10, budget=30, callbacks=[scores],
    ...                         random_state=0).fit(X, y)
    >>> sorted(learner.callbacks_[0].curve)
    [10, 20, 30]
    """

    def __init__(self, X_test, y_test, scorer):
        self.X_test = X_test
        self.y_test = y_test
        self.scorer = scorer
        self.curve = {}

    def on_model_change(self, engine):
        learner = engine.learner
        self.curve[int(learner.n_labeled_)] = float(
            self.scorer(learner, self.X_test, self.y_test)
        )
