"""Project-level guarantees: light import, lint and format clean."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# pandas is left out: scikit-learn itself imports it when it is installed.
HEAVY = [
    "tensorflow",
    "torch",
    "keras",
    "scikeras",
    "skorch",
    "dask",
    "matplotlib",
    "ipywidgets",
]


def test_import_skal_stays_light():
    code = (
        "import sys, skal; "
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "", f"import skal pulled in: {out.stdout}"


def _ruff():
    exe = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if not Path(exe).exists():
        pytest.skip("ruff is not installed (it is in the `test` extra)")
    return exe


def test_ruff_lint_is_clean():
    res = subprocess.run([_ruff(), "check", str(ROOT)], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


def test_ruff_format_is_clean():
    res = subprocess.run(
        [_ruff(), "format", "--check", str(ROOT)], capture_output=True, text=True
    )
    assert res.returncode == 0, res.stdout + res.stderr


def test_readme_python_blocks_run():
    import re

    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) >= 2
    namespace = {}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)
    # The grid search in the README really ranks the candidates.
    search = namespace["search"]
    means = search.cv_results_["mean_test_score"]
    assert search.best_score_ == means.max()
