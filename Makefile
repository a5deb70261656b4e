# Snowland CME. `make run` serves the demo; `make test` runs the whole suite.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
UV := $(PYTHON) -m uv
RUN := $(UV) run --frozen
MANAGE := $(RUN) python manage.py
# The second test run uses its own throw-away database (pytest-django creates test_snowland).
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/snowland
PG_ANSWERS := $(PYTHON) -c "import socket; socket.create_connection(('127.0.0.1', 5432), 1)" 2>/dev/null

.PHONY: help install system-deps messages makemessages run test test-sqlite test-postgres lint format bench worker serve serve-stop stop serve-status

help:
	@echo "make run    install, migrate, load demo content and serve on http://127.0.0.1:8000"
	@echo "make test   install and run the whole suite (SQLite, then PostgreSQL if it answers)"
	@echo "make lint   ruff, djlint, import-linter and the migrations check"
	@echo "make bench  benchmarks, as ratios against a baseline from the same run"
	@echo "make serve  the production stack on this machine (gunicorn, Celery worker and beat)"
	@echo "make stop   stop what make serve started"

install: system-deps
	@$(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet "uv>=0.5"
	$(UV) sync --frozen
	$(MANAGE) build_certificate_fonts

# gettext compiles the translations; Debian's chromium (and CJK fonts for the Chinese
# pages) runs the browser journey tests (tests/e2e), which Playwright never downloads.
# Certificate PDFs (docs/decisions/0008) need WeasyPrint's Pango, HarfBuzz's subsetter
# (without it every PDF subsets its fonts in Python, ~100x slower), fontconfig and the
# Chinese and Tibetan fonts that `build_certificate_fonts` (run by install) reduces;
# poppler-utils and zbar-tools let the tests read a PDF's page and decode its QR code.
# Installed when missing (Debian, as root).
system-deps:
	@command -v msgfmt >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && apt-get install -y -qq gettext >/dev/null; \
	  else echo "Please install GNU gettext (Debian/Ubuntu: sudo apt-get install gettext)"; exit 1; fi; }
	@missing=""; \
	  [ -x /usr/bin/chromium ] || missing="chromium"; \
	  dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing="$$missing fonts-noto-cjk"; \
	  if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	      apt-get update -qq && apt-get install -y -qq $$missing >/dev/null; \
	    else echo "Please install$$missing for the browser tests (Debian/Ubuntu: sudo apt-get install$$missing); they are skipped without chromium"; fi; \
	  fi
	@command -v dpkg >/dev/null 2>&1 || exit 0; \
	  missing=""; \
	  for pkg in libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig \
	      fonts-noto-cjk fonts-tibetan-machine poppler-utils zbar-tools; do \
	    dpkg -s $$pkg >/dev/null 2>&1 || missing="$$missing $$pkg"; \
	  done; \
	  if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	      apt-get update -qq && apt-get install -y -qq $$missing >/dev/null; \
	    else echo "Please install$$missing for certificate PDFs (Debian/Ubuntu: sudo apt-get install$$missing)"; exit 1; fi; \
	  fi

messages: install
	$(MANAGE) compilemessages --ignore=.venv --verbosity 0

makemessages: install
	$(MANAGE) makemessages --ignore=.venv --ignore=staticfiles --no-obsolete -l zh_Hans -l en

run: messages
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	@echo "Serving on http://127.0.0.1:8000 (admin at http://127.0.0.1:8000/admin/)"
	$(MANAGE) runserver 127.0.0.1:8000

lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) djlint templates --lint
	$(RUN) lint-imports
	DJANGO_SETTINGS_MODULE=config.settings.test $(RUN) python manage.py makemigrations --check --dry-run

format: install
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

test: messages lint test-sqlite test-postgres

test-sqlite:
	$(RUN) pytest

test-postgres:
	@if $(PG_ANSWERS); then \
	  echo "PostgreSQL answers on 127.0.0.1:5432: running the suite again on it"; \
	  DATABASE_URL=$(PG_TEST_URL) $(RUN) pytest --create-db; \
	else \
	  echo "PostgreSQL does not answer on 127.0.0.1:5432: the PostgreSQL run is skipped"; \
	fi

# Benchmarks (bench/run.py, docs/performance.md): every scenario as a ratio against a
# floor measured in the same run, under gunicorn with the production settings, driven
# by wrk on loopback. Needs PostgreSQL and Redis on 127.0.0.1 (BENCH_DATABASE_URL and
# BENCH_REDIS_URL say otherwise); builds the snowland_bench database once and reuses
# it. Results: bench/results/latest.json and the table in docs/performance.md.
# BENCH_QUICK=1 runs each scenario 3 s instead of 10. wrk is installed when missing
# (Debian, as root).
bench: messages
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && apt-get install -y -qq wrk >/dev/null; \
	  else echo "Please install wrk (Debian/Ubuntu: sudo apt-get install wrk)"; exit 1; fi; }
	$(RUN) python bench/run.py

worker: install
	$(RUN) celery -A config.celery_app worker --loglevel=INFO

# The production stack on one machine (config.settings.production): PostgreSQL and Redis
# on this machine or those named in .env.production; gunicorn, a Celery worker and beat
# in the background (pids in var/run/, logs in var/log/). docs/deployment.md explains it.
serve: messages
	bin/serve start

stop serve-stop:
	@bin/serve stop

serve-status:
	@bin/serve status
