#!/usr/bin/env bash
# Create the benchmark-only environments holding pyworkforce, the anchor of
# experiments/bench_queueing.py. pyworkforce cannot go into .venv (it pins its own
# dependencies), so it lives in separate venvs under /work/main (git-ignored by .venv-*/):
#
#   .venv-bench-queueing        Python 3.11 + pyworkforce 0.5.1 (the newest version that
#                               installs on 3.11; `pip index versions pyworkforce`). It ships
#                               only ErlangC / MultiErlangC.
#   .venv-bench-queueing-py312  Python 3.12 + pyworkforce 0.5.4 (needs Python >= 3.12), which
#                               adds ErlangB and ErlangA; created only when a python3.12
#                               interpreter is found (PYTHON312=... to choose it).
#
# The benchmark records the installed versions in its results.
# Usage (from the repo root):  bash experiments/setup_pyworkforce_env.sh
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

make_env() {  # make_env <venv dir> <python> <pyworkforce version>
    local venv="$1" python="$2" version="$3"
    if [ ! -x "${venv}/bin/python" ]; then
        "${python}" -m venv "${venv}"
    fi
    "${venv}/bin/python" -m pip install --quiet --upgrade pip
    "${venv}/bin/python" -m pip install --quiet "pyworkforce==${version}"
    "${venv}/bin/python" -c \
        "import importlib.metadata as m, sys; print(sys.argv[1], 'pyworkforce', m.version('pyworkforce'))" \
        "${venv}"
}

make_env "${REPO}/.venv-bench-queueing" "${PYTHON:-python3.11}" "${PYWORKFORCE_VERSION:-0.5.1}"

PY312="${PYTHON312:-}"
if [ -z "${PY312}" ]; then
    for candidate in python3.12 "${HOME}/.pyenv/versions/3.12.1/bin/python"; do
        # a pyenv shim exists even when it cannot run: try the interpreter for real
        if "${candidate}" -c 'import sys; assert sys.version_info[:2] == (3, 12)' >/dev/null 2>&1; then
            PY312="${candidate}"; break
        fi
    done
fi
if [ -n "${PY312}" ]; then
    make_env "${REPO}/.venv-bench-queueing-py312" "${PY312}" "${PYWORKFORCE_VERSION_312:-0.5.4}"
else
    echo "no Python 3.12 found: skipping pyworkforce 0.5.4 (ErlangB/ErlangA anchors)" >&2
fi
