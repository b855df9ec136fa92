"""What ``skal label-studio`` runs: a sync loop with a progress line.

:mod:`skal.cli` only declares the arguments; this module builds the learner
the project calls for, runs :meth:`LabelStudioSync.run` and turns Ctrl-C into
a clean stop: the sync in progress finishes (every label it learned is
already in the journal), the webhook is removed, and the command says how to
resume.
"""

import datetime
import os
import signal
import sys

from skal.integrations.label_studio._client import LabelStudioClient, LabelStudioError
from skal.integrations.label_studio._config import TEXT_TAGS, choices_target
from skal.integrations.label_studio._sync import LabelStudioSync
from skal.integrations.label_studio._webhook import parse_address
from skal.journal import JournalError, JournalLockedError

__all__ = ["build_learner", "run_command"]

ESTIMATORS = ("logistic", "naive_bayes", "forest")


def build_learner(spec, estimator, *, text, random_state=None):
    """The learner ``skal label-studio --learner SPEC --estimator NAME`` uses.

    Parameters
    ----------
    spec : str
        A learner as ``skal compare --learners`` takes it: ``"margin"``,
        ``"entropy"``, ``"random"``, or a learner class with ``:param=value``
        settings.
    estimator : {"logistic", "naive_bayes", "forest"}
        The model: logistic regression, naive Bayes (multinomial on texts,
        Gaussian on numbers) or a random forest.
    text : bool
        Whether the samples are texts: the model is then preceded by TF-IDF,
        else by standardisation (not for the forest).
    random_state : int, default=None
        Seeds the learner.

    Returns
    -------
    learner : active learner

    Examples
    --------
    >>> from skal.integrations.label_studio._command import build_learner
    >>> learner = build_learner("entropy", "logistic", text=True, random_state=0)
    >>> type(learner).__name__, learner.measure
    ('UncertaintySamplingClassifier', 'entropy')
    >>> [name for name, _ in learner.estimator.steps]
    ['tfidfvectorizer', 'logisticregression']
    """
    from sklearn.pipeline import make_pipeline

    from skal.evaluation import make_learners

    if estimator == "forest":
        from sklearn.ensemble import RandomForestClassifier

        model = RandomForestClassifier(n_estimators=100, random_state=0)
    elif estimator == "naive_bayes":
        from sklearn.naive_bayes import GaussianNB, MultinomialNB

        model = MultinomialNB() if text else GaussianNB()
    elif estimator == "logistic":
        from sklearn.linear_model import LogisticRegression

        model = LogisticRegression(max_iter=1000)
    else:
        raise ValueError(f"estimator must be one of {ESTIMATORS}, got {estimator!r}.")
    if text:
        from sklearn.feature_extraction.text import TfidfVectorizer

        model = make_pipeline(TfidfVectorizer(), model)
    elif estimator != "forest":
        from sklearn.preprocessing import StandardScaler

        model = make_pipeline(StandardScaler(), model)
    (learner,) = make_learners([spec], model, random_state=random_state).values()
    return learner


def _parse_size(text):
    width, sep, height = text.lower().partition("x")
    try:
        size = (int(width), int(height))
    except ValueError:
        size = None
    if not sep or size is None or min(size) < 1:
        raise ValueError(
            f"--image-size must be WIDTHxHEIGHT, e.g. 16x16; got {text!r}."
        )
    return size


def _now():
    return datetime.datetime.now().strftime("%H:%M:%S")


def _describe(result, first=False):
    changes = []
    if result.added:
        changes.append(f"+{len(result.added)} new")
    if result.changed:
        changes.append(f"{len(result.changed)} edited")
    if result.removed:
        changes.append(f"{len(result.removed)} removed")
    if result.carried:
        changes.append(f"{len(result.carried)} carried over")
    if result.new_task_set and not first:
        changes.append("task set changed: new journal")
    change = f" ({', '.join(changes)})" if changes else ""
    line = (
        f"{_now()}  {result.model_version}: {result.n_tasks} tasks, "
        f"{result.n_labeled} labeled{change}"
    )
    if result.cold_start:
        line += ", cold start (label two classes to train a model)"
    if result.top:
        line += ", next: " + ", ".join(f"#{t}" for t in result.top[:3])
    return line + f" [{result.seconds:.1f} s]"


def run_command(args):
    """Run ``skal label-studio`` with parsed arguments; return the exit code."""
    url = args.url or os.environ.get("LABEL_STUDIO_URL")
    token = args.token or os.environ.get("LABEL_STUDIO_API_KEY")
    out = sys.stdout
    try:
        if not url:
            raise ValueError("give --url (or set LABEL_STUDIO_URL).")
        if not token:
            raise ValueError("give --token (or set LABEL_STUDIO_API_KEY).")
        client = LabelStudioClient(url, token)
        project = client.project(args.project)
        target = choices_target(project, args.control)
        features = None
        if args.features:
            features = [c.strip() for c in args.features.split(",") if c.strip()]
        if args.webhook:
            parse_address(args.webhook)
        text = features is None and target.object_type in TEXT_TAGS
        learner = build_learner(
            args.learner, args.estimator, text=text, random_state=args.seed
        )
        sync = LabelStudioSync(
            url,
            token,
            args.project,
            learner,
            journal=args.journal,
            control=args.control,
            feature_columns=features,
            image_size=_parse_size(args.image_size),
        )
    except (LabelStudioError, ValueError, TypeError, OSError) as exc:
        print(f"skal label-studio: error: {exc}", file=sys.stderr)
        return 2
    print(
        f"skal label-studio: project {args.project} ({project.get('title')!r}) at "
        f"{client.url}: {target.object_type} tasks, classes "
        f"{', '.join(target.classes)}; {type(learner).__name__}; journal "
        f"{sync.journal_.folder}",
        file=out,
        flush=True,
    )
    stopped = {}

    def request_stop(signum, frame):
        if stopped:
            raise KeyboardInterrupt  # a second Ctrl-C: stop right now
        stopped["signal"] = signum
        print(
            "\nStopping after the current sync (Ctrl-C again to stop at once)...",
            file=sys.stderr,
            flush=True,
        )
        sync.stop()

    previous = {
        s: signal.signal(s, request_stop) for s in (signal.SIGINT, signal.SIGTERM)
    }
    tab = {}

    def on_sync(result):
        if result.n_tasks == 0:
            if "empty" not in tab:
                tab["empty"] = True
                print(
                    f"{_now()}  project {args.project} has no tasks yet; waiting "
                    "for them to be imported",
                    file=out,
                    flush=True,
                )
            return
        if result.retrained or args.verbose:
            print(_describe(result, first="shown" not in tab), file=out, flush=True)
        if sync.view_id_ is not None and "shown" not in tab:
            tab["shown"] = True
            print(
                f"  Open {client.url}/projects/{args.project}/data?tab="
                f"{sync.view_id_} and choose 'Label Tasks As Displayed' (the "
                "arrow beside 'Label All Tasks'): the most informative task "
                "comes first.",
                file=out,
                flush=True,
            )

    def on_error(exc):
        print(
            f"{_now()}  Label Studio unavailable ({exc}); retrying in "
            f"{args.interval:g} s",
            file=sys.stderr,
            flush=True,
        )

    code = 0
    try:
        sync.run(
            interval=args.interval,
            webhook=args.webhook,
            webhook_url=args.webhook_url,
            max_syncs=1 if args.once else None,
            on_sync=on_sync,
            on_error=on_error,
        )
    except KeyboardInterrupt:
        code = 130
    except JournalLockedError as exc:
        print(
            "skal label-studio: error: another session is syncing this project "
            f"into {sync.journal_.folder} already; stop it first, or give "
            f"another --journal. ({exc})",
            file=sys.stderr,
        )
        code = 2
    except (LabelStudioError, JournalError, ValueError, TypeError, OSError) as exc:
        print(f"skal label-studio: error: {exc}", file=sys.stderr)
        code = 2
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        n_labels = len(sync.labels()) if sync.journal_.path else 0
        sync.close()
    if stopped or code == 130:
        code = 128 + stopped.get("signal", signal.SIGINT)
        print(
            f"Stopped. {n_labels} labels are in the journal {sync.journal_.folder}, "
            "and Label Studio keeps every annotation; run the same command to "
            "resume.",
            file=sys.stderr,
        )
    return code
