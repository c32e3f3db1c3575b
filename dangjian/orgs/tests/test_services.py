"""Services: each write leaves its audit event; a refused write leaves nothing behind."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from dangjian.accounts.tests.factories import make_user
from dangjian.core.models import AuditEvent
from dangjian.core.permissions import Role
from dangjian.orgs import services
from dangjian.orgs.choices import MemberStatus, OrgKind
from dangjian.orgs.models import Member, MobilityRecord, Org, Position, Transfer
from dangjian.orgs.tests.factories import make_member, member_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor(tree):
    return make_user(Role.ORG_ADMIN, tree["county_a"])


def _verbs() -> list[str]:
    return list(AuditEvent.objects.order_by("pk").values_list("verb", flat=True))


def test_member_create_writes_member_and_audit(tree, actor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        m = services.member_create(org=tree["branch_a1"], actor=actor, **member_data(name="张三丰"))
    assert (m.name_initials, m.name_pinyin) == ("zsf", "zhangsanfeng")
    assert m.id_number_masked[2:] == "*" * 16 and m.org_path == tree["branch_a1"].path
    event = AuditEvent.objects.get(verb="member.create")
    assert (event.actor, event.target_id, event.org_path) == (actor, str(m.pk), m.org_path)
    tree["branch_a1"].refresh_from_db()
    assert tree["branch_a1"].full_count == 1


def test_member_create_bad_input_writes_nothing(tree, actor):
    data = member_data()
    data["id_number"] = data["id_number"][:-1] + ("0" if data["id_number"][-1] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        services.member_create(org=tree["branch_a1"], actor=actor, **data)
    assert "校验位错误" in exc.value.message_dict["id_number"][0]
    assert Member.objects.count() == 0 and AuditEvent.objects.count() == 0


def test_member_create_duplicate_id_number(tree, actor):
    data = member_data()
    services.member_create(org=tree["branch_a1"], actor=actor, **data)
    with pytest.raises(ValidationError) as exc:
        services.member_create(org=tree["branch_b1"], actor=actor, **data | {"name": "另一人"})
    assert exc.value.message_dict["id_number"] == ["该身份证号已登记为党员"]
    assert Member.objects.count() == 1 and _verbs() == ["member.create", "member.id_lookup"]


def test_member_in_party_group_refused(tree, actor):
    with pytest.raises(ValidationError) as exc:
        services.member_create(org=tree["group_a1"], actor=actor, **member_data())
    assert "党小组" in exc.value.message_dict["org"][0]


def test_member_update_records_changed_fields(tree, actor):
    m = make_member(tree["branch_a1"])
    services.member_update(member=m, actor=actor, note="已核对", phone="13900001111")
    event = AuditEvent.objects.get(verb="member.update")
    assert event.data["changed"] == ["note", "phone"]
    m.refresh_from_db()
    assert m.phone_masked == "139****1111"


def test_member_update_refused_leaves_row_unchanged(tree, actor):
    m = make_member(tree["branch_a1"], joined=dt.date(2000, 7, 1))
    with pytest.raises(ValidationError):
        services.member_update(member=m, actor=actor, full_member_on=dt.date(1999, 1, 1))
    m.refresh_from_db()
    assert m.full_member_on == dt.date(2001, 7, 1) and AuditEvent.objects.count() == 0


def test_transfer_history_positions_and_audit(tree, actor):
    m = make_member(tree["branch_a1"], joined=dt.date(2000, 7, 1))
    pos = services.position_assign(
        member=m, org=tree["branch_a1"], title="secretary", started_on=dt.date(2020, 1, 1), actor=actor
    )
    t = services.member_transfer(
        member=m, to_org=tree["branch_b1"], on=dt.date(2024, 5, 1), reason="工作调动", actor=actor
    )
    assert (t.from_org, t.to_org) == (tree["branch_a1"], tree["branch_b1"])
    pos.refresh_from_db()
    assert pos.ended_on == dt.date(2024, 5, 1)
    assert _verbs() == ["position.assign", "member.transfer"]
    event = AuditEvent.objects.get(verb="member.transfer")
    assert event.data["from_org"] == "甲县第一支部" and event.data["reason"] == "工作调动"


def test_transfer_dated_before_a_post_began_ends_it_on_its_first_day(tree, actor):
    """A transfer recorded late can predate a post taken in the old branch; the post ends on its
    first day rather than before it (which the database refuses)."""
    m = make_member(tree["branch_a1"], joined=dt.date(2000, 7, 1))
    early = services.position_assign(
        member=m, org=tree["branch_a1"], title="secretary", started_on=dt.date(2020, 1, 1), actor=actor
    )
    late = services.position_assign(
        member=m, org=tree["branch_a1"], title="organization", started_on=dt.date(2024, 3, 1), actor=actor
    )
    services.member_transfer(
        member=m, to_org=tree["branch_b1"], on=dt.date(2024, 2, 1), reason="补办转接", actor=actor
    )
    early.refresh_from_db()
    late.refresh_from_db()
    assert (early.ended_on, late.ended_on) == (dt.date(2024, 2, 1), dt.date(2024, 3, 1))
    assert late.history.latest().history_change_reason == "组织关系转接"


@pytest.mark.parametrize(
    ("target", "on", "reason", "field", "message"),
    [
        ("branch_a1", dt.date(2024, 5, 1), "调动", "to_org", "转入组织与当前组织相同"),
        ("group_a1", dt.date(2024, 5, 1), "调动", "to_org", "组织关系不能转入党小组"),
        ("branch_b1", dt.date(1990, 1, 1), "调动", "on", "转接日期不能早于入党日期"),
        ("branch_b1", dt.date(2024, 5, 1), "  ", "reason", "请填写转接原因"),
    ],
)
def test_transfer_refusals_write_nothing(tree, actor, target, on, reason, field, message):
    m = make_member(tree["branch_a1"], joined=dt.date(2000, 7, 1))
    with pytest.raises(ValidationError) as exc:
        services.member_transfer(member=m, to_org=tree[target], on=on, reason=reason, actor=actor)
    assert exc.value.message_dict[field] == [message]
    m.refresh_from_db()
    assert m.org == tree["branch_a1"]
    assert Transfer.objects.count() == 0 and AuditEvent.objects.count() == 0


def test_org_create_update_move_delete_audited(tree, actor):
    org = services.org_create(parent=tree["county_a"], actor=actor, name="新支部", kind=OrgKind.BRANCH)
    services.org_update(org=org, actor=actor, unit_name="县档案馆")
    services.org_move(org=org, new_parent=tree["general"], actor=actor)
    services.org_delete(org=org, actor=actor, reason="单位撤并")
    assert _verbs() == ["org.create", "org.update", "org.move", "org.delete"]
    org.refresh_from_db()
    assert org.deleted_at is not None and org.path.startswith(tree["general"].path)
    assert AuditEvent.objects.get(verb="org.update").data["changed"] == {"unit_name": "县档案馆"}


def test_org_delete_refused_with_members_or_children(tree, actor):
    make_member(tree["branch_b1"])
    with pytest.raises(ValidationError, match="仍有党员"):
        services.org_delete(org=tree["county_b"], actor=actor, reason="单位撤并")
    with pytest.raises(ValidationError, match="仍有下级组织"):
        services.org_delete(org=tree["general"], actor=actor, reason="单位撤并")
    assert Org.objects.filter(deleted_at__isnull=False).count() == 0
    assert AuditEvent.objects.count() == 0


def test_org_create_under_group_refused(tree, actor):
    with pytest.raises(ValidationError) as exc:
        services.org_create(parent=tree["group_a1"], actor=actor, name="x", kind=OrgKind.BRANCH)
    assert exc.value.message_dict["parent"] == ["党小组下不能再设组织"]
    assert AuditEvent.objects.count() == 0


def test_mobility_start_and_end(tree, actor):
    m = make_member(tree["branch_a1"], status=MemberStatus.FULL)
    rec = services.mobility_start(
        member=m, direction="out", place="广东省深圳市", started_on=dt.date(2024, 1, 1), actor=actor
    )
    with pytest.raises(ValidationError) as exc:
        services.mobility_start(
            member=m, direction="in", place="延吉", started_on=dt.date(2024, 2, 1), actor=actor
        )
    assert "未结束的流动登记" in exc.value.message_dict["direction"][0]
    with pytest.raises(ValidationError):
        services.mobility_end(record=rec, ended_on=dt.date(2023, 1, 1), actor=actor)
    services.mobility_end(record=rec, ended_on=dt.date(2024, 6, 1), actor=actor)
    assert MobilityRecord.objects.get().ended_on == dt.date(2024, 6, 1)
    assert _verbs() == ["mobility.start", "mobility.end"]


def test_position_end_before_start_refused(tree, actor):
    m = make_member(tree["branch_a1"])
    pos = services.position_assign(
        member=m, org=tree["branch_a1"], title="secretary", started_on=dt.date(2020, 1, 1), actor=actor
    )
    with pytest.raises(ValidationError) as exc:
        services.position_end(position=pos, ended_on=dt.date(2019, 1, 1), actor=actor)
    assert exc.value.message_dict["ended_on"] == ["免职日期不能早于任职日期"]
    assert Position.objects.get().ended_on is None


def test_add_years_handles_leap_day_and_the_last_year():
    import datetime as dt

    from dangjian.orgs.services import add_years

    assert add_years(dt.date(2024, 2, 29), 3) == dt.date(2027, 2, 28)
    assert add_years(dt.date(2024, 2, 29), 4) == dt.date(2028, 2, 29)
    assert add_years(dt.date(9998, 5, 1), 18) == dt.date(9999, 5, 1)


def test_member_delete_ends_posts_and_mobility_and_keeps_the_row(
    tree, actor, django_capture_on_commit_callbacks
):
    m = make_member(tree["branch_a1"], status=MemberStatus.FULL)
    post = services.position_assign(
        member=m, org=tree["branch_a1"], title="secretary", started_on=dt.date(2020, 1, 1), actor=actor
    )
    rec = services.mobility_start(
        member=m, direction="out", place="广东省深圳市", started_on=dt.date(2024, 1, 1), actor=actor
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.member_delete(member=m, actor=actor, reason="  重复登记  ")
    m.refresh_from_db()
    post.refresh_from_db()
    rec.refresh_from_db()
    assert m.deleted_at is not None
    assert post.ended_on == services.today() and rec.ended_on == services.today()
    tree["branch_a1"].refresh_from_db()
    assert tree["branch_a1"].full_count == 0
    event = AuditEvent.objects.get(verb="member.delete")
    assert (event.target_id, event.data["reason"]) == (str(m.pk), "重复登记")
    assert (event.data["ended_positions"], event.data["ended_mobility"]) == ([post.pk], [rec.pk])
    assert m.history.count() >= 2  # the change history is kept with the row
    # What the delete ended shows in the posts' and records' own history.
    assert post.history.latest().history_change_reason == "删除党员记录"
    assert rec.history.latest().ended_on == services.today()


def test_member_delete_refused_writes_nothing(tree, actor):
    m = make_member(tree["branch_a1"])
    with pytest.raises(ValidationError) as exc:
        services.member_delete(member=m, actor=actor, reason="  ")
    assert exc.value.message_dict["reason"] == ["请填写删除原因"]
    m.refresh_from_db()
    assert m.deleted_at is None and AuditEvent.objects.count() == 0
    services.member_delete(member=m, actor=actor, reason="误登记")
    with pytest.raises(ValidationError) as exc:
        services.member_delete(member=m, actor=actor, reason="误登记")
    assert exc.value.message_dict["reason"] == ["该党员记录已删除"]
    assert _verbs() == ["member.delete"]


def test_deleted_member_number_is_not_registered_again_but_restored(
    tree, actor, django_capture_on_commit_callbacks
):
    data = member_data(name="张三丰")
    m = services.member_create(org=tree["branch_a1"], actor=actor, **data)
    services.member_delete(member=m, actor=actor, reason="误登记")
    with pytest.raises(ValidationError) as exc:
        services.member_create(org=tree["branch_b1"], actor=actor, **data)
    assert exc.value.message_dict["id_number"] == ["该身份证号对应的党员记录已被删除，请联系系统管理员恢复"]
    with django_capture_on_commit_callbacks(execute=True):
        services.member_restore(member=m, actor=actor)
    m.refresh_from_db()
    tree["branch_a1"].refresh_from_db()
    assert m.deleted_at is None and tree["branch_a1"].full_count == 1
    with pytest.raises(ValidationError, match="未被删除"):
        services.member_restore(member=m, actor=actor)
    assert _verbs() == ["member.create", "member.delete", "member.id_lookup", "member.restore"]


def test_member_restore_refused_when_the_org_is_gone(tree, actor):
    org = services.org_create(parent=tree["county_a"], actor=actor, name="临时支部", kind=OrgKind.BRANCH)
    m = make_member(org)
    services.member_delete(member=m, actor=actor, reason="误登记")
    services.org_delete(org=org, actor=actor, reason="单位撤并")
    with pytest.raises(ValidationError, match="“临时支部”已撤销"):
        services.member_restore(member=m, actor=actor)
    m.refresh_from_db()
    assert m.deleted_at is not None


# ---------------------------------------------------------------- date bounds (core.bounds)

EARLY = dt.date(1921, 6, 30)


def test_member_dates_before_the_party_was_founded_are_refused(tree):
    data = member_data(
        joined=dt.date(1900, 1, 1), full_member_on=dt.date(1901, 1, 1), birth=dt.date(1880, 1, 1)
    )
    with pytest.raises(ValidationError) as exc:
        services.member_create(org=tree["branch_a1"], actor=None, **data)
    errors = exc.value.message_dict
    assert "加入党组织日期不能早于 1921 年 7 月 1 日" in errors["joined_on"][0]
    assert "出生日期不能早于 1900 年" in errors["birth_date"][0]
    member = make_member(tree["branch_a1"])
    with pytest.raises(ValidationError, match="失去联系日期不能早于 1921 年 7 月 1 日"):
        services.member_update(member=member, actor=None, lost_contact=True, lost_contact_on=dt.date(1, 1, 1))


def test_position_transfer_and_mobility_dates_are_bounded(tree):
    member = make_member(tree["branch_a1"], birth=dt.date(1900, 5, 1), joined=dt.date(1921, 7, 1))
    with pytest.raises(ValidationError, match="转接日期不能早于 1921 年 7 月 1 日"):
        services.member_transfer(member=member, to_org=tree["branch_b1"], on=EARLY, reason="调动", actor=None)
    with pytest.raises(ValidationError, match="任职日期不能早于 1921 年 7 月 1 日"):
        services.position_assign(
            member=member, org=tree["branch_a1"], title="secretary", started_on=dt.date(1, 1, 1), actor=None
        )
    with pytest.raises(ValidationError, match="开始日期不能早于 1921 年 7 月 1 日"):
        services.mobility_start(member=member, direction="out", place="深圳", started_on=EARLY, actor=None)
    record = services.mobility_start(
        member=member, direction="out", place="深圳", started_on=dt.date(2020, 1, 1), actor=None
    )
    assert record.pk


# ---------------------------------------------------------------- 身份证号 lookups are audited


def test_typing_a_registered_number_from_another_branch_is_audited(tree):
    from dangjian.core import pii

    stranger = make_member(tree["branch_b1"])
    number = pii.decrypt(stranger.id_number_encrypted)
    secretary = make_user(Role.BRANCH_SECRETARY, tree["branch_a1"])
    with pytest.raises(ValidationError, match="已登记为党员"):
        services.member_create(org=tree["branch_a1"], actor=secretary, **member_data(id_number=number))
    event = AuditEvent.objects.get(verb="member.id_lookup")
    assert event.actor == secretary and event.target_id == str(stranger.pk)
    assert event.org_path == stranger.org_path and event.data == {
        "purpose": "member.create",
        "in_scope": False,
    }
    own = make_member(tree["branch_a1"])
    with pytest.raises(ValidationError, match="已登记为其他党员"):
        services.member_update(member=own, actor=secretary, id_number=number)
    assert AuditEvent.objects.filter(verb="member.id_lookup", actor=secretary).count() == 2
    # A number nobody holds is not an event of its own (the create that follows is).
    services.member_create(org=tree["branch_a1"], actor=secretary, **member_data())
    assert AuditEvent.objects.filter(verb="member.id_lookup").count() == 2
