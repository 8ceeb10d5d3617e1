# Two commands on a fresh machine with only Python 3:
#   make demo   — creates .venv, installs archcalc, prints the VGG-16 table
#   make test   — creates .venv, installs archcalc with its test extras, runs the whole suite
#   make pictures — regenerates the pictures in docs/pictures/ (README's complexity chart among them)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test install bench clean pictures

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

# The pictures need the plot extra (matplotlib) and Graphviz's dot for the diagram.
# ARCHCALC=archcalc uses an archcalc already on PATH instead of the .venv one.
ARCHCALC ?= $(BIN)/archcalc
PICTURES := docs/pictures
README_CHART := alexnet_torchvision vgg16 googlenet_torchvision inception_v3 resnet18 resnet50 resnet152 \
	densenet121 squeezenet1_0 mobilenet_v2 shufflenet_v2_x1_0 efficientnet_b0 efficientnet_b4 \
	resnext50_32x4d se_resnet50

$(VENV)/.plot-extra: $(BIN)/archcalc
	$(BIN)/python -m pip install --quiet -e '.[plot]'
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
