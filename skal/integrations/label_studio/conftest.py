"""Doctest set-up: the examples talk to a real Label Studio server.

The server is the one the tests in tests/label_studio start (from its own
cached virtual environment, on 127.0.0.1), shared by a test run.
"""

import importlib.util
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SERVER = HERE.parents[2] / "tests" / "label_studio" / "ls_server.py"


def _server_module():
    # The name tests/label_studio/conftest.py imports it by: one server.
    name = "ls_server"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, SERVER)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(autouse=True)
def _label_studio_namespace(request, doctest_namespace, tmp_path):
    # Only the examples that name the server start it.
    test = getattr(request.node, "dtest", None)
    if test is not None and "label_studio_url" in "".join(
        example.source for example in test.examples
    ):
        server = _server_module().shared_server()
        doctest_namespace["label_studio_url"] = server.url
        doctest_namespace["label_studio_token"] = server.token
    doctest_namespace["tmp_path"] = tmp_path
