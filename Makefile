# Two entry points, each doing its own set-up in ./.venv:
#   make repro   set up, then run the whole pipeline (dvc repro)
#   make test    set up, then lint and run the test suite (real data included): what CI runs
# EXTRAS picks the Keras backend install: cpu (tensorflow-cpu, default), gpu (JAX with CUDA;
# Keras then runs on JAX) or tf (TensorFlow with CUDA).

PYTHON ?= python3
EXTRAS ?= cpu
VENV := .venv
export PATH := $(abspath $(VENV))/bin:$(PATH)
ifeq ($(EXTRAS),gpu)
export KERAS_BACKEND ?= jax
endif

.PHONY: setup repro test test-fast test-full lint
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

# Everything but the tests marked `full`, one worker a core, each test file on one worker (a
# file's tests share its fixtures); the 25 slowest are listed at the end.
test: lint
	pytest -ra --durations=25 -m "not full" -n auto --dist loadfile

# The edit loop: lint and the unit tests (no pipeline runs, no training of more than seconds).
test-fast: lint
	pytest -q -m "not slow and not full"

# What costs minutes and adds little per change: the ten real View 2 folds, the two-clone and
# queue runs on real data, the real grid, the research probes, 200 property draws. Run it
# before resolving a change to the pipeline, the View 2 stages or training.
test-full: lint
	pytest -ra --durations=25 -m full
	pytest -ra tests/test_params_property.py --hypothesis-profile=full

# Named experiments: the files of experiments/ (scripts/grid.py). SET is a file name without
# .yaml, SIZE one of experiments/sizes.yaml (reduced fits a CPU), SEEDS e.g. "0 1 2".
SET ?= report
SIZE ?= full
SEEDS ?=
.PHONY: reference grid table compare plots view2 blufr bench
reference: setup
	python scripts/grid.py queue reference
	dvc exp run --run-all

grid: setup
	python scripts/grid.py queue $(SET) --size $(SIZE) $(if $(SEEDS),--seeds $(SEEDS))
	dvc exp run --run-all

table: setup
	python scripts/grid.py table $(SET)

# Experiments side by side, led by their results, in 120 columns.
COMPARE_DROP := Created|threshold|.*eer|.*_at_0\.5|val\.accuracy|net\..*|train\..*|time\..*|step|data/.*|one_shot_20\.(net|descriptors|pixels)|rank1_all|dir_.*
compare: setup
	dvc exp show --only-changed --drop '$(COMPARE_DROP)'

# The plots page (offline: plots/offline.html carries the chart libraries).
plots: setup
	dvc plots show

# LFW View 2: ten folds of pairs.txt (view2/dvc.yaml); JOBS folds at once (scripts/view2.py:
# DVC's queue, results merged through git; commit first).
JOBS ?= 1
view2: setup
	python scripts/view2.py --jobs $(JOBS)

# BLUFR-style trials (blufr/dvc.yaml), after the pipeline whose data they read: one trial
# trains its own net (~30-60 min on 2 CPU cores).
blufr: setup
	dvc repro
	dvc repro blufr/dvc.yaml

# Benchmarks (benchmarks/): print tables, write benchmarks/results/*.json.
bench: setup
	dvc repro
	python benchmarks/prepare.py
	python benchmarks/train.py
	python benchmarks/steadiness.py
	python benchmarks/pipeline.py
