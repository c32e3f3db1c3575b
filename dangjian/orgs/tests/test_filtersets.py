"""MemberFilterSet's 工作岗位 filters (a group of the national table, or one code), through the
page, the API and the Excel export alike; the rows stay within the user's scope."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from dangjian.accounts.services import token_create
from dangjian.accounts.tests.factories import make_user
from dangjian.core.permissions import Role
from dangjian.orgs.filtersets import MemberFilterSet
from dangjian.orgs.tests.factories import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(tree):
    a1, b1 = tree["branch_a1"], tree["branch_b1"]
    return {
        "公务员甲": make_member(a1, name="公务员甲", occupation="011"),
        "教师乙": make_member(a1, name="教师乙", occupation="0212", education="1A"),
        "工人丙": make_member(a1, name="工人丙", occupation="0311", education="6"),
        "农民丁": make_member(a1, name="农民丁", occupation="11", education="7"),
        "退休戊": make_member(a1, name="退休戊", occupation="502", education="22"),
        "军人己": make_member(a1, name="军人己", occupation="2"),
        "无岗庚": make_member(a1, name="无岗庚", occupation=""),
        "外县公务员": make_member(b1, name="外县公务员", occupation="011"),  # outside county A
    }


@pytest.fixture
def admin(tree):
    return make_user(Role.ORG_ADMIN, tree["county_a"], username="filter_admin")


def names(qs):
    return sorted(m.name for m in qs)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"occupation_group": "0"}, ["公务员甲", "工人丙", "教师乙"]),  # 在岗职工: 011, 0212, 0311
        ({"occupation_group": "1"}, ["农民丁"]),  # 11 is 农牧渔民, not 011's prefix
        ({"occupation_group": "2"}, ["军人己"]),
        ({"occupation_group": "5"}, ["退休戊"]),
        ({"occupation_group": "3"}, []),
        ({"occupation": "011"}, ["公务员甲"]),
        ({"occupation": "11"}, ["农民丁"]),
        ({"occupation_group": "0", "occupation": "0212"}, ["教师乙"]),
        ({"occupation_group": "1", "occupation": "0212"}, []),
        ({"education": "1A"}, ["教师乙"]),
        ({"education": "6"}, ["工人丙"]),
    ],
)
def test_occupation_group_and_code_filters(people, admin, query, expected):
    fs = MemberFilterSet(query, user=admin)
    assert fs.is_valid(), fs.errors
    assert names(fs.qs) == expected


@pytest.mark.parametrize(
    "query", [{"occupation_group": "4"}, {"occupation": "0"}, {"occupation": "01"}, {"education": "14"}]
)
def test_headings_and_former_codes_are_not_filter_values(people, admin, query):
    fs = MemberFilterSet(query, user=admin)
    assert not fs.is_valid() and list(fs.errors) == list(query)
    assert names(fs.qs) == []


def test_page_api_and_export_share_the_group_filter(people, admin):
    expected = ["公务员甲", "工人丙", "教师乙"]
    client = Client()
    client.force_login(admin)
    html = client.get("/members/", {"occupation_group": "0"}).content.decode()
    shown = [n for n in people if f"data-member-name>{n}<" in html]
    assert sorted(shown) == expected
    assert '<optgroup label="在岗职工">' in html and '<option value="0" selected>在岗职工</option>' in html

    _, secret = token_create(user=admin, name="测试")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    body = api.get("/api/v1/members", {"occupation_group": "0"}).json()
    assert sorted(m["name"] for m in body["items"]) == expected
    assert {m["occupation_display"] for m in body["items"]} == {
        "011 公务员",
        "0212 事业单位专业技术岗位",
        "0311 公有经济控制单位工勤岗位",
    }
    body = api.get("/api/v1/members", {"occupation": "0212", "education": "1A"}).json()
    assert [m["name"] for m in body["items"]] == ["教师乙"]
    assert body["items"][0]["education_display"] == "1A 中央党校研究生"
    bad = api.get("/api/v1/members", {"occupation_group": "4"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "occupation_group"]

    response = client.get(reverse("imports:export_members"), {"occupation_group": "0"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))["党员基本信息"]
    rows = {sheet.cell(r, 2).value: sheet.cell(r, 12).value for r in range(5, 5 + len(expected))}
    assert sorted(rows) == expected and rows["教师乙"] == "0212 事业单位专业技术岗位"
    assert sheet.cell(5 + len(expected), 1).value.startswith("注：")


def test_api_schema_lists_the_national_codes(client):
    schema = client.get("/api/v1/openapi.json").json()
    params = {
        p["name"]: p for p in schema["paths"]["/api/v1/members"]["get"]["parameters"] if p["in"] == "query"
    }
    assert "occupation_group" in params

    def enum(param):
        s = params[param]["schema"]
        if "$ref" in s or "anyOf" in s or "allOf" in s:
            ref = (s.get("anyOf") or s.get("allOf") or [s])[0].get("$ref")
            return schema["components"]["schemas"][ref.rsplit("/", 1)[1]]["enum"]
        return s["enum"]

    assert enum("occupation_group") == ["0", "1", "2", "3", "5", "6"]
    assert {"011", "0212", "2", "613"} <= set(enum("occupation")) and "01" not in enum("occupation")
    assert {"1A", "22", "6", "9"} <= set(enum("education")) and "14" not in enum("education")


@pytest.mark.parametrize(("field", "value"), [("occupation", "01"), ("occupation", "0"), ("education", "14")])
def test_api_refuses_former_codes_and_headings(tree, admin, field, value):
    import json

    from dangjian.orgs.tests.factories import member_data

    _, secret = token_create(user=admin, name="测试")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    body = member_data() | {"org_id": tree["branch_a1"].pk, field: value}
    response = api.post("/api/v1/members", json.dumps(body, default=str), content_type="application/json")
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["body", field]]
