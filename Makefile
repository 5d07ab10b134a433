# rosterlink: `make demo` runs the pipeline on synthetic rosters, `make test` runs the test suite,
# `make dev` starts the Dagster UI (`dg dev`). Each target creates .venv (Python 3.11) when it is missing.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PIP_QUIET := --quiet --disable-pip-version-check

export DAGSTER_DISABLE_TELEMETRY := 1

.PHONY: demo test dev install install-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

install: $(BIN)/python
	$(BIN)/pip install $(PIP_QUIET) -e .

install-test: $(BIN)/python
	$(BIN)/pip install $(PIP_QUIET) -e '.[test]'
	if [ -f scripts/ensure_chromium.sh ]; then bash scripts/ensure_chromium.sh; fi

demo: install
	$(BIN)/rosterlink demo

test: install-test
	$(BIN)/pytest -q

# The UI reads demo_output/input and writes demo_output/output unless ROSTERLINK_INPUT /
# ROSTERLINK_OUTPUT say otherwise; run `make demo` first to have an input folder.
dev: install
	mkdir -p .dagster_home
	printf 'telemetry:\n  enabled: false\n' > .dagster_home/dagster.yaml
	# dg dev reads the code location from [tool.dg] in pyproject.toml (dagster dev is superseded by it)
	DAGSTER_HOME=$(CURDIR)/.dagster_home PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/dg dev
