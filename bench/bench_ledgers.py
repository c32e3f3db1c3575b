"""Benchmark: the near-duplicate check of the rectification ledger at ~50,000 problems.

Data: a fresh SQLite database per text set under var/bench/ holding the small demo tree
(gen_demo --shape small --no-activities, 314 orgs) and PROBLEMS problems bulk-inserted across its
orgs. Two text sets (``--texts``):
- ``templates`` (ledgers.sqlite3): 6 templates × 10 places with random figures and a serial
  number, about 5% copied word for word from another org. The serial number is a figure, so two
  lines collide only when they are copies: every reported pair is a true copy (the bench counts
  them), which makes this set easy for the index, not a worst case.
- ``realistic`` (ledgers-realistic.sqlite3, the default): the lines of bench_textcheck.generate
  (9,140 synthetic orgs: own concrete problems, stock generic lines, copies from the level above
  and from siblings, light edits), each synthetic org placed on one demo org. Stock lines repeated
  by thousands of orgs make millions of cross-org pairs: the case the report must summarise.

Measured (targets: new problem < 200 ms; full report for the root < 30 s):
- the process index's first build (once per process, text, path and change time only);
- ``problem_create`` of a new problem, all checks included (its near-duplicate check catches the
  index up and scores only its candidates), median and p95 over 30 runs;
- the whole-tree duplicate report on the built index (per unit pair once it exists, else every
  pair); wall and CPU seconds, since the machine is shared.

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
DBS = {
    "templates": ROOT / "var" / "bench" / "ledgers.sqlite3",
    "realistic": ROOT / "var" / "bench" / "ledgers-realistic.sqlite3",
}
PROBLEMS = 50_000
REPORT_LIMIT = 180  # seconds; the report is abandoned (and marked so) past this


def main(args, rest) -> list[dict]:
    texts = "templates" if "--texts=templates" in rest else "realistic"
    db = DBS[texts]
    db.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{db}", DJANGO_SETTINGS_MODULE="config.settings")
    fresh = not db.exists()
    subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    if fresh:
        subprocess.run(
            [PY, "manage.py", "gen_demo", "--shape", "small", "--no-activities"],
            cwd=ROOT,
            env=env,
            check=True,
        )
    out = subprocess.run(
        [PY, __file__, "--child", texts], cwd=ROOT, env=env, check=True, stdout=subprocess.PIPE, text=True
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


def _realistic(rng, orgs) -> list[tuple[object, str]]:
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_textcheck import generate

    place: dict[str, object] = {}
    out = []
    for _key, synthetic_org, text in generate(total=PROBLEMS):
        org = place.setdefault(synthetic_org, rng.choice(orgs))
        out.append((org, text))
    return out


def child(texts: str) -> None:
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
        if texts == "realistic":
            placed = _realistic(rng, orgs)[have:]
        else:
            placed = [(rng.choice(orgs), text) for text in _texts(rng, PROBLEMS - have)]
        rows = [
            Problem(
                org=org,
                org_path=org.path,
                source="self",
                description=text,
                deadline_type="immediate",
                created_at=now,
            )
            for org, text in placed
        ]
        Problem.objects.bulk_create(rows, batch_size=2000)
    total = Problem.objects.count()
    detector.reset_index()
    t, cpu = time.perf_counter(), time.process_time()
    detector.problem_index().catch_up()
    build, build_cpu = time.perf_counter() - t, time.process_time() - cpu
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
        {"what": "problems", "count": total, "texts": texts},
        {"what": "index first build (s)", "value": round(build, 1), "cpu": round(build_cpu, 1)},
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
    t, cpu = time.perf_counter(), time.process_time()
    row: dict = {"what": "duplicate report, whole tree (s)"}
    try:
        if hasattr(detector, "duplicate_summary"):
            summary = detector.duplicate_summary()
            row.update(
                pairs=summary.pairs,
                unit_pairs=summary.unit_pairs,
                unit_pairs_shown=len(summary.rows),
                wide_lines=summary.wide_lines,
            )
        else:
            report = detector.duplicate_report(limit=10**9)
            row.update(pairs=len(report), true_copies=sum(p.a.description == p.b.description for p in report))
    except TimeoutError:
        row["gave_up"] = True
    signal.alarm(0)
    row.update(value=round(time.perf_counter() - t, 1), cpu=round(time.process_time() - cpu, 1))
    rows.append(row)
    print(json.dumps(rows, ensure_ascii=False))


if __name__ == "__main__":
    if "--child" in sys.argv:
        child(sys.argv[-1])
