"""The network examples run (in CI too) and learn what their docstrings say.

They run at the small size the documentation builds them at
(``SKAL_QUICK_EXAMPLES=1``); their full-size output is quoted in their text.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _run(name, cwd):
    env = {
        **os.environ,
        "PYTHONWARNINGS": "ignore",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "TF_NUM_INTRAOP_THREADS": "1",
        "TF_NUM_INTEROP_THREADS": "1",
        "SKAL_QUICK_EXAMPLES": "1",
    }
    res = subprocess.run(
        [sys.executable, str(EXAMPLES / name)],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert res.returncode == 0, res.stdout + res.stderr[-3000:]
    return res.stdout


def test_keras_digits_cnn(tmp_path):
    pytest.importorskip("scikeras")
    out = _run("keras_digits_cnn.py", tmp_path)
    rows = re.findall(
        r"^\s*(\d+)\s+(frozen|fine-tune)\s+(\d\.\d+)\s+(\d\.\d+)", out, re.M
    )
    # The small size: two batches of 20, fine-tuning from 40 labels on.
    assert [int(r[0]) for r in rows] == [20, 40]
    # Frozen pretrained features while labels are few, fine-tuning after.
    assert [r[1] for r in rows] == ["frozen", "fine-tune"]
    least_confidence = [float(r[2]) for r in rows]
    # Transfer works from the first batch: 20 labels for five new digits
    # (chance is 0.2).
    assert least_confidence[0] > 0.6
    assert least_confidence[-1] > 0.7


def test_torch_mc_dropout_bald(tmp_path):
    pytest.importorskip("skorch")
    out = _run("torch_mc_dropout_bald.py", tmp_path)
    rows = re.findall(r"^\s*(\d+)\s+(\d\.\d+)\s+(\d\.\d+)\s*$", out, re.M)
    # The small size: four rounds of ten labels after twenty random ones.
    assert [int(r[0]) for r in rows] == list(range(20, 61, 10))
    bald = [float(r[1]) for r in rows]
    assert bald[-1] > bald[0] + 0.2
    assert bald[-1] > 0.6
