"""Run inside Django (DATABASE_URL set by bench_web): pick a county-level org whose subtree holds
about 2,000 members, give the bench user ORG_ADMIN there, and print what the load test needs as
JSON on the last line. With ``--profile URL`` it instead times one warm request under cProfile."""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db.models import F, Sum  # noqa: E402

from dangjian.core.permissions import Role  # noqa: E402
from dangjian.demo.accounts import grant_user  # noqa: E402
from dangjian.orgs.choices import OrgKind  # noqa: E402
from dangjian.orgs.models import Org  # noqa: E402

USERNAME = "bench_admin"
PASSWORD = "Bench#Load-2025"
TARGET = 2000


def pick_org() -> tuple[Org, int]:
    best: tuple[int, Org, int] | None = None
    candidates = Org.objects.filter(
        depth__in=(2, 3), kind__in=(OrgKind.COMMITTEE, OrgKind.WORKING_COMMITTEE), deleted_at__isnull=True
    )
    for org in candidates:
        agg = Org.objects.filter(path__startswith=org.path).aggregate(
            f=Sum("full_count"), p=Sum("probationary_count")
        )
        total = (agg["f"] or 0) + (agg["p"] or 0)
        score = abs(total - TARGET)
        if best is None or score < best[0]:
            best = (score, org, total)
    assert best is not None
    return best[1], best[2]


def setup() -> dict:
    org, members = pick_org()
    grant_user(username=USERNAME, role=Role.ORG_ADMIN, org=org, password=PASSWORD, display_name="压测账号")
    child = Org.objects.filter(path__startswith=org.path, depth=org.depth + 1).order_by("-numchild").first()
    return {
        "username": USERNAME,
        "password": PASSWORD,
        "org_id": org.pk,
        "org_name": org.name,
        "members": members,
        "child_id": child.pk if child else org.pk,
    }


def profile(url: str) -> str:
    """cProfile of 5 warm requests, plus each SQL statement of one request with its time."""
    import time

    from django.db import connection
    from django.test import Client

    from dangjian.accounts.models import User

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username=USERNAME))
    assert client.get(url).status_code == 200
    queries: list[tuple[float, str]] = []

    def timed(execute, sql, params, many, context):
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append((time.perf_counter() - t, sql))

    t = time.perf_counter()
    with connection.execute_wrapper(timed):
        client.get(url)
    total = time.perf_counter() - t
    buf = io.StringIO()
    sql_time = sum(q[0] for q in queries)
    buf.write(f"one request: {total * 1000:.1f} ms, {len(queries)} queries, SQL {sql_time * 1000:.1f} ms\n")
    for secs, sql in sorted(queries, reverse=True)[:8]:
        buf.write(f"  {secs * 1000:8.1f} ms  {sql[:300]}\n")
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(5):
        client.get(url)
    prof.disable()
    stats = pstats.Stats(prof, stream=buf)
    stats.sort_stats("cumulative").print_stats(30)
    stats.sort_stats("tottime").print_stats(15)
    return buf.getvalue()


MATRIX_PASSWORD = "Bench#Matrix-2025"


def _subtree_members(org: Org) -> int:
    agg = Org.objects.filter(path__startswith=org.path, deleted_at__isnull=True).aggregate(
        f=Sum("full_count"), p=Sum("probationary_count")
    )
    return (agg["f"] or 0) + (agg["p"] or 0)


def matrix_setup() -> dict:
    """One bench user per role, each at the largest scope that role can have: the root's 党务管理员,
    the 党务管理员 of the largest county-level 党委, the 书记 of the largest 党支部, a 督导 over the three
    largest county-level 党委, and an ordinary member of that branch."""
    from dangjian.accounts.models import RoleGrant, User
    from dangjian.orgs.choices import MemberStatus, PositionTitle
    from dangjian.orgs.models import Member, Position

    live = Org.objects.filter(deleted_at__isnull=True)
    root = live.filter(depth=1).order_by("path").first()
    assert root is not None
    counties = sorted(live.filter(depth=2, kind=OrgKind.COMMITTEE), key=_subtree_members, reverse=True)
    branch = (
        live.filter(
            kind=OrgKind.BRANCH, positions__title=PositionTitle.SECRETARY, positions__ended_on__isnull=True
        )
        .annotate(size=F("full_count") + F("probationary_count"))
        .order_by("-size", "path")
        .first()
    )
    assert branch is not None
    secretary = Position.objects.filter(
        org=branch, title=PositionTitle.SECRETARY, ended_on__isnull=True
    ).first()
    ordinary = (
        Member.objects.alive()
        .filter(org=branch, status=MemberStatus.FULL)
        .exclude(positions__org=branch)
        .order_by("pk")
        .first()
    )
    assert secretary is not None and ordinary is not None

    def user(username: str, role: str, orgs: list[Org], member=None, descendants: bool = True) -> dict:
        u = User.objects.filter(username=username).first() or User(username=username)
        u.display_name = username
        u.member = member
        u.is_active = True
        u.set_password(MATRIX_PASSWORD)
        u.save()
        RoleGrant.objects.filter(user=u).delete()
        for org in orgs:
            RoleGrant.objects.create(user=u, role=role, org=org, include_descendants=descendants)
        scope = "、".join(o.name for o in orgs)
        return {"username": username, "password": MATRIX_PASSWORD, "scope": scope,
                "members": sum(_subtree_members(o) if descendants else 1 for o in orgs)}  # fmt: skip

    return {
        "root_id": root.pk,
        "roles": {
            "州委党务管理员": user("bench_root", Role.ORG_ADMIN, [root]),
            "县委党务管理员": user("bench_county", Role.ORG_ADMIN, [counties[0]]),
            "支部书记": user("bench_branch", Role.BRANCH_SECRETARY, [branch], member=secretary.member),
            "督导": user("bench_supervisor", Role.SUPERVISOR, counties[:3]),
            "党员": user("bench_member", Role.MEMBER, [branch], member=ordinary, descendants=False),
        },
    }


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--matrix":
        print(json.dumps(matrix_setup(), ensure_ascii=False))
    elif len(sys.argv) > 2 and sys.argv[1] == "--profile":
        print(profile(sys.argv[2]))
    else:
        print(json.dumps(setup(), ensure_ascii=False))
