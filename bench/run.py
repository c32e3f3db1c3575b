"""make bench: run every bench/bench_*.py (or the ones named on the command line) and print results.

Each module defines ``main(args) -> list[dict]``; rows are printed and written to
bench/results/latest.json for the README table.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def main() -> int:
    parser = argparse.ArgumentParser(description="Dangjian benchmarks")
    parser.add_argument("names", nargs="*", help="bench module names without bench_ (default: all)")
    parser.add_argument("--shape", default="yanbian", help="demo shape for scale runs")
    args, rest = parser.parse_known_args()
    modules = sorted(HERE.glob("bench_*.py"))
    if args.names:
        modules = [m for m in modules if m.stem.removeprefix("bench_") in args.names]
    results = []
    for path in modules:
        spec = importlib.util.spec_from_file_location(path.stem, path)
        mod = importlib.util.module_from_spec(spec)
        assert spec.loader is not None
        spec.loader.exec_module(mod)
        print(f"== {path.stem}", flush=True)
        started = time.perf_counter()
        rows = mod.main(args, rest)
        for row in rows:
            print("  " + json.dumps(row, ensure_ascii=False), flush=True)
        results.append({"bench": path.stem, "seconds": round(time.perf_counter() - started, 1), "rows": rows})
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
