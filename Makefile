# corpusclean: `make run` cleans raw/ into clean/, `make test` runs the whole test suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Prefect runs offline: no analytics, no update checks.
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: install run test lint bench bench-all clean-output

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,dask,redis]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/corpusclean run raw clean

lint: $(STAMP)
	$(VENV)/bin/ruff check cleaners flows tests bench tools
	$(VENV)/bin/ruff format --check cleaners flows tests bench tools

test: $(STAMP)
	$(VENV)/bin/ruff check cleaners flows tests bench tools
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) -m bench.run --size 10000

# The three committed sizes, each in a fresh process (peak memory and caches of one size do not
# leak into the next). About 15 minutes on 2 cores.
bench-all: $(STAMP)
	for size in 10000 100000 1000000; do $(PY) -m bench.run --size $$size || exit 1; done

clean-output:
	find clean -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
