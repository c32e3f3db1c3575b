"""Test data for the actions judged outside the engine (``judging``) and for 宣传报道, shared by
the dashboard and bulletin tests so that their compared figures include such cells."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from dangjian.accounts.tests.factories import make_user
from dangjian.campaigns.confirmations import confirmation_create
from dangjian.campaigns.models import Campaign
from dangjian.campaigns.publicity import publicity_create
from dangjian.cases import services as cases
from dangjian.core.permissions import Role


def lead_counties(tree) -> None:
    """Both counties are 县处级以上领导班子 (the orgs the ledger and manual actions apply to)."""
    for county in (tree["county_a"], tree["county_b"]):
        county.leadership_team = True
        county.save(update_fields=["leadership_team"])


def judge_outside(tree, campaign: Campaign) -> None:
    """甲县委 has an approved positive and negative 典型案例 (TYPICAL-CASES met from the ledger);
    乙县委's 调研 is confirmed by hand (RESEARCH-TOPIC met by confirmation); 宣传报道 at
    three media levels."""
    admin = make_user(Role.ORG_ADMIN, tree["city"], username="outside-admin")
    for kind in ("positive", "negative"):
        case = cases.case_create(
            org=tree["county_a"], actor=None, kind=kind, title=f"{kind}案例", event="事实"
        )
        cases.case_submit(case=case, actor=None)
        for _ in range(case.review_levels):
            cases.case_review(case=case, actor=admin, approve=True)
    confirmation_create(
        action=campaign.actions.get(code="RESEARCH-TOPIC"),
        org=tree["county_b"],
        actor=admin,
        done_on=timezone.localdate(),
        note="县级领导均已完成调研选题和报告",
    )
    for org, level, days in (
        (tree["city"], "central", 3),
        (tree["county_a"], "province", 2),
        (tree["county_b"], "city", 1),
    ):
        publicity_create(
            campaign=campaign,
            org=org,
            actor=None,
            media="新华社",
            level=level,
            title=f"{org.name}主题教育报道",
            published_on=timezone.localdate() - dt.timedelta(days=days),
        )
