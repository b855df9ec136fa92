"""A text project on a real Label Studio server, annotated through its API.

Each test creates its own project, annotates as an annotator would (the same
endpoints the labeling screen calls) and checks what Label Studio then
shows: the predictions, their scores, the order of skal's tab and of the
label stream, and the journal's labels.
"""

import warnings

import numpy as np
import pytest
from ls_data import annotate, text_project
from sklearn.base import clone

from skal.integrations.label_studio import VIEW_TITLE, LabelStudioSync
from skal.integrations.label_studio._command import build_learner


@pytest.fixture(autouse=True)
def _quiet():
    # Logistic regression on a handful of labels may not converge.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        yield


def _learner():
    return build_learner("margin", "logistic", text=True, random_state=0)


def _sync(label_studio, project, tmp_path, **kwargs):
    return LabelStudioSync(
        label_studio.url,
        label_studio.token,
        project,
        _learner(),
        journal=tmp_path / "journal",
        **kwargs,
    )


def _predictions(client, project, model_version):
    """Each task's prediction of ``model_version``: {task id: (label, score)}."""
    found = {}
    for task in client.tasks(project):
        mine = [p for p in task["predictions"] if p["model_version"] == model_version]
        assert len(mine) == 1, f"task {task['id']} has {len(mine)} predictions"
        result = mine[0]["result"]
        label = result[0]["value"]["choices"][0] if result else None
        found[task["id"]] = (label, mine[0]["score"])
    return found


def _reference(client, project, labels):
    """Scores and labels of a learner fitted here, apart from the sync."""
    tasks = client.tasks(project)
    X = np.array([t["data"]["text"] for t in tasks], dtype=object)
    y = np.array([labels.get(t["id"], -1) for t in tasks], dtype=object)
    learner = clone(_learner()).set_params(classes=["pos", "neg"]).fit(X, y)
    ids = [t["id"] for t in tasks]
    return dict(zip(ids, learner.informativeness(X), strict=True)), dict(
        zip(ids, learner.predict(X), strict=True)
    )


def test_predictions_carry_the_models_label_and_informativeness(
    client, new_project, label_studio, tmp_path
):
    project, ids, truth = text_project(client, new_project)
    labels = {ids[0]: truth[ids[0]], ids[1]: truth[ids[1]]}
    for task, label in labels.items():
        annotate(client, task, label)
    with _sync(label_studio, project, tmp_path) as sync:
        result = sync.sync()
        assert result.retrained and not result.cold_start
        assert result.n_tasks == 40 and result.n_labeled == 2
        assert sorted(result.added) == sorted(labels)
        assert sync.labels() == labels
    assert client.project(project)["model_version"] == result.model_version
    pushed = _predictions(client, project, result.model_version)
    scores, predicted = _reference(client, project, labels)
    assert set(pushed) == set(ids)
    for task in ids:
        label, score = pushed[task]
        assert label == predicted[task]
        assert score == pytest.approx(scores[task], rel=1e-6)
    # The scores differ between tasks: they rank, they are not a constant.
    assert len({round(s, 6) for _, s in pushed.values()}) > 5


def test_tab_and_label_stream_follow_skals_ranking(
    client, new_project, label_studio, tmp_path
):
    project, ids, truth = text_project(client, new_project)
    labels = {t: truth[t] for t in ids[:4]}
    for task, label in labels.items():
        annotate(client, task, label)
    with _sync(label_studio, project, tmp_path) as sync:
        sync.sync()
        view = sync.view_id_
        titles = [v["data"]["title"] for v in client.views(project)]
        assert titles.count(VIEW_TITLE) == 1
        for _ in range(3):
            scores, _ = _reference(client, project, labels)
            shown = [t["id"] for t in client.tasks(project, view=view)]
            # The tab shows the unlabeled tasks, most informative first.
            assert sorted(shown) == sorted(set(ids) - set(labels))
            ranked = [scores[t] for t in shown]
            assert ranked == sorted(ranked, reverse=True)
            assert scores[shown[0]] == max(scores[t] for t in shown)
            # "Label All Tasks" from the tab opens its first task.
            nxt = client.next_task(project, view=view)["id"]
            assert scores[nxt] == pytest.approx(scores[shown[0]])
            annotate(client, nxt, truth[nxt])
            labels[nxt] = truth[nxt]
            result = sync.sync()
            assert result.added == [nxt] and result.retrained
        # A second sync object finds skal's tab instead of adding one.
    with _sync(label_studio, project, tmp_path / "other") as again:
        again.sync()
        assert again.view_id_ == view
    titles = [v["data"]["title"] for v in client.views(project)]
    assert titles.count(VIEW_TITLE) == 1


def test_model_improves_as_the_annotator_follows_the_order(
    client, new_project, label_studio, tmp_path
):
    project, ids, truth = text_project(client, new_project)
    X_ids = ids
    accuracy = []
    with _sync(label_studio, project, tmp_path) as sync:
        result = sync.sync()
        assert result.cold_start and result.n_labeled == 0
        # One review of each class, then whatever skal's tab puts first.
        annotate(client, ids[0], truth[ids[0]])
        annotate(client, ids[1], truth[ids[1]])
        for _ in range(15):
            result = sync.sync()
            assert result.retrained and not result.cold_start
            tasks = client.tasks(project)
            X = np.array([t["data"]["text"] for t in tasks], dtype=object)
            guessed = sync.learner_.predict(X)
            accuracy.append(np.mean(guessed == np.array([truth[t] for t in X_ids])))
            nxt = client.next_task(project, view=sync.view_id_)["id"]
            assert nxt not in sync.labels()
            annotate(client, nxt, truth[nxt])
        assert len(sync.labels()) == 16
    assert accuracy[0] <= 0.6, accuracy
    assert accuracy[-1] >= 0.8, accuracy
    assert max(accuracy[-3:]) > accuracy[0] + 0.2, accuracy


def test_cold_start_ranks_tasks_without_a_model(
    client, new_project, label_studio, tmp_path
):
    project, ids, truth = text_project(client, new_project, n=20)
    annotate(client, ids[0], "pos")  # one class only: no model yet
    with _sync(label_studio, project, tmp_path) as sync:
        result = sync.sync()
    assert result.cold_start and result.retrained
    pushed = _predictions(client, project, result.model_version)
    assert all(label is None for label, _ in pushed.values())
    assert pushed[ids[0]][1] == 0.0  # the labeled task
    assert max(score for _, score in pushed.values()) == 1.0
    shown = [t["id"] for t in client.tasks(project, view=sync.view_id_)]
    assert shown[0] == result.top[0] and ids[0] not in shown


def test_edited_deleted_and_skipped_annotations(
    client, new_project, label_studio, tmp_path
):
    project, ids, truth = text_project(client, new_project, n=20)
    a, b, c, d = ids[:4]
    first = {t: annotate(client, t, truth[t]) for t in (a, b, c)}
    with _sync(label_studio, project, tmp_path) as sync:
        start = sync.sync()
        assert sync.labels() == {t: truth[t] for t in (a, b, c)}
        flipped = "neg" if truth[a] == "pos" else "pos"
        client.update_annotation(
            first[a],
            result=[
                {
                    "from_name": "sentiment",
                    "to_name": "text",
                    "type": "choices",
                    "value": {"choices": [flipped]},
                }
            ],
        )
        client.delete_annotation(first[c])
        annotate(client, d, "pos", was_cancelled=True)  # skipped: no label
        result = sync.sync()
        assert result.changed == [a] and result.removed == [c] and not result.added
        assert result.retrained and result.model_version != start.model_version
        assert sync.labels() == {a: flipped, b: truth[b]}
        # The audit trail keeps what was corrected and what was withdrawn.
        trail_a = [e["label"] for e in sync.history(a)]
        assert trail_a[0] == truth[a] and trail_a[-1] == flipped
        assert any(e["label"] == truth[c] for e in sync.history(c))
        # Two annotations on one task: the later one is the label.
        second = "neg" if truth[b] == "pos" else "pos"
        annotate(client, b, second)
        result = sync.sync()
        assert result.changed == [b] and sync.labels()[b] == second
    # The withdrawn task is back among the unlabeled ones in skal's tab.
    shown = {t["id"] for t in client.tasks(project, view=sync.view_id_)}
    assert c in shown and a not in shown


def test_superseded_predictions_are_pruned(client, new_project, label_studio, tmp_path):
    project, ids, truth = text_project(client, new_project, n=12)
    annotate(client, ids[0], truth[ids[0]])
    pushed = []
    with _sync(label_studio, project, tmp_path, keep_versions=1) as sync:
        for t in ids[1:5]:
            annotate(client, t, truth[t])
            pushed.append(sync.sync().model_version)

        def versions():
            found = client.model_versions(project)
            return sorted(v for v in found if v.startswith("skal-"))

        # The project pre-labels tasks (Label Studio's default): the latest
        # superseded version stays for screens opened before the retraining.
        assert client.project(project)["show_collab_predictions"] is True
        assert versions() == sorted(pushed[-2:])
        # Without pre-labeling, only the current version is needed.
        client.update_project(project, show_collab_predictions=False)
        result = sync.sync()  # the model version was reset: pushed again
        assert result.retrained and result.model_version not in pushed
        assert versions() == [result.model_version]
        assert client.project(project)["model_version"] == result.model_version


def test_tasks_added_later_map_by_task_id(client, new_project, label_studio, tmp_path):
    project, ids, truth = text_project(client, new_project, n=12)
    for t in ids[:3]:
        annotate(client, t, truth[t])
    with _sync(label_studio, project, tmp_path) as sync:
        sync.sync()
        first_journal = sync.journal_.path
        client.import_tasks(project, [{"text": "superb and charming"}] * 3)
        result = sync.sync()
        assert result.new_task_set and result.n_tasks == 15
        assert sorted(result.carried) == sorted(ids[:3]) and not result.added
        assert sync.journal_.path != first_journal
        assert sync.labels() == {t: truth[t] for t in ids[:3]}
        new_ids = sorted(set(sync.journal_.task_ids) - set(ids))
        annotate(client, new_ids[1], "pos")
        result = sync.sync()
        assert result.added == [new_ids[1]] and not result.new_task_set
        # Deleting a labeled task: its label leaves, its history stays.
        client.request("DELETE", f"/api/tasks/{ids[0]}/")
        result = sync.sync()
        assert result.new_task_set and ids[0] not in sync.labels()
        assert [e["label"] for e in sync.history(ids[0])][:1] == [truth[ids[0]]]
        assert sync.labels()[new_ids[1]] == "pos"
        assert len(sync.journal_.generations()) == 3


def test_personal_access_token_and_clear_errors(
    client, new_project, label_studio, tmp_path
):
    from skal.integrations.label_studio import LabelStudioClient, LabelStudioError

    pat = client.request("POST", "/api/token/")["token"]
    other = LabelStudioClient(label_studio.url, pat)
    assert "personal access token" in repr(other)
    assert other.whoami()["email"] == client.whoami()["email"]
    # An expired access token is refreshed from the personal access token.
    other._access = "expired"
    assert other.whoami()["email"] == client.whoami()["email"]

    with pytest.raises(LabelStudioError, match="401.*Invalid token.*Account"):
        LabelStudioClient(label_studio.url, "not-a-token").whoami()
    with pytest.raises(LabelStudioError, match="no project 99999"):
        client.project(99999)
    with pytest.raises(LabelStudioError, match="Cannot reach Label Studio"):
        LabelStudioClient("http://127.0.0.1:9", "x").whoami()
    project = new_project('<View><Text name="t" value="$t"/></View>')
    with pytest.raises(ValueError, match="no <Choices> control"):
        _sync(label_studio, project, tmp_path).sync()


def test_empty_project_and_labels_outside_the_choices(
    client, new_project, label_studio, tmp_path
):
    from ls_data import TEXT_CONFIG

    empty = new_project(TEXT_CONFIG)
    with _sync(label_studio, empty, tmp_path / "empty") as sync:
        result = sync.sync()  # nothing to do until tasks are imported
        assert result.n_tasks == 0 and not result.retrained
        client.import_tasks(empty, [{"text": "superb"}, {"text": "dull"}])
        assert sync.sync().n_tasks == 2

    project, ids, truth = text_project(client, new_project, n=6)
    annotate(client, ids[0], "pos")
    annotate(client, ids[1], "maybe")  # the API accepts it; the choices do not
    with (
        _sync(label_studio, project, tmp_path / "odd") as sync,
        pytest.raises(ValueError, match=rf"Tasks \[{ids[1]}\] are labeled \['maybe'\]"),
    ):
        sync.sync()
