# make        : create .venv, install the project, run the main job (train, log to MLflow, predict a sample)
# make test   : create .venv if needed, install the project with dev extras, run the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: all install main test

all: main

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"

main: install
	$(BIN)/python -m training.jobs.main

test: install
	$(BIN)/python -m pytest
