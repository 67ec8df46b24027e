# Sannong Desk — the two commands: `make run` and `make test` (see README.md).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000

.PHONY: run test setup system-deps install messages lint format bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

system-deps:
	@scripts/system-deps.sh

setup: system-deps install

# honcho numbers ports from PORT in Procfile order, so web gets PORT. `--env /dev/null`:
# .env configures docker compose, and the steps before honcho do not read it either.
run: setup
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py seed_demo
	@echo "Sannong Desk: http://127.0.0.1:$(PORT)/ (logins above; Ctrl-C stops web, worker and beat)"
	PATH="$(CURDIR)/$(BIN):$$PATH" PORT=$(PORT) $(BIN)/honcho start -f Procfile --env /dev/null

test: setup
	scripts/run-tests.sh

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: install
	$(BIN)/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=staticfiles --ignore=tests
	$(BIN)/python manage.py compilemessages --ignore=.venv

bench: setup
	scripts/run-bench.sh $(ONLY)

# Forget the embedded default's data (SQLite file, broker, cache) and collected static.
clean:
	find var -mindepth 1 ! -name .gitkeep -delete
	rm -rf staticfiles
