"""A real Label Studio server for the tests, in its own virtual environment.

Label Studio pins packages skal's environment cannot share (Django 5.2,
pyarrow<25, pytz<2023, ...), so it is installed from
``requirements-label-studio.txt`` into a virtual environment of its own,
cached between runs under ``~/.cache/skal`` (or ``$SKAL_LABEL_STUDIO_ENV``)
and keyed by the requirements' hash, so that changing a pin builds a new
one. A lock serialises the build between parallel test processes.

The server listens on 127.0.0.1 only, with a fresh SQLite database in a
temporary folder, a user and a legacy API token created at start-up
(``label-studio start --username --password --user-token
--enable-legacy-api-token``: Label Studio 1.23 disables legacy tokens in new
organisations unless told otherwise).
"""

import contextlib
import fcntl
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REQUIREMENTS = Path(__file__).with_name("requirements-label-studio.txt")
USERNAME = "annotator@example.com"
PASSWORD = "skal-test-password"
TOKEN = "skal-test-token-0123456789"
# Fresh Label Studio databases migrate for ~25 s on a 2-core machine.
START_TIMEOUT = 300


def environment():
    """The Python of Label Studio's environment, built if missing."""
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()[:12]
    default = Path.home() / ".cache" / "skal" / f"label-studio-{digest}"
    env = Path(os.environ.get("SKAL_LABEL_STUDIO_ENV", default))
    python = env / "bin" / "python"
    done = env / ".skal-complete"
    if done.exists():
        return python
    env.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{env}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another worker may be building it
        if done.exists():
            return python
        shutil.rmtree(env, ignore_errors=True)  # a build that was interrupted
        log = Path(f"{env}.build.log")
        with open(log, "w") as out:
            for command in (
                [sys.executable, "-m", "venv", str(env)],
                [str(python), "-m", "pip", "install", "-q", "-r", str(REQUIREMENTS)],
            ):
                code = subprocess.call(command, stdout=out, stderr=subprocess.STDOUT)
                if code:
                    raise RuntimeError(
                        f"Building Label Studio's environment failed ({command!r} "
                        f"exited {code}); see {log}."
                    )
        done.write_text(digest)
    return python


def free_port():
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LabelStudioServer:
    """``label-studio start`` on a free loopback port, with a fresh database."""

    def __init__(self, data_dir, *, legacy_tokens=True):
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = TOKEN
        self.log = self.data_dir / "server.log"
        self.legacy_tokens = legacy_tokens
        self.process = None
        self.startup_seconds = None

    def start(self):
        python = environment()
        env = {
            **os.environ,
            "LABEL_STUDIO_BASE_DATA_DIR": str(self.data_dir),
            # No calls out: no version check against PyPI, no analytics.
            "LATEST_VERSION_CHECK": "false",
            "COLLECT_ANALYTICS": "false",
            # The webhook test's receiver listens on 127.0.0.1 too.
            "SSRF_PROTECTION_ENABLED": "false",
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("HOST", None)
        command = [
            str(python),
            "-m",
            "label_studio.server",
            "start",
            "--no-browser",
            "--internal-host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--host",
            self.url,
            "--data-dir",
            str(self.data_dir),
            "--username",
            USERNAME,
            "--password",
            PASSWORD,
            "--user-token",
            TOKEN,
        ]
        if self.legacy_tokens:
            command.append("--enable-legacy-api-token")
        began = time.monotonic()
        with open(self.log, "w") as out:
            self.process = subprocess.Popen(
                command,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                cwd=self.data_dir,
                start_new_session=True,
            )
        while time.monotonic() - began < START_TIMEOUT:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"Label Studio exited with {self.process.returncode} at start-up:"
                    f"\n{self.tail()}"
                )
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=2) as answer:
                    if answer.status == 200:
                        self.startup_seconds = time.monotonic() - began
                        return self
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(
            f"Label Studio did not answer on {self.url} within {START_TIMEOUT} s:"
            f"\n{self.tail()}"
        )

    def tail(self, n=40):
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no log)"

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            # The server runs in its own session: stop its whole group.
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait()
        self.process = None


_SHARED = {}


class Running:
    """A server another process of this test run started: its address."""

    def __init__(self, url, token, startup_seconds):
        self.url, self.token, self.startup_seconds = url, token, startup_seconds


def _healthy(url):
    try:
        with urllib.request.urlopen(url + "/health", timeout=5) as answer:
            return answer.status == 200
    except OSError:
        return False


def shared_server():
    """One server per test run, started on first use, stopped by the last user.

    The tests and the doctests of :mod:`skal.integrations.label_studio` share
    it (both conftests import this file as ``ls_server``), and so do the
    xdist workers of one run (``PYTEST_XDIST_TESTRUNUID``): the first to need
    it starts it and records its address in a folder keyed by the run; each
    user leaves a mark there, and the last one to exit stops the server.
    """
    if "server" in _SHARED:
        return _SHARED["server"]
    import atexit
    import json
    import tempfile

    run = os.environ.get("PYTEST_XDIST_TESTRUNUID") or f"pid{os.getpid()}"
    folder = Path(tempfile.gettempdir()) / f"skal-label-studio-{run}"
    users = folder / "users"
    users.mkdir(parents=True, exist_ok=True)
    record = folder / "server.json"
    with open(folder / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        (users / str(os.getpid())).touch()
        known = json.loads(record.read_text()) if record.exists() else None
        if known is not None and _healthy(known["url"]):
            server = Running(known["url"], known["token"], known["startup_seconds"])
        else:
            started = LabelStudioServer(folder / "data").start()
            record.write_text(
                json.dumps(
                    {
                        "url": started.url,
                        "token": started.token,
                        "pid": started.process.pid,
                        "startup_seconds": started.startup_seconds,
                    }
                )
            )
            server = started
    _SHARED["server"] = server

    def leave():
        with open(folder / "lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            (users / str(os.getpid())).unlink(missing_ok=True)
            if any(users.iterdir()):
                return  # another worker still uses it
            if isinstance(server, LabelStudioServer):
                server.stop()
            else:
                # Started, in its own session, by another worker of this run
                # that has exited: init reaps it once it stops.
                pid = json.loads(record.read_text())["pid"]
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, 15)
                    for _ in range(80):
                        time.sleep(0.25)
                        os.killpg(pid, 0)
                    os.killpg(pid, 9)
        shutil.rmtree(folder, ignore_errors=True)

    atexit.register(leave)
    return server
