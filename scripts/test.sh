#!/usr/bin/env bash
# make test: ruff, then the whole suite on SQLite, then again on PostgreSQL when DATABASE_URL is set.
# Under CI=true a missing PostgreSQL, Chromium or LibreOffice is a failure, not a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
bash scripts/ensure_deb.sh chromium /usr/bin/chromium 浏览器测试 || { [ "${CI:-}" = "true" ] && exit 1; echo "警告：没有 Chromium，浏览器测试将失败"; }
# LibreOffice opens the .docx 通报 (about 70 s to install, apt index included; CI=true: missing is a failure).
bash scripts/ensure_deb.sh libreoffice-writer-nogui /usr/bin/soffice 通报渲染测试 || { [ "${CI:-}" = "true" ] && exit 1; echo "警告：没有 LibreOffice，通报渲染测试将跳过"; }
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy  # services and selectors (files in pyproject.toml)
.venv/bin/python manage.py makemigrations --check --dry-run >/dev/null || {
  echo "模型有未生成的迁移（manage.py makemigrations）" >&2; exit 1; }

PG_URL=${DATABASE_URL:-}
if [ "${CI:-}" = "true" ] && [[ "$PG_URL" != postgres* ]]; then
  echo "CI=true 时必须用 DATABASE_URL 指向 PostgreSQL" >&2
  exit 1
fi
JOBS=${PYTEST_JOBS:-2}
echo "== 测试：SQLite =="
env -u DATABASE_URL $PY -m pytest -n "$JOBS" -q "$@"
if [[ "$PG_URL" == postgres* ]]; then
  echo "== 测试：PostgreSQL =="
  DATABASE_URL="$PG_URL" $PY -m pytest -n "$JOBS" -q -m "not browser" "$@"
fi
