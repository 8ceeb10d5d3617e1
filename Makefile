# Two commands on a fresh machine with only Python 3:
#   make demo      — creates .venv, installs archcalc (runtime dependencies only), prints the VGG-16 table
#   make test      — installs the test extras too, runs the default suite (about two minutes on two cores)
#   make test-all  — the default suite plus the slow tier (fuzzing, the whole zoo through the kernel, …)
#   make pictures  — regenerates docs/pictures/ (README's complexity chart among them)
# Versions come from constraints.txt; .ci/run also tests the newest versions pyproject.toml allows.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --quiet --constraint constraints.txt
# pytest-xdist: one worker per core, at most four.
PYTEST := $(BIN)/python -m pytest -n auto --maxprocesses 4

.PHONY: demo test test-all install install-test bench clean pictures

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

# The pictures need the plot extra (matplotlib) and Graphviz's dot for the diagram.
# ARCHCALC=archcalc uses an archcalc already on PATH instead of the .venv one.
ARCHCALC ?= $(BIN)/archcalc
PICTURES := docs/pictures
README_CHART := alexnet_torchvision vgg16 googlenet_torchvision inception_v3 resnet18 resnet50 resnet152 \
	densenet121 squeezenet1_0 mobilenet_v2 shufflenet_v2_x1_0 efficientnet_b0 efficientnet_b4 \
	resnext50_32x4d se_resnet50

$(VENV)/.plot-extra: $(VENV)/.installed
	$(PIP) -e '.[plot]'
	touch $@

pictures: $(if $(filter $(BIN)/archcalc,$(ARCHCALC)),$(VENV)/.plot-extra)
	mkdir -p $(PICTURES)
	$(ARCHCALC) plot $(README_CHART) -o $(PICTURES)/complexity.png
	$(ARCHCALC) plot --zoo -o $(PICTURES)/zoo.svg
	$(ARCHCALC) plot vgg16 --per-layer -o $(PICTURES)/vgg16-layers.png
	$(ARCHCALC) plot resnet50 --sweep 3x128x128:3x640x640 -o $(PICTURES)/resnet50-sweep.png
	$(ARCHCALC) diagram resnet18 --depth 0 -o $(PICTURES)/resnet18-blocks.png
	$(ARCHCALC) diagram lenet5 --format mermaid -o $(PICTURES)/lenet5.mmd

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
