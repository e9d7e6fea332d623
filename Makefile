# Two entry points, each doing its own set-up in ./.venv:
#   make repro   set up, then run the whole pipeline (dvc repro)
#   make test    set up, then lint and run the test suite
# EXTRAS picks the Keras backend install: cpu (tensorflow-cpu, default) or tf (with CUDA).

PYTHON ?= python3
EXTRAS ?= cpu
VENV := .venv
export PATH := $(abspath $(VENV))/bin:$(PATH)

.PHONY: setup repro test lint

$(VENV)/.installed-$(EXTRAS): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q -e '.[$(EXTRAS),dev]'
	touch $@

setup: $(VENV)/.installed-$(EXTRAS)

repro: setup
	dvc repro

lint: setup
	ruff check .

test: lint
	pytest -ra

# The experiment grid (see scripts/grid.py): full size is a GPU job, reduced runs on a CPU.
.PHONY: grid grid-reduced grid-table
grid: setup
	python scripts/grid.py queue --size full
	dvc exp run --run-all

grid-reduced: setup
	python scripts/grid.py queue --size reduced
	dvc exp run --run-all

grid-table: setup
	python scripts/grid.py table
