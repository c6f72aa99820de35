# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint typecheck format migrations-check bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Bring the whole portal up on http://127.0.0.1:8000 (SQLite, no Redis) with demo data.
run: $(STAMP)
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py seed_demo
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py serve --host $${HOST:-127.0.0.1} --port $${PORT:-8000}

## Run the whole test suite (SQLite by default; PostgreSQL + Redis when DATABASE_URL/REDIS_URL are set).
test: $(STAMP)
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
