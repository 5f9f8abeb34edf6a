#!/usr/bin/env bash
# Create the benchmark-only venv holding pyworkforce, the open-source anchor of
# experiments/bench_scheduling.py. It cannot go into .venv (it is not a dependency of the
# library). pyworkforce 0.5.2+ requires Python >= 3.12; on Python 3.11 the newest release
# that installs is 0.5.1, which is the one pinned here (checked 2026-11-28).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="${ROOT}/.venv-bench-scheduling"
PY="${PYTHON:-python3}"
"$PY" -m venv "$VENV"
"$VENV/bin/pip" install --quiet --upgrade pip
"$VENV/bin/pip" install --quiet "pyworkforce==0.5.1"
"$VENV/bin/python" -c "import importlib.metadata as m; print('pyworkforce', m.version('pyworkforce'), 'ortools', m.version('ortools'), 'pandas', m.version('pandas'), 'numpy', m.version('numpy'))"
