# Two commands for a fresh machine: `make run` (set up, build the graph from notes/, serve it)
# and `make test` (set up, lint, type-check, run the whole suite).
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin

CHROMIUM ?= /usr/bin/chromium
CYTOSCAPE ?= 3.35.0
AXE ?= 4.14.1
SWAGGER_UI ?= 5.35.0
YASGUI ?= 4.6.2
CYTOSCAPE_DAGRE ?= 4.0.1
DAGRE ?= 3.1.3
# pytest processes (pytest-xdist); whole test files go to one process, so a file's servers start once
TEST_WORKERS ?= 2

.PHONY: setup browser virtuoso run test lint bench vendor clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

run: setup
	$(BIN)/kg ingest notes/
	$(BIN)/kg stats
	$(BIN)/kg ask "someone is copying my model through its API" -k 3
	$(BIN)/kg serve

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The page's tests drive Debian's Chromium (Playwright's own browser download is not used).
browser:
	@test -x $(CHROMIUM) || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

# The remote-store tests also run against Virtuoso 7 (Debian's package); where it cannot be installed
# they skip and say why.
virtuoso:
	@command -v virtuoso-t >/dev/null || (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq virtuoso-opensource \
	  || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq virtuoso-opensource) \
	  || echo "virtuoso-opensource could not be installed: the Virtuoso tests will skip")

test: lint browser virtuoso
	CHROMIUM_PATH=$(CHROMIUM) $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

bench: setup
	$(BIN)/python bench/bench_ingest.py --notes 1000 10000
	$(BIN)/python bench/bench_ask.py --notes 0 10000
	$(BIN)/python bench/bench_writes.py --notes 1000 10000
	$(BIN)/python bench/bench_http.py --seconds 5
	$(BIN)/python bench/bench_load.py --seconds 20

# Refresh the vendored JavaScript from the npm registry (the page never loads it from elsewhere).
vendor:
	cd $$(mktemp -d) && npm pack --silent cytoscape@$(CYTOSCAPE) && tar xzf cytoscape-$(CYTOSCAPE).tgz && \
	  cp package/dist/cytoscape.min.js $(CURDIR)/api/static/vendor/ && \
	  cp package/LICENSE $(CURDIR)/api/static/vendor/cytoscape.LICENSE
	cd $$(mktemp -d) && npm pack --silent swagger-ui-dist@$(SWAGGER_UI) && tar xzf swagger-ui-dist-$(SWAGGER_UI).tgz && \
	  cp package/swagger-ui-bundle.js package/swagger-ui.css package/swagger-ui-bundle.js.LICENSE.txt $(CURDIR)/api/static/vendor/ && \
	  cp package/LICENSE $(CURDIR)/api/static/vendor/swagger-ui.LICENSE && cp package/NOTICE $(CURDIR)/api/static/vendor/swagger-ui.NOTICE
	cd $$(mktemp -d) && npm pack --silent @zazuko/yasgui@$(YASGUI) && tar xzf zazuko-yasgui-$(YASGUI).tgz && \
	  cp package/build/yasgui.min.js package/build/yasgui.min.css $(CURDIR)/api/static/vendor/
	cd $$(mktemp -d) && npm pack --silent cytoscape-dagre@$(CYTOSCAPE_DAGRE) && tar xzf cytoscape-dagre-$(CYTOSCAPE_DAGRE).tgz && \
	  cp package/dist/cytoscape-dagre.min.js $(CURDIR)/api/static/vendor/ && \
	  cp package/LICENSE $(CURDIR)/api/static/vendor/cytoscape-dagre.LICENSE
	cd $$(mktemp -d) && npm pack --silent @dagrejs/dagre@$(DAGRE) && tar xzf dagrejs-dagre-$(DAGRE).tgz && \
	  cp package/LICENSE $(CURDIR)/api/static/vendor/dagre.LICENSE
	cd $$(mktemp -d) && npm pack --silent axe-core@$(AXE) && tar xzf axe-core-$(AXE).tgz && \
	  cp package/axe.min.js $(CURDIR)/tests/vendor/ && cp package/LICENSE $(CURDIR)/tests/vendor/axe-core.LICENSE

clean:
	rm -rf $(VENV) .mlkg bench/out
