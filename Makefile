# Two commands do all the set-up on a fresh machine:
#   make demo   creates .venv, installs portalize, runs the main job on the bundled samples
#   make test   the same set-up, plus Chromium and a throwaway PostgreSQL, then the tests
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install demo test test-fast bench schema clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip "setuptools>=68"
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/portalize demo

test: install
	bash scripts/test.sh

# Unit tests only (no servers, no browser, no PostgreSQL).
test-fast: install
	$(BIN)/python -m pytest -q -m "not integration and not browser and not postgres"

schema: install
	$(BIN)/python -m portalize.transform.schema

clean:
	rm -rf var .pytest_cache
