"""The documentation builds without a single warning."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_sphinx_build_has_no_warnings(tmp_path):
    for module in ("sphinx", "numpydoc", "myst_parser"):
        pytest.importorskip(module, reason="docs dependencies are in the test extra")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "MPLBACKEND": "Agg"}
    res = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html"]
        + [str(DOCS), str(tmp_path / "html")],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert res.returncode == 0, res.stderr[-5000:]
    api = (tmp_path / "html" / "api.html").read_text(encoding="utf-8")
    # The reference is generated from the docstrings of every public module.
    for name in (
        "skal.evaluation.learning_curves",
        "skal.plotting.ActiveLearningCurveDisplay",
        "skal.datasets.read_idx",
        "skal.uncertainty.UncertaintySamplingClassifier",
        "skal.baseline.RandomSampler",
    ):
        assert f'id="{name}"' in api, name
    guide = (tmp_path / "html" / "user-guide.html").read_text(encoding="utf-8")
    assert "Choosing a strategy" in guide
