"""gen_demo: determinism, valid personal data, counts, tree integrity, reset and the hooks."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count, Q

from dangjian.accounts.models import RoleGrant, User
from dangjian.core import pii
from dangjian.core.permissions import Role
from dangjian.demo import plan
from dangjian.orgs.choices import BRANCH_KINDS, Education, MemberStatus, Occupation, OrgKind, occupation_group
from dangjian.orgs.models import Member, MobilityRecord, Org, Position, Transfer
from dangjian.orgs.services import MEMBER_FIELDS, member_check, name_pinyin, org_recount

pytestmark = pytest.mark.django_db


def gen(seed: int = 1, *, reset: bool = False) -> str:
    out = io.StringIO()
    call_command("gen_demo", shape="tiny", seed=seed, reset=reset, no_activities=True, stdout=out)
    return out.getvalue()


def snapshot() -> tuple[list, list]:
    orgs = list(Org.objects.order_by("pk").values_list("pk", "path", "name", "kind", "sector"))
    members = list(
        Member.objects.order_by("pk").values_list(
            "pk", "org_id", "name", "id_number_hash", "status", "joined_on"
        )
    )
    return orgs, members


def test_same_seed_gives_the_same_data_and_another_seed_does_not():
    gen(1)
    first = snapshot()
    gen(1, reset=True)
    assert snapshot() == first
    gen(2, reset=True)
    orgs, members = snapshot()
    assert {m[2] for m in members} != {m[2] for m in first[1]}
    assert {m[3] for m in members} != {m[3] for m in first[1]}


def test_every_member_passes_the_domain_checks_and_pii_round_trips():
    gen(1)
    members = list(Member.objects.select_related("org"))
    assert len(members) > 300
    for m in members:
        number = pii.decrypt(m.id_number_encrypted)
        info = pii.parse_id_number(number)  # raises on a bad check digit
        assert m.id_number_hash == pii.lookup_hash(number)
        assert m.id_number_masked == pii.mask_id_number(number)
        assert (info.birth_date, info.gender) == (m.birth_date, m.gender)
        phone = pii.decrypt(m.phone_encrypted)
        assert m.phone_masked == pii.mask_phone(phone)
        data = {f: getattr(m, f) for f in MEMBER_FIELDS} | {"id_number": number, "phone": phone}
        assert member_check(data, org=m.org) == {}, (m.pk, m.name)
        assert (m.name_initials, m.name_pinyin) == name_pinyin(m.name)
        assert m.org_path == m.org.path
        assert m.org.kind in BRANCH_KINDS
        if m.party_group_id:
            assert m.party_group.kind == OrgKind.GROUP and m.party_group.path.startswith(m.org_path)
    regions = {pii.decrypt(m.id_number_encrypted)[:4] for m in members}
    assert "2224" in regions  # Yanbian region codes


def test_the_data_has_the_variety_the_demo_needs():
    gen(1)
    total = Member.objects.count()
    prob = Member.objects.filter(status=MemberStatus.PROBATIONARY).count()
    assert 0.01 < prob / total < 0.12
    occupations = set(Member.objects.values_list("occupation", flat=True))
    assert occupations <= set(Occupation.values)  # the national 工作岗位 codes
    assert {"5", "1", "3", "0"} <= {
        occupation_group(o) for o in occupations
    }  # 离退休, 农牧渔民, 学生, 在岗职工
    educations = set(Member.objects.values_list("education", flat=True))
    assert educations <= set(Education.values) and {"22", "6", "7"} <= educations
    assert MobilityRecord.objects.filter(direction="out", ended_on__isnull=True).exists()
    assert Org.objects.filter(leadership_team=True, depth=2).exists()
    assert Org.objects.filter(term_due__isnull=False).exists()
    sectors = set(Org.objects.values_list("sector", flat=True))
    assert {"organ", "rural", "community", "school", "private_enterprise", "social_org"} <= sectors
    # every branch has a 书记 who belongs to it
    branches = Org.objects.filter(kind__in=BRANCH_KINDS)
    with_secretary = Position.objects.filter(title="secretary", org__in=branches).values("org").distinct()
    assert with_secretary.count() == branches.count()
    for pos in Position.objects.filter(ended_on__isnull=True).select_related("member", "org"):
        assert pos.member.org_path.startswith(pos.org.path) or pos.org.path.startswith(pos.member.org_path)
    sizes = Org.objects.filter(kind__in=BRANCH_KINDS, deleted_at__isnull=True).values_list(
        "full_count", "probationary_count"
    )
    assert all(3 <= a + b <= 50 for a, b in sizes)


def test_counts_and_tree_are_consistent():
    gen(1)
    counts = {
        row["org_id"]: (row["full"], row["prob"])
        for row in Member.objects.values("org_id").annotate(
            full=Count("pk", filter=Q(status=MemberStatus.FULL)),
            prob=Count("pk", filter=Q(status=MemberStatus.PROBATIONARY)),
        )
    }
    for org in Org.objects.all():
        assert (org.full_count, org.probationary_count) == counts.get(org.pk, (0, 0))
    assert all(not problems for problems in Org.objects.find_problems())
    for org in Org.objects.all():
        assert org.numchild == Org.objects.filter(path__startswith=org.path, depth=org.depth + 1).count()
    # treebeard keeps working on the generated tree
    root = Org.objects.get(depth=1)
    child = Org.objects.add_child(root, instance=Org(name="新建测试党委", kind=OrgKind.COMMITTEE))
    assert child.path.startswith(root.path) and child.depth == 2
    assert child.path > max(o.path for o in Org.objects.filter(depth=2).exclude(pk=child.pk))
    assert all(not problems for problems in Org.objects.find_problems())
    before = list(Org.objects.values_list("pk", "full_count", "probationary_count"))
    org_recount()
    assert list(Org.objects.values_list("pk", "full_count", "probationary_count")) == before


def test_paths_follow_treebeard_steps():
    assert plan.path_step(1) == Org._get_path(None, 1, 1)
    assert plan.path_step(37) == Org._get_path(None, 1, 37)
    assert plan.path_step(36**2 + 5) == Org._get_path(None, 1, 36**2 + 5)


def test_refuses_a_non_empty_database_without_reset():
    gen(1)
    with pytest.raises(CommandError, match="--reset"):
        gen(1)


def test_unknown_shape_is_refused():
    with pytest.raises(CommandError, match="small"):
        call_command("gen_demo", shape="huge", stdout=io.StringIO())


def test_province_is_refused_on_sqlite(monkeypatch):
    # Runs on both back ends: the refusal is decided from the connection's vendor before any write.
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("gen_demo", shape="province", stdout=io.StringIO())


def test_reset_keeps_other_users_and_their_global_grants():
    keeper = User.objects.create_user(username="keeper", password="x-Unused-123")
    RoleGrant.objects.create(user=keeper, role=Role.SYSTEM_ADMIN, org=None)
    gen(1)
    org = Org.objects.get(depth=1)
    RoleGrant.objects.create(user=keeper, role=Role.ORG_ADMIN, org=org)
    member = Member.objects.first()
    keeper.member = member
    keeper.save()
    out = gen(1, reset=True)
    assert "已清空原有数据" in out
    keeper.refresh_from_db()
    assert keeper.member_id is None
    assert list(RoleGrant.objects.filter(user=keeper).values_list("role", flat=True)) == [Role.SYSTEM_ADMIN]
    assert User.objects.filter(username="admin").count() == 1


def test_activity_and_compliance_hooks_are_called(monkeypatch):
    calls = []

    def generate_activities(*, seed, shape, stdout):
        calls.append((seed, shape, Member.objects.count() > 0))
        stdout.write("fake activities")
        return 7

    ran = []
    from dangjian.demo.management.commands import gen_demo as command

    monkeypatch.setattr(command, "generate_activities", generate_activities)
    monkeypatch.setattr(
        command, "get_commands", lambda: {"load_requirements": "x", "recompute_compliance": "x"}
    )
    monkeypatch.setattr(command, "call_command", lambda name, **kw: ran.append(name))
    out = io.StringIO()
    call_command("gen_demo", shape="tiny", seed=3, stdout=out)
    assert calls == [(3, "tiny", True)]
    assert ran == ["load_requirements", "recompute_compliance"]
    assert "已生成 7 条活动记录" in out.getvalue()


def test_production_settings_refuse_demo_data_and_accounts(settings):
    from dangjian.demo.accounts import DemoDataMissing, create_demo_accounts

    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="生产环境"):
        call_command("gen_demo", shape="tiny", seed=1, stdout=io.StringIO())
    with pytest.raises(DemoDataMissing, match="生产环境"):
        create_demo_accounts()
    assert not Org.objects.exists() and not User.objects.filter(username="admin").exists()


def test_history_looks_like_a_deployment():
    out = gen(1)
    assert "纪实起始日期" in out
    root = Org.objects.get(depth=1)
    assert root.records_from is not None and root.records_from.day == 1
    removed = Org.objects.filter(removed_on__isnull=False, kind__in=BRANCH_KINDS)
    assert removed.exists()
    for org in removed:
        assert org.deleted_at is not None and org.removed_reason == "支部撤并"
        assert not Member.objects.filter(org=org).exists()
        moved = Transfer.objects.filter(from_org=org)
        assert moved.exists() and all(t.on == org.removed_on for t in moved)
        assert org.removed_on >= root.records_from
    assert Org.objects.filter(kind__in=BRANCH_KINDS, founded_on__gte=root.records_from).exists()
    # Members' data still pass the domain checks after the history was written.
    org_recount()
    assert all(not problems for problems in Org.objects.find_problems())
