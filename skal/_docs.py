"""Docstring fragments shared by the learners: each shared parameter and
attribute is described once, here, and every learner's docstring pulls the
text in with :func:`fill_doc` (a line ``    %(batch_size)s``), so the
descriptions cannot drift apart. A fragment's first line has no indent (the
placeholder's line gives it); its other lines carry the docstring's.
"""

__all__ = ["DOCS", "fill_doc"]

_P = "    "  # parameters and attributes sit at this indent in a class docstring

DOCS = {
    # ------------------------------------------------------------ parameters
    "batch_size": f"""batch_size : int, default=1
{_P}    Samples per query (and per simulated round).""",
    "batch_mode": 'batch_mode : {"top_k", "ranked", "kcenter", "cluster"}, '
    f"""default="top_k"
{_P}    How a batch is formed from the scores: the ``batch_size`` best
{_P}    (``"top_k"``), or a batch that is also diverse in ``feature_space``:
{_P}    ranked batch mode over the pool (Cardoso et al. 2017), greedy
{_P}    k-center among the ``10 * batch_size`` best (Sener & Savarese 2018),
{_P}    or informativeness-weighted k-means over them (Zhdanov 2019). The
{_P}    user guide's "Choosing a strategy" says when each one pays.""",
    "density_weight": f"""density_weight : float >= 0, default=0.0
{_P}    Multiply each score by the sample's information density (its mean
{_P}    similarity to the pool in ``feature_space``) to this power, so that
{_P}    outliers are not queried for being uncertain (Settles & Craven
{_P}    2008); 0 turns it off. It pays only where uncertain outliers mislead
{_P}    the query: in docs/label-efficiency.md, ``density_weight=1.0`` never
{_P}    beat plain margin and lost area under the curve to random sampling on
{_P}    digits (-1.3 points); a density-weighted cold start
{_P}    (``cold_start="density"``) is the safer use of density.""",
    "feature_space": 'feature_space : {"model", "input"} or callable, '
    f"""default="model"
{_P}    Where ``batch_mode``, ``density_weight`` and the cold start measure
{_P}    distances: the features the model's final step reads (a Pipeline's
{_P}    transformers fitted on the whole pool, a network's penultimate
{_P}    layer), the raw numeric input, or ``f(estimator_, X) -> features``.""",
    "budget": f"""budget : int, default=None
{_P}    If set, ``fit`` simulates active learning with ``y`` as the oracle
{_P}    until ``budget`` labels are bought (see :meth:`fit`), so that
{_P}    ``score``, ``cross_val_score`` and ``GridSearchCV`` rank strategies by
{_P}    what they reach on a budget.""",
    "n_initial": f"""n_initial : int, default=10
{_P}    Labels bought in the first round of a simulation, chosen by
{_P}    ``cold_start``.""",
    "cold_start": 'cold_start : {"random", "kmeans", "kcenter", "density", '
    f"""\"typiclust"}}, default="random"
{_P}    How samples are chosen while there is no model: at random, one
{_P}    representative per k-means cluster, a greedy k-center cover, typical
{_P}    yet spread-out samples, or TypiClust's typical samples of uncovered
{_P}    clusters (see :func:`skal.selection.representatives`).""",
    "classes": f"""classes : array-like, default=None
{_P}    Every class label, declared up front, so that ``predict_proba``
{_P}    columns stay aligned while some classes are still unlabeled.""",
    "self_training": f"""self_training : SelfTraining, default=None
{_P}    Add confident pseudo-labels of the pool to the model that predicts
{_P}    (:class:`~skal.SelfTraining`); None trains on bought labels only.""",
    "warm_start": f"""warm_start : bool, default=False
{_P}    Between rounds, continue training the fitted estimator on all labels
{_P}    instead of training a fresh clone: for skorch / scikeras networks,
{_P}    scikit-learn's linear models with ``warm_start`` (LogisticRegression,
{_P}    SGDClassifier, ...: the solver starts from the previous round's
{_P}    solution and reaches the same optimum sooner) and other iterative
{_P}    models with ``partial_fit`` and ``warm_start`` (MLPClassifier, ...),
{_P}    alone or ending a Pipeline. A round that brings a new class trains a
{_P}    fresh clone.""",
    "callbacks": f"""callbacks : list of Callback, default=None
{_P}    Called at every round of a simulated ``fit`` (see
{_P}    :class:`skal.callbacks.Callback`); stopping criteria of
{_P}    :mod:`skal.stopping` end the simulation early. Fitted copies are in
{_P}    ``callbacks_``.""",
    "n_jobs": f"""n_jobs : int, default=None
{_P}    joblib workers for the learner's parallel work: scoring the pool in
{_P}    chunks, and fitting ensemble members or hypothetical models. None
{_P}    means 1 unless in a :class:`joblib.parallel_config` context (so
{_P}    ``parallel_config(backend="dask")`` works on a dask cluster); the
{_P}    batch is the same whatever the number of workers.""",
    "random_state": f"""random_state : int, RandomState instance or None, default=None
{_P}    Seeds everything the learner draws: the cold start, tie-breaking
{_P}    between equal scores, resamples, members' and networks' seeds. A
{_P}    query is a function of the learner's state: asking twice without
{_P}    teaching returns the same batch.""",
    # ------------------------------------------------------------ attributes
    "estimator_": f"""estimator_ : estimator object
{_P}    The clone trained on every label bought so far; it ranks the pool
{_P}    and, without self-training, predicts.""",
    "classes_": f"""classes_ : ndarray of shape (n_classes,)
{_P}    Class labels (``classes`` if declared).""",
    "labeled_indices_": f"""labeled_indices_ : ndarray of int
{_P}    Rows of the data given to ``fit`` that are labeled, in the order their
{_P}    labels were bought.""",
    "n_labeled_": f"""n_labeled_ : int
{_P}    Number of labels training ``estimator_`` (``teach(X, y)`` included).""",
    "history_": f"""history_ : list of dict
{_P}    One record per round: ``round``, ``n_labeled``, ``indices`` taught and
{_P}    their ``scores`` at the query that chose them.""",
    "callbacks_": f"""callbacks_ : list of Callback
{_P}    The callbacks of the last simulated ``fit``, with what they gathered.""",
    "n_features_in_": f"""n_features_in_ : int
{_P}    Number of features seen during fit (for 2-d inputs).""",
    "feature_names_in_": f"""feature_names_in_ : ndarray of str
{_P}    Column names, when fit on a DataFrame with string column names.""",
}

DOCS["common_tail"] = f"\n{_P}".join(
    DOCS[name] for name in ("callbacks", "n_jobs", "random_state")
)
DOCS["simulation"] = f"\n{_P}".join(
    DOCS[name] for name in ("budget", "n_initial", "cold_start")
)
DOCS["diversity"] = f"\n{_P}".join(
    DOCS[name] for name in ("batch_mode", "density_weight", "feature_space")
)
DOCS["common_attributes"] = f"\n{_P}".join(
    DOCS[name]
    for name in (
        "labeled_indices_",
        "n_labeled_",
        "history_",
        "callbacks_",
        "n_features_in_",
        "feature_names_in_",
    )
)


def fill_doc(obj):
    """Fill ``%(name)s`` placeholders of ``obj.__doc__`` from :data:`DOCS`.

    Examples
    --------
    >>> from skal._docs import fill_doc
    >>> @fill_doc
    ... class Learner:
    ...     '''Parameters
    ...     ----------
    ...     %(batch_size)s
    ...     '''
    >>> print(Learner.__doc__.splitlines()[2].strip())
    batch_size : int, default=1
    """
    if obj.__doc__:
        obj.__doc__ = obj.__doc__ % DOCS
    return obj
