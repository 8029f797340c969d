# itdash: `make demo` to see it, `make test` to check it. `make help` lists the rest.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# The shared corpus beside the project, else the project's own fictional sample (data/sample).
CORPUS ?= $(if $(wildcard ../shared/corpus/manifest.csv),../shared/corpus,data/sample)
HOST   ?= 127.0.0.1
PORT   ?= 8050
export CORPUS

.PHONY: help demo test lint bench etl serve clean

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-6s %s\n", $$1, $$2}'

$(BIN)/itdash: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

demo: $(BIN)/itdash ## set up, load the sample corpus into SQLite, serve on http://$(HOST):$(PORT)
	$(BIN)/itdash demo --corpus $(CORPUS) --host $(HOST) --port $(PORT)

test: $(BIN)/itdash ## set up and run every test (browser and PostgreSQL included)
	$(BIN)/python -m pytest

lint: $(BIN)/itdash ## ruff over the code
	$(BIN)/ruff check itdash etl schemas dashboard tests bench
	$(BIN)/ruff format --check itdash etl schemas dashboard tests bench

BENCH_REPLIES ?= 10000 100000

bench: $(BIN)/itdash ## print extraction, ETL (BENCH_REPLIES="10000 100000") and dashboard benchmark figures
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/run.py
	$(BIN)/python bench/etl.py --replies $(BENCH_REPLIES)
	$(BIN)/python bench/dashboard.py

etl: $(BIN)/itdash ## load the corpus only
	$(BIN)/itdash etl --corpus $(CORPUS)

serve: $(BIN)/itdash ## serve only
	$(BIN)/itdash serve --host $(HOST) --port $(PORT)

clean: ## remove the virtualenv and generated data
	rm -rf $(VENV) data/itdash.sqlite* bench/out screenshots
