#!/usr/bin/env bash
# Creates the virtual environment the peer libraries run in for the
# side-by-side benchmarks. It is separate from skal's own: modAL-python 0.4.2.1
# calls check_X_y(force_all_finite=...), removed in scikit-learn 1.8, so both
# peers only work together on scikit-learn 1.7.2 (shared/NOTES-dependencies.md).
#
#   bash benchmarks/peers_env.sh [VENV_DIR]     (default /tmp/skal-peers-venv)
set -euo pipefail
VENV="${1:-/tmp/skal-peers-venv}"
PYTHON="${PYTHON:-python3}"
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/pip" install --quiet --upgrade pip
# psutil and threadpoolctl: the runner reports peak memory and pins BLAS
# threads the same way as on skal's side.
"$VENV/bin/pip" install --quiet \
    "scikit-learn==1.7.2" modAL-python scikit-activeml psutil threadpoolctl
"$VENV/bin/python" - <<'PY'
import importlib.metadata as md

for name in ("scikit-learn", "numpy", "scipy", "modAL-python", "scikit-activeml"):
    print(f"{name}=={md.version(name)}")
PY
