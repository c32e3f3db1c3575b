"""The idle timeout, and the user object the rest of a request sees."""

from __future__ import annotations

import time

import pytest
from django.conf import settings

from dangjian.accounts.models import User
from dangjian.accounts.tests.factories import make_user
from dangjian.core.permissions import Role

pytestmark = pytest.mark.django_db


def _idle_for(client, seconds: int) -> None:
    session = client.session
    session["_last_seen"] = int(time.time()) - seconds
    session.save()


def test_an_idle_session_is_logged_out_and_an_active_one_is_not(client, tree):
    client.force_login(make_user(Role.ORG_ADMIN, tree["county_a"]))
    _idle_for(client, settings.SESSION_IDLE_SECONDS - 120)
    assert client.get("/orgs/").status_code == 200
    assert time.time() - client.session["_last_seen"] < 5  # seen again
    _idle_for(client, settings.SESSION_IDLE_SECONDS + 1)
    response = client.get("/orgs/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert client.get("/api/v1/orgs").status_code == 401


def test_views_get_the_user_itself_and_a_deactivated_user_is_anonymous(client, tree):
    user = make_user(Role.ORG_ADMIN, tree["county_a"])
    client.force_login(user)
    response = client.get("/orgs/")
    assert type(response.wsgi_request.user) is User and response.wsgi_request.user.pk == user.pk
    User.objects.filter(pk=user.pk).update(is_active=False)
    response = client.get("/orgs/")
    assert response.status_code == 302 and not response.wsgi_request.user.is_authenticated
    assert client.get("/api/v1/orgs").status_code == 401
