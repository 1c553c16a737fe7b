# The two commands of the README. Everything else is a helper for them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
ASSETS ?= cdn
export PORT ASSETS

.PHONY: run test install install-test npm load serve bench eval bench-extract bench-load clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'

npm:
	@test ! -f package.json || npm ci --no-audit --no-fund --loglevel=error

run: install
	@if [ "$(ASSETS)" = "local" ]; then $(MAKE) --no-print-directory npm; fi
	$(BIN)/tidemark load data/
	$(BIN)/tidemark serve --host 127.0.0.1 --port $(PORT)

test: install-test npm
	ASSETS=local $(BIN)/python -m pytest

eval: install
	$(BIN)/tidemark eval --data-dir data

bench-extract: install
	$$(command -v taskset >/dev/null && echo taskset -c 0) $(BIN)/python bench/extract_bench.py

bench-load: install
	$(BIN)/python bench/load_bench.py

clean:
	rm -rf $(VENV) node_modules tidemark.db
