"""Labels as the journal stores them: JSON scalars of one type per journal.

JSON keeps ``1`` and ``"1"`` apart, as they should be. A journal holds labels
of one type (``str``, ``int``, ``float`` or ``bool``), fixed by its declared
classes or else by its first label, so that one mistyped answer can never be
committed next to labels a learner trains on.
"""

import json
import math
import numbers

import numpy as np

__all__ = [
    "LABEL_TYPES",
    "check_classes",
    "decode_label",
    "encode_label",
    "fit_type",
    "label_problem",
    "label_type",
    "plain_label",
]

LABEL_TYPES = ("str", "int", "float", "bool")


def plain_label(label):
    """``label`` as a plain Python scalar, or an error saying why it is not one."""
    if isinstance(label, np.generic):
        label = label.item()
    if isinstance(label, bool):
        return label
    if isinstance(label, str):
        if not label.strip():
            raise ValueError(f"{label!r} is not a label: it is empty.")
        return label
    if isinstance(label, numbers.Integral):
        return int(label)
    if isinstance(label, numbers.Real):
        label = float(label)
        if not math.isfinite(label):
            raise ValueError(f"{label!r} is not a label.")
        return label
    raise TypeError(
        f"Labels are journaled as strings or numbers; got {label!r} of type "
        f"{type(label).__name__}."
    )


def label_type(label):
    """The name of a plain label's type: ``"str"``, ``"int"``, ...

    ``bool`` is its own type, not an ``int``.
    """
    return type(label).__name__


def encode_label(label):
    """JSON text of a plain label."""
    return json.dumps(label)


def decode_label(text):
    """The label a stored JSON text holds; ValueError if it holds none.

    Only scalars are labels, so a list or an object is refused before it is
    parsed: a deeply nested one would otherwise exhaust the recursion limit.
    """
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not JSON text")
    head = text.lstrip()[:1]
    if head in ("[", "{"):
        raise ValueError(
            f"{_short(text)} is a JSON {'list' if head == '[' else 'object'}"
        )

    def no_constant(name):
        raise ValueError(f"{name} is not a label")

    try:
        value = json.loads(text, parse_constant=no_constant)
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"{_short(text)} is not valid JSON ({exc})") from None
    if value is None:
        raise ValueError("null is not a label")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{_short(text)} is not a finite number")
    if isinstance(value, str) and not value.strip():
        raise ValueError("an empty string is not a label")
    return value


def _short(text, n=40):
    return repr(text if len(text) <= n else text[:n] + "...")


def check_classes(classes):
    """Declared classes as a list of plain labels of one type, and that type."""
    if isinstance(classes, (str, bytes)) or not hasattr(classes, "__iter__"):
        raise TypeError(
            f"classes must be a list of labels, got {type(classes).__name__}."
        )
    plain = [plain_label(c) for c in classes]
    if not plain:
        raise ValueError("classes must list at least one label.")
    types = sorted({label_type(c) for c in plain})
    if len(types) > 1:
        raise ValueError(
            f"classes mix label types ({', '.join(types)}): {plain!r}; use one type."
        )
    duplicates = sorted({repr(c) for c in plain if plain.count(c) > 1})
    if duplicates:
        raise ValueError(f"classes list {', '.join(duplicates)} more than once.")
    return plain, types[0]


def label_problem(label, journal_type, classes):
    """Why ``label`` does not fit a journal, or None if it does.

    A float journal takes integers too (a regression target typed as ``3``),
    and an int journal takes integral floats (``2.0`` is the class ``2``);
    :func:`fit_type` converts them.
    """
    kind = label_type(label)
    numeric_ok = (journal_type == "float" and kind == "int") or (
        journal_type == "int" and kind == "float" and float(label).is_integer()
    )
    if journal_type is not None and kind != journal_type and not numeric_ok:
        return f"it is {_article(kind)} and the journal's labels are {journal_type}s"
    if classes is not None:
        same = any(label_type(c) == kind and c == label for c in classes)
        if not same and not (numeric_ok and fit_type(label, journal_type) in classes):
            return f"it is not one of the classes {classes!r}"
    return None


def fit_type(label, journal_type):
    """A numeric label in the journal's own numeric type, others unchanged."""
    kind = label_type(label)
    if journal_type == "float" and kind == "int":
        return float(label)
    if journal_type == "int" and kind == "float" and label.is_integer():
        return int(label)
    return label


def _article(kind):
    return {"int": "an int", "str": "a str", "float": "a float", "bool": "a bool"}[kind]
