"""Benchmark: ``manage.py import_roster`` of a 176k-row national-format roster on SQLite.

Target: < 60 s. A fresh database under var/bench/ gets a yanbian-shaped tree
(1 市委 → 20 县区党委 → 20 总支 each → 22 支部 each ≈ 9k orgs), then a deterministic roster file
(names, valid 身份证号, mixed date spellings, codes) is written and imported by the real command
in its own process. Reported: rows, seconds end to end (process start to exit), seconds inside the
import, peak RSS of the importing process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
PY = str(ROOT / ".venv" / "bin" / "python")
DB = BENCH_DIR / "import.sqlite3"
FILE = BENCH_DIR / "roster_176k.xlsx"
ROWS = 176_000

SETUP = r"""
import datetime as dt, random, sys
import django
django.setup()
from dangjian.core import pii
from dangjian.orgs.choices import OrgKind, Sector
from dangjian.orgs.models import Org
from dangjian.orgs.services import add_years
from dangjian.orgs.excel.writer import write_roster

rows_wanted = int(sys.argv[1]); out = sys.argv[2]
orgs, branches = [], []
def node(path, name, kind, sector=Sector.ORGAN, numchild=0):
    o = Org(path=path, depth=len(path) // 4, numchild=numchild, name=name, kind=kind, sector=sector)
    orgs.append(o); return o
node("0001", "延边州委", OrgKind.COMMITTEE, numchild=20)
for c in range(1, 21):
    cp = "0001" + f"{c:04d}"
    node(cp, f"第{c}县区党委", OrgKind.COMMITTEE, numchild=20)
    for g in range(1, 21):
        gp = cp + f"{g:04d}"
        node(gp, f"第{c}县区第{g}总支", OrgKind.GENERAL_BRANCH, numchild=22)
        for b in range(1, 23):
            branches.append(node(gp + f"{b:04d}", f"第{c}县区第{g}总支第{b}支部", OrgKind.BRANCH))
Org.objects.bulk_create(orgs, batch_size=2000)
print(f"orgs={len(orgs)}", flush=True)

rng = random.Random(20261123)
S = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱覃武戴孔"
G = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文海波宁"
ETH = ["01 汉族", "01 汉族", "01 汉族", "10 朝鲜族", "11 满族"]
EDU = ["21 大学", "22 大专", "12 硕士研究生", "6 普通高中", "大学"]
OCC = ["011 公务员", "0212", "0311 公有经济控制单位工勤岗位", "11 农牧渔业生产人员", "502 退休人员"]
def spell(d, i):
    k = i % 5
    if k == 0: return d
    if k == 1: return f"{d.year}年{d.month}月{d.day}日"
    if k == 2: return f"{d.year}/{d.month:02d}/{d.day:02d}"
    if k == 3: return d.isoformat()
    return d
def rows():
    base = dt.date(1950, 1, 1)
    for i in range(rows_wanted):
        birth = base + dt.timedelta(days=(i // 500) * 53)
        male = i % 3 != 0
        first17 = f"2224{(i % 7) + 1:02d}{birth:%Y%m%d}{(i % 500) * 2 + (1 if male else 0):03d}"[:17]
        number = first17 + pii.id_check_digit(first17)
        probationary = i % 20 == 0
        joined = dt.date(2025, 3, 1) if probationary else min(add_years(birth, 22), dt.date(2023, 7, 1))
        yield {
            "seq": i + 1, "name": rng.choice(S) + rng.choice(G) + rng.choice(G),
            "org": branches[i % len(branches)].name, "id_number": number, "gender": "男" if male else "女",
            "ethnicity": ETH[i % 5], "birth_date": birth, "education": EDU[i % 5],
            "status": "预备" if probationary else "正式", "joined_on": spell(joined, i),
            "full_member_on": "无" if probationary else spell(add_years(joined, 1), i + 1),
            "occupation": OCC[i % 5], "phone": f"13{i % 10}{i:08d}", "landline": "无" if i % 2 else "0433-2512345",
            "address": f"延吉市第{i % 300}街{i % 97}号", "standing": "正常", "lost_contact": "否",
            "mobile": "是" if i % 50 == 0 else "否", "mobility_place": "广东省深圳市" if i % 50 == 0 else "",
        }
n = write_roster(out, rows=rows(), org_name="延边州委")
print(f"rows={n}", flush=True)
"""

IMPORT = r"""
import resource, sys, time
import django
django.setup()
from django.core.management import call_command
from dangjian.orgs.models import Member
started = time.perf_counter()
failure = ""
try:
    call_command("import_roster", sys.argv[1])
except Exception as exc:  # an after-commit subscriber of members_changed may fail; the import itself committed
    failure = type(exc).__name__
elapsed = time.perf_counter() - started
print(f"import_seconds={elapsed:.1f} peak_rss_mb={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}"
      f" parser_peak_rss_mb={resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f}"
      f" members={Member.objects.count()} failure={failure}")
"""


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_DEBUG", "DATABASE_URL"}}
    env["DATABASE_URL"] = f"sqlite:///{DB}"
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _run(*args: str, timeout: int = 1800) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(args), cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=timeout, check=False
    )


def main(args, rest) -> list[dict]:
    rows = int(os.environ.get("BENCH_IMPORT_ROWS", ROWS))
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(str(DB) + suffix).unlink(missing_ok=True)
    done = _run(PY, "manage.py", "migrate", "--noinput", "-v0")
    if done.returncode:
        return [{"name": "import_roster", "error": done.stderr[-2000:]}]
    t0 = time.perf_counter()
    done = _run(PY, "-c", SETUP, str(rows), str(FILE))
    if done.returncode:
        return [{"name": "import_roster", "error": done.stderr[-2000:]}]
    setup_seconds = time.perf_counter() - t0
    started = time.perf_counter()
    done = _run(PY, "-c", IMPORT, str(FILE))
    wall = time.perf_counter() - started
    (BENCH_DIR / "import_roster.log").write_text(done.stdout + done.stderr)
    row: dict = {
        "name": "import_roster 176k rows (SQLite)",
        "rows": rows,
        "seconds": round(wall, 1),
        "file_mb": round(FILE.stat().st_size / 2**20, 1),
        "setup_seconds": round(setup_seconds, 1),
        "target": "< 60 s",
    }
    if done.returncode:
        row["error"] = (done.stderr or done.stdout)[-2000:]
        return [row]
    for part in done.stdout.split():
        key, _, value = part.partition("=")
        if key in ("import_seconds", "peak_rss_mb", "parser_peak_rss_mb", "members"):
            row[key] = float(value)
        elif key == "failure" and value:
            row["after_commit_failure"] = value
    return [row]


if __name__ == "__main__":
    print(json.dumps(main(None, sys.argv[1:]), ensure_ascii=False))
