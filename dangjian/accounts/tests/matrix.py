"""Permission matrix rows of the accounts pages (see dangjian/core/matrix.py)."""

from __future__ import annotations

from django.urls import reverse

from dangjian.accounts.services import token_create
from dangjian.accounts.tests.factories import make_user
from dangjian.core.matrix import PAGE_ALL, Endpoint


def extend_world(world):
    # "inside": a token of the 党员 account; "outside": a token of an account no role can reach.
    world.token_inside, _ = token_create(user=world.users["member"], name="矩阵测试")
    world.token_outside, _ = token_create(user=make_user(username="m_other"), name="他人令牌")


def _revoke_url(world, side):
    token = world.token_inside if side == "inside" else world.token_outside
    return reverse("accounts:token_revoke", args=[token.pk])


ENDPOINTS = [
    Endpoint("accounts:tokens", lambda w, s: reverse("accounts:tokens"), PAGE_ALL),
    Endpoint(
        "accounts:tokens",
        lambda w, s: reverse("accounts:tokens"),
        (302, 302, 302, 302, 302, 302),
        method="POST",
        data=lambda w, s: {"name": "对接程序"},
    ),
    # Only the owner may revoke a token; anyone else's is as missing as a wrong id.
    Endpoint(
        "accounts:token_revoke",
        _revoke_url,
        inside=(302, 404, 404, 404, 302, 404),
        outside=(302, 404, 404, 404, 404, 404),
        method="POST",
    ),
    Endpoint(
        "accounts:token_revoke",
        _revoke_url,
        inside=(302, 405, 405, 405, 405, 405),
        method="GET",
    ),
]
