# Two entry points: `make run` (the emulated stack on 127.0.0.1) and `make test` (the whole suite).
# Both create .venv and node_modules themselves from the pinned requirements and package-lock.json.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAGE ?= dev
HOST ?= 127.0.0.1
PORT ?= 8000
MOTO_PORT ?= 5000
ROLE ?= vendor
ORG ?= acme
export AWS_DEFAULT_REGION ?= us-east-1

.PHONY: help deps chromium run seed test pytest fuzz lint lint-py lint-types lint-asl lint-cfn package bench token rules handlers verify-audit clean

help:
	@echo "make run      start the local stack (API on http://$(HOST):$(PORT), moto on $(MOTO_PORT))"
	@echo "make seed     (with make run going) a demo data set written through the API: vendors, bids, a contract, plans"
	@echo "make test     make lint and the full pytest suite (TZ=America/New_York)"
	@echo "make lint     ruff (lint and format), mypy, ASL and CloudFormation checks"
	@echo "make fuzz     schemathesis over every operation and role, 100 examples each plus boundary cases; findings in build/fuzz-findings.jsonl"
	@echo "make package  CloudFormation template for AWS in build/package/"
	@echo "make bench    the goals of issue #14 with PASS/FAIL: cold imports, DynamoDB calls and request units, workflows, the bid race, a notice to 10,000 vendors, the opening, a full procurement priced (python -m bench SECTION for one)"
	@echo "make token ROLE=purchasing ORG=DAS-BOP   print a local dev bearer token"
	@echo "make rules    rules of RULES.md with and without tests"
	@echo "make handlers rewrite chalicelib/handlers.py (the table app.py registers routes and functions from) after adding or changing one"
	@echo "make verify-audit   (with make run going) check every audit hash, chain, log root and signed checkpoint; EXPORT=file.json verifies an export instead"

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The browser tests drive Debian's chromium (never a browser downloaded by Playwright); the test command installs it.
chromium:
	@test -x /usr/bin/chromium || { \
		as_root=$$( [ "$$(id -u)" = 0 ] || echo "sudo -n" ); \
		$$as_root env DEBIAN_FRONTEND=noninteractive sh -c 'apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium' \
		|| { echo "The browser tests need Debian's chromium at /usr/bin/chromium: run 'sudo apt-get install -y --no-install-recommends chromium'." >&2; exit 1; }; }

deps: $(VENV)/.installed node_modules/.installed

run: deps
	$(PY) -m local.server --host $(HOST) --port $(PORT) --moto-port $(MOTO_PORT)

verify-audit: deps
	MOTO_PORT=$(MOTO_PORT) $(PY) -m local.verify_audit $(if $(EXPORT),--from-export $(EXPORT))

seed: deps
	@LOCAL_API=http://$(HOST):$(PORT) $(PY) -m local.seed

test: lint pytest

pytest: deps chromium
	TZ=$${TZ:-America/New_York} $(PY) -m pytest $(PYTEST_ARGS)

FUZZ_EXAMPLES ?= 100
fuzz: deps
	@mkdir -p build && rm -f build/fuzz-findings.jsonl
	TZ=$${TZ:-America/New_York} FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_PHASES=examples,coverage,fuzzing FUZZ_FINDINGS=build/fuzz-findings.jsonl \
		$(PY) -m pytest -p no:logging --show-capture=no tests/fuzz $(PYTEST_ARGS)

lint: lint-py lint-types lint-asl lint-cfn

lint-py: deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Files and options in pyproject.toml [tool.mypy]; a finding fails `make lint`, so `make test`.
lint-types: deps
	$(VENV)/bin/mypy

lint-asl: deps
	@$(PY) -m infra.build --asl-dir build/asl
	@for f in statemachines/*.asl.json build/asl/*.asl.json; do npx --no-install asl-validator --json-path "$$f" || exit 1; done

package: deps
	rm -rf build/package
	$(PY) -m infra.build build/merge-template.json
	$(VENV)/bin/chalice package --stage $(STAGE) --merge-template build/merge-template.json build/package
	$(PY) -m infra.precompile build/package/deployment.zip

lint-cfn: package
	$(VENV)/bin/cfn-lint build/package/sam.json

bench: deps
	$(PY) -m bench

token: deps
	@LOCAL_API=http://$(HOST):$(PORT) $(PY) -m local.token $(ROLE) $(ORG) $(SUB)

rules: deps
	@$(PY) -m local.rules

handlers: deps
	$(PY) -m local.handler_table

clean:
	rm -rf $(VENV) node_modules build .pytest_cache
