"""The /orgs and /members API: shapes, filters, scope, writes and every kind of bad input."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dangjian.accounts.services import token_create, token_revoke
from dangjian.accounts.tests.factories import make_user
from dangjian.core import pii
from dangjian.core.models import AuditEvent
from dangjian.core.permissions import Role
from dangjian.orgs.models import Member, Transfer
from dangjian.orgs.services import today
from dangjian.orgs.tests.factories import make_id_number, make_member, make_org, member_data

pytestmark = pytest.mark.django_db


class Api:
    """A test client speaking JSON with a bearer token."""

    def __init__(self, user):
        self.user = user
        _, self.secret = token_create(user=user, name="测试")
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {self.secret}")

    def get(self, url, **params):
        return self.client.get("/api/v1" + url, params)

    def send(self, method, url, body):
        payload = body if isinstance(body, str) else json.dumps(body, default=str)
        return getattr(self.client, method)("/api/v1" + url, payload, content_type="application/json")

    def post(self, url, body):
        return self.send("post", url, body)

    def patch(self, url, body):
        return self.send("patch", url, body)


@pytest.fixture
def world(tree):
    w = dict(tree)
    w["m1"] = make_member(tree["branch_a1"], name="张三丰")
    w["m2"] = make_member(tree["branch_a1"], name="李四", status="probationary", full_member_on=None)
    w["m_out"] = make_member(tree["branch_b1"], name="王五")
    return w


@pytest.fixture
def sysadmin():
    return Api(make_user(Role.SYSTEM_ADMIN, None, username="api_sys"))


@pytest.fixture
def admin(tree):
    return Api(make_user(Role.ORG_ADMIN, tree["county_a"], username="api_admin"))


@pytest.fixture
def supervisor(tree):
    return Api(make_user(Role.SUPERVISOR, tree["county_a"], username="api_sup"))


def new_member(org, **overrides):
    data = member_data(**overrides)
    data["org_id"] = org.pk
    return data


def details(response):
    body = response.json()
    assert isinstance(body["detail"], list), body
    return {tuple(e["loc"]): e["msg"] for e in body["detail"]}


def assert_json_error(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    detail = response.json()["detail"]
    text = detail if isinstance(detail, str) else " ".join(e["msg"] for e in detail)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text), f"detail should be Chinese: {detail}"


# ---------------------------------------------------------------- auth


def test_no_credentials_is_401_json(world):
    response = Client().get("/api/v1/orgs")
    assert_json_error(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    ["Bearer dj_nonexistent", "Bearer ", "Bearer x" * 100, "Token abc", "Basic dXNlcjpwYXNz"],
)
def test_bad_token_is_401(world, header):
    assert_json_error(Client(HTTP_AUTHORIZATION=header).get("/api/v1/orgs"), 401)


def test_revoked_token_is_401(world, sysadmin):
    assert sysadmin.get("/orgs").status_code == 200
    token = sysadmin.user.api_tokens.get()
    token_revoke(token=token, actor=sysadmin.user)
    response = sysadmin.get("/orgs")
    assert_json_error(response, 401)
    assert "吊销" in response.json()["detail"]


def test_token_of_inactive_user_is_401(world, sysadmin):
    sysadmin.user.is_active = False
    sysadmin.user.save()
    assert_json_error(sysadmin.get("/orgs"), 401)


def test_bad_token_is_not_rescued_by_a_session(world, sysadmin):
    client = Client(HTTP_AUTHORIZATION="Bearer dj_wrong")
    client.force_login(sysadmin.user)
    assert_json_error(client.get("/api/v1/orgs"), 401)


def test_last_used_is_written_at_most_once_a_minute(world, sysadmin):
    token = sysadmin.user.api_tokens.get()
    assert token.last_used_at is None
    sysadmin.get("/orgs")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    sysadmin.get("/orgs")
    token.refresh_from_db()
    assert token.last_used_at == first
    type(token).objects.filter(pk=token.pk).update(last_used_at=first - dt.timedelta(minutes=2))
    sysadmin.get("/orgs")
    token.refresh_from_db()
    assert token.last_used_at > first - dt.timedelta(minutes=2)


def test_session_auth_reads_and_needs_csrf_for_writes(world):
    user = make_user(Role.SYSTEM_ADMIN, None, username="sess")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get("/api/v1/orgs").status_code == 200
    url = f"/api/v1/members/{world['m1'].pk}"
    body = json.dumps({"address": "会话修改"})
    response = client.patch(url, body, content_type="application/json")
    assert_json_error(response, 403)
    assert "CSRF" in response.json()["detail"]
    client.get("/account/tokens/")  # sets the csrftoken cookie
    csrf = client.cookies["csrftoken"].value
    response = client.patch(url, body, content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 200, response.content
    assert response.json()["address"] == "会话修改"


def test_token_writes_need_no_csrf(world, sysadmin):
    sysadmin.client = Client(HTTP_AUTHORIZATION=f"Bearer {sysadmin.secret}", enforce_csrf_checks=True)
    response = sysadmin.patch(f"/members/{world['m1'].pk}", {"address": "令牌修改"})
    assert response.status_code == 200, response.content


# ---------------------------------------------------------------- orgs


def test_org_list_shape_and_pagination(world, sysadmin):
    body = sysadmin.get("/orgs").json()
    assert set(body) == {"items", "count"}
    assert body["count"] == 7
    assert [o["name"] for o in body["items"]][:2] == ["示例市委", "甲县委"]
    page = sysadmin.get("/orgs", limit=2, offset=1).json()
    assert page["count"] == 7
    assert [o["name"] for o in page["items"]] == [o["name"] for o in body["items"][1:3]]
    assert sysadmin.get("/orgs", offset=100).json() == {"items": [], "count": 7}
    branch = next(o for o in body["items"] if o["name"] == "甲县第一支部")
    assert branch["parent_id"] == world["general"].pk
    assert branch["kind"] == "branch" and branch["kind_display"] == "党支部"
    assert branch["full_count"] == 1 and branch["probationary_count"] == 1


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"limit": 501}, "limit", "不能大于 500"),
        ({"limit": 0}, "limit", "不能小于 1"),
        ({"offset": -1}, "offset", "不能小于 0"),
        ({"limit": "abc"}, "limit", "应为整数"),
        ({"kind": "nonsense"}, "kind", "取值无效"),
        ({"subtree": "x"}, "subtree", "应为整数"),
    ],
)
def test_org_list_bad_params_are_422(world, sysadmin, params, field, words):
    response = sysadmin.get("/orgs", **params)
    assert_json_error(response, 422)
    assert words in details(response)[("query", field)]


def test_org_list_filters(world, sysadmin):
    names = lambda **p: [o["name"] for o in sysadmin.get("/orgs", **p).json()["items"]]  # noqa: E731
    assert names(subtree=world["county_b"].pk) == ["乙县委", "乙县第一支部"]
    assert names(q="第一支部") == ["甲县第一支部", "甲县第一支部第一党小组", "乙县第一支部"]
    assert names(kind="general_branch") == ["甲县机关总支"]
    assert names(sector="rural") == []


def test_org_list_is_scoped(world, admin):
    body = admin.get("/orgs").json()
    assert body["count"] == 4
    assert {o["name"] for o in body["items"]} == {
        "甲县委",
        "甲县机关总支",
        "甲县第一支部",
        "甲县第一支部第一党小组",
    }
    county = next(o for o in body["items"] if o["name"] == "甲县委")
    assert county["parent_id"] is None  # the city committee is outside the grant
    response = admin.get("/orgs", subtree=world["county_b"].pk)
    assert_json_error(response, 422)
    assert "权限范围" in details(response)[("query", "subtree")]


def test_org_detail_and_children(world, admin):
    body = admin.get(f"/orgs/{world['branch_a1'].pk}").json()
    assert body["name"] == "甲县第一支部"
    assert body["subtree_totals"] == {"full": 1, "probationary": 1, "total": 2}
    assert body["committee"] == []
    children = admin.get(f"/orgs/{world['general'].pk}/children").json()
    assert children["count"] == 1 and children["items"][0]["name"] == "甲县第一支部"
    assert admin.get(f"/orgs/{world['group_a1'].pk}/children").json() == {"items": [], "count": 0}


@pytest.mark.parametrize(
    "path", ["/orgs/{out}", "/orgs/{out}/children", "/orgs/999999", "/orgs/999999/children"]
)
def test_org_out_of_scope_or_missing_is_404(world, admin, path):
    response = admin.get(path.format(out=world["branch_b1"].pk))
    assert_json_error(response, 404)
    assert "未找到" in response.json()["detail"]


@pytest.mark.parametrize("path", ["/orgs/abc", "/orgs/0", "/orgs/-3", "/orgs/99999999999999999999999"])
def test_org_bad_ids_are_422(world, sysadmin, path):
    response = sysadmin.get(path)
    assert_json_error(response, 422)
    assert ("path", "org_id") in details(response)


# ---------------------------------------------------------------- members: reads


def test_member_list_masks_and_filters(world, admin):
    body = admin.get("/members").json()
    assert body["count"] == 2
    item = next(m for m in body["items"] if m["name"] == "张三丰")
    assert "*" in item["id_number"] and "*" in item["phone"]
    assert item["org_name"] == "甲县第一支部" and item["mobility"] is None
    assert [m["name"] for m in admin.get("/members", q="zsf").json()["items"]] == ["张三丰"]
    assert [m["name"] for m in admin.get("/members", status="probationary").json()["items"]] == ["李四"]
    assert admin.get("/members", leading_cadre="true").json()["count"] == 0
    assert admin.get("/members", limit=1).json()["count"] == 2
    assert len(admin.get("/members", limit=1).json()["items"]) == 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"org": 999999}, "org"),
        ({"status": "x"}, "status"),
        ({"mobility": "sideways"}, "mobility"),
        ({"q": "a\x00b"}, "q"),
    ],
)
def test_member_list_bad_filters_are_422(world, admin, params, field):
    response = admin.get("/members", **params)
    assert_json_error(response, 422)
    assert ("query", field) in details(response)


def test_member_list_out_of_scope_org_filter_is_422(world, admin):
    response = admin.get("/members", org=world["branch_b1"].pk)
    assert_json_error(response, 422)


def test_member_detail_masked_then_full_with_audit(world, admin):
    member = world["m1"]
    body = admin.get(f"/members/{member.pk}").json()
    assert body["pii_full"] is False and body["id_number"] == member.id_number_masked
    assert not AuditEvent.objects.filter(verb="member.pii_view").exists()
    full = admin.get(f"/members/{member.pk}", full="true").json()
    assert full["pii_full"] is True
    assert len(full["id_number"]) == 18 and "*" not in full["id_number"]
    assert full["id_number"][:2] == member.id_number_masked[:2]
    event = AuditEvent.objects.get(verb="member.pii_view")
    assert event.actor == admin.user and event.target_id == str(member.pk) and event.data["purpose"] == "api"


def test_member_detail_full_forbidden_for_supervisor(world, supervisor):
    assert supervisor.get(f"/members/{world['m1'].pk}").status_code == 200
    response = supervisor.get(f"/members/{world['m1'].pk}", full="true")
    assert_json_error(response, 403)
    assert not AuditEvent.objects.filter(verb="member.pii_view").exists()


def test_member_detail_out_of_scope_is_404(world, admin):
    assert_json_error(admin.get(f"/members/{world['m_out'].pk}"), 404)
    assert_json_error(admin.get(f"/members/{world['m_out'].pk}", full="true"), 404)


def test_member_sees_only_own_record(world):
    own = Api(make_user(Role.MEMBER, world["branch_a1"], username="self", member=world["m1"]))
    body = own.get("/members").json()
    assert [m["id"] for m in body["items"]] == [world["m1"].pk]
    assert own.get(f"/members/{world['m1'].pk}", full="true").json()["pii_full"] is True
    assert_json_error(own.get(f"/members/{world['m2'].pk}"), 404)


# ---------------------------------------------------------------- members: create


def test_create_member(world, admin):
    data = new_member(world["branch_a1"], name=" 赵六 ")
    response = admin.post("/members", data)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "赵六" and body["org_id"] == world["branch_a1"].pk
    assert "*" in body["id_number"]
    member = Member.objects.get(pk=body["id"])
    assert member.created_by == admin.user
    assert AuditEvent.objects.filter(
        verb="member.create", target_id=str(member.pk), actor=admin.user
    ).exists()


def test_create_member_derives_gender_and_birth_from_id_number(world, admin):
    birth = dt.date(1980, 5, 17)
    data = new_member(world["branch_a1"], birth=birth, male=True)
    del data["gender"], data["birth_date"]
    body = admin.post("/members", data).json()
    assert body["gender"] == "M" and body["birth_date"] == "1980-05-17"


def _bad_check_digit(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (lambda d: d.update(id_number=_bad_check_digit(d["id_number"])), "id_number", "校验位错误"),
        (lambda d: d.update(id_number="12345"), "id_number", "18 位"),
        (lambda d: d.pop("name"), "name", "缺少必填字段"),
        (lambda d: d.update(name=""), "name", "至少"),
        (lambda d: d.update(joined_on="2020-13-45"), "joined_on", "不是有效日期"),
        (lambda d: d.update(joined_on="yesterday"), "joined_on", "不是有效日期"),
        (lambda d: d.update(birth_date="9999-12-31"), "birth_date", "不能大于 2100-12-31"),
        (lambda d: d.update(joined_on="1066-10-14"), "joined_on", "不能小于 1921-07-01"),
        (lambda d: d.update(status="member"), "status", "取值无效"),
        (lambda d: d.update(org_id="abc"), "org_id", "应为整数"),
        (lambda d: d.update(leading_cadre="maybe"), "leading_cadre", "true 或 false"),
        (lambda d: d.update(phone="12345"), "phone", "11 位"),
        (lambda d: d.update(full_member_on=d["joined_on"] - dt.timedelta(days=1)), "full_member_on", "早于"),
        (lambda d: d.update(joined_on=today() + dt.timedelta(days=3)), "joined_on", "晚于今天"),
        (lambda d: d.update(gender="F" if d["gender"] == "M" else "M"), "gender", "不一致"),
        (lambda d: d.update(unknown_field=1), "unknown_field", "不认识的字段"),
        (lambda d: d.update(note="a\x00b"), None, "控制字符"),
    ],
)
def test_create_member_bad_input_is_422_naming_the_field(world, admin, change, field, words):
    data = new_member(world["branch_a1"])
    change(data)
    response = admin.post("/members", data)
    assert_json_error(response, 422)
    errors = details(response)
    if field is None:
        assert any(words in msg for msg in errors.values()), errors
    else:
        assert words in errors[("body", field)], errors
    assert Member.objects.count() == 3  # nothing written


def test_create_member_duplicate_id_number_is_422(world, admin):
    data = new_member(world["branch_a1"])
    assert admin.post("/members", data).status_code == 201
    again = new_member(world["branch_a1"], birth=data["birth_date"])
    again["id_number"] = data["id_number"]
    again["gender"] = data["gender"]
    response = admin.post("/members", again)
    assert_json_error(response, 422)
    assert "已登记" in details(response)[("body", "id_number")]


@pytest.mark.parametrize("body", ["{not json", "[1, 2]", '"text"', "null"])
def test_create_member_malformed_body(world, admin, body):
    response = admin.post("/members", body)
    assert response.status_code in (400, 422)
    assert_json_error(response, response.status_code)


def test_create_member_into_group_is_422(world, admin):
    response = admin.post("/members", new_member(world["group_a1"]))
    assert_json_error(response, 422)
    assert ("body", "org_id") in details(response)


def test_create_member_out_of_scope_is_404_and_read_only_is_403(world, admin, supervisor):
    assert_json_error(admin.post("/members", new_member(world["branch_b1"])), 404)
    assert_json_error(supervisor.post("/members", new_member(world["branch_a1"])), 403)
    assert Member.objects.count() == 3


def test_create_member_party_group(world, admin):
    data = new_member(world["branch_a1"])
    data["party_group_id"] = world["group_a1"].pk
    assert admin.post("/members", data).json()["party_group_id"] == world["group_a1"].pk
    data = new_member(world["branch_a1"])
    data["party_group_id"] = world["general"].pk
    assert_json_error(admin.post("/members", data), 422)


# ---------------------------------------------------------------- members: update


def test_patch_changes_only_given_fields(world, admin):
    member = world["m1"]
    response = admin.patch(f"/members/{member.pk}", {"address": "新住址", "leading_cadre": True})
    assert response.status_code == 200, response.content
    member.refresh_from_db()
    assert member.address == "新住址" and member.leading_cadre is True and member.name == "张三丰"
    event = AuditEvent.objects.get(verb="member.update")
    assert event.data["changed"] == ["address", "leading_cadre"]


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"name": None}, "name", "不能为 null"),
        ({"status": None}, "status", "不能为 null"),
        ({"birth_date": "1990-02-30"}, "birth_date", "不是有效日期"),
        ({"birth_date": "9999-06-01"}, "birth_date", "不能大于"),
        ({"status": "probationary"}, "full_member_on", "预备党员"),
        ({"org_id": 5}, "org_id", "不认识的字段"),
        ({"lost_contact": True}, "lost_contact_on", "失去联系日期"),
    ],
)
def test_patch_bad_input_is_422(world, admin, body, field, words):
    before = Member.objects.get(pk=world["m1"].pk)
    response = admin.patch(f"/members/{world['m1'].pk}", body)
    assert_json_error(response, 422)
    assert words in details(response)[("body", field)]
    after = Member.objects.get(pk=world["m1"].pk)
    assert (after.name, after.status, after.lost_contact) == (before.name, before.status, before.lost_contact)


def test_patch_duplicate_id_number_is_422(world, admin):
    other = Member.objects.get(pk=world["m2"].pk)
    m1 = world["m1"]
    from dangjian.core import pii

    number = pii.decrypt(other.id_number_encrypted)
    response = admin.patch(
        f"/members/{m1.pk}",
        {"id_number": number, "birth_date": other.birth_date, "gender": other.gender},
    )
    assert_json_error(response, 422)
    assert "已登记" in details(response)[("body", "id_number")]


def test_patch_new_id_number(world, admin):
    m1 = world["m1"]
    number = make_id_number(m1.birth_date, m1.gender == "M")
    response = admin.patch(f"/members/{m1.pk}", {"id_number": number})
    assert response.status_code == 200, response.content
    assert response.json()["id_number"] == pii.mask_id_number(number)
    m1.refresh_from_db()
    assert pii.decrypt(m1.id_number_encrypted) == number and m1.id_number_hash == pii.lookup_hash(number)


def test_patch_scope(world, admin, supervisor):
    assert_json_error(admin.patch(f"/members/{world['m_out'].pk}", {"address": "x"}), 404)
    assert_json_error(supervisor.patch(f"/members/{world['m1'].pk}", {"address": "x"}), 403)
    assert_json_error(admin.patch("/members/999999", {"address": "x"}), 404)


# ---------------------------------------------------------------- members: transfer


def transfer_body(org, **kw):
    return {"to_org_id": org.pk, "on": today().isoformat(), "reason": "工作调动", **kw}


def test_transfer(world, sysadmin, django_capture_on_commit_callbacks):
    m1 = world["m1"]
    with django_capture_on_commit_callbacks(execute=True):  # the orgs' member counts, as after a request
        response = sysadmin.post(f"/members/{m1.pk}/transfer", transfer_body(world["branch_b1"]))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["from_org_id"] == world["branch_a1"].pk and body["to_org_id"] == world["branch_b1"].pk
    m1.refresh_from_db()
    assert m1.org_id == world["branch_b1"].pk and m1.org_path == world["branch_b1"].path
    assert sysadmin.get("/members", org=world["branch_b1"].pk).json()["count"] == 2
    detail = sysadmin.get(f"/members/{m1.pk}").json()
    assert [t["to_org_name"] for t in detail["transfers"]] == ["乙县第一支部"]


@pytest.mark.parametrize(
    ("target", "extra", "field", "words"),
    [
        ("group_a1", {}, "to_org_id", "党小组"),
        ("branch_a1", {}, "to_org_id", "相同"),
        ("general", {"on": today() + dt.timedelta(days=5)}, "on", "晚于今天"),
        ("general", {"on": "2999-01-01"}, "on", "不能大于"),
        ("general", {"on": "1950-01-01"}, "on", "早于入党日期"),
        ("general", {"on": "1900-01-01"}, "on", "不能小于 1921-07-01"),
        ("general", {"on": "01/02/2020"}, "on", "不是有效日期"),
        ("general", {"reason": ""}, "reason", "至少"),
        ("general", {"reason": "   "}, "reason", "转接原因"),
    ],
)
def test_transfer_bad_input_is_422(world, admin, target, extra, field, words):
    response = admin.post(f"/members/{world['m1'].pk}/transfer", transfer_body(world[target], **extra))
    assert_json_error(response, 422)
    assert words in details(response)[("body", field)]
    assert not Transfer.objects.exists()


def test_transfer_missing_field_is_422(world, admin):
    response = admin.post(f"/members/{world['m1'].pk}/transfer", {"to_org_id": world["general"].pk})
    assert_json_error(response, 422)
    assert set(details(response)) == {("body", "on"), ("body", "reason")}


def test_transfer_scope(world, admin, tree):
    secretary = Api(make_user(Role.BRANCH_SECRETARY, tree["branch_a1"], username="sec"))
    body = transfer_body(world["general"])
    assert_json_error(secretary.post(f"/members/{world['m1'].pk}/transfer", body), 403)
    assert_json_error(admin.post(f"/members/{world['m_out'].pk}/transfer", body), 404)
    response = admin.post(f"/members/{world['m1'].pk}/transfer", transfer_body(world["branch_b1"]))
    assert_json_error(response, 404)
    assert "转入组织" in response.json()["detail"]
    assert not Transfer.objects.exists()


# ---------------------------------------------------------------- conventions


def test_unknown_path_and_method_answer_json(world, sysadmin):
    assert_json_error(sysadmin.get("/nothing-here"), 404)
    assert_json_error(Client().get("/api/v1/"), 404)
    response = sysadmin.client.delete(f"/api/v1/members/{world['m1'].pk}")
    assert_json_error(response, 405)
    assert "PATCH" in response["Allow"]


def test_openapi_and_docs(world):
    client = Client()
    schema = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/orgs", "/api/v1/orgs/{org_id}", "/api/v1/members/{member_id}/transfer"):
        assert path in schema["paths"]
    get_members = schema["paths"]["/api/v1/members"]["get"]
    assert {"401", "422"} <= set(get_members["responses"])
    assert {p["name"] for p in get_members["parameters"]} >= {"limit", "offset", "q", "org", "status"}
    assert {"BearerTokenAuth", "SessionAuth"} <= set(schema["components"]["securitySchemes"])
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert b"swagger-ui-bundle.js" in docs.content and b"<script>" not in docs.content


def test_unexpected_error_is_json_500(rf):
    from config.api import api

    response = api.on_exception(rf.get("/api/v1/orgs"), RuntimeError("boom"))
    assert response.status_code == 500
    assert "服务器内部错误" in json.loads(response.content)["detail"]


def test_api_modules_do_not_query_models_directly():
    root = Path(__file__).resolve().parents[2]
    for path in [root / "orgs" / "api.py", root / "core" / "api.py", root / "accounts" / "api_auth.py"]:
        assert ".objects." not in path.read_text(encoding="utf-8"), path


@pytest.mark.parametrize("url", ["/api/v1/members", "/api/v1/orgs"])
def test_list_query_count_does_not_grow_with_rows(world, sysadmin, url):
    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            assert sysadmin.client.get(url, {"limit": 500}).status_code == 200
        return len(ctx.captured_queries)

    sysadmin.client.get(url)  # the token's last-used write happens on the first call only
    small = count_queries()
    for i in range(8):
        make_member(world["branch_b1"], recount=False)
        make_org(world["county_b"], name=f"新增支部{i}")
    assert count_queries() == small


def test_record_dates_before_1921_are_422(world, admin):
    m1 = world["m1"]
    response = admin.patch(f"/members/{m1.pk}", {"joined_on": "1900-01-01"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "joined_on"
    response = admin.post(f"/members/{m1.pk}/transfer", transfer_body(world["general"], on="1921-06-30"))
    assert_json_error(response, 422)
    assert ("body", "on") in details(response)
