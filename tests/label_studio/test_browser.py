"""Label Studio in a real browser (headless Chromium): what an annotator sees.

The test logs in, opens skal's tab of the data manager, checks that its rows
are in skal's order, takes the screenshot the guide shows
(docs/_static/label-studio-data-manager.png, rewritten when
SKAL_UPDATE_SCREENSHOTS=1), then labels the first task through the labeling
screen ("Label Tasks As Displayed", a click on the choice, Submit) and checks
that skal learned it.
"""

import os
import re
import shutil
import time
import warnings
from pathlib import Path

import pytest
from ls_data import annotate, text_project
from ls_server import PASSWORD, USERNAME

from skal.integrations.label_studio import LabelStudioSync
from skal.integrations.label_studio._command import build_learner

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "docs" / "_static" / "label-studio-data-manager.png"
CHROME_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,760",
)


@pytest.fixture
def browser(tmp_path):
    from selenium import webdriver

    chromium = shutil.which("chromium")
    driver_path = shutil.which("chromedriver")
    assert chromium and driver_path, (
        "Debian's chromium and chromium-driver are needed (.ci/run installs them)."
    )
    options = webdriver.ChromeOptions()
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    options.binary_location = chromium
    driver = webdriver.Chrome(
        options=options, service=webdriver.ChromeService(driver_path)
    )
    driver.implicitly_wait(0)
    yield driver
    # What the page looked like at the end, for a failing test's reader.
    driver.save_screenshot(str(tmp_path / "last-page.png"))
    driver.quit()


def _wait(condition, timeout=30, what="the page"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def _button(driver, text):
    from selenium.webdriver.common.by import By

    found = [
        b
        for b in driver.find_elements(By.CSS_SELECTOR, "button, [role=menuitem], li")
        if b.text.strip() == text and b.is_displayed()
    ]
    return found[0] if found else None


def test_data_manager_shows_skals_order_and_labels_in_it(
    client, new_project, label_studio, tmp_path, browser
):
    from selenium.webdriver.common.by import By

    project, ids, truth = text_project(client, new_project, n=40)
    for t in ids[:6]:
        annotate(client, t, truth[t])
    learner = build_learner("margin", "logistic", text=True, random_state=0)
    with (
        warnings.catch_warnings(),
        LabelStudioSync(
            label_studio.url,
            label_studio.token,
            project,
            learner,
            journal=tmp_path / "journal",
        ) as sync,
    ):
        warnings.simplefilter("ignore", UserWarning)
        sync.sync()
        expected = [t["id"] for t in client.tasks(project, view=sync.view_id_)]

        browser.get(f"{label_studio.url}/user/login")
        browser.find_element(By.NAME, "email").send_keys(USERNAME)
        browser.find_element(By.NAME, "password").send_keys(PASSWORD)
        browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        _wait(lambda: "/user/login" not in browser.current_url, what="the login")
        browser.get(f"{label_studio.url}/projects/{project}/data?tab={sync.view_id_}")

        def rows():
            boxes = browser.find_elements(
                By.CSS_SELECTOR, "input[aria-label^='Select Task']"
            )
            return [int(b.get_attribute("aria-label").split()[-1]) for b in boxes]

        shown = _wait(lambda: rows(), what="the task rows")
        # The rows on screen are skal's ranking, best first.
        assert shown == expected[: len(shown)] and len(shown) >= 5
        assert "0.9" in browser.find_element(By.TAG_NAME, "body").text
        # Open the menu beside "Label All Tasks" for the screenshot.
        label_all = _wait(
            lambda: _button(browser, "Label All Tasks"), what="Label All Tasks"
        )
        arrow = label_all.find_element(By.XPATH, "following::button[1]")
        arrow.click()
        as_displayed = _wait(
            lambda: (
                _button(browser, "Label Tasks As Displayed")
                or [
                    e
                    for e in browser.find_elements(
                        By.XPATH, "//*[text()='Label Tasks As Displayed']"
                    )
                    if e.is_displayed()
                ]
            ),
            what="the Label Tasks As Displayed item",
        )
        time.sleep(0.5)  # let the menu finish drawing
        shot = tmp_path / "data-manager.png"
        browser.save_screenshot(str(shot))
        assert shot.stat().st_size > 20_000
        if os.environ.get("SKAL_UPDATE_SCREENSHOTS") == "1":
            shutil.copyfile(shot, SCREENSHOT)

        # Label three tasks in a row through the labeling screen, skal
        # retraining after each: the screen already showing the next task was
        # pre-filled from the predictions skal has just replaced, and must
        # still save.
        item = as_displayed[0] if isinstance(as_displayed, list) else as_displayed
        item.click()
        versions = set()
        for step in range(3):
            # The footer names the task ("#" is drawn by CSS) above its place
            # in the stream ("1 of 1").
            footer = _wait(
                lambda: re.search(
                    r"^(\d+)\n\d+ of \d+$",
                    browser.find_element(By.TAG_NAME, "body").text,
                    re.M,
                ),
                what="a task in the labeling screen",
            )
            task = int(footer.group(1))
            if step == 0:
                assert task == expected[0]  # skal's first
            choice = _wait(
                lambda task=task: [
                    e
                    for e in browser.find_elements(
                        By.XPATH, f"//*[text()='{truth[task]}']"
                    )
                    if e.is_displayed()
                ],
                what="the choices",
            )
            # The prediction pre-selects the model's guess; a single-choice
            # control switches to the clicked choice.
            checked = browser.find_elements(
                By.CSS_SELECTOR, "input[type=checkbox]:checked"
            )
            picked = [
                c.find_element(By.XPATH, "ancestor::label[1]").text for c in checked
            ]
            if not any(text.startswith(truth[task]) for text in picked):
                choice[0].click()
            _wait(lambda: _button(browser, "Submit"), what="Submit").click()
            _wait(
                lambda task=task: any(
                    t["annotations"] for t in client.tasks(project) if t["id"] == task
                ),
                what=f"the annotation of task {task} to be saved",
            )
            assert "not saved" not in browser.find_element(By.TAG_NAME, "body").text
            result = sync.sync()
            assert result.added == [task] and result.retrained
            assert sync.labels()[task] == truth[task]
            versions.add(result.model_version)
        assert len(versions) == 3
