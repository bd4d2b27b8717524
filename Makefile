# Two commands on a fresh machine: `make run` and `make test`.
# Each creates what it needs (virtual environment, servers for tests) by itself.

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)
STORE  ?= sqlite:///coherence.db

.PHONY: run test lint typecheck layers unit bench clean browser libreoffice reports lock

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is required" >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

# The JavaScript library of the web page (Cytoscape.js), from npm: never committed.
node_modules/.package-lock.json: package.json package-lock.json
	command -v npm >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends npm; }
	npm ci --no-audit --no-fund
	touch $@

# Debian's chromium for the browser tests (outside CI they skip without it, with the reason).
browser:
	command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium; } \
		|| echo "chromium could not be installed: browser tests will be skipped (failed with CI=true)"

# Debian's LibreOffice (soffice) for the spreadsheet tests (outside CI they skip without it).
libreoffice:
	command -v soffice >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-calc-nogui; } \
		|| echo "LibreOffice could not be installed: spreadsheet tests will be skipped (failed with CI=true)"

# Debian's libraries of WeasyPrint (the report's PDF: Pango, HarfBuzz, fontconfig, a font)
# and poppler-utils (pdftotext, pdftoppm: the report tests read the PDF back).
REPORT_PACKAGES = libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libfontconfig1 fonts-dejavu-core poppler-utils
reports:
	{ command -v pdftotext >/dev/null && command -v pdftoppm >/dev/null \
		&& ldconfig -p | grep -q 'libpango-1.0.so.0' && ldconfig -p | grep -q 'libpangoft2-1.0.so.0' \
		&& ldconfig -p | grep -q 'libharfbuzz.so.0' && ldconfig -p | grep -q 'libfontconfig.so.1' \
		&& test -d /usr/share/fonts/truetype/dejavu; } \
		|| { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(REPORT_PACKAGES); } \
		|| echo "The report's libraries could not be installed: PDF reports and their tests will fail"

## run: load the demo plan into the embedded store (SQLite), show it, and serve the API on 127.0.0.1
HOST ?= 127.0.0.1
PORT ?= 8000
run: $(STAMP) node_modules/.package-lock.json
	$(BIN)/coherence demo --store $(STORE)
	$(BIN)/coherence serve --store $(STORE) --host $(HOST) --port $(PORT)

## test: lint, types, layer contract, then every test (PostgreSQL started by the tests)
test: $(STAMP) node_modules/.package-lock.json browser libreoffice reports lint typecheck layers
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## lock: the newest versions pyproject.toml allows into constraints.txt (then run `make test`)
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet --upgrade pip
	.venv-lock/bin/python -m pip install --quiet -e '.[dev]'
	{ grep '^#' constraints.txt; \
	  .venv-lock/bin/python -m pip freeze --exclude-editable | grep -v '^#\|^-e\|^coherence'; } > constraints.new
	mv constraints.new constraints.txt && rm -rf .venv-lock

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

layers: $(STAMP)
	$(BIN)/lint-imports

## bench: the benchmarks of bench/ (prints figures; not part of `make test`)
bench: $(STAMP) node_modules/.package-lock.json browser reports
	$(BIN)/python bench/bench_history.py
	$(BIN)/python bench/bench_graph.py
	$(BIN)/python bench/bench_funding.py
	$(BIN)/python bench/bench_history_rules.py
	$(BIN)/python bench/bench_neo4j.py
	$(BIN)/python bench/bench_api.py
	$(BIN)/python bench/bench_cached_read.py
	$(BIN)/python bench/bench_web.py
	$(BIN)/python bench/bench_workbook.py
	$(BIN)/python bench/bench_reports.py
	$(BIN)/python bench/bench_slides.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis coherence.db
