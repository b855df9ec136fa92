"""Every script in examples/ runs and does what its docstring says.

At the small size the documentation builds them at (``SKAL_QUICK_EXAMPLES=1``);
each quotes its full-size output in its text.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _run(name, cwd):
    env = {
        **os.environ,
        "MPLBACKEND": "Agg",
        "PYTHONWARNINGS": "ignore",
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
    assert res.returncode == 0, res.stdout + res.stderr
    return res.stdout


def test_every_example_is_run_by_a_test():
    tests = Path(__file__).resolve().parent
    sources = "".join(p.read_text(encoding="utf-8") for p in tests.rglob("test_*.py"))
    untested = [p.name for p in EXAMPLES.glob("*.py") if p.name not in sources]
    assert not untested, f"examples no test runs: {untested}"


def test_pool_based_loop(tmp_path):
    out = _run("pool_based_loop.py", tmp_path)
    rounds = re.findall(r"labels\s+(\d+)\s+accuracy (\d\.\d+)", out)
    labels = [int(n) for n, _ in rounds]
    accuracy = [float(a) for _, a in rounds]
    assert labels == list(range(20, 101, 10))
    assert accuracy[-1] > accuracy[0] + 0.2


def test_compare_strategies(tmp_path):
    plt = pytest.importorskip("matplotlib.pyplot")
    out = _run("compare_strategies.py", tmp_path)
    rows = [line.split()[0] for line in out.splitlines()[2:5]]
    assert rows == ["margin", "entropy", "random"]
    image = plt.imread(tmp_path / "compare_strategies.png")
    assert image[..., :3].std() > 0.05


def test_grid_search_strategy(tmp_path):
    out = _run("grid_search_strategy.py", tmp_path)
    assert re.search(r"'measure': '(margin|entropy|least_confidence)'", out)
    score = float(re.search(r"cross-validated\): (\d\.\d+)", out).group(1))
    assert score > 0.85


def test_informativeness_2d(tmp_path):
    plt = pytest.importorskip("matplotlib.pyplot")
    out = _run("informativeness_2d.py", tmp_path)
    assert "next batch: 8 samples" in out
    image = plt.imread(tmp_path / "informativeness_2d.png")
    assert image[..., :3].std() > 0.05
