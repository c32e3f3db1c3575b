"""Benchmark: the compliance engine at yanbian scale (≈ 9k orgs, ≈ 1M activity kind entries).

Data: a copy of var/bench/yanbian.sqlite3 (bench_demo) when it holds activity records;
otherwise a synthetic database generated here once (var/bench/compliance_synth.sqlite3) with
bulk inserts. With ``--postgres`` and DATABASE_URL pointing at PostgreSQL (database NAME), the
same synthetic data goes into a database ``NAME_bench_compliance`` on that server. With ``--db PATH``, the
SQLite database at PATH is used in place (nothing copied or generated elsewhere; it must hold
the activity records, e.g. a copy of a yanbian demo database, migrated).

Measured (targets in the README table):
- full recompute (``recompute_all``): < 10 s SQLite, < 5 s PostgreSQL;
- a naive loop (one query per org × requirement × period, one write per cell), timed on a
  sample of orgs and extrapolated to all orgs; ratio naive / full ≥ 50×;
- the same full recompute against one grouped scan of the activity records (org, kind, month)
  in the same run: at most 3 times it;
- incremental update after one record (``compliance_on_activity_change``): < 20 ms, median
  and p95 over 50 runs;
- the update after a transfer and after an org kind change (only the orgs concerned and the
  periods from the day): < 200 ms;
- dashboard selector (``selectors.dashboard``) for the root and a mid-level org.

The measuring runs in a child process so Django is set up against the bench database.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
PY = str(ROOT / ".venv" / "bin" / "python")
DEMO_DB = BENCH_DIR / "yanbian.sqlite3"
COPY_DB = BENCH_DIR / "compliance_yanbian.sqlite3"
SYNTH_DB = BENCH_DIR / "compliance_synth.sqlite3"
NAIVE_SAMPLE_ORGS = 150


# ---------------------------------------------------------------- parent side


def _run_worker(env: dict[str, str], source: str) -> list[dict]:
    env = {**env, "PYTHONDONTWRITEBYTECODE": "1", "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("DJANGO_DEBUG", None)
    done = subprocess.run(
        [PY, str(Path(__file__).resolve()), "--worker", source],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=7200,
        check=False,
    )
    rows = [json.loads(line[5:]) for line in done.stdout.splitlines() if line.startswith("ROW: ")]
    if done.returncode != 0:
        rows.append({"name": "bench_compliance worker failed", "error": done.stderr[-3000:]})
    return rows


def _demo_has_activities() -> bool:
    if not DEMO_DB.exists():
        return False
    try:
        con = sqlite3.connect(f"file:{DEMO_DB}?mode=ro", uri=True, timeout=5)
        n = con.execute("SELECT COUNT(*) FROM activities_activitykindentry").fetchone()[0]
        con.close()
    except sqlite3.Error:
        return False
    return n >= 500_000


def _copy_demo() -> None:
    """A consistent copy (WAL included) through SQLite's backup API."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(COPY_DB) + suffix).unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{DEMO_DB}?mode=ro", uri=True)
    dst = sqlite3.connect(COPY_DB)
    src.backup(dst)
    dst.close()
    src.close()


def main(args=None, rest=None) -> list[dict]:
    rest = rest or []
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    rows: list[dict] = []
    base_env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    if "--db" in rest:
        path = Path(rest[rest.index("--db") + 1]).resolve()
        rows += _run_worker({**base_env, "DATABASE_URL": f"sqlite:///{path}"}, "given")
    elif "--synthetic" not in rest and _demo_has_activities():
        _copy_demo()
        rows += _run_worker({**base_env, "DATABASE_URL": f"sqlite:///{COPY_DB}"}, "demo")
    else:
        rows += _run_worker({**base_env, "DATABASE_URL": f"sqlite:///{SYNTH_DB}"}, "synthetic")
    url = os.environ.get("DATABASE_URL", "")
    if "--postgres" in rest or url.startswith("postgres"):
        if not url.startswith("postgres"):
            rows.append({"name": "compliance PostgreSQL", "skipped": "DATABASE_URL 不是 PostgreSQL"})
        else:
            # The synthetic data goes into a database of its own, named after the given one
            # (dangjian_x → dangjian_x_bench_compliance), created when missing.
            base, name = url.rsplit("/", 1)
            pg = f"{base}/{name.split('?')[0]}_bench_compliance"
            rows += _run_worker({**base_env, "DATABASE_URL": pg}, "synthetic")
    return rows


# ---------------------------------------------------------------- worker side


def emit(row: dict) -> None:
    print("ROW: " + json.dumps(row, ensure_ascii=False, default=str), flush=True)


def _ensure_pg_database() -> None:
    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgres"):
        return
    import psycopg

    admin_url, name = url.rsplit("/", 1)
    with psycopg.connect(admin_url + "/postgres", autocommit=True) as con:
        exists = con.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            con.execute(f'CREATE DATABASE "{name}"')


def _setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    _ensure_pg_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _seg(n: int) -> str:
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    for _ in range(4):
        n, r = divmod(n, 36)
        out = alphabet[r] + out
    return out


def generate_synthetic(seed: int = 20261123) -> None:
    """≈ 9k orgs, ≈ 135k members, ≈ 1M kind entries over the evaluation window, lower levels lagging."""
    import datetime as dt

    from django.db import transaction
    from django.utils import timezone

    from dangjian.activities.models import Activity, ActivityKindEntry, Attendance
    from dangjian.orgs.models import Member, Org

    rng = random.Random(seed)
    today = timezone.localdate()
    start = dt.date(today.year - 1, 1, 1)
    orgs: list[Org] = []

    def add(path: str, name: str, kind: str, **kw) -> Org:
        org = Org(path=path, depth=len(path) // 4, numchild=0, name=name, kind=kind, sector="organ", **kw)
        orgs.append(org)
        return org

    city = add(_seg(1), "示例州委", "committee", leadership_team=True)
    branches: list[Org] = []
    groups: list[Org] = []
    for c in range(1, 9):
        county = add(city.path + _seg(c), f"第{c}县委", "committee", leadership_team=True)
        for u in range(1, 31):
            unit = add(
                county.path + _seg(u),
                f"第{c}县第{u}党委",
                "committee" if u % 3 else "general_branch",
                leadership_team=(u % 3 == 1),
            )
            for b in range(1, 29):
                full = rng.randint(3, 30)
                branch = add(unit.path + _seg(b), f"第{c}县第{u}党委第{b}支部", "branch", full_count=full)
                branches.append(branch)
                if full >= 15:
                    for g in range(1, rng.randint(2, 3)):
                        groups.append(add(branch.path + _seg(g), f"{branch.name}第{g}党小组", "group"))
    children: dict[str, int] = {}
    for o in orgs:
        if o.depth > 1:
            children[o.path[:-4]] = children.get(o.path[:-4], 0) + 1
    for o in orgs:
        o.numchild = children.get(o.path, 0)
    with transaction.atomic():
        Org.objects.bulk_create(orgs, batch_size=2000)
    by_path = dict(Org.objects.values_list("path", "pk"))
    for o in orgs:
        o.pk = by_path[o.path]

    # Members (正式 only is enough for the rules measured).
    members: list[Member] = []
    n = 0
    for b in branches:
        for _ in range(b.full_count):
            n += 1
            members.append(
                Member(
                    org_id=b.pk, org_path=b.path, name=f"党员{n}", name_initials="dy", name_pinyin="dangyuan",
                    gender="M", ethnicity="01", birth_date=dt.date(1980, 1, 1), id_number_hash=f"h{n}",
                    id_number_encrypted="x", id_number_masked="x", status="full",
                    joined_on=dt.date(2005, 7, 1), full_member_on=dt.date(2006, 7, 1),
                )
            )  # fmt: skip
    with transaction.atomic():
        Member.objects.bulk_create(members, batch_size=5000)
    member_ids: dict[int, list[int]] = {}
    for org_id, pk in Member.objects.values_list("org_id", "pk"):
        member_ids.setdefault(org_id, []).append(pk)

    # Activities: probabilities fall with depth (上热中温下冷), some branches lag badly.
    months = []
    d = start
    while d <= today:
        months.append(d)
        d = (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)

    def day_in(month: dt.date) -> dt.date:
        last = ((month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)).day
        day = month.replace(day=rng.randint(1, last))
        return min(day, today)

    plan: list[tuple[Org, dt.date, tuple[str, ...]]] = []
    for o in orgs:
        if o.kind == "group":
            for m in months:
                if rng.random() < 0.6:
                    plan.append((o, day_in(m), ("group_meeting",)))
            continue
        if o.kind != "branch":
            for m in months:
                if o.leadership_team and rng.random() < 0.9:
                    plan.append((o, day_in(m), ("central_group_study",)))
                if m.month == 6 and rng.random() < 0.8:
                    plan.append((o, day_in(m), ("party_lecture",)))
            continue
        zeal = rng.choice((0.95, 0.85, 0.7, 0.4))
        for m in months:
            if rng.random() < zeal:
                kinds = (
                    ("theme_day", "party_lecture")
                    if m.month % 3 == 2 and rng.random() < 0.7
                    else ("theme_day",)
                )
                plan.append((o, day_in(m), kinds))
            if o.full_count >= 7 and rng.random() < zeal:
                plan.append((o, day_in(m), ("committee_meeting",)))
            if m.month % 3 == 0 and rng.random() < zeal:
                plan.append((o, day_in(m), ("general_meeting",)))
            for _ in range(rng.randint(1, 4)):
                plan.append((o, day_in(m), ("heart_to_heart_talk",)))
            if rng.random() < 0.3:
                plan.append((o, day_in(m), ("group_study",)))
            if m.month == 12 and rng.random() < zeal:
                plan.append((o, day_in(m), ("org_life_meeting", "member_appraisal")))
    tz = timezone.get_current_timezone()
    for i in range(0, len(plan), 20000):
        chunk = plan[i : i + 20000]
        with transaction.atomic():
            acts = Activity.objects.bulk_create(
                [
                    Activity(
                        org_id=o.pk, org_path=o.path, topic="组织生活", held_on=day,
                        starts_at=dt.datetime.combine(day, dt.time(9), tzinfo=tz),
                    )
                    for o, day, _k in chunk
                ]
            )  # fmt: skip
            entries = []
            attendance = []
            for act, (o, day, kinds) in zip(acts, chunk, strict=True):
                for k in kinds:
                    entries.append(
                        ActivityKindEntry(
                            activity_id=act.pk, kind=k, org_id=o.pk, org_path=o.path, held_on=day
                        )
                    )
                if "org_life_meeting" in kinds:
                    for mid in member_ids.get(o.pk, ()):
                        status = "present" if rng.random() < 0.92 else "absent"
                        attendance.append(Attendance(activity_id=act.pk, member_id=mid, status=status))
            ActivityKindEntry.objects.bulk_create(entries, batch_size=5000)
            Attendance.objects.bulk_create(attendance, batch_size=5000)
    Org.objects.filter(kind="committee").update(probationary_count=0)


def _timed(fn, runs: int) -> dict:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return {
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 1),
        "runs": runs,
    }


def naive_cells(org_ids: list[int]) -> int:
    """The naive version kept for comparison: one query per org × requirement × period, one write per cell."""
    from django.db.models import Q

    from dangjian.activities.models import ActivityKindEntry, Attendance
    from dangjian.orgs.models import Member
    from dangjian.requirements import engine
    from dangjian.requirements.models import ComplianceResult

    on = engine.today()
    rules = engine.active_rules()
    histories = engine.load_histories(org_ids, lo=engine.earliest_day(rules, on))
    members: dict[int, list[int]] = {}
    for org_id, pk in (
        Member.objects.alive().filter(org_id__in=org_ids, standing="normal").values_list("org_id", "pk")
    ):
        members.setdefault(org_id, []).append(pk)
    cells = 0
    for org in histories.values():
        for rule in rules:
            for span in engine.rule_spans(rule, on):
                if not rule.applies(org.facts_on(span.start)):
                    continue
                if org.founded_on and org.founded_on > span.start:
                    continue
                if org.removed_on and span.end >= org.removed_on:
                    continue
                if rule.per_member:
                    done = 0
                    member_ids = members.get(org.id, [])
                    for mid in member_ids:
                        n = (
                            Attendance.objects.filter(
                                member_id=mid, activity__org_id=org.id, status__in=engine.ATTENDED,
                                activity__deleted_at__isnull=True, activity__held_on__range=(span.start, span.end),
                                activity__kinds__kind__in=rule.kinds, activity__kinds__is_active=True,
                            ).values("activity_id").distinct().count()
                        )  # fmt: skip
                        done += n >= rule.times
                    count, required = done, len(member_ids)
                else:
                    count = (
                        ActivityKindEntry.objects.filter(
                            Q(kind__in=rule.kinds), org_id=org.id, is_active=True,
                            held_on__range=(span.start, span.end),
                        ).values("activity_id").distinct().count()
                    )  # fmt: skip
                    required = rule.times
                status = engine.status_of(count, required, span, on, rule.share if rule.per_member else None)
                ComplianceResult.objects.update_or_create(
                    requirement_id=rule.id, org_id=org.id, period_key=span.key,
                    defaults={
                        "org_path": org.path, "period_start": span.start, "period_end": span.end,
                        "status": status, "count": count, "required": required, "activity_ids": "",
                    },
                )  # fmt: skip
                cells += 1
    return cells


def worker(source: str) -> None:
    _setup_django()
    import datetime as dt

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction

    from dangjian.accounts.models import User
    from dangjian.activities.models import Activity, ActivityKindEntry
    from dangjian.orgs.models import Org
    from dangjian.requirements import engine, selectors
    from dangjian.requirements.engine import sql as engine_sql
    from dangjian.requirements.services import compliance_on_activity_change

    vendor = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    if ActivityKindEntry.objects.count() < 500_000:
        if source == "given":
            raise SystemExit("the database given with --db holds too few activity records")
        if source == "demo":
            emit({"name": "compliance data", "note": "demo database has too few records; using synthetic"})
        t = time.perf_counter()
        generate_synthetic()
        emit({"name": f"compliance synthetic data ({vendor})", "seconds": round(time.perf_counter() - t, 1)})
    call_command("load_requirements", "--no-recompute", verbosity=0)
    n_orgs = Org.objects.filter(deleted_at__isnull=True).count()
    n_entries = ActivityKindEntry.objects.filter(is_active=True).count()
    data = f"{source}: {n_orgs} orgs, {n_entries} kind entries"

    def vacuum() -> None:
        """What autovacuum does between runs in production (PostgreSQL only)."""
        if vendor == "PostgreSQL":
            with connection.cursor() as cursor:
                for table in (
                    "requirements_complianceresult",
                    "requirements_compliancerollup",
                    "activities_activitykindentry",
                    "activities_attendance",
                    "orgs_member",
                    "orgs_org",
                ):
                    cursor.execute(f"VACUUM ANALYZE {table}")

    # From empty tables (first deployment: every row written), then the daily run (the
    # data unchanged since the last run: rows are compared, few written).
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM requirements_complianceresult")
        cursor.execute("DELETE FROM requirements_compliancerollup")
    vacuum()
    t = time.perf_counter()
    report = engine.recompute_all()
    from_empty = time.perf_counter() - t
    vacuum()
    runs, cpu_runs = [], []
    for _ in range(2):
        t, c = time.perf_counter(), time.process_time()
        report = engine.recompute_all()
        runs.append(time.perf_counter() - t)
        cpu_runs.append(time.process_time() - c)
    full = min(runs)
    # One grouped scan of the activity records (per org, kind and month), the yardstick the
    # full recompute is held to (at most 3 times it), measured here in the same run.
    month_key = "date_trunc('month', held_on)" if vendor == "PostgreSQL" else "substr(held_on, 1, 7)"
    scans, cpu_scans = [], []
    for _ in range(2):
        t, c = time.perf_counter(), time.process_time()
        # Read the way the recompute reads (SQLite: the file mapped into memory), so that the
        # ratio compares the work, not the page cache.
        with engine_sql.bulk_reads(), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT org_id, kind, {month_key}, COUNT(*) FROM activities_activitykindentry "
                f"WHERE is_active GROUP BY 1, 2, 3"
            )
            cursor.fetchall()
        scans.append(time.perf_counter() - t)
        cpu_scans.append(time.process_time() - c)
    scan = min(scans)
    target = 5 if vendor == "PostgreSQL" else 10
    emit(
        {
            "name": f"compliance full recompute ({vendor})",
            "command": "manage.py recompute_compliance (engine.recompute_all)",
            "data": data,
            "results": report.results,
            "rollups": report.rollups,
            "rows_written": report.written,
            "seconds_from_empty": round(from_empty, 2),
            "seconds_daily": [round(r, 2) for r in runs],
            "seconds_best": round(full, 2),
            "cpu_seconds_daily": [round(r, 2) for r in cpu_runs],
            "load": round(os.getloadavg()[0], 1),
            "target_s": target,
            "ok": full < target,
        }
    )
    emit(
        {
            "name": f"compliance full recompute vs one grouped scan of the records ({vendor})",
            "grouped_scan_seconds": round(scan, 2),
            "grouped_scan_cpu_seconds": round(min(cpu_scans), 2),
            "full_recompute_cpu_seconds": round(min(cpu_runs), 2),
            "full_recompute_seconds": round(full, 2),
            "ratio": round(full / scan, 2),
            "target_ratio_max": 3,
            "ok": full / scan <= 3,
        }
    )

    # Naive loop on a sample of orgs, extrapolated to all orgs, inside a rolled-back transaction.
    rng = random.Random(7)
    all_ids = list(Org.objects.filter(deleted_at__isnull=True).values_list("pk", flat=True))
    sample = rng.sample(all_ids, min(NAIVE_SAMPLE_ORGS, len(all_ids)))
    with transaction.atomic():
        t = time.perf_counter()
        cells = naive_cells(sample)
        naive_sample = time.perf_counter() - t
        transaction.set_rollback(True)
    naive_total = naive_sample * len(all_ids) / len(sample)
    emit(
        {
            "name": f"compliance naive loop ({vendor})",
            "note": f"timed on {len(sample)} random orgs ({cells} cells), extrapolated to {len(all_ids)} orgs",
            "sample_seconds": round(naive_sample, 2),
            "extrapolated_seconds": round(naive_total, 1),
            "ratio_naive_over_full": round(naive_total / full, 1),
            "ratio_naive_over_from_empty": round(naive_total / from_empty, 1),
            "target_ratio": 50,
            "ok": naive_total / full >= 50,
        }
    )

    # Incremental update after one record.
    branches = list(Org.objects.filter(kind="branch", deleted_at__isnull=True).values_list("pk", "path"))
    today = engine.today()
    made: list[int] = []

    def one() -> None:
        org_id, path = rng.choice(branches)
        day = today - dt.timedelta(days=rng.randint(0, 300))
        with transaction.atomic():
            act = Activity.objects.create(
                org_id=org_id, org_path=path, topic="基准", held_on=day,
                starts_at=dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC),
            )  # fmt: skip
            ActivityKindEntry.objects.create(
                activity=act, kind="theme_day", org_id=org_id, org_path=path, held_on=day
            )
        made.append(act.pk)
        c = time.process_time()
        timings.append(
            _timed(lambda: compliance_on_activity_change(org_id=org_id, dates=[day]), 1)["median_ms"]
        )
        cpu.append((time.process_time() - c) * 1000)

    timings: list[float] = []
    cpu: list[float] = []
    for _ in range(50):
        one()
    timings.sort()
    emit(
        {
            "name": f"compliance incremental update after one record ({vendor})",
            "median_ms": round(statistics.median(timings), 1),
            "p95_ms": round(timings[int(0.95 * len(timings)) - 1], 1),
            "median_cpu_ms": round(statistics.median(cpu), 1),
            "load": round(os.getloadavg()[0], 1),
            "runs": len(timings),
            "target_ms": 20,
            "ok": statistics.median(timings) < 20,
        }
    )
    for pk in made:
        org_id, day = Activity.objects.filter(pk=pk).values_list("org_id", "held_on").get()
        ActivityKindEntry.objects.filter(activity_id=pk).delete()
        Activity.objects.filter(pk=pk).delete()
        compliance_on_activity_change(org_id=org_id, dates=[day])

    # After a transfer or an org change: only the orgs concerned and the periods from the day.
    from django.test import TestCase

    from dangjian.orgs import services as org_services
    from dangjian.orgs.models import Member
    from dangjian.requirements.services import compliance_on_members_changed, compliance_on_org_tree_changed

    transfer_ms: list[float] = []
    change_ms: list[float] = []
    transfer_cpu: list[float] = []
    change_cpu: list[float] = []
    for _ in range(20):
        with transaction.atomic():
            member = Member.objects.filter(org__kind="branch", deleted_at__isnull=True).order_by("?").first()
            to_id, _path = rng.choice(branches)
            day = today - dt.timedelta(days=rng.randint(0, 60))
            if to_id == member.org_id or member.joined_on > day:
                transaction.set_rollback(True)
                continue
            from_id = member.org_id
            with TestCase.captureOnCommitCallbacks(execute=False):
                org_services.member_transfer(
                    member=member, to_org=Org.objects.get(pk=to_id), on=day, reason="基准", actor=None
                )
            t, c = time.perf_counter(), time.process_time()
            compliance_on_members_changed(org_ids={from_id, to_id}, since=day)
            transfer_ms.append((time.perf_counter() - t) * 1000)
            transfer_cpu.append((time.process_time() - c) * 1000)
            transaction.set_rollback(True)
        with transaction.atomic():
            org_id, _path = rng.choice(branches)
            org = Org.objects.get(pk=org_id)
            day = today.replace(day=1)
            with TestCase.captureOnCommitCallbacks(execute=False):
                org_services.org_update(org=org, actor=None, kind="general_branch", changed_on=day)
            t, c = time.perf_counter(), time.process_time()
            compliance_on_org_tree_changed(org_ids={org_id}, since=day)
            change_ms.append((time.perf_counter() - t) * 1000)
            change_cpu.append((time.process_time() - c) * 1000)
            transaction.set_rollback(True)
    for label, values, cpu_values in (
        ("a transfer", transfer_ms, transfer_cpu),
        ("an org kind change", change_ms, change_cpu),
    ):
        values.sort()
        emit(
            {
                "name": f"compliance update after {label} ({vendor})",
                "median_ms": round(statistics.median(values), 1),
                "p95_ms": round(values[max(0, int(0.95 * len(values)) - 1)], 1),
                "median_cpu_ms": round(statistics.median(cpu_values), 1),
                "runs": len(values),
                "target_ms": 200,
                "ok": values[max(0, int(0.95 * len(values)) - 1)] < 200,
            }
        )

    # Dashboard selector: root and a mid-level org, last month and last quarter.
    admin, _ = User.objects.get_or_create(username="bench_compliance", defaults={"is_superuser": True})
    root = Org.objects.filter(depth=1).order_by("path").first()
    mid = Org.objects.filter(depth=2).order_by("path").first()
    month = selectors.resolve_period(None)
    quarter = engine.span_of("quarter", month.start)
    for label, org in (("root", root), ("mid-level", mid)):
        for window in (month, quarter):
            stats = _timed(lambda o=org, w=window: selectors.dashboard(user=admin, org=o, window=w), 30)
            emit(
                {
                    "name": f"compliance dashboard selector, {label} org, {window.key} ({vendor})",
                    **stats,
                    "target_p95_ms": 150,
                }
            )
    emit({"name": "compliance settings", "history_years": getattr(settings, "COMPLIANCE_HISTORY_YEARS", 2)})


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "--worker":
        worker(sys.argv[2])
    else:
        for r in main(None, sys.argv[1:]):
            print(json.dumps(r, ensure_ascii=False))
