"""Model invariants: counts follow tree moves and transfers; 身份证号 and date rules hold."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from dangjian.core import pii
from dangjian.orgs import selectors, services
from dangjian.orgs.choices import MemberStatus, OrgKind
from dangjian.orgs.models import Member, Org
from dangjian.orgs.tests.factories import make_id_number, make_member, make_org, member_data

pytestmark = pytest.mark.django_db


def _refresh(*orgs: Org) -> None:
    for o in orgs:
        o.refresh_from_db()


def test_member_counts_and_subtree_totals_follow_org_move(tree, django_capture_on_commit_callbacks):
    a1, b1 = tree["branch_a1"], tree["branch_b1"]
    make_member(a1, status=MemberStatus.FULL)
    make_member(a1, status=MemberStatus.PROBATIONARY)
    make_member(b1, status=MemberStatus.FULL)
    assert selectors.org_subtree_totals(org=tree["county_a"]) == {"full": 1, "probationary": 1, "total": 2}
    with django_capture_on_commit_callbacks(execute=True):
        services.org_move(org=tree["general"], new_parent=tree["county_b"], actor=None)
    _refresh(*tree.values())
    assert selectors.org_subtree_totals(org=tree["county_a"]) == {"full": 0, "probationary": 0, "total": 0}
    assert selectors.org_subtree_totals(org=tree["county_b"]) == {"full": 2, "probationary": 1, "total": 3}
    assert selectors.org_subtree_totals(org=tree["city"])["total"] == 3
    # The members' org_path copies moved with the subtree.
    for m in Member.objects.filter(org=a1):
        assert m.org_path == a1.path and a1.path.startswith(tree["county_b"].path)
    # Direct counts are per org and did not change.
    assert (a1.full_count, a1.probationary_count) == (1, 1)


def test_counts_follow_member_transfer(tree, django_capture_on_commit_callbacks):
    a1, b1 = tree["branch_a1"], tree["branch_b1"]
    m = make_member(a1, status=MemberStatus.FULL, joined=dt.date(2000, 7, 1))
    make_member(b1, status=MemberStatus.FULL)
    with django_capture_on_commit_callbacks(execute=True):
        services.member_transfer(member=m, to_org=b1, on=dt.date(2024, 5, 1), reason="工作调动", actor=None)
    _refresh(a1, b1)
    assert (a1.full_count, b1.full_count) == (0, 2)
    assert selectors.org_subtree_totals(org=tree["county_a"])["total"] == 0
    assert selectors.org_subtree_totals(org=tree["county_b"])["total"] == 2
    m.refresh_from_db()
    assert m.org_path == b1.path


def test_org_move_refuses_own_subtree(tree):
    with pytest.raises(ValidationError) as exc:
        services.org_move(org=tree["county_a"], new_parent=tree["branch_a1"], actor=None)
    assert "下级组织" in exc.value.message_dict["parent"][0]


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("22240119800101001", "18 位"),
        ("222401198001010010", "校验位错误"),
        ("222401198013010011", "出生日期无效"),
        ("922401198001010011", "地区码"),
        ("222401800101001", "15 位"),
    ],
)
def test_id_number_validation(number, message):
    with pytest.raises(pii.IdNumberError) as exc:
        pii.parse_id_number(number)
    assert message in str(exc.value)


def test_id_number_check_digit_and_x():
    first17 = "11010519491231002"
    assert pii.id_check_digit(first17) == "X"
    info = pii.parse_id_number(first17 + "x")
    assert info.birth_date == dt.date(1949, 12, 31) and info.gender == "F"


def test_gender_and_birth_must_match_id_number():
    number = make_id_number(dt.date(1980, 1, 1), male=True)
    errors = services.member_check(member_data(id_number=number, gender="F", birth_date=dt.date(1980, 1, 2)))
    assert errors["gender"].startswith("性别与身份证号不一致")
    assert errors["birth_date"] == "出生日期与身份证号不一致（身份证号为 1980-01-01）"


def test_dates_in_future_are_refused():
    future = services.today() + dt.timedelta(days=1)
    errors = services.member_check(member_data(joined=future, full_member_on=None, status="probationary"))
    assert errors["joined_on"] == "加入党组织日期不能晚于今天"


def test_full_member_before_joining_is_refused():
    data = member_data(joined=dt.date(2000, 7, 1), full_member_on=dt.date(2000, 6, 1))
    assert services.member_check(data)["full_member_on"] == "转为正式党员日期早于加入党组织日期"


@pytest.mark.parametrize(
    ("joined", "ok"),
    [
        (dt.date(1969, 4, 1), True),
        (dt.date(1975, 3, 8), True),
        (dt.date(1977, 8, 31), True),
        (dt.date(1969, 3, 31), False),
        (dt.date(1977, 9, 1), False),
    ],
)
def test_same_day_join_and_full_only_1969_to_1977(joined, ok):
    data = member_data(birth=dt.date(1940, 1, 1), joined=joined, full_member_on=joined)
    errors = services.member_check(data)
    assert ("full_member_on" not in errors) is ok
    if not ok:
        assert "1969年4月至1977年8月" in errors["full_member_on"]


def test_database_constraints_back_the_rules(tree):
    m = make_member(tree["branch_a1"], joined=dt.date(2000, 7, 1))
    m.full_member_on = dt.date(1999, 1, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        m.save()
    org = make_org(tree["county_a"], kind=OrgKind.BRANCH)
    org.term_years = 9
    with pytest.raises(IntegrityError), transaction.atomic():
        org.save()


def test_term_due_is_derived_from_term_start(tree):
    org = services.org_create(
        parent=tree["county_a"],
        actor=None,
        name="新支部",
        kind=OrgKind.BRANCH,
        term_start=dt.date(2021, 3, 1),
    )
    assert (org.term_years, org.term_due) == (3, dt.date(2024, 3, 1))
    assert org.term_overdue(dt.date(2024, 3, 2)) and not org.term_overdue(dt.date(2024, 3, 1))
