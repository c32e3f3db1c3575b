"""The API docs and OpenAPI schema need a login in production (API_DOCS_REQUIRE_LOGIN)."""

from __future__ import annotations

import pytest

from dangjian.accounts.services import token_create
from dangjian.accounts.tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def production(settings):
    settings.API_DOCS_REQUIRE_LOGIN = True


def test_anonymous_visitors_are_sent_to_login_in_production(client, production):
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 302 and docs["Location"].startswith("/login/")
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 401 and "未登录" in schema.json()["detail"]


def test_a_session_or_a_token_opens_them(client, production):
    user = make_user(username="reader")
    _, secret = token_create(user=user, name="脚本")
    assert client.get("/api/v1/openapi.json", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200
    assert client.get("/api/v1/openapi.json", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    client.force_login(user)
    assert client.get("/api/v1/docs").status_code == 200
    assert client.get("/api/v1/openapi.json").json()["info"]["title"] == "党建工作平台 API"


def test_development_keeps_them_open(client, settings):
    settings.API_DOCS_REQUIRE_LOGIN = False
    assert client.get("/api/v1/openapi.json").status_code == 200
