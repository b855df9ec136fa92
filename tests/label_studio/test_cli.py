"""``skal label-studio`` as a person runs it: a process, its output, signals.

The command runs in a subprocess against the real server while annotations
arrive through the API; it is killed with SIGKILL and restarted, stopped
with SIGINT (Ctrl-C), and given bad input.
"""

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from ls_data import annotate, text_project
from ls_server import free_port

from skal.integrations.label_studio import ProjectJournal

ROOT = Path(__file__).resolve().parents[2]


class Command:
    """``python -m skal.cli label-studio ...`` with its output collected."""

    def __init__(self, label_studio, *args, token=True):
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
        env.pop("LABEL_STUDIO_API_KEY", None)
        if token:
            env["LABEL_STUDIO_API_KEY"] = label_studio.token
        self.process = subprocess.Popen(
            [sys.executable, "-m", "skal.cli", "label-studio", *map(str, args)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        self.out, self.err = [], []
        self._readers = [
            threading.Thread(target=self._read, args=(s, b), daemon=True)
            for s, b in (
                (self.process.stdout, self.out),
                (self.process.stderr, self.err),
            )
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _read(stream, lines):
        for line in stream:
            lines.append(line.rstrip("\n"))

    def wait_for(self, pattern, timeout=60):
        """The first output line matching ``pattern``; fails after ``timeout``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.out):
                if re.search(pattern, line):
                    return line
            if self.process.poll() is not None and not any(
                r.is_alive() for r in self._readers
            ):
                break
            time.sleep(0.1)
        raise AssertionError(
            f"no line matching {pattern!r} within {timeout} s.\nstdout:\n"
            + "\n".join(self.out)
            + "\nstderr:\n"
            + "\n".join(self.err)
        )

    def finish(self, timeout=60):
        code = self.process.wait(timeout=timeout)
        for reader in self._readers:
            reader.join(timeout=5)
        return code


def _base_args(label_studio, project, journal, *extra):
    return [
        "--url",
        label_studio.url,
        "--project",
        project,
        "--journal",
        journal,
        "--interval",
        "0.5",
        *extra,
    ]


def test_killed_sync_resumes_without_losing_an_annotation(
    client, new_project, label_studio, tmp_path
):
    project, ids, truth = text_project(client, new_project, n=30)
    journal = tmp_path / "journal"
    for t in ids[:2]:
        annotate(client, t, truth[t])
    command = Command(label_studio, *_base_args(label_studio, project, journal))
    command.wait_for(r"skal-\d+: 30 tasks, 2 labeled \(\+2 new")
    tab = command.wait_for(r"Open http://127\.0\.0\.1:\d+/projects/\d+/data\?tab=\d+")
    assert f"/projects/{project}/data?tab=" in tab
    for t in ids[2:4]:
        annotate(client, t, truth[t])
    command.wait_for(r"30 tasks, 4 labeled")
    annotate(client, ids[4], truth[ids[4]])
    command.process.kill()  # SIGKILL: no clean-up at all, perhaps mid-sync
    assert command.finish() == -signal.SIGKILL
    # Annotations go on while skal is down.
    for t in ids[5:8]:
        annotate(client, t, truth[t])

    again = Command(label_studio, *_base_args(label_studio, project, journal))
    line = again.wait_for(r"30 tasks, 8 labeled")
    assert "+" in line  # what arrived while it was down is learned
    again.process.send_signal(signal.SIGINT)
    assert again.finish() == 130
    assert any("Stopped. 8 labels are in the journal" in line for line in again.err), (
        again.err
    )

    # Every annotation is in the journal, by task id, and the predictions in
    # Label Studio come from a model trained on all of them.
    found = ProjectJournal(journal)
    found.open(ids)
    assert found.labels() == {t: truth[t] for t in ids[:8]}
    found.close()
    last = [re.search(r"(skal-\d+):", line) for line in again.out]
    version = [m.group(1) for m in last if m][-1]
    assert client.project(project)["model_version"] == version
    skal_versions = [v for v in client.model_versions(project) if v.startswith("skal")]
    assert version == max(skal_versions, key=lambda v: int(v.split("-")[1]))


def test_webhook_triggers_a_sync_at_once(client, new_project, label_studio, tmp_path):
    project, ids, truth = text_project(client, new_project, n=20)
    for t in ids[:2]:
        annotate(client, t, truth[t])
    port = free_port()
    command = Command(
        label_studio,
        *_base_args(label_studio, project, tmp_path / "journal"),
        "--interval",
        "300",  # the last --interval wins: polling alone would wait 5 minutes
        "--webhook",
        f"127.0.0.1:{port}",
    )
    command.wait_for(r"20 tasks, 2 labeled")
    hooks = client.webhooks(project)
    assert [h["url"] for h in hooks] == [f"http://127.0.0.1:{port}/skal/label-studio"]
    began = time.monotonic()
    annotate(client, ids[2], truth[ids[2]])
    command.wait_for(r"20 tasks, 3 labeled \(\+1 new\)", timeout=30)
    assert time.monotonic() - began < 30
    command.process.send_signal(signal.SIGINT)
    assert command.finish() == 130
    assert client.webhooks(project) == []  # removed on the way out


def test_once_and_bad_input(client, new_project, label_studio, tmp_path):
    project, ids, truth = text_project(client, new_project, n=10)
    journal = tmp_path / "journal"
    ok = Command(label_studio, *_base_args(label_studio, project, journal), "--once")
    assert ok.finish() == 0
    assert any("10 tasks, 0 labeled" in line for line in ok.out), ok.out

    def error(*args, token=True):
        command = Command(label_studio, *args, token=token)
        assert command.finish() == 2, command.out + command.err
        return "\n".join(command.err)

    assert "give --token" in error(
        *_base_args(label_studio, project, journal), token=False
    )
    assert "401" in error(*_base_args(label_studio, project, journal), "--token", "x")
    assert "no project 424242" in error(*_base_args(label_studio, 424242, journal))
    assert "--image-size must be WIDTHxHEIGHT" in error(
        *_base_args(label_studio, project, journal), "--image-size", "big"
    )
    assert "Unknown learner 'wrong'" in error(
        *_base_args(label_studio, project, journal), "--learner", "wrong"
    )
    assert "Cannot reach Label Studio" in error(
        "--url", "http://127.0.0.1:9", "--project", project
    )
    # A second sync on the same journal is refused, not interleaved.
    first = Command(label_studio, *_base_args(label_studio, project, journal))
    first.wait_for(r"10 tasks")
    assert "another session is syncing this project" in error(
        *_base_args(label_studio, project, journal), "--once"
    )
    first.process.send_signal(signal.SIGINT)
    assert first.finish() == 130


def test_sigterm_stops_cleanly_too(client, new_project, label_studio, tmp_path):
    project, ids, truth = text_project(client, new_project, n=10)
    command = Command(
        label_studio, *_base_args(label_studio, project, tmp_path / "journal")
    )
    command.wait_for(r"10 tasks")
    command.process.send_signal(signal.SIGTERM)
    assert command.finish() == 128 + signal.SIGTERM
    assert any("run the same command to resume" in line for line in command.err)
