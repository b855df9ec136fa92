"""The Label Studio integration's pure parts, without a server.

The server-bound behaviour is tested against a real Label Studio in
tests/label_studio; these check the rules that decide a task's label, the
reading of labeling configurations and that the extra stays lazy.
"""

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skal.integrations.label_studio import ChoicesTarget, choices_target
from skal.integrations.label_studio._config import annotation_label, current_label

TARGET = ChoicesTarget("mood", "text", "Text", "text", None, ("pos", "neg", "meh"))

annotations = st.lists(
    st.fixed_dictionaries(
        {
            "id": st.integers(1, 10**6),
            "when": st.datetimes(),
            "was_cancelled": st.booleans(),
            "ground_truth": st.booleans(),
            "result": st.sampled_from(
                [TARGET.result(c) for c in TARGET.classes]
                + [[], [{"from_name": "other", "value": {"choices": ["pos"]}}]]
            ),
        }
    ),
    max_size=6,
    unique_by=lambda a: a["id"],
).map(lambda found: [{**a, "updated_at": a["when"].isoformat() + "Z"} for a in found])


@given(annotations, st.randoms())
def test_current_label_ignores_order_and_follows_the_rules(found, rng):
    label = current_label(found, TARGET)
    shuffled = list(found)
    rng.shuffle(shuffled)
    assert current_label(shuffled, TARGET) == label
    giving = [a for a in found if annotation_label(a, TARGET) is not None]
    if not giving:
        assert label is None
        return
    truth = [a for a in giving if a["ground_truth"]]
    pool = truth or giving
    newest = max(pool, key=lambda a: (a["when"], a["id"]))
    assert label == annotation_label(newest, TARGET)


def test_cancelled_and_foreign_results_give_no_label():
    assert (
        annotation_label(
            {"was_cancelled": True, "result": TARGET.result("pos")}, TARGET
        )
        is None
    )
    other = {"result": [{"from_name": "other", "value": {"choices": ["pos"]}}]}
    assert annotation_label(other, TARGET) is None
    # Microseconds or not, times compare as times, not as strings.
    early = {
        "id": 2,
        "updated_at": "2026-01-01T10:00:00.500000Z",
        "result": TARGET.result("pos"),
    }
    late = {
        "id": 1,
        "updated_at": "2026-01-01T10:00:01Z",
        "result": TARGET.result("neg"),
    }
    assert current_label([early, late], TARGET) == "neg"


def _project(config, parsed):
    return {"label_config": config, "parsed_label_config": parsed}


def test_choices_target_refuses_what_skal_cannot_learn():
    single = {
        "type": "Choices",
        "to_name": ["text"],
        "inputs": [{"type": "Text", "value": "text"}],
        "labels": ["a", "b"],
    }
    with pytest.raises(ValueError, match="no <Choices> control"):
        choices_target(_project("<View/>", {"box": {"type": "RectangleLabels"}}))
    with pytest.raises(ValueError, match="several <Choices> controls"):
        choices_target(_project("<View/>", {"x": single, "y": single}))
    assert (
        choices_target(_project("<View/>", {"x": single, "y": single}), "y").from_name
        == "y"
    )
    multiple = '<View><Choices name="x" toName="text" choice="multiple"/></View>'
    with pytest.raises(ValueError, match='choice="multiple"'):
        choices_target(_project(multiple, {"x": single}))
    with pytest.raises(ValueError, match="at least two"):
        choices_target(_project("<View/>", {"x": {**single, "labels": ["a"]}}))


def test_the_extra_is_imported_lazily():
    code = (
        "import sys, skal.integrations.label_studio as ls; "
        "print(','.join(m for m in ('requests', 'PIL') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""
