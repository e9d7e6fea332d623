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

# Named experiments (scripts/grid.py, lfw_siamese/configs.py). The reference configuration is
# the grid's exp2 (the report's best is exp9); the full-size grid is a GPU job, reduced runs
# fit a CPU.
.PHONY: reference grid grid-reduced grid-table ablations ablations-table recipe-v2 recipe-v1 accuracy \
	accuracy-table view2 bench
reference: setup
	python scripts/grid.py queue --only exp2
	dvc exp run --run-all

grid: setup
	python scripts/grid.py queue --size full
	dvc exp run --run-all

grid-reduced: setup
	python scripts/grid.py queue --size reduced
	dvc exp run --run-all

grid-table: setup
	python scripts/grid.py table

# Experiments side by side, led by their results, in 120 columns (README, Experiments).
COMPARE_DROP := Created|threshold|.*eer|.*_at_0\.5|val\.accuracy|train\..*|time\..*|step|data/.*
.PHONY: compare plots
compare: setup
	dvc exp show --only-changed --drop '$(COMPARE_DROP)'

# The plots page (offline: plots/offline.html carries the chart libraries).
plots: setup
	dvc plots show

# The recipe (params.yaml) with 3 seeds, and the recipe less each ingredient.
ablations: setup
	python scripts/grid.py queue --set ablations --only recipe --seeds 0 1 2
	python scripts/grid.py queue --set ablations --only no-tta no-face-crop no-augment \
		pair-bce dev-pairs-only
	dvc exp run --run-all

ablations-table: setup
	python scripts/grid.py table --set ablations

# The previous recipes (v2, v1), as experiments.
recipe-v2: setup
	dvc exp run -n recipe-v2 $$(python scripts/grid.py args recipe-v2 --set ablations)

recipe-v1: setup
	dvc exp run -n recipe-v1 $$(python scripts/grid.py args recipe-v1 --set ablations)

# The levers tried toward 90% (issue 15), one change each to recipe v1, stratified validation.
accuracy: setup
	python scripts/grid.py queue --set accuracy
	dvc exp run --run-all

accuracy-table: setup
	python scripts/grid.py table --set accuracy --all-commits

# LFW View 2: ten folds of pairs.txt (see view2/dvc.yaml).
view2: setup
	dvc repro view2/dvc.yaml

# Benchmarks (see benchmarks/): print tables, write benchmarks/results/*.json.
bench: setup
	dvc repro
	python benchmarks/prepare.py
	python benchmarks/train.py
	python benchmarks/steadiness.py
	python benchmarks/pipeline.py
