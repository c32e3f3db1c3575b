"""Demo accounts, one per role, with a known password (printed by ``manage.py demo_logins``)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from dangjian.accounts.models import RoleGrant, User
from dangjian.core.permissions import Role
from dangjian.orgs.choices import MemberStatus, OrgKind, PositionTitle, Sector
from dangjian.orgs.models import Member, Org, Position

DEMO_PASSWORD = "Hongqi#2025dj"  # passes the project's password validators (checked on creation)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role_label: str
    display_name: str


DEMO_ACCOUNTS = (
    DemoAccount("admin", "系统管理员", "系统管理员"),
    DemoAccount("shiwei", "市委党务管理员", "市委组织部党务干部"),
    DemoAccount("xianwei", "县委党务管理员", "县委组织部党务干部"),
    DemoAccount("zhishu", "支部书记", ""),
    DemoAccount("dangyuan", "党员", ""),
    DemoAccount("dudao", "督导", "督导组成员"),
)
DEMO_USERNAMES = tuple(a.username for a in DEMO_ACCOUNTS)


class DemoDataMissing(Exception):
    """The demo accounts need generated orgs and members; the message is Chinese."""


def _user(account: DemoAccount, *, display_name: str = "", member: Member | None = None) -> User:
    user = User.objects.filter(username=account.username).first() or User(username=account.username)
    user.display_name = display_name or account.display_name
    user.member = member
    user.is_active = True
    user.is_staff = user.is_superuser = account.username == "admin"
    validate_password(DEMO_PASSWORD, user)
    user.set_password(DEMO_PASSWORD)
    user.save()
    RoleGrant.objects.filter(user=user).delete()
    return user


def _pick_branch(county: Org) -> tuple[Org, Member, Member]:
    """A branch of the county with 15–30 members, a 书记 and at least one ordinary member."""
    branches = Org.objects.filter(
        path__startswith=county.path, kind=OrgKind.BRANCH, deleted_at__isnull=True
    ).order_by("path")
    fallback = None
    for branch in branches.iterator():
        total = branch.full_count + branch.probationary_count
        secretary = (
            Position.objects.filter(org=branch, title=PositionTitle.SECRETARY, ended_on__isnull=True)
            .select_related("member")
            .first()
        )
        if secretary is None:
            continue
        ordinary = (
            Member.objects.alive()
            .filter(org=branch, status=MemberStatus.FULL, lost_contact=False)
            .exclude(positions__org=branch)
            .order_by("pk")
            .first()
        )
        if ordinary is None:
            continue
        if 15 <= total <= 30 and branch.sector != Sector.ORGAN:
            return branch, secretary.member, ordinary
        fallback = fallback or (branch, secretary.member, ordinary)
    if fallback is None:
        raise DemoDataMissing("找不到有书记和普通党员的党支部，无法创建演示账号")
    return fallback


@transaction.atomic
def create_demo_accounts() -> list[User]:
    if getattr(settings, "PRODUCTION", False):
        raise DemoDataMissing("生产环境不能创建演示账号（密码是公开的）")
    root = Org.objects.filter(depth=1, deleted_at__isnull=True).order_by("path").first()
    if root is None:
        raise DemoDataMissing("数据库中没有组织，请先运行 gen_demo 生成演示数据")
    county = (
        Org.objects.filter(path__startswith=root.path, depth=2, leadership_team=True, kind=OrgKind.COMMITTEE)
        .order_by("path")
        .first()
    ) or root
    branch, secretary, ordinary = _pick_branch(county)
    towns = list(
        Org.objects.filter(
            path__startswith=root.path, kind=OrgKind.COMMITTEE, sector=Sector.RURAL, deleted_at__isnull=True
        ).order_by("path")
    )
    # three 乡镇党委 from different counties where there are several counties
    supervised: list[Org] = []
    seen_parents: set[str] = set()
    for town in towns:
        parent = town.path[: -Org.steplen]
        if parent not in seen_parents:
            supervised.append(town)
            seen_parents.add(parent)
        if len(supervised) == 3:
            break
    for town in towns:
        if len(supervised) == 3:
            break
        if town not in supervised:
            supervised.append(town)
    if len(supervised) < 3:
        extra = Org.objects.filter(depth=3, deleted_at__isnull=True).exclude(
            pk__in=[o.pk for o in supervised]
        )
        supervised += list(extra.order_by("path")[: 3 - len(supervised)])

    accounts = {a.username: a for a in DEMO_ACCOUNTS}
    users = []
    admin = _user(accounts["admin"])
    RoleGrant.objects.create(user=admin, role=Role.SYSTEM_ADMIN, org=None)
    users.append(admin)
    city = _user(accounts["shiwei"])
    RoleGrant.objects.create(user=city, role=Role.ORG_ADMIN, org=root, include_descendants=True)
    users.append(city)
    county_admin = _user(accounts["xianwei"])
    RoleGrant.objects.create(user=county_admin, role=Role.ORG_ADMIN, org=county, include_descendants=True)
    users.append(county_admin)
    sec = _user(accounts["zhishu"], display_name=secretary.name, member=secretary)
    RoleGrant.objects.create(user=sec, role=Role.BRANCH_SECRETARY, org=branch, include_descendants=True)
    users.append(sec)
    member = _user(accounts["dangyuan"], display_name=ordinary.name, member=ordinary)
    RoleGrant.objects.create(user=member, role=Role.MEMBER, org=branch, include_descendants=False)
    users.append(member)
    supervisor = _user(accounts["dudao"])
    for org in supervised:
        RoleGrant.objects.create(user=supervisor, role=Role.SUPERVISOR, org=org, include_descendants=True)
    users.append(supervisor)
    return users


def grant_user(*, username: str, role: str, org: Org | None, password: str, display_name: str = "") -> User:
    """Create or reset a user holding exactly one grant (used by benchmarks)."""
    user = User.objects.filter(username=username).first() or User(username=username)
    user.display_name = display_name or username
    user.is_active = True
    user.set_password(password)
    user.save()
    RoleGrant.objects.filter(user=user).delete()
    RoleGrant.objects.create(user=user, role=role, org=org, include_descendants=role != Role.MEMBER)
    return user


# ------------------------------------------------------------------ the printed table


def _scope(user: User) -> str:
    grants = list(RoleGrant.objects.filter(user=user).select_related("org").order_by("org__path"))
    if user.is_superuser or any(g.org_id is None for g in grants):
        return "全部组织（含后台管理）"
    if not grants:
        return "（无授权）"
    role = grants[0].role
    if role == Role.SUPERVISOR:
        return "只读：" + "、".join(g.org.name for g in grants if g.org)
    org = grants[0].org
    assert org is not None
    if role == Role.MEMBER:
        return f"本人信息（{org.name}）"
    if role == Role.BRANCH_SECRETARY:
        return f"{org.name}"
    return f"{org.name}及下级组织"


def demo_login_rows() -> list[tuple[str, str, str, str]]:
    """(角色, 用户名, 密码, 范围) for each demo account that exists."""
    users = {u.username: u for u in User.objects.filter(username__in=DEMO_USERNAMES)}
    rows = []
    for account in DEMO_ACCOUNTS:
        user = users.get(account.username)
        if user is None:
            continue
        password = DEMO_PASSWORD if user.check_password(DEMO_PASSWORD) else "（已修改）"
        role = account.role_label
        if user.display_name and user.member_id:
            role = f"{role}（{user.display_name}）"
        rows.append((role, user.username, password, _scope(user)))
    return rows


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def format_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(c + " " * (w - _width(c)) for c, w in zip(cells, widths, strict=True)).rstrip()

    sep = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), sep, *(line(r) for r in rows)])


def demo_logins_text() -> str:
    rows = demo_login_rows()
    if not rows:
        return "尚无演示账号。请先运行：manage.py gen_demo --shape small --seed 1"
    return "演示账号（登录地址 /login/）：\n" + format_table(("角色", "用户名", "密码", "范围"), rows)


__all__ = [
    "DEMO_ACCOUNTS",
    "DEMO_PASSWORD",
    "DEMO_USERNAMES",
    "DemoDataMissing",
    "create_demo_accounts",
    "demo_login_rows",
    "demo_logins_text",
    "grant_user",
]
