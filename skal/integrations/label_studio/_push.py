"""What skal writes into a Label Studio project: predictions and a tab.

Predictions of one retraining share a model version, ``skal-N``; the
project's model version is then set to it, since Label Studio shows and
sorts by that version's predictions only. Superseded versions are deleted
once no labeling screen should need them (:func:`prune_versions`).
"""

__all__ = [
    "MODEL_PREFIX",
    "VIEW_TITLE",
    "ensure_view",
    "prune_versions",
    "push_predictions",
    "version_numbers",
]

#: Title of the data-manager tab skal keeps sorted by informativeness.
VIEW_TITLE = "skal ranking"
#: Model versions of skal's predictions are ``skal-<round>``.
MODEL_PREFIX = "skal-"
# Predictions sent per request.
_CHUNK = 1000
# Columns skal's tab hides, so that the task's fields and the score show
# without scrolling (the raw JSON of the data and of the prediction too); the
# Columns menu shows them again.
_HIDDEN = [
    f"tasks:{name}"
    for name in (
        "inner_id",
        "completed_at",
        "cancelled_annotations",
        "total_predictions",
        "annotators",
        "annotations_results",
        "annotations_ids",
        "predictions_model_versions",
        "predictions_results",
        "file_upload",
        "storage_filename",
        "created_at",
        "updated_at",
        "updated_by",
        "avg_lead_time",
        "draft_exists",
        "data",
    )
]


def version_numbers(client, project):
    """skal's model versions in a project, ``[(round, version)]``, oldest first."""
    return sorted(
        (int(v[len(MODEL_PREFIX) :]), v)
        for v in client.model_versions(project) or {}
        if v.startswith(MODEL_PREFIX) and v[len(MODEL_PREFIX) :].isdigit()
    )


def push_predictions(client, project, target, ids, scores, labels, version):
    """Import one prediction per task and make ``version`` the project's.

    Parameters
    ----------
    client : LabelStudioClient
    project : int
    target : ChoicesTarget
        The control the predicted labels fill.
    ids : list of int
        Task ids.
    scores : array of float
        The score of each task (skal's informativeness).
    labels : array or None
        The predicted label of each task; None for predictions without one.
    version : str
        Their model version.
    """
    predictions = [
        {
            "task": int(task_id),
            "model_version": version,
            "score": float(scores[i]),
            "result": [] if labels is None else target.result(labels[i]),
        }
        for i, task_id in enumerate(ids)
    ]
    for start in range(0, len(predictions), _CHUNK):
        client.import_predictions(project, predictions[start : start + _CHUNK])
    client.update_project(project, model_version=version)


def prune_versions(client, project, current, keep):
    """Delete skal's superseded model versions but the ``keep`` latest.

    A labeling screen pre-filled from a prediction saves its annotation with
    a link to that prediction, and Label Studio refuses to save it if the
    prediction is gone ("Annotation is not saved"). While a project
    pre-labels tasks the latest superseded versions must therefore stay, for
    the screens opened before a retraining; without pre-labeling, ``keep``
    can be 0.
    """
    superseded = [v for _, v in version_numbers(client, project) if v != current]
    for old in superseded[: max(0, len(superseded) - keep)]:
        client.delete_model_version(project, old)


def ensure_view(client, project, title):
    """The id of skal's tab, created if the project has no tab of that title.

    The tab shows the unlabeled tasks, highest prediction score first. A
    tab of that title the user changed is left as it is.
    """
    for view in client.views(project) or []:
        if (view.get("data") or {}).get("title") == title:
            return view["id"]
    data = {
        "title": title,
        "ordering": ["-tasks:predictions_score"],
        "hiddenColumns": {"explore": _HIDDEN, "labeling": _HIDDEN},
        "filters": {
            "conjunction": "and",
            "items": [
                {
                    "filter": "filter:tasks:total_annotations",
                    "operator": "equal",
                    "type": "Number",
                    "value": 0,
                }
            ],
        },
    }
    return client.create_view(project, data)["id"]
