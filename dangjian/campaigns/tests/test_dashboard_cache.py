"""The dashboard's figures are cached whole (``views.figures_key``): every change they read
moves the campaign's ``figures_version``, so the next view after any change shows the new
figures, each equal to a fresh reading; the day and the reader's scope are part of the key, and
what depends on the reader's permissions stays outside the cached part."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.tests.factories import make_user
from dangjian.activities import services as activities
from dangjian.activities.models import ActivityKind as K
from dangjian.activities.models import AttendanceStatus
from dangjian.campaigns import selectors
from dangjian.campaigns.confirmations import confirmation_create, confirmation_withdraw
from dangjian.campaigns.models import ActionConfirmation, Campaign
from dangjian.campaigns.publicity import publicity_create
from dangjian.campaigns.selfstudy import material_send, self_study_record
from dangjian.campaigns.services import BatchDates, batch_update, campaign_start
from dangjian.campaigns.tests.outside import judge_outside, lead_counties
from dangjian.campaigns.weekly import (
    ItemInput,
    monday_of,
    weekly_plan_close,
    weekly_plan_file,
    weekly_units_set,
)
from dangjian.cases import services as cases
from dangjian.core.permissions import Role
from dangjian.orgs import services as orgs
from dangjian.orgs.choices import Sector
from dangjian.orgs.tests.factories import make_member, make_org, member_data
from dangjian.reports.builders.bulletin import Operator
from dangjian.requirements.tests.factories import record
from dangjian.research import services as research

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(tree):
    """The city's 第二批, 70 days in, both counties 领导班子, with ledger, confirmed and
    publicity figures; 甲县第二支部 has recorded nothing."""
    today = timezone.localdate()
    tree["second"] = make_org(tree["general"], name="甲县第二支部")
    for org in (tree["branch_a1"], tree["second"], tree["branch_b1"]):
        make_member(org)
    lead_counties(tree)
    with TestCase.captureOnCommitCallbacks(execute=True):
        started = campaign_start(
            template="xjp-thought-2023",
            root=tree["city"],
            batches=[BatchDates("第二批", today - dt.timedelta(days=70), today + dt.timedelta(days=50))],
        )
    record(tree["branch_b1"], today, K.GROUP_STUDY)
    judge_outside(tree, started)
    return started


@pytest.fixture
def admin(client, tree):
    user = make_user(Role.ORG_ADMIN, tree["city"], username="office")
    client.force_login(user)
    return user


def _page(client, campaign, **params) -> str:
    response = client.get(reverse("campaigns:dashboard", args=[campaign.pk]), params)
    assert response.status_code == 200
    return response.content.decode()


def _overall(html: str) -> tuple[int, ...]:
    return tuple(
        int(re.search(rf"data-{name}>(\d+)<", html).group(1))
        for name in ("applicable", "met", "not-met", "not-due")
    )


def _action(html: str, name: str) -> tuple[int, ...]:
    """(适用, 完成, 未完成, 未到期) of the action's row."""
    table = html.split('id="actions-table"')[1].split("</table>")[0]
    row = next(r for r in table.split("<tr>") if f">{name}<" in r)
    return tuple(int(n) for n in re.findall(r"<a [^>]*>(\d+)</a>", row))


def _fresh(campaign, org, on=None, code=None) -> tuple[int, ...]:
    """The same figure read afresh (overall, or of the action ``code``)."""
    campaign = Campaign.objects.select_related("root").get(pk=campaign.pk)  # its set-up as edited
    data = selectors.progress(user=Operator(), campaign=campaign, org=org, on=on or timezone.localdate())
    fig = data["overall"]
    if code is not None:
        fig = next(a.figure for a in data["actions"] if a.action.code == code)
    return fig.applicable, fig.met, fig.not_met, fig.not_due


def _name(campaign, code: str) -> str:
    return campaign.actions.get(code=code).name


def _check(client, campaign, org, change, code=None) -> None:
    """``change`` (made and committed) moves the figure, and the page shows the new one."""
    name = _name(campaign, code) if code else None

    def shown() -> tuple[int, ...]:
        html = _page(client, campaign)
        return _action(html, name) if name else _overall(html)

    before = shown()
    assert before == _fresh(campaign, org, code=code)
    assert shown() == before  # served from the cache
    version = Campaign.objects.get(pk=campaign.pk).figures_version
    with TestCase.captureOnCommitCallbacks(execute=True):
        change()
    assert Campaign.objects.get(pk=campaign.pk).figures_version > version
    after = shown()
    assert after == _fresh(campaign, org, code=code)
    assert after != before


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9)))


def test_a_record_shows_at_once(client, tree, campaign, admin):
    today = timezone.localdate()
    _check(
        client,
        campaign,
        tree["city"],
        lambda: activities.activity_create(
            org=tree["second"], kinds=[K.GROUP_STUDY], actor=None, topic="集中学习", starts_at=_at(today)
        ),
        code="GROUP-STUDY",
    )


def test_attendance_shows_at_once(client, tree, campaign, admin):
    today = timezone.localdate()
    member = make_member(tree["second"])
    with TestCase.captureOnCommitCallbacks(execute=True):
        seminar = activities.activity_create(
            org=tree["second"], kinds=[K.SEMINAR], actor=None, topic="交流研讨", starts_at=_at(today)
        )
    present = [{"member_id": m.pk, "status": AttendanceStatus.PRESENT} for m in tree["second"].members.all()]
    assert member.pk in {row["member_id"] for row in present}
    _check(
        client,
        campaign,
        tree["city"],
        lambda: activities.activity_update(activity=seminar, actor=None, attendance=present),
        code="SEMINAR-EACH-MEMBER",
    )


def test_a_new_member_shows_at_once(client, tree, campaign, admin):
    today = timezone.localdate()
    present = [{"member_id": m.pk, "status": AttendanceStatus.PRESENT} for m in tree["second"].members.all()]
    with TestCase.captureOnCommitCallbacks(execute=True):
        activities.activity_create(
            org=tree["second"],
            kinds=[K.SEMINAR],
            actor=None,
            topic="交流研讨",
            starts_at=_at(today),
            attendance=present,
        )
    _check(
        client,
        campaign,
        tree["city"],
        lambda: orgs.member_create(org=tree["second"], actor=None, **member_data()),
        code="SEMINAR-EACH-MEMBER",
    )


def test_a_renamed_unit_shows_at_once(client, tree, campaign, admin):
    assert "甲县委" in _page(client, campaign).split('id="units-table"')[1]
    with TestCase.captureOnCommitCallbacks(execute=True):
        orgs.org_update(org=tree["county_a"], actor=None, name="甲县委（新）")
    assert "甲县委（新）" in _page(client, campaign).split('id="units-table"')[1]


def test_confirmations_made_and_withdrawn_show_at_once(client, tree, campaign, admin):
    row = ActionConfirmation.objects.get(org=tree["county_b"], withdrawn_at__isnull=True)
    _check(
        client,
        campaign,
        tree["city"],
        lambda: confirmation_withdraw(confirmation=row, actor=admin, note="更正"),
        code="RESEARCH-TOPIC",
    )
    _check(
        client,
        campaign,
        tree["city"],
        lambda: confirmation_create(
            action=campaign.actions.get(code="RESEARCH-TOPIC"),
            org=tree["county_b"],
            actor=admin,
            done_on=timezone.localdate(),
            note="已完成",
        ),
        code="RESEARCH-TOPIC",
    )


def test_ledgers_show_at_once(client, tree, campaign, admin):
    """An approved 典型案例, a 调研选题 and its report (the ledger apps' ``ledger_changed``)."""

    def cases_of_b() -> None:
        for kind in ("positive", "negative"):
            case = cases.case_create(
                org=tree["county_b"], actor=None, kind=kind, title=f"{kind}", event="事实"
            )
            cases.case_submit(case=case, actor=None)
            for _ in range(case.review_levels):
                cases.case_review(case=case, actor=admin, approve=True)

    _check(client, campaign, tree["city"], cases_of_b, code="TYPICAL-CASES")
    version = Campaign.objects.get(pk=campaign.pk).figures_version
    with TestCase.captureOnCommitCallbacks(execute=True):
        topic = research.topic_create(org=tree["county_a"], actor=None, title="调研课题", lead_leader="县长")
    assert Campaign.objects.get(pk=campaign.pk).figures_version > version  # met once reported
    report = SimpleUploadedFile("调研报告.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    _check(
        client,
        campaign,
        tree["city"],
        lambda: research.report_submit(topic=topic, actor=None, file=report, summary="摘要"),
        code="RESEARCH-TOPIC",
    )


def test_publicity_shows_at_once(client, tree, campaign, admin):
    def line() -> str:
        return _page(client, campaign).split('id="publicity-line"')[1].split("</span>")[0]

    assert "各级共 3 条次" in line()
    publicity_create(
        campaign=campaign,
        org=tree["county_b"],
        actor=None,
        media="人民日报",
        level="central",
        title="报道",
        published_on=timezone.localdate(),
    )
    assert "<strong>3</strong>" in line() and "各级共 4 条次" in line()


def test_self_study_shows_at_once_and_materials_move_the_version(client, tree, campaign, admin):
    tree["second"].sector = Sector.PRIVATE_ENTERPRISE
    tree["second"].save(update_fields=["sector"])
    member = tree["second"].members.first()
    version = Campaign.objects.get(pk=campaign.pk).figures_version
    material_send(
        campaign=campaign,
        members=[member],
        actor=None,
        title="学习资料",
        channel="线上推送",
        sent_on=timezone.localdate(),
    )
    assert Campaign.objects.get(pk=campaign.pk).figures_version > version
    _check(
        client,
        campaign,
        tree["city"],
        lambda: self_study_record(
            campaign=campaign,
            member=member,
            actor=None,
            kind="study",
            studied_on=timezone.localdate(),
            content="学习体会",
        ),
        code="SEMINAR-EACH-MEMBER",
    )


def test_weekly_plans_move_the_version(tree, campaign):
    monday = monday_of(timezone.localdate())

    def moved(change) -> bool:
        version = Campaign.objects.get(pk=campaign.pk).figures_version
        result = change()
        assert Campaign.objects.get(pk=campaign.pk).figures_version > version
        return result

    moved(lambda: weekly_units_set(campaign=campaign, orgs=[tree["county_a"]], actor=None))
    items = [ItemInput("组织党员集中学习党章", "书记", monday)]
    plan = moved(
        lambda: weekly_plan_file(
            campaign=campaign, org=tree["county_a"], week_start=monday, items=items, actor=None
        )
    )
    item = plan.items.get()
    moved(lambda: weekly_plan_close(plan=plan, results={item.pk: (True, "")}, actor=None))


def test_a_batch_edit_shows_at_once(client, tree, campaign, admin):
    batch = campaign.batches.get()
    _check(
        client,
        campaign,
        tree["city"],
        lambda: batch_update(
            batch=batch,
            starts_on=batch.starts_on,
            ends_on=batch.ends_on,
            orgs=[tree["county_a"]],
            actor=None,
        ),
    )


def test_the_day_and_the_scope_are_in_the_key(client, tree, campaign, admin):
    today = timezone.localdate()
    earlier = today - dt.timedelta(days=40)
    assert _overall(_page(client, campaign)) == _fresh(campaign, tree["city"])
    assert _overall(_page(client, campaign, on=earlier.isoformat())) == _fresh(
        campaign, tree["city"], earlier
    )
    assert _fresh(campaign, tree["city"]) != _fresh(campaign, tree["city"], earlier)
    # The same org and day for a reader whose grant does not reach below it: its own figures,
    # and no batch links (the office's), though the office's page is cached.
    office = _page(client, campaign)
    assert "调整第二批" in office and 'id="units-table"' in office
    client.force_login(make_user(Role.ORG_ADMIN, tree["city"], username="own", include_descendants=False))
    own = _page(client, campaign)
    assert 'id="units-table"' not in own and "仅为本组织自身情况" in own
    assert _overall(own) != _overall(office)
    client.force_login(make_user(Role.SUPERVISOR, tree["city"], username="sup"))
    supervisor = _page(client, campaign)
    assert _overall(supervisor) == _overall(office) and "调整第二批" not in supervisor
