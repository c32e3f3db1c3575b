"""Login lockout behind the documented nginx proxy: each client has its own bucket."""

from __future__ import annotations

import pytest
from django.test import Client

from dangjian.accounts.tests.factories import make_user
from dangjian.core.clientip import client_ip

pytestmark = pytest.mark.django_db
PROXY = "127.0.0.1"


@pytest.fixture(autouse=True)
def _axes(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    settings.TRUSTED_PROXIES = [PROXY, "10.0.0.0/8"]


def _login(remote: str, password: str, **headers: str):
    client = Client(REMOTE_ADDR=remote, **headers)
    return client.post("/login/", {"username": "wang", "password": password})


def _locked(response) -> bool:
    return response.status_code == 429 or "已被暂时锁定" in response.content.decode()


def test_two_clients_behind_the_proxy_are_locked_separately():
    make_user(username="wang", password="right-pass-123")
    for _ in range(5):
        _login(PROXY, "wrong", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert _locked(_login(PROXY, "right-pass-123", HTTP_X_FORWARDED_FOR="203.0.113.5"))
    other = _login(PROXY, "right-pass-123", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert other.status_code == 302 and not _locked(other)
    via_real_ip = _login(PROXY, "right-pass-123", HTTP_X_REAL_IP="198.51.100.8")
    assert via_real_ip.status_code == 302


def test_a_spoofed_header_from_an_untrusted_address_is_ignored():
    make_user(username="wang", password="right-pass-123")
    # An attacker not behind the proxy rotates X-Forwarded-For: all failures land on its own address.
    for n in range(5):
        _login("192.0.2.50", "wrong", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    assert _locked(_login("192.0.2.50", "right-pass-123", HTTP_X_FORWARDED_FOR="203.0.113.200"))
    # Nor can it lock out a real client by naming that client's address.
    assert _login(PROXY, "right-pass-123", HTTP_X_FORWARDED_FOR="203.0.113.1").status_code == 302


class _Request:
    def __init__(self, remote: str, **meta: str) -> None:
        self.META = {"REMOTE_ADDR": remote, **meta}


@pytest.mark.parametrize(
    ("remote", "meta", "expected"),
    [
        (PROXY, {"HTTP_X_FORWARDED_FOR": "203.0.113.5"}, "203.0.113.5"),
        # Only the hop the trusted proxy added counts: a client-sent prefix is not believed.
        (PROXY, {"HTTP_X_FORWARDED_FOR": "1.2.3.4, 203.0.113.5"}, "203.0.113.5"),
        (PROXY, {"HTTP_X_FORWARDED_FOR": "203.0.113.5, 10.1.2.3"}, "203.0.113.5"),  # two trusted hops
        (PROXY, {"HTTP_X_REAL_IP": "203.0.113.6"}, "203.0.113.6"),
        (PROXY, {"HTTP_X_FORWARDED_FOR": "not-an-ip"}, PROXY),
        (PROXY, {}, PROXY),
        ("192.0.2.50", {"HTTP_X_FORWARDED_FOR": "203.0.113.5"}, "192.0.2.50"),
        ("192.0.2.50", {"HTTP_X_REAL_IP": "203.0.113.5"}, "192.0.2.50"),
    ],
)
def test_client_ip(remote, meta, expected):
    assert client_ip(_Request(remote, **meta)) == expected


def test_without_trusted_proxies_the_headers_are_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert client_ip(_Request(PROXY, HTTP_X_FORWARDED_FOR="203.0.113.5")) == PROXY
