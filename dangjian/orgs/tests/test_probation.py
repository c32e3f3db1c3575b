"""预备期: 转正 on the day it ends (入党 + 1 year), later by a recorded extension of 6 to 12
months; joins from 1969-04 to 1977-08 had none. Forms, the API and the import share the check."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from dangjian.accounts.tests.factories import make_user
from dangjian.core.models import AuditEvent
from dangjian.core.permissions import Role
from dangjian.orgs import services
from dangjian.orgs.excel.roster import roster_import
from dangjian.orgs.excel.writer import write_roster
from dangjian.orgs.models import Member
from dangjian.orgs.tests.factories import member_data

pytestmark = pytest.mark.django_db

D = dt.date
JOINED = D(2015, 3, 12)


def _check(**kw):
    data = member_data(birth=D(1985, 6, 15), joined=JOINED, male=True)
    data.update(kw)
    return services.member_check(data)


def test_probation_end():
    assert services.probation_end(D(2015, 3, 12)) == D(2016, 3, 12)
    assert services.probation_end(D(2015, 3, 12), 6) == D(2016, 9, 12)
    assert services.probation_end(D(2015, 8, 31), 6) == D(2017, 2, 28)
    assert services.probation_end(D(2016, 2, 29), 12) == D(2018, 2, 28)


def test_full_membership_one_day_after_joining_is_refused():
    errors = _check(full_member_on=JOINED + dt.timedelta(days=1))
    assert errors["full_member_on"] == (
        "转为正式党员日期应为预备期满之日 2016-03-12（入党满 1 年），不能是 2015-03-13"
    )
    assert "full_member_on" in _check(full_member_on=D(2016, 3, 11))
    assert "full_member_on" in _check(full_member_on=D(2016, 9, 12))  # no extension recorded
    assert "full_member_on" not in _check(full_member_on=D(2016, 3, 12))


def test_an_extension_moves_the_day_and_must_be_6_to_12_months():
    assert _check(full_member_on=D(2016, 9, 12), probation_extension_months=6) == {}
    assert _check(full_member_on=D(2017, 3, 12), probation_extension_months=12) == {}
    errors = _check(full_member_on=D(2016, 3, 12), probation_extension_months=6)
    assert errors["full_member_on"].startswith(
        "转为正式党员日期应为预备期满之日 2016-09-12（入党满 1 年，另延长预备期 6 个月）"
    )
    for months in (13, 5, 0):
        errors = _check(full_member_on=D(2016, 3, 12), probation_extension_months=months)
        assert errors == {
            "probation_extension_months": f"延长预备期应为 6 至 12 个月（填了 {months} 个月）；未延长的留空"
        }


def test_joins_without_probation():
    for joined in (D(1969, 4, 1), D(1975, 6, 1), D(1977, 8, 31)):
        data = member_data(birth=D(1940, 1, 1), joined=joined, full_member_on=joined)
        assert services.member_check(data) == {}
        data["full_member_on"] = services.probation_end(joined)
        assert services.member_check(data) == {}
        data["full_member_on"] = joined + dt.timedelta(days=30)
        assert "full_member_on" in services.member_check(data)


def test_service_records_the_extension_and_refuses_bad_input_saving_nothing(tree):
    actor = make_user(Role.SYSTEM_ADMIN, None, username="sys")
    data = member_data(birth=D(1985, 6, 15), joined=JOINED, full_member_on=D(2017, 3, 12))
    data["probation_extension_months"] = 12
    member = services.member_create(org=tree["branch_a1"], actor=actor, **data)
    assert Member.objects.get(pk=member.pk).probation_extension_months == 12
    before = (Member.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as exc:
        services.member_update(member=member, actor=actor, probation_extension_months=18)
    assert list(exc.value.message_dict) == ["probation_extension_months"]
    assert (Member.objects.count(), AuditEvent.objects.count()) == before
    assert Member.objects.get(pk=member.pk).probation_extension_months == 12


def test_form_shows_the_error_next_to_the_field_and_saves_nothing(admin_client, tree):
    data = member_data(name="王小明", birth=D(1985, 6, 15), joined=JOINED, male=True)
    form = {k: ("" if v is None else v.isoformat() if isinstance(v, dt.date) else v) for k, v in data.items()}
    form["full_member_on"] = "2015-03-13"
    r = admin_client.post(f"/members/new/{tree['branch_a1'].pk}/", form)
    html = r.content.decode()
    assert r.status_code == 200
    assert 'data-error-for="full_member_on">转为正式党员日期应为预备期满之日 2016-03-12' in html
    form |= {"full_member_on": "2016-09-12", "probation_extension_months": "13"}
    r = admin_client.post(f"/members/new/{tree['branch_a1'].pk}/", form)
    assert 'data-error-for="probation_extension_months">延长预备期应为 6 至 12 个月' in r.content.decode()
    assert not Member.objects.filter(name="王小明").exists()
    form["probation_extension_months"] = "6"
    r = admin_client.post(f"/members/new/{tree['branch_a1'].pk}/", form)
    assert r.status_code == 302
    assert Member.objects.get(name="王小明").probation_extension_months == 6


def test_api_names_the_field_and_saves_nothing(client, tree):
    from dangjian.accounts.services import token_create

    user = make_user(Role.ORG_ADMIN, tree["county_a"], username="api_admin")
    _token, key = token_create(user=user, name="t")
    headers = {"Authorization": f"Bearer {key}"}
    data = member_data(birth=D(1985, 6, 15), joined=JOINED)
    body = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in data.items()}
    body |= {"org_id": tree["branch_a1"].pk, "probation_extension_months": 24}
    before = Member.objects.count()
    r = client.post("/api/v1/members", body, content_type="application/json", headers=headers)
    assert r.status_code == 422, r.content
    msgs = {tuple(e["loc"])[-1]: e["msg"] for e in r.json()["detail"]}
    assert msgs["probation_extension_months"].startswith("延长预备期应为 6 至 12 个月（填了 24 个月）")
    body |= {"probation_extension_months": None, "full_member_on": "2015-03-13"}
    r = client.post("/api/v1/members", body, content_type="application/json", headers=headers)
    assert r.status_code == 422
    assert Member.objects.count() == before
    body |= {"probation_extension_months": 6, "full_member_on": "2016-09-12"}
    r = client.post("/api/v1/members", body, content_type="application/json", headers=headers)
    assert r.status_code in (200, 201), r.content
    assert r.json()["probation_extension_months"] == 6


def _roster_row(i: int, **kw):
    data = member_data(birth=D(1985, 6, 15), joined=JOINED, male=True)
    row = {
        "seq": i,
        "name": f"测试{i}",
        "org": "甲县第一支部",
        "id_number": data["id_number"],
        "gender": "男",
        "ethnicity": "01 汉族",
        "birth_date": data["birth_date"],
        "status": "正式",
        "joined_on": JOINED,
        "full_member_on": D(2016, 3, 12),
    }
    row.update(kw)
    return row


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"full_member_on": D(2015, 3, 13)},
            "第 6 行 转为正式党员日期：转为正式党员日期应为预备期满之日 2016-03-12",
        ),
        (
            {"probation_extension_months": "18个月", "full_member_on": D(2017, 9, 12)},
            "第 6 行 延长预备期（月）：延长预备期应为 6 至 12 个月（填了 18 个月）",
        ),
        ({"probation_extension_months": "半年"}, "第 6 行 延长预备期（月）：应填月数"),
    ],
)
def test_import_reports_the_row_and_field_and_writes_nothing(tmp_path, tree, change, message):
    admin = make_user(Role.ORG_ADMIN, tree["county_a"], username="county_admin")
    rows = [_roster_row(1, probation_extension_months="6个月", full_member_on=D(2016, 9, 12))]
    rows.append(_roster_row(2, **change))
    path = tmp_path / "r.xlsx"
    write_roster(path, rows=rows)
    before = Member.objects.count()
    plan, result = roster_import(path=path, user=admin)
    texts = [str(e) for e in plan.errors]
    assert result is None
    assert any(t.startswith(message) for t in texts), texts
    assert len(texts) == 1, texts  # the extended row is good
    assert Member.objects.count() == before


def test_import_records_the_extension(tmp_path, tree):
    admin = make_user(Role.ORG_ADMIN, tree["county_a"], username="county_admin")
    path = tmp_path / "r.xlsx"
    write_roster(path, rows=[_roster_row(1, probation_extension_months=6, full_member_on=D(2016, 9, 12))])
    plan, result = roster_import(path=path, user=admin)
    assert [str(e) for e in plan.errors] == [] and result.created == 1
    assert Member.objects.get(name="测试1").probation_extension_months == 6
