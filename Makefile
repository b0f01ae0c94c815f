# Two commands on a fresh machine: `make run` serves Tsuho, `make test` runs every test.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FLASK := $(BIN)/flask --app app
PORT ?= 5000
# DATABASE_URL when given, else the project's own cluster under var/pg (started on demand).
DB_ENV = DATABASE_URL="$${DATABASE_URL:-$$(scripts/localdb.sh start)}"; export DATABASE_URL
TEST_DB_ENV = TEST_DATABASE_URL="$${TEST_DATABASE_URL:-$$(scripts/localdb.sh start)}"; \
	export TEST_DATABASE_URL

.PHONY: run test test-fast lint bench setup db stop-db clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

## setup: virtualenv, PostGIS, migrations, the city's areas and a first admin account
setup: $(STAMP)
	$(DB_ENV); \
	$(BIN)/alembic upgrade head; \
	$(FLASK) areas load; \
	$(FLASK) users ensure-admin

## run: set up, then serve on 127.0.0.1:$(PORT) with a worker beside (Ctrl-C stops both)
# Their logs go to var/log so that the last lines here are the address and the admin's login.
run: $(STAMP)
	$(DB_ENV); \
	export PROMETHEUS_MULTIPROC_DIR="$${PROMETHEUS_MULTIPROC_DIR:-$$PWD/var/metrics}"; \
	mkdir -p "$$PROMETHEUS_MULTIPROC_DIR"; \
	$(BIN)/alembic upgrade head; \
	$(FLASK) areas load; \
	admin="$$($(FLASK) users ensure-admin)"; \
	logs="$${TSUHO_VAR_DIR:-var}/log"; mkdir -p "$$logs"; \
	rm -rf "$$PROMETHEUS_MULTIPROC_DIR"; mkdir -p "$$PROMETHEUS_MULTIPROC_DIR"; \
	pids=; \
	trap 'kill $$pids 2>/dev/null || true; wait $$pids 2>/dev/null || true' EXIT; \
	trap 'exit 0' INT TERM; \
	$(BIN)/gunicorn --bind 127.0.0.1:$(PORT) --workers 2 --worker-class gthread --threads 4 \
		--access-logfile - 'app:create_app()' >>"$$logs/web.log" 2>&1 & pids="$$!"; \
	$(FLASK) worker >>"$$logs/worker.log" 2>&1 & pids="$$pids $$!"; \
	$(BIN)/python scripts/wait_http.py http://127.0.0.1:$(PORT)/healthz 90 $$pids || \
		{ echo "the server did not start: see $$logs/web.log" >&2; exit 1; }; \
	echo; \
	echo "Tsuho is serving, with a worker; logs in $$logs/web.log and $$logs/worker.log."; \
	echo "Press Ctrl-C to stop both. Open:"; \
	echo "  http://127.0.0.1:$(PORT)/staff/login"; \
	echo "$$admin"; \
	wait -n $$pids

# The demo serves on its own port, beside any `make run`; its LINE Platform is the simulator's fake.
DEMO_PORT ?= 5055
DEMO_LINE_PORT ?= 8787
DEMO_SCRIPTS := $(sort $(wildcard demo/*.txt))

.PHONY: demo
## demo: set up, serve on 127.0.0.1:$(DEMO_PORT) with a worker, and play demo/*.txt as residents
demo: setup
	$(DB_ENV); mkdir -p var; \
	export LINE_CHANNEL_SECRET=tsuho-demo-secret LINE_CHANNEL_ACCESS_TOKEN=tsuho-demo-token \
		LINE_API_HOST=http://127.0.0.1:$(DEMO_LINE_PORT); \
	pids=; \
	stop() { status=$$?; kill $$pids 2>/dev/null || true; wait $$pids 2>/dev/null || true; \
		[ $$status -eq 0 ] || echo "demo failed: see var/demo-server.log, var/demo-worker.log" >&2; }; \
	trap stop EXIT; \
	$(BIN)/gunicorn --bind 127.0.0.1:$(DEMO_PORT) --workers 2 'app:create_app()' \
		>var/demo-server.log 2>&1 & pids="$$!"; \
	$(FLASK) worker >var/demo-worker.log 2>&1 & pids="$$pids $$!"; \
	$(FLASK) line simulate --server http://127.0.0.1:$(DEMO_PORT)/line/webhook \
		--fake-port $(DEMO_LINE_PORT) --wait-server 60 $(addprefix --script ,$(DEMO_SCRIPTS)); \
	echo; \
	echo "The demo reports are filed; their receipt numbers are above. To look at them:"; \
	echo "  psql \"$$DATABASE_URL\" -c 'SELECT receipt_number, category, subcategory, area_code, note FROM reports ORDER BY id'"; \
	echo "  photos: $${PHOTO_DIR:-var/photos}    logs: var/demo-server.log, var/demo-worker.log"

## test: set up PostGIS, then every test against throwaway databases
test: $(STAMP)
	scripts/localdb.sh install
	scripts/system-packages.sh gdal-bin chromium fonts-noto-cjk nginx npm python3-qgis qgis-providers
	scripts/axe-core.sh >/dev/null
	$(TEST_DB_ENV); $(BIN)/pytest

## test-fast: the tests not marked slow, for use while working
test-fast: $(STAMP)
	$(TEST_DB_ENV); $(BIN)/pytest -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy reporting gis

## bench: every benchmark, each printing its figures beside a baseline from the same run
bench: $(STAMP)
	scripts/localdb.sh install
	scripts/system-packages.sh gdal-bin chromium fonts-noto-cjk wrk
	$(BIN)/python bench/photos.py
	$(BIN)/python bench/exports.py
	$(BIN)/python bench/webhook.py
	$(BIN)/python bench/staff_map.py
	$(BIN)/python bench/staff_pages.py
	$(BIN)/python bench/public_map.py
	$(BIN)/python bench/ogc.py
	$(BIN)/python bench/surge.py

db:
	scripts/localdb.sh start

stop-db:
	scripts/localdb.sh stop

clean: stop-db
	rm -rf var $(VENV)
