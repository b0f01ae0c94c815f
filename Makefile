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

## run: set up, then serve on 127.0.0.1:$(PORT)
run: setup
	$(DB_ENV); exec $(BIN)/gunicorn --bind 127.0.0.1:$(PORT) --workers 2 \
		--access-logfile - 'app:create_app()'

## test: set up PostGIS, then every test against throwaway databases
test: $(STAMP)
	scripts/localdb.sh install
	$(TEST_DB_ENV); $(BIN)/pytest

## test-fast: the tests not marked slow, for use while working
test-fast: $(STAMP)
	$(TEST_DB_ENV); $(BIN)/pytest -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy reporting gis

bench: $(STAMP)
	$(BIN)/python bench/photos.py

db:
	scripts/localdb.sh start

stop-db:
	scripts/localdb.sh stop

clean: stop-db
	rm -rf var $(VENV)
