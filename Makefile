# Two commands do everything on a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# pip resolves torch==2.13.0 (the CPU build) from this machine's local wheel store.
# --no-compile: Python compiles a module when it is first imported; compiling every
# installed module up front (torch, scipy, mlflow, ...) made the dev install take 3 min
# 27 s instead of 1 min 16 s on 2 cores.
PIP    := $(BIN)/pip install --disable-pip-version-check -q --no-compile

.PHONY: demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(PIP) -e '.[dev]'
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	MPLBACKEND=Agg $(BIN)/routing-ml demo --out demo_output

test: $(VENV)/.installed-dev
	MPLBACKEND=Agg HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q -n 2 --dist loadfile --nbmake tests notebooks
	$(BIN)/ruff check src tests
	$(BIN)/mypy src/routing_ml

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests
	$(BIN)/mypy src/routing_ml

bench: $(VENV)/.installed-dev
	$(PIP) -e '.[bench]'
	for f in experiments/bench_*.py; do MPLBACKEND=Agg $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) build dist *.egg-info demo_output
