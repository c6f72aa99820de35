# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install messages lint typecheck format migrations-check bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Compiled translations are build output (gitignored): each .mo is rebuilt from its .po.
PO_FILES := $(wildcard locale/*/LC_MESSAGES/*.po)
MO_FILES := $(PO_FILES:.po=.mo)

install: $(STAMP) $(MO_FILES)

$(MO_FILES): %.mo: %.po | $(STAMP)
	@command -v msgfmt >/dev/null 2>&1 || { echo "msgfmt not found: install GNU gettext (apt-get install gettext) to compile the translations in locale/" >&2; exit 1; }
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py compilemessages --verbosity 0 --locale $(word 2,$(subst /, ,$@))

## Update the catalogs after adding or changing strings, then translate (docs/translations.md).
messages: $(STAMP)
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py makemessages --locale zh_Hans --locale ko
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py makemessages --domain djangojs --locale zh_Hans --locale ko

# `make run` behaves as production does (DEBUG off, static files collected and served by
# WhiteNoise, a secret key) except that it speaks plain HTTP on this machine: no redirect
# to HTTPS, cookies not kept to HTTPS. The key is made in var/secret_key on the first run
# unless SECRET_KEY is set. It answers to localhost and to HOST; add other names with
# ALLOWED_HOSTS.
RUN_ENV = DEBUG=$${DEBUG:-0} SECRET_KEY_FILE=$${SECRET_KEY_FILE:-var/secret_key} \
	ALLOWED_HOSTS="$${ALLOWED_HOSTS:-127.0.0.1,localhost,[::1]},$${HOST:-127.0.0.1}" \
	SECURE_SSL_REDIRECT=0 SECURE_COOKIES=0

## Bring the whole portal up on http://127.0.0.1:8000 (SQLite, no Redis) with demo data.
run: install
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput
	$(RUN_ENV) $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(RUN_ENV) $(BIN)/python manage.py seed_demo
	$(RUN_ENV) $(BIN)/python manage.py serve --host $${HOST:-127.0.0.1} --port $${PORT:-8000}

## Run the whole test suite (SQLite by default; PostgreSQL + Redis when DATABASE_URL/REDIS_URL are set).
test: install
	$(BIN)/pytest $(PYTEST_ARGS); status=$$?; if [ $$status -eq 5 ]; then echo "no tests collected"; exit 0; fi; exit $$status

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	DEBUG=1 $(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrations-check: $(STAMP)
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var *.egg-info
