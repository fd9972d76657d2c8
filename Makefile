# Two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi:app

.PHONY: run test test-scaled lint venv migrate seed-demo run-scaled translations clean

$(BIN)/flask: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,scaled]'
	@touch $@

venv: $(BIN)/flask

migrate: venv
	$(BIN)/flask db upgrade

seed-demo: migrate
	$(BIN)/flask seed demo

## Start the embedded profile with demo data on http://127.0.0.1:$(PORT)
run: seed-demo
	$(BIN)/pybabel compile -d plc/translations -f >/dev/null
	$(BIN)/gunicorn -c gunicorn.conf.py -b 127.0.0.1:$(PORT) --access-logfile - wsgi:app

## The whole suite except the scaled-profile tests (set DATABASE_URL to run it on PostgreSQL)
test: venv
	$(BIN)/pybabel compile -d plc/translations -f >/dev/null
	$(BIN)/python -m pytest -m "not scaled"

## Scaled profile: two app processes + Redis + PostgreSQL, a chat message crossing processes.
## Starts its own redis-server and (unless DATABASE_URL is set) a throwaway PostgreSQL.
test-scaled: venv
	$(BIN)/pybabel compile -d plc/translations -f >/dev/null
	$(BIN)/python -m pytest -m scaled -p no:logging

lint: venv
	$(BIN)/ruff check .
	$(BIN)/lint-imports

## Extract UI strings and update the catalogues; translate plc/translations/th/LC_MESSAGES/messages.po
translations: venv
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o plc/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i plc/translations/messages.pot -d plc/translations --no-fuzzy-matching --ignore-obsolete

## Scaled profile: PostgreSQL + Redis, two app processes behind nginx. See docs/operations.md.
run-scaled: venv
	scripts/run-scaled.sh

clean:
	rm -rf $(VENV) instance/plc.sqlite3* .pytest_cache
