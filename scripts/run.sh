#!/usr/bin/env bash
# make run: load the small demo once, print the logins, serve on 127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_DEBUG=${DJANGO_DEBUG:-1}
PY=.venv/bin/python
if [ ! -f var/.demo-loaded ]; then
  echo "首次运行：生成演示数据（small）…"
  $PY manage.py gen_demo --shape small --seed 1
  touch var/.demo-loaded
fi
$PY manage.py demo_logins
exec $PY manage.py runserver 127.0.0.1:8000
