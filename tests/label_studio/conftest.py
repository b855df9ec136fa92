"""Fixtures of the Label Studio tests: one real server per test session.

Every test here talks to a real Label Studio (started once, on 127.0.0.1,
from its own cached virtual environment: see ls_server.py); nothing is mocked.
If the server cannot be built or started the tests fail, they never skip.
The xdist workers of a run share the one server (see ``shared_server``).
"""

import itertools
from pathlib import Path

import ls_server
import pytest

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def label_studio():
    """The running server (``url``, ``token``, ``startup_seconds``...)."""
    return ls_server.shared_server()


@pytest.fixture(scope="session")
def client(label_studio):
    from skal.integrations.label_studio import LabelStudioClient

    return LabelStudioClient(label_studio.url, label_studio.token)


_titles = itertools.count(1)


@pytest.fixture
def new_project(client):
    """Make projects for one test; they are deleted after it."""
    made = []

    def make(config, title="skal test"):
        project = client.create_project(f"{title} {next(_titles)}", config)
        made.append(project["id"])
        return project["id"]

    yield make
    for project in made:
        client.delete_project(project)
