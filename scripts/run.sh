#!/usr/bin/env bash
# make run: load the small demo once, print the logins, serve on 127.0.0.1:8000 with DEBUG off
# (static files through whitenoise, the Chinese error pages). make dev sets DJANGO_DEBUG=1.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_DEBUG=${DJANGO_DEBUG:-0}
PY=.venv/bin/python
if [ ! -f var/.demo-loaded ]; then
  has_orgs=$($PY manage.py shell -c "from dangjian.orgs.models import Org; print(int(Org.objects.exists()))" 2>/dev/null | tail -n 1)
  if [ "$has_orgs" != "1" ]; then
    echo "首次运行：生成演示数据（small）…"
    $PY manage.py gen_demo --shape small --seed 1  # ends with the demo logins
    generated=1
  fi
  touch var/.demo-loaded
fi
[ -n "${generated:-}" ] || $PY manage.py demo_logins
exec $PY manage.py runserver 127.0.0.1:8000
