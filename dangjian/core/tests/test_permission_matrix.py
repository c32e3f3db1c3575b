"""Every page and API endpoint × every role × inside/outside scope, against one table per app.

See ``dangjian/core/matrix.py`` for the roles and the table format.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver

from config.api import api
from dangjian.accounts.tests.factories import make_user
from dangjian.core.matrix import ROLES, Endpoint
from dangjian.core.permissions import Role
from dangjian.orgs.tests.factories import make_member, sample_tree

# URL names that are not ours to police (Django admin has its own staff check; login and the
# health check are public and show no data: test_smoke checks the health check says only "ok").
EXEMPT_URL_PREFIXES = ("admin:", "api:")
EXEMPT_URL_NAMES = {"login", "logout", "password_change", "password_change_done", "healthz"}


def _matrix_modules():
    """Every ``dangjian/<app>/tests/matrix*.py`` module."""
    root = Path(__file__).resolve().parents[2]
    return [
        importlib.import_module(f"dangjian.{path.parent.parent.name}.tests.{path.stem}")
        for path in sorted(root.glob("*/tests/matrix*.py"))
    ]


MODULES = _matrix_modules()
ENDPOINTS: list[Endpoint] = [e for m in MODULES for e in getattr(m, "ENDPOINTS", [])]


def build_world():
    t = sample_tree()
    w = SimpleNamespace(**t)
    w.member_in = make_member(t["branch_a1"], name="张三丰")
    w.member_in2 = make_member(t["branch_a1"], name="李四")
    w.member_out = make_member(t["branch_b1"], name="王五")
    w.users = {
        "anon": None,
        "sysadmin": make_user(Role.SYSTEM_ADMIN, None, username="m_sys", is_staff=True),
        "admin": make_user(Role.ORG_ADMIN, t["county_a"], username="m_admin"),
        "secretary": make_user(Role.BRANCH_SECRETARY, t["branch_a1"], username="m_sec"),
        "member": make_user(Role.MEMBER, t["branch_a1"], username="m_mem", member=w.member_in),
        "supervisor": make_user(Role.SUPERVISOR, t["county_a"], username="m_sup"),
    }
    for m in MODULES:
        if hasattr(m, "extend_world"):
            m.extend_world(w)
    return w


def _all_url_names(resolver=None, ns=""):
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            inner = f"{ns}{p.namespace}:" if p.namespace else ns
            yield from _all_url_names(p, inner)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{ns}{p.name}"


def api_operation_names():
    names = set()
    for router_prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for op in view.operations:
                full = "/" + "/".join(s for s in (router_prefix.strip("/"), path.strip("/")) if s)
                for method in op.methods:
                    names.add(f"api:{method} {full}")
    return names


def test_every_url_is_in_the_matrix():
    covered = {e.name for e in ENDPOINTS}
    missing = sorted(
        n
        for n in set(_all_url_names())
        if not n.startswith(EXEMPT_URL_PREFIXES) and n not in EXEMPT_URL_NAMES and n not in covered
    )
    assert missing == [], f"这些页面没有列入权限矩阵：{missing}"


def test_every_api_operation_is_in_the_matrix():
    covered = {e.name for e in ENDPOINTS}
    missing = sorted(api_operation_names() - covered)
    assert missing == [], f"这些 API 没有列入权限矩阵：{missing}"


CASES = [
    pytest.param(e, side, role, id=f"{e.method} {e.name} [{side}] {role}")
    for e in ENDPOINTS
    for side in ("inside", "outside")
    if side == "inside" or e.outside is not None
    for role in ROLES
]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module and committed; each case runs in a transaction rolled back after it,
    so a POST in one case cannot leak into the next. The tables are flushed at the end."""
    with django_db_blocker.unblock():
        try:
            built = build_world()
        except BaseException:
            call_command("flush", "--noinput", verbosity=0)  # leave no half-built world to later tests
            raise
    yield built
    with django_db_blocker.unblock():
        call_command("flush", "--noinput", verbosity=0)


@pytest.mark.django_db
@pytest.mark.parametrize(("endpoint", "side", "role"), CASES)
def test_matrix(endpoint: Endpoint, side: str, role: str, client, world):
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    expected = (endpoint.inside if side == "inside" else endpoint.outside)[ROLES.index(role)]
    url = endpoint.url(world, side)
    data = endpoint.data(world, side) if endpoint.data else None
    kwargs = {"HTTP_ACCEPT": "application/json"} if url.startswith("/api/") else {}
    for k, v in endpoint.headers.items():
        kwargs["HTTP_" + k.upper().replace("-", "_")] = v
    method = getattr(client, endpoint.method.lower())
    if endpoint.json and data is not None:
        response = method(url, data=json.dumps(data, default=str), content_type="application/json", **kwargs)
    elif data is not None:
        response = method(url, data=data, **kwargs)
    else:
        response = method(url, **kwargs)
    assert response.status_code == expected, (
        f"{endpoint.method} {url} as {role} ({side}): expected {expected}, got {response.status_code}"
    )
    content_type = response.get("Content-Type", "")
    if response.status_code != 200 or endpoint.method != "GET" or getattr(response, "streaming", False):
        return
    if not content_type.startswith(("text/html", "application/json")):
        return  # files (xlsx, attachments) are checked by their own tests
    body = response.content.decode("utf-8", errors="replace")
    if role != "sysadmin" and not endpoint.names_outside:
        for name in (world.member_out.name, world.branch_b1.name, world.county_b.name):
            assert name not in body, f"{url} as {role} ({side}) names {name}, outside the role's scope"
    if endpoint.shows is not None:
        for text in endpoint.shows(world, role):
            assert text in body, f"{url} as {role} ({side}) does not show {text}"
