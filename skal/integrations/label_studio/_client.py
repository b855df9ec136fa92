"""A small client of Label Studio's HTTP API: the endpoints skal uses.

skal talks to Label Studio through :mod:`requests` rather than
``label-studio-sdk``: the SDK pins numpy, OpenCV, nltk and a dozen other
packages that an active-learning install does not need, and the dozen
endpoints below are stable, documented REST.

Both kinds of Label Studio token work. A *legacy token* is sent as
``Authorization: Token <key>``. A *personal access token* (the default kind
of token in Label Studio 1.23, a JWT refresh token) is exchanged at
``/api/token/refresh/`` for a short-lived access token, sent as
``Authorization: Bearer <access>`` and refreshed whenever the server answers
401.
"""

import base64
import binascii
import json
import os
from urllib.parse import urljoin, urlsplit

__all__ = ["LabelStudioClient", "LabelStudioError"]

# Tasks fetched per page; Label Studio has no upper limit by default.
_PAGE_SIZE = 500


class LabelStudioError(RuntimeError):
    """Label Studio refused a request, or could not be reached.

    Attributes
    ----------
    status : int or None
        The HTTP status of the answer, None when there was none.

    Examples
    --------
    >>> from skal.integrations.label_studio import LabelStudioError
    >>> error = LabelStudioError("GET /api/projects/9/: 404 Not found", status=404)
    >>> error.status
    404
    """

    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


def is_personal_access_token(token):
    """Whether ``token`` is a personal access token (a JWT), not a legacy key.

    Parameters
    ----------
    token : str
        A Label Studio API token.

    Returns
    -------
    bool
        True for a JWT (three base64url parts whose first is a JSON header).

    Examples
    --------
    >>> from skal.integrations.label_studio._client import is_personal_access_token
    >>> is_personal_access_token("4f1c0d7a9b2e")
    False
    >>> is_personal_access_token(
    ...     "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoicmVmcmVzaCJ9.x"
    ... )
    True
    """
    parts = token.split(".")
    if len(parts) != 3:
        return False
    head = parts[0] + "=" * (-len(parts[0]) % 4)
    try:
        header = json.loads(base64.urlsafe_b64decode(head))
    except (ValueError, binascii.Error):
        return False
    return isinstance(header, dict) and "alg" in header


class LabelStudioClient:
    """The Label Studio endpoints skal needs, over one HTTP session.

    Parameters
    ----------
    url : str
        The server, e.g. ``"http://127.0.0.1:8080"``.
    token : str
        A legacy token or a personal access token (Account & Settings in
        Label Studio).
    timeout : float, default=30
        Seconds to wait for each answer.

    Examples
    --------
    >>> from skal.integrations.label_studio import LabelStudioClient
    >>> client = LabelStudioClient(label_studio_url, label_studio_token)
    >>> project = client.create_project(
    ...     "Client example",
    ...     '<View><Text name="text" value="$text"/>'
    ...     '<Choices name="topic" toName="text">'
    ...     '<Choice value="sport"/><Choice value="food"/></Choices></View>',
    ... )
    >>> client.import_tasks(project["id"], [{"text": "goal!"}, {"text": "pasta"}])
    2
    >>> [task["data"]["text"] for task in client.tasks(project["id"])]
    ['goal!', 'pasta']
    >>> client.delete_project(project["id"])
    """

    def __init__(self, url, token, *, timeout=30):
        requests = _requests()
        if not url or not urlsplit(url).scheme.startswith("http"):
            raise ValueError(
                f"url must be the Label Studio server's address, such as "
                f"'http://127.0.0.1:8080'; got {url!r}."
            )
        if not token:
            raise ValueError(
                "token is empty: copy an access token from Label Studio's Account "
                "& Settings page (or set LABEL_STUDIO_API_KEY)."
            )
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._token = token
        self._pat = is_personal_access_token(token)
        self._access = None
        self._session = requests.Session()

    # ------------------------------------------------------------- plumbing
    def _auth_header(self, refresh=False):
        if not self._pat:
            return {"Authorization": f"Token {self._token}"}
        if self._access is None or refresh:
            answer = self._send(
                "POST", "/api/token/refresh/", json={"refresh": self._token}
            )
            if answer.status_code != 200:
                raise LabelStudioError(
                    "Label Studio refused the personal access token "
                    f"({answer.status_code} at /api/token/refresh/): it may be "
                    "revoked or expired. Create a new one under Account & "
                    "Settings > Personal Access Token.",
                    status=answer.status_code,
                )
            self._access = answer.json()["access"]
        return {"Authorization": f"Bearer {self._access}"}

    def _send(self, method, path, headers=None, **kwargs):
        requests = _requests()

        try:
            return self._session.request(
                method,
                urljoin(self.url + "/", path.lstrip("/")),
                headers=headers,
                timeout=self.timeout,
                **kwargs,
            )
        except requests.RequestException as exc:
            raise LabelStudioError(
                f"Cannot reach Label Studio at {self.url} ({type(exc).__name__}: "
                f"{exc}). Is the server running, and is the URL right?"
            ) from None

    def request(self, method, path, **kwargs):
        """Send an authenticated request and return the decoded JSON answer.

        Parameters
        ----------
        method : str
            ``"GET"``, ``"POST"``, ``"PATCH"``, ``"DELETE"``.
        path : str
            The endpoint, e.g. ``"/api/projects/3/"``.
        **kwargs
            Passed to :meth:`requests.Session.request` (``params``, ``json``,
            ``files``...).

        Returns
        -------
        answer : object
            The JSON body, or None for an empty one.

        Raises
        ------
        LabelStudioError
            On a network failure or an answer other than 2xx, with the
            server's own explanation.
        """
        answer = self._send(method, path, headers=self._auth_header(), **kwargs)
        if answer.status_code == 401 and self._pat:
            # The access token lives five minutes; get a fresh one once.
            answer = self._send(
                method, path, headers=self._auth_header(refresh=True), **kwargs
            )
        if not answer.ok:
            hint = ""
            if answer.status_code == 401:
                hint = (
                    " Check the token (Account & Settings in Label Studio). Label "
                    "Studio 1.23 disables legacy tokens in new organizations: use "
                    "a personal access token, or enable legacy tokens under "
                    "Organization > Settings > Access Token Settings."
                )
            raise LabelStudioError(
                f"{method} {path}: {answer.status_code} {_explain(answer)}{hint}",
                status=answer.status_code,
            )
        if not answer.content:
            return None
        try:
            return answer.json()
        except ValueError:
            return answer.text

    def get_bytes(self, url):
        """Download a file a task points at (an image, a text file).

        Relative URLs (``/data/upload/...``) and URLs on the Label Studio
        server are fetched with the token; other URLs without it, so that the
        token never leaves for another host.

        Parameters
        ----------
        url : str
            As written in the task's data.

        Returns
        -------
        content : bytes
        """
        full = urljoin(self.url + "/", url)
        same_host = urlsplit(full)[:2] == urlsplit(self.url)[:2]
        headers = self._auth_header() if same_host else None
        answer = self._send("GET", full, headers=headers)
        if answer.status_code == 401 and same_host and self._pat:
            answer = self._send("GET", full, headers=self._auth_header(refresh=True))
        if not answer.ok:
            raise LabelStudioError(
                f"GET {url}: {answer.status_code} {_explain(answer)}",
                status=answer.status_code,
            )
        return answer.content

    # ------------------------------------------------------------- projects
    def whoami(self):
        """The user the token belongs to (a dict with ``email``, ``id``...)."""
        return self.request("GET", "/api/current-user/whoami")

    def project(self, project):
        """A project's settings, ``parsed_label_config`` included.

        Parameters
        ----------
        project : int
            The project's id (the number in its URL).
        """
        try:
            return self.request("GET", f"/api/projects/{int(project)}/")
        except LabelStudioError as exc:
            if exc.status == 404:
                raise LabelStudioError(
                    f"There is no project {project} on {self.url} that this token "
                    "can see; the id is the number in the project's URL "
                    "(/projects/ID/data).",
                    status=404,
                ) from None
            raise

    def create_project(self, title, label_config, **settings):
        """Create a project and return its settings.

        Parameters
        ----------
        title : str
            At least three characters.
        label_config : str
            The labeling interface, in Label Studio's XML.
        **settings
            Other project fields (``description``, ``show_skip_button``...).
        """
        payload = {"title": title, "label_config": label_config, **settings}
        return self.request("POST", "/api/projects/", json=payload)

    def update_project(self, project, **fields):
        """Change a project's settings (e.g. ``model_version``)."""
        return self.request("PATCH", f"/api/projects/{int(project)}/", json=fields)

    def delete_project(self, project):
        """Delete a project, its tasks and annotations."""
        self.request("DELETE", f"/api/projects/{int(project)}/")

    # ---------------------------------------------------------------- tasks
    def import_tasks(self, project, tasks):
        """Import tasks (a list of ``data`` dicts); return how many were made."""
        answer = self.request(
            "POST", f"/api/projects/{int(project)}/import", json=tasks
        )
        return answer["task_count"]

    def upload_files(self, project, paths):
        """Import files as tasks: one task per image (or other media file), one
        per row of a CSV, TSV or JSON list.

        Parameters
        ----------
        project : int
            The project's id.
        paths : list of path-like
            Files to upload.

        Returns
        -------
        n_tasks : int
            Tasks created.
        """
        handles = [open(p, "rb") for p in paths]  # noqa: SIM115 - closed below
        try:
            files = [(os.path.basename(h.name), h) for h in handles]
            answer = self.request(
                "POST",
                f"/api/projects/{int(project)}/import",
                files={f"file{i}": f for i, f in enumerate(files)},
            )
        finally:
            for handle in handles:
                handle.close()
        return answer["task_count"]

    def tasks(self, project, *, view=None):
        """Every task of a project, with its data and annotations.

        Parameters
        ----------
        project : int
            The project's id.
        view : int, default=None
            A data-manager tab: its filters and ordering apply.

        Returns
        -------
        tasks : list of dict
            ``id``, ``data`` and ``annotations`` of each task, in the
            project's order (by id) or the tab's.
        """
        params = {
            "project": int(project),
            # "include" would shorten annotations to their ids: take all.
            "fields": "all",
            "page_size": _PAGE_SIZE,
        }
        if view is not None:
            params["view"] = int(view)
        tasks, seen, page = [], set(), 1
        while True:
            try:
                answer = self.request(
                    "GET", "/api/tasks/", params={**params, "page": page}
                )
            except LabelStudioError as exc:
                if exc.status == 404 and page > 1:
                    break  # past the last page (tasks were deleted meanwhile)
                raise
            batch = answer["tasks"]
            for task in batch:
                if task["id"] not in seen:
                    seen.add(task["id"])
                    tasks.append(task)
            if not batch or page * _PAGE_SIZE >= answer["total"]:
                return tasks
            page += 1
        return tasks

    # ---------------------------------------------------------- annotations
    def create_annotation(self, task, result, **fields):
        """Annotate a task as the token's user would in the labeling screen."""
        payload = {"result": result, **fields}
        return self.request(
            "POST", f"/api/tasks/{int(task)}/annotations/", json=payload
        )

    def update_annotation(self, annotation, **fields):
        """Change an annotation (its ``result``, ``was_cancelled``...)."""
        return self.request(
            "PATCH", f"/api/annotations/{int(annotation)}/", json=fields
        )

    def delete_annotation(self, annotation):
        """Delete an annotation."""
        self.request("DELETE", f"/api/annotations/{int(annotation)}/")

    # ---------------------------------------------------------- predictions
    def import_predictions(self, project, predictions):
        """Create predictions in bulk; return how many were made.

        Parameters
        ----------
        project : int
            The project's id.
        predictions : list of dict
            Each with ``task``, ``result``, ``score`` and ``model_version``.
        """
        answer = self.request(
            "POST", f"/api/projects/{int(project)}/import/predictions", json=predictions
        )
        return answer["created"]

    def model_versions(self, project):
        """The model versions of a project's predictions, with their counts."""
        return self.request("GET", f"/api/projects/{int(project)}/model-versions/")

    def delete_model_version(self, project, model_version):
        """Delete every prediction of one model version."""
        self.request(
            "DELETE",
            f"/api/projects/{int(project)}/model-versions/",
            json={"model_version": model_version},
        )

    # ---------------------------------------------------------------- views
    def views(self, project):
        """The project's data-manager tabs."""
        return self.request("GET", "/api/dm/views/", params={"project": int(project)})

    def create_view(self, project, data):
        """Add a data-manager tab (``data``: title, filters, ordering)."""
        return self.request(
            "POST", "/api/dm/views/", json={"project": int(project), "data": data}
        )

    def update_view(self, view, project, data):
        """Replace a data-manager tab's title, filters and ordering."""
        return self.request(
            "PATCH",
            f"/api/dm/views/{int(view)}/",
            json={"project": int(project), "data": data},
        )

    def next_task(self, project, *, view=None):
        """The task the label stream opens next, as an annotator gets it.

        Parameters
        ----------
        project : int
            The project's id.
        view : int, default=None
            A data-manager tab: the request is then the one its "Label Tasks
            As Displayed" button sends (the tab's filters and ordering). None
            asks as "Label All Tasks" does, which follows the project's
            sampling setting instead.

        Returns
        -------
        task : dict
            The task, with ``id``, ``data`` and ``queue`` (why it was chosen).
        """
        params = {"id": "next_task", "project": int(project)}
        body = {}
        if view is not None:
            data = self.request("GET", f"/api/dm/views/{int(view)}/")["data"]
            params["tabID"] = int(view)
            body = {
                "ordering": data.get("ordering") or [],
                "filters": data.get("filters") or {"conjunction": "and", "items": []},
            }
        return self.request("POST", "/api/dm/actions", params=params, json=body)

    # ------------------------------------------------------------- webhooks
    def webhooks(self, project):
        """The webhooks of a project."""
        return self.request("GET", "/api/webhooks/", params={"project": int(project)})

    def create_webhook(self, project, url, actions):
        """Ask Label Studio to POST to ``url`` on each of ``actions``."""
        payload = {
            "project": int(project),
            "url": url,
            "send_payload": False,
            "send_for_all_actions": False,
            "actions": list(actions),
        }
        return self.request("POST", "/api/webhooks/", json=payload)

    def delete_webhook(self, webhook):
        """Remove a webhook."""
        self.request("DELETE", f"/api/webhooks/{int(webhook)}/")

    def close(self):
        """Close the HTTP connections (the client can still be used after)."""
        self._session.close()

    def __repr__(self):
        kind = "personal access token" if self._pat else "legacy token"
        return f"LabelStudioClient({self.url!r}, {kind})"


def _requests():
    try:
        import requests
    except ImportError:
        raise ImportError(
            "The Label Studio integration needs the requests package: "
            'pip install "skal[labelstudio]".'
        ) from None
    return requests


def _explain(answer):
    """The server's reason for refusing a request, in one line."""
    try:
        body = answer.json()
    except ValueError:
        return answer.reason or answer.text[:200]
    if isinstance(body, dict):
        detail = body.get("detail") or body.get("message") or ""
        errors = body.get("validation_errors")
        if errors:
            detail = f"{detail} {json.dumps(errors)}".strip()
        return detail or json.dumps(body)[:300]
    return json.dumps(body)[:300]
