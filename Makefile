# `make run` and `make test` work on a fresh clone: both create the virtual environment on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

run: $(STAMP)
	$(PY) main.py

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

bench: $(STAMP)
	$(PY) bench/bench_throughput.py

# ruff (mistakes and import order), mypy (strict on engine/ and gui/), lint-imports (the layers, pyproject.toml).
lint: $(STAMP)
	$(PY) -m pip install --quiet -e ".[dev]"
	$(PY) -m ruff check engine gui tests bench main.py
	$(PY) -m mypy
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache
