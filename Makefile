# One command runs what CI runs: `make test` (ruff, mypy --strict, pytest).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYPROJECT_HASH := $(shell sha256sum pyproject.toml | cut -c1-12)
STAMP := $(VENV)/.installed-$(PYPROJECT_HASH)
TEST_STAMP := $(VENV)/.installed-$(PYPROJECT_HASH)-test

.PHONY: run test clean triplestores

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	rm -f $(VENV)/.installed-*
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@ $(STAMP)

run: $(STAMP) web
	$(BIN)/pia-kg validate
	$(BIN)/pia-kg build
	$(BIN)/pia-kg summary
	@echo "make run: serving on http://127.0.0.1:8000 (Ctrl-C stops)" >&2
	$(BIN)/pia-kg serve --host 127.0.0.1 --port 8000

test: $(TEST_STAMP) triplestores jena chromium openrefine web
	$(BIN)/ruff check src tests
	$(BIN)/mypy src
	$(BIN)/lint-imports
	$(BIN)/pytest
	$(BIN)/pia-kg fmt --check

.PHONY: expected
expected: $(STAMP)  # accept new query results after review: rewrites queries/expected/ and shows the diff
	$(BIN)/pia-kg query --update-expected

clean:
	rm -rf $(VENV) build dist src/*.egg-info .mypy_cache .ruff_cache .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# Virtuoso for tests/test_triplestore.py (the Oxigraph server comes with the test extras); installed only when
# missing. Its tests skip, saying why, where it cannot be installed.
triplestores:
	@command -v virtuoso-t >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends virtuoso-opensource >/dev/null; } \
		|| echo "virtuoso-opensource could not be installed: its tests will be skipped" >&2

# Apache Jena ARQ (and a JDK, which runs its Java source) for the cross-engine test of the saved questions in
# tests/test_question_sides.py, installed only when missing. The test skips, saying why, where they cannot be
# installed.
.PHONY: jena
jena:
	@{ test -f /usr/share/java/jena-arq.jar && command -v javac >/dev/null 2>&1; } || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libapache-jena-java \
		default-jdk-headless >/dev/null; } \
		|| echo "libapache-jena-java could not be installed: the ARQ test will be skipped" >&2

# OpenRefine 3.6 (Debian's openrefine, with its Java runtime) for tests/test_openrefine.py, a real client of
# /reconcile, installed only when missing. The test skips, saying why, where it cannot be installed.
.PHONY: openrefine
openrefine:
	@command -v openrefine >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends openrefine >/dev/null; } \
		|| echo "openrefine could not be installed: the OpenRefine test will be skipped" >&2

# Headless Chromium for tests/test_server_browser.py, installed only when /usr/bin/chromium is missing; the test skips,
# saying why, where it cannot be installed.
.PHONY: chromium
chromium:
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq chromium >/dev/null; } \
		|| echo "chromium could not be installed: the browser test will be skipped" >&2

# YASGUI (served by `pia-kg serve` under /static/yasgui/), Comunica and playwright-core (client and browser tests),
# from the npm registry into web/node_modules, reinstalled when web/package-lock.json changes. Without npm the
# server offers a plain query form and those tests skip, saying why.
.PHONY: web
web:
	@test web/node_modules/.package-lock.json -nt web/package-lock.json || \
		(cd web && npm ci --no-audit --no-fund --loglevel=error) || \
		echo "npm ci in web/ failed: the query UI falls back to a plain form; Comunica and browser tests skip" >&2
