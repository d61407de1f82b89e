# One command runs what CI runs: `make test` (ruff, mypy --strict, pytest).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYPROJECT_HASH := $(shell sha256sum pyproject.toml | cut -c1-12)
STAMP := $(VENV)/.installed-$(PYPROJECT_HASH)
TEST_STAMP := $(VENV)/.installed-$(PYPROJECT_HASH)-test

.PHONY: run test clean expected

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

run: $(STAMP)
	$(BIN)/pia-kg validate
	$(BIN)/pia-kg build
	$(BIN)/pia-kg summary

test: $(TEST_STAMP) chromium
	$(BIN)/ruff check src tests
	$(BIN)/mypy src
	$(BIN)/pytest
	$(BIN)/pia-kg fmt --check

expected: $(STAMP)  # accept new query results after review: rewrites queries/expected/ and shows the diff
	$(BIN)/pia-kg query --update-expected

clean:
	rm -rf $(VENV) build dist src/*.egg-info .mypy_cache .ruff_cache .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# Headless Chromium for tests/test_browser.py, installed only when /usr/bin/chromium is missing; the test skips,
# saying why, where it cannot be installed.
.PHONY: chromium
chromium:
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq chromium >/dev/null; } \
		|| echo "chromium could not be installed: the browser test will be skipped" >&2
