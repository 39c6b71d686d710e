# Landflow — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# One configuration for the server and every `landflow` command: the environment over
# landflow.toml (workflow/config.py). `make run` writes the file it used; DATABASE_URL, HOST, PORT
# and WORKERS given to make (or in the environment) go into it.
RUN_ENV := $(if $(DATABASE_URL),DATABASE_URL='$(DATABASE_URL)') \
  $(if $(HOST),LANDFLOW_HOST='$(HOST)') $(if $(PORT),LANDFLOW_PORT='$(PORT)') \
  $(if $(WORKERS),LANDFLOW_WORKERS='$(WORKERS)')
LANDFLOW := $(BIN)/landflow

.PHONY: install fonts config run migrate seed demo test test-sqlite docs lint bench clean

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

# Charts and certificates need a CJK font; install one from Debian if none is present and we can.
fonts:
	@fc-list :lang=zh 2>/dev/null | grep -q . || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei >/dev/null \
	    || (apt-get update -qq && apt-get install -y -qq fonts-wqy-microhei >/dev/null) \
	    || echo "warning: no CJK font; charts will answer 503"; \
	  else echo "warning: no CJK font (install fonts-wqy-microhei); charts will answer 503"; fi; }

config: install
	mkdir -p var
	$(RUN_ENV) $(LANDFLOW) config --write landflow.toml

migrate: config
	$(LANDFLOW) db upgrade

seed: migrate
	$(LANDFLOW) seed

## make run: install, migrate, seed, serve (SQLite in var/ unless DATABASE_URL is set); the
## settings it used are in landflow.toml, which every later `landflow` command reads too
run: fonts seed
	@echo "Landflow on $$($(LANDFLOW) config --get public_url)  (docs: /docs, OpenAPI: /api/v1/openapi.json)"
	$(BIN)/gunicorn --bind "$$($(LANDFLOW) config --get host):$$($(LANDFLOW) config --get port)" \
	  --workers "$$($(LANDFLOW) config --get workers)" wsgi:app

demo: seed
	$(LANDFLOW) demo

## make test: the whole suite; on PostgreSQL too when TEST_DATABASE_URL points at it (or a
## local PostgreSQL answers on 127.0.0.1:5432)
test: install fonts
	@url="$${TEST_DATABASE_URL:-}"; \
	if [ -z "$$url" ] && command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; then \
	  url=postgresql://postgres@127.0.0.1:5432/postgres; fi; \
	if [ -n "$$url" ]; then echo "tests on SQLite and $${url%%@*}@…"; else echo "tests on SQLite only"; fi; \
	TEST_DATABASE_URL="$$url" DATABASE_URL= LANDFLOW_CONFIG=/dev/null $(BIN)/python -m pytest $(PYTEST_ARGS)

test-sqlite: install
	TEST_DATABASE_URL= DATABASE_URL= LANDFLOW_CONFIG=/dev/null $(BIN)/python -m pytest $(PYTEST_ARGS)

## make bench: the benchmarks on PostgreSQL (BENCH_DATABASE_URL, default the local server);
## they write bench/RESULTS.md, and bench/summary.py puts where each target stands first,
## from the figures recorded by this run alone (bench/out/figures/). Not part of CI.
bench: install
	rm -rf bench/out/figures
	$(BIN)/python bench/profile_transition.py --parcels 40
	$(BIN)/python bench/transitions.py
	$(BIN)/python bench/counties.py --counties 8
	$(BIN)/python bench/import.py --rows 200000 --boundary-rows 20000
	$(BIN)/python bench/audit.py --parcels 1000000
	$(BIN)/python bench/exports.py --parcels 1000000
	$(BIN)/python bench/crash.py --cycles 10
	$(BIN)/python bench/summary.py

docs: install
	$(BIN)/landflow diagram --markdown -o docs/lifecycle.md
	$(BIN)/landflow rules --markdown > docs/rules.md

lint: install
	$(BIN)/ruff check states workflow api tests
	$(BIN)/mypy states workflow
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
