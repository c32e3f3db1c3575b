"""Benchmark: the near-duplicate check of the rectification ledger at ~50,000 problems.

Data: a fresh SQLite database under var/bench/ledgers.sqlite3 holding the small demo tree
(gen_demo --shape small --no-activities) and PROBLEMS problems bulk-inserted across its orgs:
texts built from templates with varied places, posts and figures, and about 5% copied word for
word from another org (上下一般粗). The orgs do not matter to the index (keys, groups and texts);
the problem count does.

Measured (targets: new problem < 200 ms; full report for the root < 30 s):
- the process index's first build (once per process, text, path and change time only);
- ``problem_create`` of a new problem, all checks included (its near-duplicate check catches the
  index up and scores only its candidates), median and p95 over 30 runs;
- ``detector.duplicate_report()`` for the whole tree, on the built index.

The measuring runs in a child process so Django is set up against the bench database.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
DB = ROOT / "var" / "bench" / "ledgers.sqlite3"
PROBLEMS = 50_000
REPORT_LIMIT = 180  # seconds; the report is abandoned (and marked so) past this


def main(args, rest) -> list[dict]:
    DB.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{DB}", DJANGO_SETTINGS_MODULE="config.settings")
    if not DB.exists():
        subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run(
            [PY, "manage.py", "gen_demo", "--shape", "small", "--no-activities"],
            cwd=ROOT,
            env=env,
            check=True,
        )
    out = subprocess.run(
        [PY, __file__, "--child"], cwd=ROOT, env=env, check=True, stdout=subprocess.PIPE, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


PLACES = [
    "东风村",
    "中河村",
    "新丰乡",
    "北山镇",
    "和胜乡",
    "第一社区",
    "教育局",
    "卫健局",
    "税务所",
    "供电所",
]
THINGS = [
    ("党员活动室", "每周开放不足{n}天"),
    ("借阅登记簿", "自{m}月起未登记，{n}本图书去向不明"),
    ("三会一课记录", "第{m}季度缺{n}次支委会记录"),
    ("党费收缴台账", "{m}月至今有{n}名党员未按月交纳"),
    ("便民服务窗口", "周末不开放，意见征集中{n}条反映"),
    ("村务公开栏", "{m}月以来未更新，{n}项开支未公开"),
]


def _texts(rng, count):
    texts = []
    for i in range(count):
        if texts and rng.random() < 0.05:
            texts.append(rng.choice(texts))  # copied from another unit
            continue
        thing, tail = rng.choice(THINGS)
        texts.append(
            f"{rng.choice(PLACES)}{thing}{tail.format(n=rng.randint(1, 60), m=rng.randint(1, 12))}（{i}）"
        )
    return texts


def child() -> None:
    import random
    import signal
    import statistics
    import time

    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.utils import timezone

    from dangjian.orgs.models import Org
    from dangjian.rectification import detector, services
    from dangjian.rectification.models import Problem

    rng = random.Random(1)
    orgs = list(Org.objects.filter(deleted_at__isnull=True).only("pk", "path"))
    have = Problem.objects.count()
    if have < PROBLEMS:
        now = timezone.now()
        rows = [
            Problem(
                org=(org := rng.choice(orgs)),
                org_path=org.path,
                source="self",
                description=text,
                deadline_type="immediate",
                created_at=now,
            )
            for text in _texts(rng, PROBLEMS - have)
        ]
        Problem.objects.bulk_create(rows, batch_size=2000)
    total = Problem.objects.count()
    detector.reset_index()
    t = time.perf_counter()
    detector.problem_index().catch_up()
    build = time.perf_counter() - t
    times = []
    org = orgs[len(orgs) // 2]
    for i in range(30):
        thing, tail = rng.choice(THINGS)
        text = f"{rng.choice(PLACES)}{thing}{tail.format(n=rng.randint(1, 60), m=rng.randint(1, 12))}"
        if i % 3 == 0:
            text = (
                Problem.objects.exclude(org_path=org.path)
                .order_by("?")
                .values_list("description", flat=True)[0]
            )
        t = time.perf_counter()
        services.problem_create(
            org=org, actor=None, source="self", description=text, deadline_type="immediate"
        )
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    rows = [
        {"what": "problems", "count": total},
        {"what": "index first build (s)", "value": round(build, 1)},
        {
            "what": "problem_create with near-duplicate check (ms)",
            "median": round(statistics.median(times), 1),
            "p95": round(times[int(len(times) * 0.95) - 1], 1),
        },
    ]
    print(json.dumps(rows, ensure_ascii=False), file=sys.stderr, flush=True)

    def give_up(signum, frame):
        raise TimeoutError

    signal.signal(signal.SIGALRM, give_up)
    signal.alarm(REPORT_LIMIT)
    t = time.perf_counter()
    try:
        pairs = len(detector.duplicate_report(limit=10**9))
    except TimeoutError:
        pairs = None
    report = time.perf_counter() - t
    rows.append(
        {
            "what": "duplicate report, whole tree (s)",
            "value": round(report, 1),
            "pairs": pairs,
            "gave_up": pairs is None,
        }
    )
    print(json.dumps(rows, ensure_ascii=False))


if __name__ == "__main__":
    if "--child" in sys.argv:
        child()
