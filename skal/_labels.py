"""Label semantics, shared by the learners and the annotation loop.

- Classification marks an unlabeled row with :data:`UNLABELED` (``-1``,
  scikit-learn's semi-supervised convention) or, in an object array, ``None``.
- Regression marks it with NaN (or ``None``).
- With a ``budget`` (a simulation), ``y`` is the oracle and every value is a
  label, ``-1`` included; :func:`check_oracle` refuses an oracle that is
  obviously a partially labeled ``y`` instead.

Everything that decides whether a value is a label, and whether a label can
train the model, lives here, so the learners and the loop cannot disagree.
"""

import math
import numbers
import warnings

import numpy as np
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d

__all__ = [
    "UNLABELED",
    "can_train",
    "check_answer",
    "check_labels",
    "check_oracle",
    "check_y",
    "declared_classes",
    "label_kind",
    "too_few_classes",
    "unlabeled_mask",
]

#: Marker of an unlabeled row in ``y`` for classification (scikit-learn's
#: semi-supervised convention). Regression marks unlabeled rows with NaN.
UNLABELED = -1


def check_y(y, n_samples):
    """``y`` as a 1-d array of ``n_samples`` values (lists of mixed strings
    and ``-1`` become object arrays, not strings)."""
    if isinstance(y, (list, tuple)):
        arr = np.asarray(y, dtype=object)
        kinds = {type(v) for v in y}
        if not kinds & {str, type(None)}:
            arr = np.asarray(y)
        y = arr
    y = column_or_1d(y, warn=True)
    if (
        y.dtype.kind == "O"
        and y.size
        and not any(isinstance(v, str) or v is None for v in y.tolist())
    ):
        # An object array of numbers is a numeric label array: scikit-learn
        # calls the object one "unknown".
        y = np.asarray(y.tolist())
    if y.shape[0] != n_samples:
        raise ValueError(
            f"X has {n_samples} samples but y has {y.shape[0]}; pass one label "
            "(or the unlabeled marker) per row."
        )
    return y


def _is_marker(value):
    if value is None:
        return True
    if isinstance(value, numbers.Number) and not isinstance(value, bool):
        return value == UNLABELED
    return False


def unlabeled_mask(y, classification):
    """Which rows of ``y`` carry the unlabeled marker.

    Examples
    --------
    >>> import numpy as np
    >>> from skal._labels import unlabeled_mask
    >>> unlabeled_mask(np.array([0, -1, 2]), True).tolist()
    [False, True, False]
    >>> unlabeled_mask(np.array(["a", None], dtype=object), True).tolist()
    [False, True]
    >>> unlabeled_mask(np.array([0.5, np.nan]), False).tolist()
    [False, True]
    """
    if classification:
        if y.dtype.kind in "US":
            if np.any(y == str(UNLABELED)):
                raise ValueError(
                    "y has a string dtype and contains '-1'. Unlabeled rows are "
                    "marked with the integer -1 or None: use an object array, "
                    "e.g. np.array(labels, dtype=object)."
                )
            return np.zeros(y.shape[0], dtype=bool)
        if y.dtype.kind == "O":
            return np.fromiter((_is_marker(v) for v in y), dtype=bool, count=len(y))
        return np.asarray(y == UNLABELED, dtype=bool)
    if y.dtype.kind == "O":
        return np.fromiter(
            (v is None or (isinstance(v, float) and math.isnan(v)) for v in y),
            dtype=bool,
            count=len(y),
        )
    return np.isnan(y.astype(float))


def declared_classes(classes):
    """The sorted distinct labels of a ``classes`` parameter."""
    arr = np.asarray(classes)
    uniq = np.unique(arr)
    if arr.ndim != 1 or uniq.shape[0] != arr.shape[0]:
        raise ValueError(
            f"classes must be a 1-d list of distinct labels, got {classes!r}."
        )
    if uniq.shape[0] < 2:
        raise ValueError(f"classes must list at least two labels, got {classes!r}.")
    return uniq


def check_labels(y, classification, declared=None):
    """Validate labels that train the estimator (no unlabeled marker)."""
    if classification:
        if y.dtype.kind == "O" and any(v is None for v in y):
            raise ValueError("None is not a label.")
        check_classification_targets(y)
        if declared is not None:
            unknown = np.setdiff1d(np.unique(y), declared)
            if unknown.size:
                raise ValueError(
                    f"Labels {unknown.tolist()} are not in classes="
                    f"{declared.tolist()}; add them to `classes` or fix the labels."
                )
        return y
    try:
        y = np.asarray(y, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"Regression targets must be numbers ({exc}).") from None
    if not np.isfinite(y).all():
        raise ValueError(
            "y contains infinite values; regression targets must be finite (NaN "
            "marks an unlabeled row)."
        )
    return y


def too_few_classes(seen, n_labels, *, marker_seen=False):
    """The error for a classifier trained on fewer than two classes."""
    advice = (
        "Label samples of another class (teach), or, for a simulation, raise "
        "n_initial or budget."
    )
    if marker_seen:
        advice = (
            f"Note that {UNLABELED} marks an unlabeled row when budget is None: "
            f"if {UNLABELED} is one of your classes (labels such as {{-1, +1}}), "
            "encode them otherwise, e.g. y = (y + 1) // 2 or as strings. " + advice
        )
    return ValueError(
        f"Only one class ({list(seen)}) is labeled among {n_labels} labeled "
        f"samples; the estimator needs at least two classes. {advice}"
    )


def check_oracle(y, declared=None):
    """Refuse (or flag) a simulation oracle that looks partially labeled.

    With ``budget`` set every value of ``y`` is a label, ``-1`` included. A
    ``y`` in which the unlabeled marker is the most frequent value while at
    least two other classes occur is a partially labeled ``y`` passed by
    mistake: the simulation would buy the marker as a class. ``-1`` next to a
    single other class ({-1, +1} labels) is an ordinary binary problem.
    Declaring ``classes`` with ``-1`` in them says ``-1`` is a class.
    """
    if y.dtype.kind not in "iufO":
        return
    mask = unlabeled_mask(y, True)
    n_marker = int(mask.sum())
    if n_marker == 0 or (declared is not None and UNLABELED in declared.tolist()):
        return
    others, counts = np.unique(y[~mask].astype(str), return_counts=True)
    if others.shape[0] < 2:
        return
    message = (
        f"budget is set, so y is the oracle of a simulation and every value is a "
        f"label; but {n_marker} of {y.shape[0]} rows hold {UNLABELED}, the "
        "unlabeled marker, next to the classes "
        f"{others.tolist()[:10]}. If those rows are unlabeled, set budget=None "
        "(then fit learns from the labeled rows and query() searches the rest). "
        f"If {UNLABELED} is a class, declare it: classes=[...] including "
        f"{UNLABELED}."
    )
    if n_marker > counts.max():
        raise ValueError(message)
    warnings.warn(message, UserWarning, stacklevel=3)


def label_kind(label):
    """``"str"``, ``"bool"``, ``"int"`` or ``"float"``: what kind of label."""
    if isinstance(label, np.generic):
        label = label.item()
    if isinstance(label, str):
        return "str"
    if isinstance(label, bool):
        return "bool"
    if isinstance(label, numbers.Integral):
        return "int"
    if isinstance(label, numbers.Real):
        return "float"
    return type(label).__name__


def check_answer(
    label, *, classification, declared=None, kind=None, marker_is_label=False
):
    """Validate one label given by an oracle, before it is recorded.

    Parameters
    ----------
    label : object
        The answer.
    classification : bool
        Whether the learner is a classifier.
    declared : ndarray or None
        Declared classes, if any.
    kind : str or None
        :func:`label_kind` of the labels recorded so far (None: no label yet).
    marker_is_label : bool, default=False
        Whether the unlabeled marker is an ordinary label (a simulation's
        oracle).

    Returns
    -------
    label : object
        The label as a plain Python value.

    Examples
    --------
    >>> from skal._labels import check_answer
    >>> check_answer(2, classification=True, kind="int")
    2
    >>> check_answer(1.5, classification=True, kind="int")
    Traceback (most recent call last):
    ...
    ValueError: Label 1.5 is a float but the labels so far are int; ...
    """
    if isinstance(label, np.generic):
        label = label.item()
    if label is None:
        raise ValueError("None is not a label; answer SKIP or UNKNOWN instead.")
    if not classification:
        ok = (
            isinstance(label, numbers.Real)
            and not isinstance(label, bool)
            and math.isfinite(label)
        )
        if not ok:
            raise ValueError(f"A regression label is a finite number; got {label!r}.")
        return float(label)
    this = label_kind(label)
    if this not in ("str", "bool", "int", "float"):
        raise ValueError(
            f"Labels are strings or numbers; got {label!r} of type "
            f"{type(label).__name__}."
        )
    if this == "float" and not math.isfinite(label):
        raise ValueError(f"{label!r} is not a label.")
    if this == "float" and kind == "int" and float(label).is_integer():
        label, this = int(label), "int"
    if kind is not None and this != kind:
        raise ValueError(
            f"Label {label!r} is a{'n' if this == 'int' else ''} {this} but the "
            f"labels so far are {kind}; use one type for all labels."
        )
    if _is_marker(label) and declared is None and not marker_is_label:
        raise ValueError(
            f"{label!r} is the unlabeled marker and cannot be given as a label; "
            "answer SKIP or UNKNOWN, or declare classes including it."
        )
    if declared is not None and label not in declared.tolist():
        raise ValueError(
            f"{label!r} is not one of the learner's classes {declared.tolist()!r}."
        )
    return label


def can_train(labels, classification, *, model_ready):
    """Whether ``labels`` (not yet taught) can be taught now: a classifier
    without a model needs two distinct classes, a regressor one label."""
    if not labels:
        return False
    if not classification or model_ready:
        return True
    return len({repr(v) for v in labels}) >= 2
