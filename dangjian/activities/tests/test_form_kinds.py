"""The record form offers first the kinds the rules in force ask of the org; the rest wait
behind 更多."""

from __future__ import annotations

import re

import pytest

from dangjian.accounts.tests.factories import make_user
from dangjian.core.permissions import Role
from dangjian.orgs.choices import OrgKind, Sector
from dangjian.orgs.tests.factories import make_member, make_org
from dangjian.requirements.tests.factories import load_shipped

pytestmark = pytest.mark.django_db


def _groups(html: str) -> tuple[list[str], list[str]]:
    main = html[html.index("data-kinds-main") :]
    more = main[main.index("data-kinds-more") :] if "data-kinds-more" in main else ""
    main = main[: main.index("data-kinds-more")] if more else main
    pick = re.compile(r'name="kinds" value="([a-z_]+)"')
    return pick.findall(main), pick.findall(more)


@pytest.fixture
def village(tree):
    load_shipped()
    org = make_org(tree["county_a"], name="中河村党支部", kind=OrgKind.BRANCH, sector=Sector.RURAL)
    for _ in range(5):
        make_member(org)
    return org


def test_a_village_branch_is_offered_branch_kinds_first(client, village):
    client.force_login(make_user(Role.BRANCH_SECRETARY, village))
    html = client.get(f"/activities/new/?org={village.pk}").content.decode()
    main, more = _groups(html)
    assert {"general_meeting", "party_lecture", "theme_day", "org_life_meeting"} <= set(main)
    assert {"democratic_life_meeting", "central_group_study"} <= set(more)
    assert not set(main) & set(more) and len(main) + len(more) == 14
    assert 'class="collapse" id="kinds-more"' in html  # closed until asked
    # A kind from 更多 already chosen keeps 更多 open.
    html = client.get(f"/activities/new/?org={village.pk}&kind=reading_class").content.decode()
    assert 'class="collapse show" id="kinds-more"' in html


def test_changing_the_org_brings_its_kinds_along(client, tree, village):
    client.force_login(make_user(Role.ORG_ADMIN, tree["county_a"]))
    response = client.get(
        f"/activities/attendees/?org={village.pk}&with_kinds=1&kinds=theme_day", HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert 'id="kinds" hx-swap-oob="true"' in html
    main, more = _groups(html)
    assert "theme_day" in main and "democratic_life_meeting" in more
    assert re.search(r'value="theme_day" id="kind-theme_day" autocomplete="off" checked', html)
    # Ticking a kind reloads only the attendees.
    plain = client.get(f"/activities/attendees/?org={village.pk}&kinds=theme_day", HTTP_HX_REQUEST="true")
    assert "hx-swap-oob" not in plain.content.decode()
