from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from dangjian.accounts.tests.factories import make_user
from dangjian.cases import selectors, services
from dangjian.cases.models import CaseEvent, CaseStatus, TypicalCase
from dangjian.core.permissions import Role
from dangjian.orgs.tests.factories import sample_tree

pytestmark = pytest.mark.django_db
FIELDS = {"kind": "negative", "title": "公开栏未更新", "event": "全年未更新"}


@pytest.fixture
def world():
    t = sample_tree()
    t["general_admin"] = make_user(Role.ORG_ADMIN, t["general"], username="gen_admin")
    t["county_admin"] = make_user(Role.ORG_ADMIN, t["county_a"], username="county_admin")
    t["branch_admin"] = make_user(Role.ORG_ADMIN, t["branch_a1"], username="branch_admin")
    t["city_admin"] = make_user(Role.ORG_ADMIN, t["city"], username="city_admin")
    return t


def test_two_level_review_with_a_return_keeps_history(world):
    case = services.case_create(org=world["branch_a1"], actor=world["branch_admin"], **FIELDS)
    assert case.review_levels == 2
    services.case_submit(case=case, actor=world["branch_admin"])
    # level 1 is 甲县机关总支's: its admin reviews, 甲县委's only at level 2 of the chain
    with pytest.raises(PermissionDenied):
        services.case_review(case=case, actor=world["branch_admin"], approve=True)
    services.case_review(case=case, actor=world["general_admin"], approve=True)
    case.refresh_from_db()
    assert (case.status, case.review_step) == (CaseStatus.SUBMITTED, 2)
    with pytest.raises(PermissionDenied):
        services.case_review(case=case, actor=world["general_admin"], approve=True)
    services.case_review(case=case, actor=world["county_admin"], approve=False, comment="原因分析不深")
    case.refresh_from_db()
    assert (case.status, case.review_step) == (CaseStatus.RETURNED, 0)
    services.case_update(case=case, actor=None, data={"cause": "制度未落实"})
    services.case_submit(case=case, actor=None)
    services.case_review(case=case, actor=world["county_admin"], approve=True)
    services.case_review(case=case, actor=world["county_admin"], approve=True)
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED
    history = list(CaseEvent.objects.filter(case=case).values_list("kind", "step", "comment"))
    assert history == [
        ("create", 0, ""),
        ("submit", 0, ""),
        ("approve", 1, ""),
        ("return", 2, "原因分析不深"),
        ("edit", 0, ""),
        ("submit", 0, ""),
        ("approve", 1, ""),
        ("approve", 2, ""),
    ]


def test_return_needs_comment_and_approved_case_is_frozen(world):
    case = services.case_submit(
        case=services.case_create(org=world["county_a"], actor=None, **FIELDS), actor=None
    )
    assert case.review_levels == 1
    with pytest.raises(ValidationError) as exc:
        services.case_review(case=case, actor=world["city_admin"], approve=False, comment="")
    assert exc.value.message_dict == {"comment": ["请填写退回意见"]}
    services.case_review(case=case, actor=world["city_admin"], approve=True)
    with pytest.raises(ValidationError) as exc:
        services.case_update(case=case, actor=None, data={"title": "改"})
    assert exc.value.message_dict == {"status": ["案例已审核通过，不能修改"]}


def test_bad_input_names_fields_and_saves_nothing(world):
    with pytest.raises(ValidationError) as exc:
        services.case_create(org=world["branch_a1"], actor=None, kind="x", title="", event="")
    assert set(exc.value.message_dict) == {"kind", "title", "event"}
    assert exc.value.message_dict["kind"] == ["请选择案例类型：正面典型或反面典型"]
    assert not TypicalCase.objects.exists()


def test_only_approved_cases_count(world):
    approved = services.case_submit(
        case=services.case_create(org=world["county_a"], actor=None, **FIELDS), actor=None
    )
    services.case_review(case=approved, actor=world["city_admin"], approve=True)
    services.case_create(org=world["county_a"], actor=None, **(FIELDS | {"kind": "positive"}))
    assert selectors.approved_counts(user=world["city_admin"], org=world["county_a"]) == {
        "positive": 0,
        "negative": 1,
    }


def test_rows_follow_the_scope(client, world):
    inside = services.case_create(org=world["branch_a1"], actor=None, **FIELDS)
    services.case_create(org=world["branch_b1"], actor=None, **FIELDS)
    client.force_login(world["county_admin"])
    assert list(client.get(reverse("cases:list")).context["page"].object_list) == [inside]
    assert [i["id"] for i in client.get("/api/v1/cases").json()["items"]] == [inside.pk]
