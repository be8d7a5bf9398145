# The two commands: `make run` (start everything on the embedded defaults) and `make test`.
SHELL := /bin/bash
PY := .venv/bin/python
PIP := .venv/bin/pip
# postgresql-client: pg_dump/pg_restore for `make backup`/`make restore` (Debian 12's is 15, as the servers);
# redis-server: the fault tests start their own broker on another port; libreoffice-writer: the tests convert
# every Word copy to PDF and hold it against the Decree 30 checker.
DEBIAN_PACKAGES := chromium fonts-liberation2 libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 gettext redis-server postgresql-client libreoffice-writer

.PHONY: run test install system-deps messages lint bench clean backup restore

run: install var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py compilemessages --ignore=.venv -v 0 || true
	$(PY) manage.py load_demo
	@echo ""
	@echo "  Open http://127.0.0.1:8000/"
	@echo "  Demo logins (password demo12345): vanphong (office), thuongtruc (standing committee),"
	@echo "  totruong (group leader), daibieu (delegate), coquan (agency), xa (commune office)"
	@echo ""
	.venv/bin/honcho start

test: system-deps install
	.venv/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run
	@# pytest exits 5 when it collected nothing: say so, and fail.
	$(PY) -m pytest $(PYTEST_ARGS); rc=$$?; [ $$rc -ne 5 ] || echo "pytest collected no tests" >&2; exit $$rc

var:
	mkdir -p var/celery/out var/celery/processed var/celery/control var/media

.venv/bin/python:
	python3 -m venv .venv

# Reinstall only when pyproject.toml changes.
.venv/.installed: pyproject.toml | .venv/bin/python
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e ".[dev]"
	touch $@

install: .venv/.installed

# With root, install the Debian packages the PDFs and the browser tests need, when missing.
system-deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "Missing Debian packages (install them as root):$$missing"; fi; \
	fi

# Benchmarks whose figures the README reports, all on the database BENCH_DATABASE_URL names (PostgreSQL,
# created and migrated when missing; never DATABASE_URL's): the Excel import of 2,000 and 10,000
# petitions (bench/imports.py, rolled back), the province-scale benchmark (BENCH_PETITIONS petitions,
# 1,000,000 by default; BENCH_ARGS for more flags, e.g. BENCH_ARGS=--reuse to keep a data set built
# the same day), then the plan's rendering.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/hdnd_bench
BENCH_PETITIONS ?= 1000000
bench: install var
	@# Excel imports (bench/imports.py): 2,000 and 10,000 new petitions, rolled back afterwards.
	DJANGO_SETTINGS_MODULE=config.settings.bench BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) -m bench.imports
	DJANGO_SETTINGS_MODULE=config.settings.bench BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) \
	  $(PY) manage.py bench_province --petitions $(BENCH_PETITIONS) $(BENCH_ARGS)
	DJANGO_SETTINGS_MODULE=config.settings.bench BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) \
	  $(PY) manage.py bench_plan_render --runs 10

# Backup and restore: one archive (.tar.gz) with the database (DATABASE_URL) and every file of MEDIA_ROOT.
#   make backup [BACKUP=path.tar.gz]          default var/backups/hdnd-YYYYmmdd-HHMMSS.tar.gz (BACKUP_DIR)
#   make restore ARCHIVE=path.tar.gz [FORCE=1]  into an empty database; FORCE=1 replaces a non-empty one
backup: install var
	$(PY) manage.py backup $(if $(BACKUP),--output "$(BACKUP)")

restore: install var
	@test -n "$(ARCHIVE)" || { echo "usage: make restore ARCHIVE=var/backups/hdnd-YYYYmmdd-HHMMSS.tar.gz [FORCE=1]" >&2; exit 2; }
	$(PY) manage.py restore "$(ARCHIVE)" $(if $(FORCE),--force)

messages: install
	$(PY) manage.py makemessages -l vi --ignore=.venv --ignore=var --ignore=staticfiles --ignore=tests --no-obsolete
	$(PY) manage.py compilemessages --ignore=.venv

lint: install
	.venv/bin/ruff check .

clean:
	rm -rf .venv var
