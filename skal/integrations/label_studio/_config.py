"""What a Label Studio project labels, read from its labeling configuration.

skal learns single-label classification: one ``<Choices>`` control whose
choices are the classes, attached to one object tag (``<Text>``,
``<HyperText>`` or ``<Image>``) whose ``value="$key"`` names the field of a
task's data that holds the sample.
"""

from dataclasses import dataclass
from xml.etree import ElementTree

__all__ = ["ChoicesTarget", "annotation_label", "choices_target", "current_label"]

#: Object tags whose sample skal can turn into features without help.
TEXT_TAGS = ("Text", "HyperText")
IMAGE_TAGS = ("Image",)


@dataclass(frozen=True)
class ChoicesTarget:
    """The control skal learns and the object it labels.

    Attributes
    ----------
    from_name : str
        The ``<Choices>`` control's name.
    to_name : str
        The object tag's name.
    object_type : str
        ``"Text"``, ``"HyperText"``, ``"Image"``, or another tag's type.
    data_key : str or None
        The task data field holding the sample (``$text`` gives ``"text"``).
    value_type : str or None
        ``"url"`` when the field holds a URL to the text instead of the text.
    classes : tuple of str
        The choices, in the configuration's order.
    """

    from_name: str
    to_name: str
    object_type: str
    data_key: object
    value_type: object
    classes: tuple

    def result(self, label):
        """A prediction ``result`` that picks ``label``."""
        return [
            {
                "from_name": self.from_name,
                "to_name": self.to_name,
                "type": "choices",
                "value": {"choices": [str(label)]},
            }
        ]


def choices_target(project, control=None):
    """The single-choice control of a project that skal learns.

    Parameters
    ----------
    project : dict
        A project as the API returns it (``label_config`` and
        ``parsed_label_config``).
    control : str, default=None
        The ``<Choices>`` control's name; needed only when the configuration
        has several.

    Returns
    -------
    target : ChoicesTarget

    Raises
    ------
    ValueError
        If there is no such control, several and no ``control``, or it allows
        several choices.

    Examples
    --------
    >>> from skal.integrations.label_studio import choices_target
    >>> config = (
    ...     '<View><Text name="review" value="$text"/>'
    ...     '<Choices name="sentiment" toName="review">'
    ...     '<Choice value="pos"/><Choice value="neg"/></Choices></View>'
    ... )
    >>> parsed = {"sentiment": {
    ...     "type": "Choices", "to_name": ["review"],
    ...     "inputs": [{"type": "Text", "value": "text", "valueType": None}],
    ...     "labels": ["pos", "neg"]}}
    >>> target = choices_target({"label_config": config, "parsed_label_config": parsed})
    >>> target.from_name, target.object_type, target.data_key, target.classes
    ('sentiment', 'Text', 'text', ('pos', 'neg'))
    """
    parsed = project.get("parsed_label_config") or {}
    found = {
        name: spec for name, spec in parsed.items() if spec.get("type") == "Choices"
    }
    if not found:
        kinds = sorted({spec.get("type") for spec in parsed.values()}) or ["none"]
        raise ValueError(
            "The project's labeling configuration has no <Choices> control (its "
            f"controls: {', '.join(map(str, kinds))}). skal learns single-label "
            "classification: add <Choices name=... toName=...> with one <Choice> "
            "per class."
        )
    if control is None:
        if len(found) > 1:
            raise ValueError(
                f"The project has several <Choices> controls ({sorted(found)}); "
                "pass control=NAME (--control on the command line) to say which "
                "one skal learns."
            )
        control = next(iter(found))
    elif control not in found:
        raise ValueError(
            f"No <Choices> control named {control!r}; the project has {sorted(found)}."
        )
    spec = found[control]
    if _allows_several(project.get("label_config", ""), control):
        raise ValueError(
            f"The <Choices name={control!r}> control allows several choices "
            '(choice="multiple"); skal learns one label per task. Use '
            'choice="single" (the default).'
        )
    to_names = spec.get("to_name") or []
    inputs = spec.get("inputs") or []
    if len(to_names) != 1 or len(inputs) != 1:
        raise ValueError(
            f"The <Choices name={control!r}> control labels {to_names}; skal needs "
            "it attached to exactly one object tag (toName=...)."
        )
    classes = tuple(str(c) for c in spec.get("labels") or ())
    if len(classes) < 2:
        raise ValueError(
            f"The <Choices name={control!r}> control has {len(classes)} choice(s); "
            "a classifier needs at least two."
        )
    value = inputs[0].get("value")
    return ChoicesTarget(
        from_name=control,
        to_name=to_names[0],
        object_type=inputs[0].get("type"),
        data_key=value.lstrip("$") if isinstance(value, str) else None,
        value_type=inputs[0].get("valueType"),
        classes=classes,
    )


def _allows_several(label_config, control):
    try:
        root = ElementTree.fromstring(label_config)
    except ElementTree.ParseError:
        return False  # Label Studio validated it; parsed_label_config suffices
    for tag in root.iter("Choices"):
        if tag.get("name") == control:
            return tag.get("choice", "single") == "multiple"
    return False


def annotation_label(annotation, target):
    """The class an annotation gives, or None if it gives none.

    Parameters
    ----------
    annotation : dict
        An annotation as the API returns it.
    target : ChoicesTarget
        The control that is learned.

    Returns
    -------
    label : str or None
        None for a skipped (cancelled) annotation or one without this
        control's choice.

    Examples
    --------
    >>> from skal.integrations.label_studio._config import (
    ...     ChoicesTarget, annotation_label)
    >>> target = ChoicesTarget("mood", "text", "Text", "text", None, ("pos", "neg"))
    >>> annotation_label({"was_cancelled": False, "result": target.result("neg")},
    ...                  target)
    'neg'
    >>> print(annotation_label({"was_cancelled": True, "result": []}, target))
    None
    """
    if annotation.get("was_cancelled"):
        return None
    for region in annotation.get("result") or ():
        if region.get("from_name") != target.from_name:
            continue
        choices = (region.get("value") or {}).get("choices") or []
        if len(choices) == 1:
            return str(choices[0])
    return None


def current_label(annotations, target):
    """The label a task has now, from all its annotations.

    A ground-truth annotation wins; otherwise the most recently updated
    annotation that gives a label. Skipped annotations and ones without the
    control's choice are ignored.

    Parameters
    ----------
    annotations : list of dict
        The task's annotations.
    target : ChoicesTarget
        The control that is learned.

    Returns
    -------
    label : str or None
        None if no annotation gives a label.

    Examples
    --------
    >>> from skal.integrations.label_studio._config import (
    ...     ChoicesTarget, current_label)
    >>> target = ChoicesTarget("mood", "text", "Text", "text", None, ("pos", "neg"))
    >>> first = {"id": 1, "updated_at": "2026-01-01T10:00:00Z",
    ...          "result": target.result("pos")}
    >>> later = {"id": 2, "updated_at": "2026-01-02T10:00:00Z",
    ...          "result": target.result("neg")}
    >>> current_label([first, later], target)
    'neg'
    >>> current_label([first, later | {"was_cancelled": True}], target)
    'pos'
    """
    best = None
    for annotation in annotations or ():
        label = annotation_label(annotation, target)
        if label is None:
            continue
        key = (
            bool(annotation.get("ground_truth")),
            _timestamp(annotation.get("updated_at")),
            annotation.get("id") or 0,
        )
        if best is None or key > best[0]:
            best = (key, label)
    return None if best is None else best[1]


def _timestamp(text):
    """Seconds since the epoch of an ISO 8601 time; 0 when absent or unreadable."""
    import datetime

    if not text:
        return 0.0
    try:
        moment = datetime.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return 0.0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.timestamp()
