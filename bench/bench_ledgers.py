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

With ``--yanbian`` (``bench/run.py ledgers --yanbian``) the bench instead runs on a
copy of the yanbian bench database (var/bench/yanbian.sqlite3, copied once to
var/bench/ledgers-yanbian.sqlite3 and migrated; the original is never written): the same 50,000
problem texts placed on the real tree (synthetic counties, towns and units mapped onto real
county, town and unit orgs, so copies from the level above land one level below their source),
1–3 measures each (stock lines, concrete steps, copies of the parent org's measures; some with no
owner or date), states, deadlines and 挂钩包案 leaders spread as offices report them, the text
warnings stored as the services would store them. Measured there, as the 州委 org admin:
- ``problem_create`` with two measures, every check included (median, p95 of 30);
- the pages in process (Django test client, server time only): the list (first page, filtered
  by a warning, overdue), the office lists (overdue, soon due, counties with no 挂钩包案 leader),
  the 调研 and 典型案例 lists, the API list; 30 requests each, p50 / p95 / p99;
- both indexes' first build; the duplicate reports for the root (problems and measures);
- the Excel export of the root's whole ledger.

The measuring runs in a child process so Django is set up against the bench database.
"""

from __future__ import annotations

import functools
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
SAVES = 60  # problem_create runs on the yanbian copy
REPORT_LIMIT = 180  # seconds; the report is abandoned (and marked so) past this


YANBIAN_SOURCE = ROOT / "var" / "bench" / "yanbian.sqlite3"
YANBIAN_DB = ROOT / "var" / "bench" / "ledgers-yanbian.sqlite3"


def main(args, rest) -> list[dict]:
    if "--yanbian" in rest:
        return main_yanbian()
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


def main_yanbian() -> list[dict]:
    import shutil

    if not YANBIAN_DB.exists():
        if not YANBIAN_SOURCE.exists():
            raise SystemExit(f"missing {YANBIAN_SOURCE}: copy the yanbian bench database there first")
        shutil.copyfile(YANBIAN_SOURCE, YANBIAN_DB)
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{YANBIAN_DB}", DJANGO_SETTINGS_MODULE="config.settings")
    subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    out = subprocess.run(
        [PY, __file__, "--yanbian"], cwd=ROOT, env=env, check=True, stdout=subprocess.PIPE, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


STOCK_MEASURES = [
    "进一步加强理论学习，提高思想认识",
    "严格落实“三会一课”制度",
    "加强会议记录管理",
    "建立健全长效机制",
    "切实加强党员教育管理",
    "认真开展批评与自我批评",
    "完善相关制度，狠抓落实",
    "加强监督检查，确保整改到位",
]
POSTS_M = ["组织委员", "支部书记", "纪检委员", "宣传委员", "党小组长", "村会计", "网格员"]
ACTIONS = [
    ("逐本核对", "本借阅登记"),
    ("补齐", "次支委会记录"),
    ("走访", "户困难群众"),
    ("谈心谈话", "名党员"),
    ("清理", "份党员档案"),
    ("张贴", "张值班表"),
]


def _place_on_tree(rng, real_orgs):
    """Synthetic org id -> real org: counties on depth-2 orgs, towns on their children, units below."""
    sys.path.insert(0, str(ROOT / "bench"))
    import random as _random

    from bench_textcheck import SEED, _orgs

    synthetic = _orgs(_random.Random(SEED))  # the same orgs generate() uses
    children: dict[str, list] = {}
    by_depth: dict[int, list] = {}
    for org in real_orgs:
        by_depth.setdefault(org.depth, []).append(org)
        if len(org.path) > 4:
            children.setdefault(org.path[:-4], []).append(org)
    placed: dict[str, object] = {}
    for org_id, _name, parent in synthetic:
        if not parent:
            placed[org_id] = rng.choice(by_depth[2])
            continue
        above = placed[parent]
        below = children.get(above.path)  # type: ignore[attr-defined]
        placed[org_id] = rng.choice(below) if below else above
    return placed


def _measure_texts(rng, parent_measures: list[str]) -> list[str]:
    out = []
    for _ in range(rng.choice((1, 2, 2, 3))):
        roll = rng.random()
        if roll < 0.35:
            out.append(rng.choice(STOCK_MEASURES))
        elif roll < 0.5 and parent_measures:
            out.append(rng.choice(parent_measures))  # copied from the level above
        else:
            verb, thing = rng.choice(ACTIONS)
            out.append(
                f"{rng.randint(1, 12)}月{rng.randint(1, 28)}日前由{rng.choice(POSTS_M)}{verb}{rng.randint(2, 60)}{thing}"
            )
    return out


def yanbian_load(rng) -> dict:
    import datetime as dt

    from django.db import transaction
    from django.db.models import F
    from django.utils import timezone

    from dangjian.orgs.choices import OrgKind
    from dangjian.orgs.models import Org
    from dangjian.rectification.models import WARNING_BITS, ItemWarning, Measure, Problem, ProblemEvent
    from dangjian.textcheck.checks import text_warnings

    sys.path.insert(0, str(ROOT / "bench"))
    from bench_textcheck import generate

    real = list(
        Org.objects.filter(deleted_at__isnull=True).exclude(kind=OrgKind.GROUP).only("pk", "path", "depth")
    )
    placed = _place_on_tree(rng, real)
    today = timezone.localdate()
    now = timezone.now()

    @functools.cache
    def warn(text: str, kind: str) -> tuple[str, ...]:
        return tuple(text_warnings(text, kind))  # type: ignore[arg-type]

    statuses = (
        ["pending"] * 30 + ["in_progress"] * 35 + ["requested"] * 5 + ["closed"] * 25 + ["returned"] * 5
    )
    measures_of_org: dict[int, list[str]] = {}
    problems, plans = [], []
    for _key, synthetic_org, text in generate(total=PROBLEMS):
        org = placed[synthetic_org]
        roll = rng.random()
        deadline_type = "deadline" if roll < 0.6 else ("immediate" if roll < 0.8 else "long_term")
        due = today + dt.timedelta(days=rng.randint(-120, 150)) if deadline_type == "deadline" else None
        status = rng.choice(statuses)
        problems.append(
            Problem(
                org=org,
                org_path=org.path,
                source=rng.choice(
                    ["self", "supervision", "research", "opinion", "life_meeting", "inspection"]
                ),
                description=text,
                deadline_type=deadline_type,
                due_on=due,
                status=status,
                patron_leader=""
                if rng.random() < 0.08
                else rng.choice(["县委书记", "县委副书记", "组织部部长"]),
                target=rng.choice(["持续加强", f"{rng.randint(1, 12)}月底前整改{rng.randint(2, 30)}项", ""]),
                closed_at=now if status == "closed" else None,
                created_at=now,
            )
        )
        parent = org.path[:-4]
        texts = _measure_texts(rng, measures_of_org.get(parent, []))
        measures_of_org.setdefault(org.path, []).extend(texts)
        plans.append(texts)
    with transaction.atomic():
        Problem.objects.bulk_create(problems, batch_size=2000)
        measures = []
        for problem, texts in zip(problems, plans, strict=True):
            for text in texts:
                measures.append(
                    Measure(
                        problem=problem,
                        text=text,
                        owner="" if rng.random() < 0.15 else rng.choice(POSTS_M),
                        due_on=None
                        if rng.random() < 0.1
                        else today + dt.timedelta(days=rng.randint(-60, 120)),
                    )
                )
        Measure.objects.bulk_create(measures, batch_size=5000)
        warnings, events = [], []
        for problem in problems:
            events.append(ProblemEvent(problem=problem, kind="create", to_status="pending", at=now))
            for code in warn(problem.description, "problem"):
                warnings.append(
                    ItemWarning(problem=problem, field="problem", code=code, org_path=problem.org_path)
                )
            if problem.target:
                for code in warn(problem.target, "target"):
                    warnings.append(
                        ItemWarning(problem=problem, field="target", code=code, org_path=problem.org_path)
                    )
        path_of = {p.pk: p.org_path for p in problems}
        for m in measures:
            path = path_of[m.problem_id]
            for code in warn(m.text, "measure"):
                warnings.append(
                    ItemWarning(problem_id=m.problem_id, measure=m, field="measure", code=code, org_path=path)
                )
            if not m.owner or not m.due_on:
                warnings.append(
                    ItemWarning(
                        problem_id=m.problem_id,
                        measure=m,
                        field="measure",
                        code="no_owner_or_date",
                        org_path=path,
                    )
                )
        ItemWarning.objects.bulk_create(warnings, batch_size=5000)
        ProblemEvent.objects.bulk_create(events, batch_size=5000)
        for code, bit in WARNING_BITS.items():  # the bits the detector keeps on each problem
            with_code = ItemWarning.objects.filter(code=code).values("problem_id")
            Problem.objects.filter(pk__in=with_code).update(warning_mask=F("warning_mask").bitor(bit))
    return {"problems": len(problems), "measures": len(measures), "warnings": len(warnings)}


def _timed_pages(client, urls: dict[str, str], runs: int = 30) -> list[dict]:
    import time

    rows = []
    for name, url in urls.items():
        first = client.get(url)
        assert first.status_code == 200, (url, first.status_code)
        times, cpus = [], []
        for _ in range(runs):
            t, cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            times.append((time.perf_counter() - t) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
            assert response.status_code == 200
        times.sort()
        cpus.sort()
        rows.append(
            {
                "what": f"page {name}",
                "url": url,
                "p50_ms": round(times[len(times) // 2], 1),
                "p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
                "p99_ms": round(times[-1], 1),
                "cpu_p50_ms": round(cpus[len(cpus) // 2], 1),
                "cpu_p95_ms": round(cpus[int(len(cpus) * 0.95) - 1], 1),
            }
        )
    return rows


def child_yanbian() -> None:
    import random
    import statistics
    import time

    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.test import Client
    from django.utils import timezone

    from dangjian.core.permissions import Role
    from dangjian.demo.accounts import grant_user
    from dangjian.orgs.models import Org
    from dangjian.rectification import detector, services
    from dangjian.rectification.models import ItemWarning, Measure, Problem

    rng = random.Random(7)
    rows: list[dict] = []
    if Problem.objects.count() < PROBLEMS:
        t = time.perf_counter()
        loaded = yanbian_load(rng)
        rows.append({"what": "bulk load (s)", "value": round(time.perf_counter() - t, 1), **loaded})
    root = Org.objects.filter(depth=1, deleted_at__isnull=True).order_by("path").first()
    assert root is not None
    rows.append(
        {
            "what": "data",
            "orgs": Org.objects.filter(deleted_at__isnull=True).count(),
            "problems": Problem.objects.count(),
            "measures": Measure.objects.count(),
            "warnings": ItemWarning.objects.count(),
        }
    )
    user = grant_user(
        username="bench_ledger_root", role=Role.ORG_ADMIN, org=root, password="Bench#Ledger-2025"
    )
    detector.reset_index()
    for name, index in (("problems", detector.problem_index), ("measures", detector.measure_index)):
        t, cpu = time.perf_counter(), time.process_time()
        index().catch_up()
        rows.append(
            {
                "what": f"index first build, {name} (s)",
                "value": round(time.perf_counter() - t, 1),
                "cpu": round(time.process_time() - cpu, 1),
            }
        )
    orgs = list(Org.objects.filter(deleted_at__isnull=True, depth__gte=3).only("pk", "path", "name")[:5000])
    times, cpus = [], []
    today = timezone.localdate()
    for i in range(SAVES):
        org = rng.choice(orgs)
        if i % 3 == 0:
            text = (
                Problem.objects.exclude(org_path=org.path)
                .order_by("?")
                .values_list("description", flat=True)[0]
            )
        else:
            text = f"{org.name}党员活动室借阅登记簿自{rng.randint(1, 12)}月起未登记，{rng.randint(2, 40)}本图书去向不明"
        measures = [
            {"text": rng.choice(STOCK_MEASURES), "owner": "", "due_on": None},
            {
                "text": f"{rng.randint(1, 12)}月底前由组织委员逐本核对{rng.randint(2, 40)}本",
                "owner": "组织委员",
                "due_on": today,
            },
        ]
        t, cpu = time.perf_counter(), time.process_time()
        services.problem_create(
            org=org, actor=user, source="self", description=text, deadline_type="immediate", measures=measures
        )
        times.append((time.perf_counter() - t) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    times.sort()
    cpus.sort()
    rows.append(
        {
            "what": f"problem_create with 2 measures, all checks (ms, {SAVES} saves)",
            "median": round(statistics.median(times), 1),
            "p95": round(times[int(len(times) * 0.95) - 1], 1),
            "max": round(times[-1], 1),
            "cpu_median": round(statistics.median(cpus), 1),
            "cpu_p95": round(cpus[int(len(cpus) * 0.95) - 1], 1),
        }
    )
    print(json.dumps(rows, ensure_ascii=False), file=sys.stderr, flush=True)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    county = Org.objects.filter(depth=2, deleted_at__isnull=True).order_by("-numchild").first()
    urls = {
        "problem list": "/rectification/",
        "problem list, page 21": "/rectification/?page=21",
        "list warning=generic": "/rectification/?warning=generic",
        "list warning=near_duplicate": "/rectification/?warning=near_duplicate",
        "list due=overdue": "/rectification/?due=overdue",
        "list org=county": f"/rectification/?org={county.pk}",
        "office lists": "/rectification/lists/",
        "research list": "/research/",
        "cases list": "/cases/",
        "api problems": "/api/v1/problems",
    }
    rows += _timed_pages(client, urls)
    print(json.dumps(rows, ensure_ascii=False), file=sys.stderr, flush=True)
    for kind in ("problem", "measure"):
        t, cpu = time.perf_counter(), time.process_time()
        response = client.get(f"/rectification/duplicates/?kind={kind}")
        assert response.status_code == 200
        wall, used = time.perf_counter() - t, time.process_time() - cpu
        summary = detector.duplicate_summary(kind=kind)  # again, for its counts (the page has them as HTML)
        rows.append(
            {
                "what": f"duplicate report page for the root, {kind}s (s)",
                "value": round(wall, 1),
                "cpu": round(used, 1),
                "pairs": summary.pairs,
                "unit_pairs": summary.unit_pairs,
                "wide_lines": summary.wide_lines,
            }
        )
    t, cpu = time.perf_counter(), time.process_time()
    response = client.get("/rectification/export/")
    assert response.status_code == 200
    rows.append(
        {
            "what": "Excel export of the root's ledger (s)",
            "value": round(time.perf_counter() - t, 1),
            "cpu": round(time.process_time() - cpu, 1),
            "bytes": len(response.content),
            "problems": Problem.objects.alive().count(),
        }
    )
    print(json.dumps(rows, ensure_ascii=False))


if __name__ == "__main__":
    if "--yanbian" in sys.argv:
        child_yanbian()
    elif "--child" in sys.argv:
        child(sys.argv[-1])
