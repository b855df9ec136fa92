"""An image project: PNG files uploaded to Label Studio, as a person drops them.

Label Studio serves the uploads itself (``/data/upload/...``, behind the
token); skal downloads each picture once and learns from its pixels.
"""

import re
import warnings

import numpy as np
import pytest
from ls_data import IMAGE_CONFIG, choice, digit_pngs

from skal.integrations.label_studio import LabelStudioSync, image_vector
from skal.integrations.label_studio._command import build_learner


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        yield


def _truth(tasks):
    # Label Studio keeps the uploaded file's name after a random prefix.
    found = {}
    for task in tasks:
        name = re.search(r"digit(\d)-\d+\.png$", task["data"]["image"])
        found[task["id"]] = name.group(1)
    return found


def test_image_project_learns_from_uploaded_pictures(
    client, new_project, label_studio, tmp_path
):
    paths, _ = digit_pngs(tmp_path, n_per_class=10)
    project = new_project(IMAGE_CONFIG, title="Digits")
    assert client.upload_files(project, paths) == 30
    tasks = client.tasks(project)
    assert all(t["data"]["image"].startswith("/data/upload/") for t in tasks)
    truth = _truth(tasks)
    ids = [t["id"] for t in tasks]
    learner = build_learner("margin", "logistic", text=False, random_state=0)
    accuracy = []
    with LabelStudioSync(
        label_studio.url,
        label_studio.token,
        project,
        learner,
        journal=tmp_path / "journal",
        image_size=(8, 8),
    ) as sync:
        # One picture of each digit, then the order skal gives.
        for digit in "358":
            task = next(t for t in ids if truth[t] == digit)
            client.create_annotation(task, choice("digit", "image", digit))
        for _ in range(6):
            result = sync.sync()
            assert result.retrained and not result.cold_start
            pushed = {
                t["id"]: p
                for t in client.tasks(project)
                for p in t["predictions"]
                if p["model_version"] == result.model_version
            }
            assert set(pushed) == set(ids)
            # The pictures as skal sees them, downloaded here with the token.
            X = np.vstack(
                [
                    image_vector(client.get_bytes(t["data"]["image"]), (8, 8))
                    for t in tasks
                ]
            )
            assert X.shape == (30, 64) and 0 <= X.min() < X.max() <= 1
            guessed = sync.learner_.predict(X)
            accuracy.append(np.mean(guessed == np.array([truth[t] for t in ids])))
            scores = sync.learner_.informativeness(X)
            for i, task in enumerate(ids):
                assert pushed[task]["score"] == pytest.approx(scores[i], rel=1e-6)
                assert pushed[task]["result"][0]["value"]["choices"] == [guessed[i]]
            nxt = client.next_task(project, view=sync.view_id_)["id"]
            assert scores[ids.index(nxt)] == pytest.approx(
                max(scores[i] for i, t in enumerate(ids) if t not in sync.labels())
            )
            client.create_annotation(nxt, choice("digit", "image", truth[nxt]))
    assert accuracy[0] <= 0.7, accuracy
    assert accuracy[-1] >= 0.9, accuracy


def test_feature_columns_project(client, new_project, label_studio, tmp_path):
    config = """<View>
      <Text name="name" value="$name"/>
      <Choices name="kind" toName="name"><Choice value="small"/>
        <Choice value="large"/></Choices>
    </View>"""
    project = new_project(config, title="Sizes")
    rng = np.random.default_rng(0)
    sizes = rng.uniform(0, 10, size=24)
    client.import_tasks(
        project,
        [
            {"name": f"item {i}", "size": s, "weight": 2 * s}
            for i, s in enumerate(sizes)
        ],
    )
    ids = [t["id"] for t in client.tasks(project)]
    small, large = ids[int(np.argmin(sizes))], ids[int(np.argmax(sizes))]
    client.create_annotation(small, choice("kind", "name", "small"))
    client.create_annotation(large, choice("kind", "name", "large"))
    learner = build_learner("margin", "logistic", text=False, random_state=0)
    with LabelStudioSync(
        label_studio.url,
        label_studio.token,
        project,
        learner,
        journal=tmp_path / "journal",
        feature_columns=["size", "weight"],
    ) as sync:
        result = sync.sync()
    assert result.retrained
    # The most uncertain item lies between the two labeled ones.
    top = ids.index(result.top[0])
    assert abs(sizes[top] - (sizes.min() + sizes.max()) / 2) < 2.5

    bad = new_project(config, title="Sizes without numbers")
    client.import_tasks(bad, [{"name": "a", "size": "big"}, {"name": "b", "size": 1}])
    with (
        LabelStudioSync(
            label_studio.url,
            label_studio.token,
            bad,
            learner,
            journal=tmp_path / "bad",
            feature_columns=["size"],
        ) as sync,
        pytest.raises(ValueError, match="field 'size': 'big' is not a finite number"),
    ):
        sync.sync()
