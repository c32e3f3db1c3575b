"""换届: 党组, 党工委, 临时党支部 (and 党小组) hold none, so they carry no term dates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from dangjian.accounts.tests.factories import make_user
from dangjian.core.models import AuditEvent
from dangjian.core.permissions import Role
from dangjian.orgs import selectors, services
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.excel.orgtree import orgs_import
from dangjian.orgs.models import Org

from .fixtures.excel_builder import org_list

pytestmark = pytest.mark.django_db

NOT_ELECTED = [
    (OrgKind.LEADING_GROUP, "党组"),
    (OrgKind.WORKING_COMMITTEE, "党工委"),
    (OrgKind.TEMPORARY_BRANCH, "临时党支部"),
]


@pytest.mark.parametrize(("kind", "label"), NOT_ELECTED)
def test_unelected_orgs_get_no_term_due_and_a_given_one_is_refused(tree, kind, label):
    actor = make_user(Role.SYSTEM_ADMIN, None, username="sys")
    before = (Org.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as exc:
        services.org_create(
            parent=tree["county_a"], actor=actor, name="新组织", kind=kind, term_start=dt.date(2019, 1, 1)
        )
    assert exc.value.message_dict == {"term_start": [f"{label}不实行换届，实际换届时间应留空"]}
    assert (Org.objects.count(), AuditEvent.objects.count()) == before
    org = services.org_create(parent=tree["county_a"], actor=actor, name="新组织", kind=kind)
    assert (org.term_start, org.term_years, org.term_due) == (None, None, None)


def test_a_branch_that_becomes_temporary_loses_its_term_and_leaves_the_overdue_list(tree):
    actor = make_user(Role.SYSTEM_ADMIN, None, username="sys")
    branch = services.org_update(
        org=tree["branch_a1"], actor=actor, term_start=dt.date(2018, 1, 1), term_years=3
    )
    assert branch.term_due == dt.date(2021, 1, 1)
    admin = actor
    assert branch in selectors.org_term_overdue(user=admin)
    # Changing the kind while still giving the term is refused, naming the field.
    with pytest.raises(ValidationError) as exc:
        services.org_update(org=branch, actor=actor, kind=OrgKind.TEMPORARY_BRANCH)
    assert exc.value.message_dict["term_start"] == ["临时党支部不实行换届，实际换届时间应留空"]
    branch = services.org_update(
        org=Org.objects.get(pk=branch.pk),
        actor=actor,
        kind=OrgKind.TEMPORARY_BRANCH,
        term_start=None,
        term_years=None,
        term_due=None,
    )
    assert (branch.term_start, branch.term_years, branch.term_due) == (None, None, None)
    assert branch not in selectors.org_term_overdue(user=admin)


def test_the_database_refuses_a_term_due_on_a_leading_group(tree):
    org = Org.objects.get(pk=tree["county_a"].pk)
    Org.objects.filter(pk=org.pk).update(kind=OrgKind.LEADING_GROUP)
    with pytest.raises(IntegrityError), transaction.atomic():
        Org.objects.filter(pk=org.pk).update(term_due=dt.date(2020, 1, 1))


def test_org_tree_import_refuses_a_term_for_a_leading_group(tmp_path, tree):
    admin = make_user(Role.ORG_ADMIN, tree["county_a"], username="county_admin")
    rows = [
        {"name": "好支部", "kind": "党支部", "parent": "甲县委"},
        {"name": "县政府党组", "kind": "党组", "parent": "甲县委", "term_due": "2020.01"},
    ]
    before = Org.objects.count()
    plan, result = orgs_import(path=org_list(tmp_path / "o.xlsx", rows), user=admin)
    assert result is None
    assert [str(e) for e in plan.errors] == ["第 4 行 应换届时间：党组不实行换届，应换届时间应留空"]
    assert Org.objects.count() == before


def test_org_form_shows_the_message_next_to_the_field(admin_client, tree):
    url = f"/orgs/{tree['county_a'].pk}/new/"
    r = admin_client.post(url, {"name": "县政府党组", "kind": "leading_group", "term_due": "2020-01-01"})
    assert r.status_code == 200
    assert 'data-error-for="term_due">党组不实行换届，应换届时间应留空<' in r.content.decode()
    assert not Org.objects.filter(name="县政府党组").exists()
    assert admin_client.post(url, {"name": "县政府党组", "kind": "leading_group"}).status_code == 302
    assert Org.objects.get(name="县政府党组").term_due is None
