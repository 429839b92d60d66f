# Two commands on a fresh machine: `make demo` and `make test`. Everything they need is installed here.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)
DEMO_DIR ?= out/demo
export HCS_DATA_DIR ?= $(CURDIR)/out/data

.PHONY: setup demo test lint typecheck bench clean services

$(STAMP): pyproject.toml constraints.txt scripts/install_browser.sh
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	bash scripts/install_browser.sh
	touch $(STAMP)

setup: $(STAMP)

services:
	@bash scripts/services.sh

demo: setup
	bash scripts/demo.sh

lint: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports

typecheck: setup
	$(BIN)/mypy src/hcsworkforce

test: setup services lint typecheck
	$(BIN)/python -m pytest

bench: setup services
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache .hypothesis
