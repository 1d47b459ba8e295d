# The two newcomer commands: `make run` and `make test`. Everything they need is set up here.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP_RUN  := $(VENV)/.installed-run
STAMP_DEV  := $(VENV)/.installed-dev

.PHONY: run test test-core bench soak screenshots bundle lint typecheck sysdeps clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip

$(STAMP_RUN): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install -e .
	touch $@

$(STAMP_DEV): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install -e '.[dev]'
	touch $@ $(STAMP_RUN)

# Debian libraries Qt needs even offscreen; installed only when missing.
sysdeps:
	@sh tools/install-sysdeps.sh

run: sysdeps $(STAMP_RUN)
	$(VENV)/bin/dti-desk

test: sysdeps $(STAMP_DEV)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -m "not soak"

test-core: $(STAMP_DEV)
	$(PY) -m pytest -q -m "not soak and not gui"

soak: sysdeps $(STAMP_DEV)
	QT_QPA_PLATFORM=offscreen DTI_SOAK_KILLS=200 $(PY) -m pytest -q -m soak

bench: sysdeps $(STAMP_DEV)
	@set -e; for f in benchmarks/bench_*.py; do \
		echo "== $$f"; QT_QPA_PLATFORM=offscreen $(PY) $$f; done

screenshots: sysdeps $(STAMP_DEV)
	sh tools/install-sysdeps.sh screenshots
	QT_QPA_PLATFORM=offscreen $(PY) -m desktop.screenshots --out screenshots
	QT_QPA_PLATFORM=offscreen $(PY) -m desktop.output_shots --out screenshots

bundle: sysdeps $(STAMP_DEV)
	sh packaging/build-linux.sh

lint: $(STAMP_DEV)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP_DEV)
	$(VENV)/bin/mypy forms local_db desktop

clean:
	rm -rf $(VENV) build dist .pytest_cache screenshots
