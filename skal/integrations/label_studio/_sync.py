"""Keep a Label Studio project ordered by a skal learner.

Each sync pulls the project's tasks and annotations, brings the journal in
line with them (new labels added, edited ones corrected, deleted ones
withdrawn), retrains the learner on the current labels, and pushes one
prediction per task: the model's label and, as its ``score``, the learner's
informativeness. A data-manager tab sorted by that score, descending, is the
active-learning order, and "Label Tasks As Displayed" from that tab follows
it ("Label All Tasks" follows the project's sampling setting instead).

A sync compares the whole state on both sides instead of replaying events,
so it is idempotent: a sync killed at any point is completed by the next
one, and nothing annotated while skal was stopped is missed.
"""

import contextlib
import threading
import time
from dataclasses import dataclass, field

import numpy as np
from sklearn.base import clone

from skal.base import UNLABELED
from skal.integrations.label_studio._client import LabelStudioClient, LabelStudioError
from skal.integrations.label_studio._config import choices_target, current_label
from skal.integrations.label_studio._features import check_rows, default_featurizer
from skal.integrations.label_studio._journal import ProjectJournal
from skal.integrations.label_studio._push import (
    MODEL_PREFIX,
    VIEW_TITLE,
    ensure_view,
    prune_versions,
    push_predictions,
    version_numbers,
)
from skal.integrations.label_studio._webhook import WEBHOOK_ACTIONS, WebhookReceiver

__all__ = ["LabelStudioSync", "SyncResult", "VIEW_TITLE"]


@dataclass
class SyncResult:
    """What one sync found and did.

    Attributes
    ----------
    n_tasks, n_labeled : int
        Tasks in the project; tasks with a label.
    added, changed, removed : list of int
        Task ids whose label was new, edited, or withdrawn in Label Studio.
    carried : list of int
        Task ids whose label was copied, unchanged, into the journal of a
        new task set.
    new_task_set : bool
        Tasks were added or deleted since the last sync (a new journal).
    retrained : bool
        The learner was refitted and the predictions replaced.
    cold_start : bool
        Fewer than two classes are labeled: no model yet, the scores rank
        the learner's cold-start picks.
    model_version : str or None
        The model version of the predictions in Label Studio.
    top : list of int
        Unlabeled task ids, most informative first (at most 10).
    seconds : float
        Wall time of the sync.
    """

    n_tasks: int = 0
    n_labeled: int = 0
    added: list = field(default_factory=list)
    changed: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    carried: list = field(default_factory=list)
    new_task_set: bool = False
    retrained: bool = False
    cold_start: bool = False
    model_version: object = None
    top: list = field(default_factory=list)
    seconds: float = 0.0


class LabelStudioSync:
    """Connect an active learner to a Label Studio project.

    Parameters
    ----------
    url : str
        The Label Studio server, e.g. ``"http://127.0.0.1:8080"``.
    token : str
        A legacy token or a personal access token.
    project : int
        The project's id (the number in its URL).
    learner : active learner
        A skal classifier (e.g. :class:`~skal.UncertaintySamplingClassifier`)
        whose estimator accepts what the featurizer returns: texts for a
        ``<Text>`` project (start the pipeline with a vectorizer), pixel
        vectors for an ``<Image>`` one. It is cloned, never modified; a
        ``classes`` parameter left at None is set to the project's choices.
    journal : str or path-like, default=None
        Folder of the project's journals (see :class:`ProjectJournal`);
        ``skal-label-studio/project-<id>`` in the working directory if None.
    control : str, default=None
        The ``<Choices>`` control to learn, when there are several.
    featurize : callable, default=None
        ``featurize(tasks) -> X``, one row per task (each task a dict with
        ``id`` and ``data``). Overrides the built-in features.
    feature_columns : list of str, default=None
        Numeric data fields to use as features.
    image_size : tuple of int, default=(16, 16)
        Size images are resized to by the built-in image features.
    view_title : str or None, default="skal ranking"
        The data-manager tab skal creates, sorted by score and showing
        unlabeled tasks; None creates none.
    keep_versions : int, default=10
        Superseded model versions whose predictions are kept while the
        project pre-labels tasks with predictions ("Use predictions to
        prelabel tasks", on by default): an annotation started from a
        prediction can only be saved while that prediction exists, so the
        latest versions stay for the annotators who opened a task before a
        retraining. Older ones, and all of them in a project that does not
        pre-label, are deleted.

    Attributes
    ----------
    client : LabelStudioClient
        The connection.
    learner_ : active learner
        The learner fitted by the last sync.
    target_ : ChoicesTarget
        The control learned.
    journal_ : ProjectJournal
        The project's journals.
    model_version_ : str or None
        The model version skal last pushed.
    view_id_ : int or None
        The id of skal's data-manager tab.

    Examples
    --------
    >>> from sklearn.feature_extraction.text import TfidfVectorizer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from skal import UncertaintySamplingClassifier
    >>> from skal.integrations.label_studio import LabelStudioClient, LabelStudioSync
    >>> client = LabelStudioClient(label_studio_url, label_studio_token)
    >>> project = client.create_project("Sync example", (
    ...     '<View><Text name="text" value="$text"/>'
    ...     '<Choices name="mood" toName="text">'
    ...     '<Choice value="happy"/><Choice value="sad"/></Choices></View>'))
    >>> texts = ["a happy day", "a sad day", "happy news", "sad news", "happy"]
    >>> client.import_tasks(project["id"], [{"text": t} for t in texts])
    5
    >>> first, second = [t["id"] for t in client.tasks(project["id"])][:2]
    >>> mood = lambda label: [{"from_name": "mood", "to_name": "text",
    ...                        "type": "choices", "value": {"choices": [label]}}]
    >>> _ = client.create_annotation(first, mood("happy"))
    >>> _ = client.create_annotation(second, mood("sad"))
    >>> learner = UncertaintySamplingClassifier(
    ...     make_pipeline(TfidfVectorizer(), LogisticRegression()), random_state=0)
    >>> with LabelStudioSync(label_studio_url, label_studio_token, project["id"],
    ...                      learner, journal=tmp_path / "journal") as sync:
    ...     result = sync.sync()
    >>> result.n_labeled, result.retrained, result.model_version
    (2, True, 'skal-1')
    >>> len(client.tasks(project["id"], view=sync.view_id_))  # unlabeled, ranked
    3
    >>> client.delete_project(project["id"])
    """

    def __init__(
        self,
        url,
        token,
        project,
        learner,
        *,
        journal=None,
        control=None,
        featurize=None,
        feature_columns=None,
        image_size=(16, 16),
        view_title=VIEW_TITLE,
        keep_versions=10,
    ):
        for method in ("fit", "informativeness", "predict"):
            if not hasattr(learner, method):
                raise TypeError(
                    f"learner must be a skal active learner with fit, "
                    f"informativeness and predict; {type(learner).__name__} has no "
                    f"{method}()."
                )
        self.client = LabelStudioClient(url, token)
        self.project = int(project)
        self.learner = learner
        self.control = control
        self.featurize = featurize
        self.feature_columns = feature_columns
        self.image_size = image_size
        self.view_title = view_title
        if not isinstance(keep_versions, int) or keep_versions < 0:
            raise ValueError(
                f"keep_versions must be a non-negative integer, got {keep_versions!r}."
            )
        self.keep_versions = keep_versions
        self.journal_ = ProjectJournal(
            journal if journal is not None else f"skal-label-studio/project-{project}"
        )
        self.learner_ = None
        self.target_ = None
        self.model_version_ = None
        self.view_id_ = None
        self._featurizer = None
        self._scores = None  # task id -> score of the last push
        self._round = None  # the number of the next model version
        self._wake = threading.Event()
        self._stopping = False

    # ----------------------------------------------------------------- sync
    def sync(self):
        """Pull, reconcile, retrain and push once.

        Returns
        -------
        result : SyncResult
        """
        start = time.perf_counter()
        project = self.client.project(self.project)
        target = choices_target(project, self.control)
        if target != self.target_:
            self.target_ = target
            self._featurizer = self.featurize or default_featurizer(
                target,
                self.client,
                feature_columns=self.feature_columns,
                image_size=self.image_size,
            )
        tasks = sorted(self.client.tasks(self.project), key=lambda t: t["id"])
        if not tasks:
            # Nothing to learn from or rank yet; the loop waits for an import.
            return SyncResult(seconds=time.perf_counter() - start)
        result = SyncResult(n_tasks=len(tasks))
        ids = [t["id"] for t in tasks]
        labels = self._reconcile(tasks, target, result)
        unknown = sorted(t for t, lab in labels.items() if lab not in target.classes)
        if unknown:
            raise ValueError(
                f"Tasks {unknown[:10]} are labeled "
                f"{sorted({labels[t] for t in unknown})}, which the <Choices "
                f"name={target.from_name!r}> control no longer offers "
                f"({list(target.classes)}); add the choice back or correct "
                "those annotations."
            )
        stale = (
            result.added
            or result.changed
            or result.removed
            or result.new_task_set
            or self.model_version_ is None
            or project.get("model_version") != self.model_version_
        )
        if stale:
            self._retrain_and_push(project, tasks, labels, target, result)
        result.model_version = self.model_version_
        if not result.top and self._scores is not None:
            result.top = self._top(ids, labels)
        result.seconds = time.perf_counter() - start
        return result

    def _reconcile(self, tasks, target, result):
        """Bring the journal in line with Label Studio; the current labels."""
        ids = [t["id"] for t in tasks]
        before = self.journal_.labels() if self.journal_.path else {}
        result.new_task_set = self.journal_.open(ids, self.learner)
        now = {t["id"]: current_label(t.get("annotations"), target) for t in tasks}
        known = self.journal_.labels()
        # A new task set's journal starts empty: labels the previous one held
        # are carried into it, not news.
        carried = {t for t, lab in before.items() if now.get(t) == lab} - set(known)
        if self._round is None:
            self._round = self._first_round()
        round_ = self._round
        for task_id in ids:
            label, previous = now[task_id], known.get(task_id)
            if label is not None and previous is None:
                self.journal_.add(task_id, label, round=round_)
                (result.carried if task_id in carried else result.added).append(task_id)
            elif label is not None and label != previous:
                self.journal_.relabel(task_id, label, round=round_)
                result.changed.append(task_id)
            elif label is None and previous is not None:
                self.journal_.remove(task_id)
                result.removed.append(task_id)
        labels = {t: lab for t, lab in now.items() if lab is not None}
        result.n_labeled = len(labels)
        return labels

    def _first_round(self):
        """One past every round number used before, in Label Studio or a journal."""
        used = [n for n, _ in version_numbers(self.client, self.project)]
        last = self.journal_.last_round()
        return 1 + max([0, *used, *([last] if last is not None else [])])

    def _retrain_and_push(self, project, tasks, labels, target, result):
        # A number is never reused, even by a push that fails half-way.
        round_ = self._round
        self._round = round_ + 1
        ids = [t["id"] for t in tasks]
        X = check_rows(self._featurizer(tasks), len(tasks))
        y = np.array([labels.get(t, UNLABELED) for t in ids], dtype=object)
        learner = clone(self.learner)
        if "classes" in learner.get_params(deep=False) and learner.classes is None:
            learner.set_params(classes=list(target.classes))
        cold = len(set(labels.values())) < 2
        if cold:
            scores, predicted = self._cold_start(learner, X, y)
        else:
            learner.fit(X, y)
            scores = np.asarray(learner.informativeness(X), dtype=float)
            predicted = learner.predict(X)
        version = f"{MODEL_PREFIX}{round_}"
        push_predictions(
            self.client, self.project, target, ids, scores, predicted, version
        )
        keep = self.keep_versions if project.get("show_collab_predictions") else 0
        prune_versions(self.client, self.project, version, keep)
        if self.view_title is not None and self.view_id_ is None:
            self.view_id_ = ensure_view(self.client, self.project, self.view_title)
        self.learner_ = learner
        self.model_version_ = version
        self._scores = dict(zip(ids, scores.tolist(), strict=True))
        result.retrained = True
        result.cold_start = cold
        result.top = self._top(ids, labels)

    def _cold_start(self, learner, X, y):
        """Scores without a model: the learner's cold-start picks first."""
        from skal._data import take_rows

        unlabeled = np.flatnonzero(y == UNLABELED)
        scores = np.zeros(y.shape[0])
        if unlabeled.size:
            pool = take_rows(X, unlabeled)
            learner.fit(pool, np.full(unlabeled.size, UNLABELED, dtype=object))
            k = min(unlabeled.size, max(getattr(learner, "batch_size", 1), 10))
            picks = learner.query(n_instances=k)
            # Ranks, not informativeness: 1 for the first pick, down to 1/k.
            scores[unlabeled[picks]] = (k - np.arange(k)) / k
        return scores, None

    def _top(self, ids, labels, n=10):
        ranked = sorted(
            (t for t in ids if t not in labels),
            key=lambda t: -self._scores.get(t, 0.0),
        )
        return ranked[:n]

    # ------------------------------------------------------------------ loop
    def run(
        self,
        *,
        interval=5.0,
        webhook=None,
        webhook_url=None,
        max_syncs=None,
        on_sync=None,
        on_error=None,
    ):
        """Sync until :meth:`stop` is called (or ``max_syncs`` syncs).

        Parameters
        ----------
        interval : float, default=5.0
            Seconds between polls of the project.
        webhook : str, default=None
            ``"host:port"`` to receive Label Studio's webhooks on; a webhook
            is registered in the project (and removed when the loop ends) so
            that an annotation triggers a sync at once. Polling goes on
            meanwhile, in case a call is lost.
        webhook_url : str, default=None
            The URL Label Studio should call, when it differs from
            ``http://<webhook>/skal/label-studio`` (a proxy, a container).
        max_syncs : int, default=None
            Stop after this many syncs.
        on_sync : callable, default=None
            Called with each :class:`SyncResult`.
        on_error : callable, default=None
            Called with a :class:`LabelStudioError` when the server cannot be
            reached or fails (5xx); the loop then retries after ``interval``.
            Without it such errors end the loop.

        Returns
        -------
        n_syncs : int
            Syncs completed.
        """
        if interval <= 0:
            raise ValueError(f"interval must be positive, got {interval!r}.")
        self._stopping = False
        receiver, hook = None, None
        try:
            if webhook is not None:
                receiver = WebhookReceiver(webhook, self._wake)
                if webhook_url is None and receiver.url.startswith(
                    ("http://0.0.0.0:", "http://[::]:")
                ):
                    raise ValueError(
                        f"The webhook listens on every address ({webhook}); "
                        "give webhook_url, the address Label Studio should "
                        "call (--webhook-url)."
                    )
                hook = self._register_webhook(webhook_url or receiver.url)
            n = 0
            while not self._stopping:
                self._wake.clear()
                try:
                    result = self.sync()
                except LabelStudioError as exc:
                    transient = exc.status is None or exc.status >= 500
                    if on_error is None or not transient:
                        raise
                    on_error(exc)
                else:
                    n += 1
                    if on_sync is not None:
                        on_sync(result)
                    if max_syncs is not None and n >= max_syncs:
                        break
                if not self._stopping:
                    self._wake.wait(interval)
            return n
        finally:
            if receiver is not None:
                receiver.close()
            if hook is not None:
                # If the server is gone, the next run replaces the webhook.
                with contextlib.suppress(LabelStudioError):
                    self.client.delete_webhook(hook)

    def stop(self):
        """Ask :meth:`run` to return after the sync in progress (thread-safe)."""
        self._stopping = True
        self._wake.set()

    def _register_webhook(self, url):
        for hook in self.client.webhooks(self.project) or []:
            if hook.get("url") == url:
                # Left behind by a session that was killed.
                self.client.delete_webhook(hook["id"])
        try:
            return self.client.create_webhook(self.project, url, WEBHOOK_ACTIONS)["id"]
        except LabelStudioError as exc:
            if exc.status in (400, 403):
                raise LabelStudioError(
                    f"Label Studio refused the webhook URL {url}: {exc}. Label "
                    "Studio blocks webhooks to loopback and private addresses "
                    "unless it runs with SSRF_PROTECTION_ENABLED=false; give an "
                    "address it may call (webhook_url), or poll without a webhook.",
                    status=exc.status,
                ) from None
            raise

    # --------------------------------------------------------------- labels
    def labels(self):
        """The labels in the journal, ``{task_id: label}``."""
        return self.journal_.labels()

    def history(self, task_id=None):
        """The audit trail of a task (or all), across task sets."""
        return self.journal_.history(task_id)

    def close(self):
        """Close the journal and the connection (idempotent)."""
        self.journal_.close()
        self.client.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
