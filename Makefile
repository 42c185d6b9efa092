# The two commands of the README: `make run` and `make test`. Both install what they need.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench install territory package clean

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] < (3, 11) and "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(PY) -m local.run

test: install
	$(PY) -m pytest

bench: install
	$(PY) -m bench.run

# Rebuild chalicelib/data/territory.json from the official open data (npm, once).
territory: install
	$(PY) scripts/build_territory.py

package: install
	$(VENV)/bin/chalice package --stage prod build/package

clean:
	rm -rf $(VENV) .local build .cache .pytest_cache
