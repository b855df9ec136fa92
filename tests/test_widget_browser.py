"""The notebook widget in a real browser: JupyterLab on 127.0.0.1, headless
Chromium through selenium. It clicks, double-clicks, presses keys, undoes,
corrects a label, lets a callback fail, runs all cells (the cell after
``loop.run()`` waits in ``await loop.wait()``), runs the cell again, and checks
the journal row by row against what it meant to answer. It also takes the
screenshot of the widget shown in docs/annotation-loop.md.

CI installs Debian's ``chromium`` and ``chromium-driver`` (.ci/run); there a
missing browser is a failure, elsewhere a skip.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from skal.journal import Journal

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOT = ROOT / "docs" / "_static" / "annotation-widget.png"
BUDGET = 12


def _need(what, found):
    if found:
        return
    message = f"the browser test needs {what}; .ci/run installs it (apt-get)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SETUP = """\
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from skal import UncertaintySamplingClassifier
from skal.engine import Callback
from skal.loop import AnnotationLoop
from skal.widget import WidgetOracle

X, y = load_digits(return_X_y=True)
X, y = X[:300], y[:300]

class Flaky(Callback):
    def on_round_end(self, engine, record):
        print("callback saw round", record["round"])
        if record["round"] == 1:
            raise RuntimeError("a callback failed on purpose")

learner = UncertaintySamplingClassifier(
    LogisticRegression(max_iter=300), classes=list(range(10)), random_state=0)
oracle = WidgetOracle(list(range(10)), image_shape=(8, 8))
loop = AnnotationLoop(learner, X, oracle, budget=BUDGET, batch_size=2,
                      journal="digits.sqlite", callbacks=[Flaky()])
loop.run()
"""

CELLS = [
    SETUP.replace("BUDGET", str(BUDGET)),
    'await loop.wait()\nprint("WAITED", loop.n_bought_)',
    'print("AFTER", loop.n_bought_, loop.stop_reason_)',
]


def _notebook(path):
    cells = [
        {
            "cell_type": "code",
            "execution_count": None,
            "id": f"cell{i}",
            "metadata": {},
            "outputs": [],
            "source": source,
        }
        for i, source in enumerate(CELLS)
    ]
    nb = {
        "cells": cells,
        "metadata": {
            "kernelspec": {
                "display_name": "Python 3",
                "language": "python",
                "name": "python3",
            }
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(nb))


@pytest.fixture
def lab(tmp_path):
    """JupyterLab serving ``tmp_path``, on a free port of 127.0.0.1."""
    pytest.importorskip("jupyterlab") if not os.environ.get("CI") else None
    import jupyterlab  # noqa: F401 - a failure in CI says it is missing

    port, token = _free_port(), "skal-test-token"
    home = tmp_path / "home"
    settings = home / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    env = dict(os.environ)
    env.update(
        PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]),
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        JUPYTER_PLATFORM_DIRS="1",
        OPENBLAS_NUM_THREADS="1",
    )
    work = tmp_path / "work"
    work.mkdir()
    _notebook(work / "label.ipynb")
    log = open(tmp_path / "lab.log", "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={work}",
            f"--LabApp.user_settings_dir={home / 'settings'}",
            f"--LabApp.workspaces_dir={home / 'workspaces'}",
            "--LabApp.news_url=",
            "--ServerApp.allow_root=True",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=work,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if server.poll() is not None:
                    break
                time.sleep(0.2)
        if server.poll() is not None:
            log.flush()
            pytest.fail(
                "JupyterLab did not start:\n" + (tmp_path / "lab.log").read_text()
            )
        yield f"http://127.0.0.1:{port}/lab/tree/label.ipynb?token={token}", work
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture
def browser(tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    _need("Debian's chromium", chromium)
    _need("Debian's chromium-driver", driver_path)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,1400",
        f"--user-data-dir={tmp_path / 'chromium'}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_window_size(1280, 1400)
    try:
        yield driver
    finally:
        driver.quit()


# ---------------------------------------------------------------- helpers
def _wait(what, condition, timeout=60):
    from selenium.common.exceptions import StaleElementReferenceException

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = condition()
        except StaleElementReferenceException:
            # The widget re-rendered between finding an element and reading
            # it (each answer redraws the view): look again.
            value = None
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class Lab:
    """The notebook page, as a person uses it."""

    def __init__(self, driver):
        from selenium.webdriver.common.by import By

        self.driver = driver
        self.by = By

    def css(self, selector, within=None):
        return (within or self.driver).find_elements(self.by.CSS_SELECTOR, selector)

    def widget(self):
        widgets = self.css(".skal-widget")
        return widgets[-1] if widgets else None

    def mode(self):
        w = self.widget()
        if w is None:
            return None
        try:
            classes = w.get_attribute("class")
        except Exception:  # redrawn while read
            return None
        match = re.search(r"skal-mode-(\w+)", classes)
        return match and match.group(1)

    def header(self):
        return self.css(".skal-header", self.widget())[0].text

    def shown(self):
        """The pool index on screen, once a question is asked and clickable."""

        def ready():
            if self.mode() != "ask":
                return None
            try:
                buttons = self.css(".skal-choice", self.widget())
                if not buttons or buttons[0].get_attribute("disabled"):
                    return None
                match = re.match(r"Sample (\d+) ", self.header())
            except Exception:
                return None
            return match and int(match.group(1))

        index = _wait("a question", ready)
        # The widget accepts nothing for 250 ms after showing a sample, and a
        # click within the double-click time of the last one counts as its
        # second click: a person looks at the sample first.
        time.sleep(0.6)
        return index

    def button(self, label):
        for b in self.css(".skal-choice", self.widget()):
            if b.find_element(self.by.CSS_SELECTOR, "span").text == label:
                return b
        raise AssertionError(f"no button {label!r}")

    def status(self):
        return self.css(".skal-status", self.widget())[0].text

    def menu(self, top, item):
        for label in self.css(".lm-MenuBar-itemLabel"):
            if label.text == top:
                label.click()
                break
        _wait(f"menu item {item}", lambda: self._menu_item(item)).click()

    def _menu_item(self, item):
        for label in self.css(".lm-Menu-itemLabel"):
            if label.text == item and label.is_displayed():
                return label
        return None

    def outputs(self, cell):
        cells = self.css(".jp-Notebook .jp-Cell")
        return (
            cells[cell].find_element(self.by.CSS_SELECTOR, ".jp-Cell-outputArea").text
        )


def _labels(path):
    with Journal(path, readonly=True) as j:
        return dict(j.labels()), j.history()


def test_the_widget_in_jupyterlab(lab, browser):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys
    from sklearn.datasets import load_digits

    url, work = lab
    journal = work / "digits.sqlite"
    _, y = load_digits(return_X_y=True)
    page = Lab(browser)
    browser.get(url)
    _wait("the notebook", lambda: len(page.css(".jp-Notebook .jp-Cell")) == 3, 120)
    _wait("the kernel", lambda: page.css(".jp-Notebook-ExecutionIndicator") or True)
    time.sleep(2)
    meant = {}

    # Run All: the cell after loop.run() waits in loop.wait().
    page.menu("Run", "Run All Cells")
    first = page.shown()
    assert "WAITED" not in page.outputs(1) and "AFTER" not in page.outputs(2)

    # 1. A click labels the sample on screen.
    page.button(str(y[first])).click()
    meant[first] = int(y[first])
    _wait("the click in the journal", lambda: first in _labels(journal)[0])

    # 2. A double click labels one sample, never the next one unseen.
    second = page.shown()
    assert second != first
    ActionChains(browser).double_click(page.button(str(y[second]))).perform()
    meant[second] = int(y[second])
    third = page.shown()  # round 0 ended: a refit, then the next question
    time.sleep(1.0)
    labels, _ = _labels(journal)
    assert set(labels) == {first, second}, "the double click labeled two samples"

    # 3. After a click the focus is on the widget, not on a button, and
    # Enter or Space (pressed wherever the focus is) label nothing.
    focused = browser.execute_script("return document.activeElement.className")
    assert "skal-widget" in focused and "skal-choice" not in focused
    ActionChains(browser).send_keys(Keys.ENTER, Keys.SPACE, Keys.ENTER).perform()
    time.sleep(1.0)
    assert page.shown() == third and set(_labels(journal)[0]) == {first, second}

    # 4. A shortcut key labels the sample on screen (the digit itself).
    page.widget().send_keys(str(y[third]))
    meant[third] = int(y[third])
    fourth = page.shown()
    assert fourth != third and _labels(journal)[0][third] == y[third]
    assert len(page.css(".jp-Notebook .jp-CodeCell")) == 3, "a key reached JupyterLab"

    # 5. A wrong key, then u: undone, the same sample comes back.
    wrong = (int(y[fourth]) + 1) % 10
    page.widget().send_keys(str(wrong))
    _wait("the slip in the journal", lambda: fourth in _labels(journal)[0])
    # Round 1 ended with the slip: the callback failed, and the widget says so.
    _wait("the error", lambda: "a callback failed on purpose" in page.status())
    assert "callback saw round 1" in page.outputs(0)
    assert "RuntimeError: a callback failed on purpose" in page.outputs(0)
    page.shown()
    page.widget().send_keys("u")
    _wait("the undo", lambda: page.shown() == fourth)
    assert fourth not in _labels(journal)[0]
    page.button(str(y[fourth])).click()
    meant[fourth] = int(y[fourth])

    # 6. Correct a label from the widget: the first sample, then back.
    page.shown()
    page.css("summary", page.widget())[0].click()
    row = page.css(".skal-row", page.widget())[0]
    row.send_keys(str(first))
    from selenium.webdriver.support.select import Select

    Select(page.css(".skal-select", page.widget())[0]).select_by_visible_text(
        str((int(y[first]) + 1) % 10)
    )
    [b for b in page.css(".skal-fix button", page.widget()) if b.text == "relabel"][
        0
    ].click()
    _wait("the relabel", lambda: _labels(journal)[0][first] != y[first])
    _wait("the relabel said", lambda: "->" in page.status())

    # The screenshot for the docs, mid-session: prediction, counts, buttons.
    index = page.shown()
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.widget().screenshot(str(SCREENSHOT))

    # 7. Re-running the cell takes the journal over: no JournalLockedError.
    cells = page.css(".jp-Notebook .jp-Cell")
    # Finish the session first, so that Run All's waiting cells go on.
    meant_before_rerun = dict(meant)
    while page.mode() != "done":
        try:
            index = page.shown()
        except AssertionError:
            break
        page.button(str(y[index])).click()
        meant[index] = int(y[index])
        time.sleep(0.2)
    _wait("Run All to go on", lambda: "WAITED" in page.outputs(1), 60)
    _wait("the last cell", lambda: "AFTER" in page.outputs(2), 60)
    assert f"WAITED {BUDGET}" in page.outputs(1)
    assert f"AFTER {BUDGET} budget of {BUDGET} labels spent" in page.outputs(2)

    cells[0].click()
    ActionChains(browser).key_down(Keys.SHIFT).send_keys(Keys.ENTER).key_up(
        Keys.SHIFT
    ).perform()
    _wait("the new widget", lambda: page.mode() == "done" and "Done" in page.header())
    out = page.outputs(0)
    assert "JournalLockedError" not in out
    assert f"budget of {BUDGET} labels spent" in page.widget().text

    # The journal, row by row: exactly what was meant, with its history.
    labels, history = _labels(journal)
    expected = dict(meant)
    expected[first] = (int(y[first]) + 1) % 10  # the correction
    assert labels == expected
    assert len(meant_before_rerun) >= 4
    kinds = {}
    for entry in history:
        kinds.setdefault(entry["index"], []).append(entry["kind"])
    assert kinds[first] == ["label", "relabel"]
    assert kinds[fourth] == ["label", "undo", "label"]
    assert all(kinds[i] == ["label"] for i in labels if i not in (first, fourth))
