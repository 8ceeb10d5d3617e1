# Two commands on a fresh machine with only Python 3:
#   make demo   — creates .venv, installs archcalc, prints the VGG-16 table
#   make test   — creates .venv, installs archcalc with its test extras, runs the whole suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test install bench clean

$(BIN)/archcalc: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/archcalc

demo: install
	$(BIN)/archcalc summary vgg16

test: install
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/bench_verify.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
