import pytest

from dangjian.accounts.tests.factories import make_user
from dangjian.core.permissions import Role


@pytest.mark.django_db
def test_login_page_renders_in_chinese(client):
    response = client.get("/login/")
    assert response.status_code == 200
    assert "党建工作平台" in response.content.decode()


@pytest.mark.django_db
def test_home_requires_login(client, tree):
    assert client.get("/").status_code == 302
    client.force_login(make_user(Role.ORG_ADMIN, tree["county_a"]))
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_health_check_answers_ok_without_login_and_nothing_else(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert client.post("/healthz/").status_code in (403, 405)  # CSRF or method: never a write
