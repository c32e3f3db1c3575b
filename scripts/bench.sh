#!/usr/bin/env bash
# make bench: scale benchmarks; results are appended to bench/results/ and printed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure_deb.sh wrk /usr/bin/wrk 网页压测
exec .venv/bin/python bench/run.py "$@"
