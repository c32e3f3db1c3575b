"""The client's address as the login lockout (django-axes) sees it.

Behind nginx every request comes from the proxy's address, so keying on ``REMOTE_ADDR`` would put
all users in one bucket. Addresses listed in ``TRUSTED_PROXIES`` (settings, from the environment
variable ``DANGJIAN_TRUSTED_PROXIES``: addresses or networks, comma-separated) are believed when
they say who they forwarded for: ``X-Forwarded-For`` is read from the right, skipping trusted
hops, and the first address that is not a trusted proxy is the client (``X-Real-IP`` when there
is no ``X-Forwarded-For``). A request that does not come from a trusted proxy is keyed on its own
address whatever headers it carries, so a client cannot choose its bucket by sending a header.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Any

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(e.strip(), strict=False) for e in entries if e.strip())


def _address(raw: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(raw.strip())
    except ValueError:
        return None


def _trusted(address: Any, networks: tuple[Network, ...]) -> bool:
    return address is not None and any(address in net for net in networks)


def client_ip(request: Any) -> str:
    remote = request.META.get("REMOTE_ADDR", "") or ""
    networks = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))
    if not networks or not _trusted(_address(remote), networks):
        return remote
    forwarded = [p for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
    if not forwarded and request.META.get("HTTP_X_REAL_IP"):
        forwarded = [request.META["HTTP_X_REAL_IP"]]
    for hop in reversed(forwarded):
        address = _address(hop)
        if address is None:
            return remote  # a malformed hop: do not guess past it
        if not _trusted(address, networks):
            return str(address)
    return str(_address(forwarded[0])) if forwarded else remote
