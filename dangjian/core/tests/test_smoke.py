import pytest

from dangjian.core.permissions import Role
from dangjian.core.testing import make_user


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
