#!/usr/bin/env bash
# make bench: scale benchmarks; results are appended to bench/results/ and printed.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python bench/run.py "$@"
