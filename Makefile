# Thin wrappers; the real steps live in scripts/.
PY := .venv/bin/python
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run dev test bench lint setup demo clean

setup: .venv/.installed var/.migrated

.venv/.installed: requirements.lock pyproject.toml
	bash scripts/setup_venv.sh
	touch $@

var/.migrated: .venv/.installed $(wildcard dangjian/*/migrations/*.py)
	mkdir -p var
	env -u DATABASE_URL $(PY) manage.py migrate --noinput
	touch $@

run: setup
	env -u DATABASE_URL bash scripts/run.sh

dev: setup
	env -u DATABASE_URL DJANGO_DEBUG=1 bash scripts/run.sh

test: setup
	bash scripts/test.sh

lint: .venv/.installed
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

bench: setup
	bash scripts/bench.sh

clean:
	rm -rf .venv var
