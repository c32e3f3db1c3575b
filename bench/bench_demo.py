"""Benchmark: ``gen_demo --shape yanbian`` on a fresh SQLite database under var/bench/.

Target: < 5 min on SQLite. Reports orgs, members, the time of the org/member part, the
time of the whole command (activity records and compliance included when those modules exist)
and the database size. The database is kept for bench_web.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
PY = str(ROOT / ".venv" / "bin" / "python")


def db_path(shape: str) -> Path:
    return BENCH_DIR / f"{shape}.sqlite3"


def django_env(db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_DEBUG", "DATABASE_URL"}}
    env["DATABASE_URL"] = f"sqlite:///{db}"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def manage(db: Path, *args: str, timeout: int = 3600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PY, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=django_env(db),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def generate(shape: str = "yanbian", seed: int = 1) -> dict:
    """Fresh database, migrate, gen_demo; returns the benchmark row."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    db = db_path(shape)
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    migrated = manage(db, "migrate", "--noinput", "-v0")
    if migrated.returncode != 0:
        return {"name": f"gen_demo {shape}", "error": migrated.stderr[-2000:]}
    started = time.perf_counter()
    done = manage(db, "gen_demo", "--shape", shape, "--seed", str(seed))
    total = time.perf_counter() - started
    out = done.stdout
    (BENCH_DIR / f"gen_demo_{shape}.log").write_text(out + done.stderr)
    row: dict = {"name": f"gen_demo --shape {shape} (SQLite)", "seconds_total": round(total, 1)}
    if done.returncode != 0:
        row["error"] = (done.stderr or out)[-2000:]
        print(row["error"], file=sys.stderr)
    m = re.search(r"已生成 (\d+) 个组织、(\d+) 名党员.*?用时 ([\d.]+) 秒（CPU ([\d.]+) 秒）", out)
    if m:
        row.update(
            orgs=int(m[1]), members=int(m[2]), seconds_orgs_members=float(m[3]), cpu_seconds=float(m[4])
        )
    row["load_average"] = os.getloadavg()[0]
    m = re.search(r"已生成 (\d+) 条活动记录，用时 ([\d.]+) 秒", out)
    if m:
        row.update(activities=int(m[1]), seconds_activities=float(m[2]))
    for name in ("load_requirements", "recompute_compliance"):
        m = re.search(rf"{name} 完成，用时 ([\d.]+) 秒", out)
        if m:
            row[f"seconds_{name}"] = float(m[1])
    row["db_mb"] = round(
        sum(Path(str(db) + s).stat().st_size for s in ("", "-wal") if Path(str(db) + s).exists()) / 2**20, 1
    )
    row["target"] = "< 300 s (orgs + members)"
    return row


def main(args, rest) -> list[dict]:
    shape = getattr(args, "shape", "yanbian") or "yanbian"
    if shape == "province":
        return [{"name": "gen_demo province", "skipped": "province 规模只支持 PostgreSQL"}]
    return [generate(shape)]


if __name__ == "__main__":
    import json

    print(
        json.dumps(
            main(type("A", (), {"shape": sys.argv[1] if len(sys.argv) > 1 else "yanbian"})(), []),
            ensure_ascii=False,
        )
    )
