"""The ledger demo: the followed item ends 已销号 with evidence, and the weak lines carry warnings."""

from __future__ import annotations

import pytest

from dangjian.accounts.tests.factories import make_user
from dangjian.cases.models import CaseStatus, TypicalCase
from dangjian.core.permissions import Role
from dangjian.demo.ledgers import COPIED, GENERIC, LedgerCast, generate_ledgers
from dangjian.orgs.tests.factories import sample_tree
from dangjian.rectification import selectors
from dangjian.rectification.detector import reset_index
from dangjian.rectification.models import ItemWarning, Problem, ProblemSource, ProblemStatus
from dangjian.research.models import TopicStatus

pytestmark = pytest.mark.django_db


def test_demo_story(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    reset_index()
    t = sample_tree()
    city_user = make_user(Role.ORG_ADMIN, t["city"], username="shiwei")
    cast = LedgerCast(
        city=t["city"],
        county=t["county_a"],
        other_county=t["county_b"],
        branch=t["branch_a1"],
        city_user=city_user,
        county_user=make_user(Role.ORG_ADMIN, t["county_a"], username="xianwei"),
        branch_user=make_user(Role.BRANCH_SECRETARY, t["branch_a1"], username="zhishu"),
    )
    generate_ledgers(cast)
    followed = Problem.objects.get(status=ProblemStatus.CLOSED)
    assert followed.source == ProblemSource.RESEARCH and followed.evidence.count() == 2
    assert followed.closed_by == cast.county_user
    assert list(followed.events.values_list("kind", flat=True)) == [
        "create",
        "start",
        "request",
        "return",
        "request",
        "verify",
    ]
    assert not ItemWarning.objects.filter(problem=followed).exists()
    assert followed.org.research_topics.get().status == TopicStatus.CONVERTED
    generic = Problem.objects.get(description=GENERIC)
    assert {"generic"} <= set(generic.warnings.values_list("code", flat=True))
    copies = Problem.objects.filter(description=COPIED).exclude(org=t["county_a"])
    assert all(p.warnings.filter(code="near_duplicate").exists() for p in copies)
    assert [r["org"] for r in selectors.counties_without_patron(user=city_user)] == [t["county_b"]]
    assert sorted(TypicalCase.objects.values_list("status", flat=True)) == sorted(
        [CaseStatus.APPROVED, CaseStatus.SUBMITTED, CaseStatus.RETURNED]
    )
    reset_index()
