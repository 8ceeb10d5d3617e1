# Two commands on a fresh machine with only Python 3:
#   make demo      — creates .venv, installs archcalc (runtime dependencies only), prints the VGG-16 table
#   make test      — installs the test extras too, runs the default suite (about two minutes on two cores)
#   make test-all  — the default suite plus the slow tier (fuzzing, the whole zoo through the kernel, …)
# Versions come from constraints.txt; .ci/run also tests the newest versions pyproject.toml allows.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --quiet --constraint constraints.txt
# pytest-xdist: one worker per core, at most four.
PYTEST := $(BIN)/python -m pytest -n auto --maxprocesses 4

.PHONY: demo test test-all install install-test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml constraints.txt $(VENV)/.installed
	$(PIP) -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

demo: install
	$(BIN)/archcalc summary vgg16

test: install-test
	$(PYTEST)

test-all: install-test
	$(PYTEST) -m "slow or not slow"

bench: install
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/bench_startup.py
	$(BIN)/python benchmarks/bench_verify.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
