"""Periods outside the years the platform can mean are a 400/422 with a Chinese message."""

from __future__ import annotations

import pytest

from dangjian.accounts.tests.factories import make_user
from dangjian.core.permissions import Role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("period", ["0001", "9999-12", "9999", "1900Q1", "2024-13"])
@pytest.mark.parametrize("page", ["/compliance/", "/compliance/lagging/", "/compliance/drill/"])
def test_pages_answer_400_with_the_reason(client, tree, page, period):
    client.force_login(make_user(Role.ORG_ADMIN, tree["county_a"]))
    response = client.get(page, {"period": period})
    assert response.status_code == 400
    html = response.content.decode()
    assert "期间超出范围" in html or "期间格式不正确" in html


@pytest.mark.parametrize("period", ["0001", "9999", "9999-12", "1920H2"])
@pytest.mark.parametrize("path", ["/api/v1/compliance/rollup", "/api/v1/compliance/results"])
def test_api_answers_422_naming_period(client, tree, path, period):
    client.force_login(make_user(Role.ORG_ADMIN, tree["county_a"]))
    response = client.get(path, {"period": period})
    assert response.status_code == 422, response.content
    detail = response.json()["detail"]
    assert detail[0]["loc"][-1] == "period" and "期间超出范围" in detail[0]["msg"]


def test_the_years_the_party_existed_are_fine(client, tree):
    client.force_login(make_user(Role.ORG_ADMIN, tree["county_a"]))
    assert client.get("/compliance/", {"period": "1921"}).status_code == 200
    assert client.get("/api/v1/compliance/rollup", {"period": "2024Q2"}).status_code == 200
