"""Required actions judged outside the engine: counted from the 典型案例 and 调研 ledgers, or
confirmed by hand where the template allows it; their figures join the campaign's progress."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.tests.factories import make_user
from dangjian.campaigns import judging
from dangjian.campaigns.confirmations import confirmation_create, confirmation_withdraw
from dangjian.campaigns.models import ActionConfirmation
from dangjian.campaigns.selectors import progress
from dangjian.campaigns.services import BatchDates, campaign_start
from dangjian.cases import services as cases
from dangjian.core.models import AuditEvent
from dangjian.core.permissions import Role
from dangjian.rectification.tests.factories import PDF
from dangjian.requirements.models import Status
from dangjian.research.tests.factories import make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def running(tree):
    """第二批 under 示例市委 from 40 days ago; both counties are 县处级以上领导班子."""
    for county in (tree["county_a"], tree["county_b"]):
        county.leadership_team = True
        county.save(update_fields=["leadership_team"])
    today = timezone.localdate()
    with TestCase.captureOnCommitCallbacks(execute=True):
        campaign = campaign_start(
            template="xjp-thought-2023",
            root=tree["city"],
            batches=[BatchDates("第二批", today - dt.timedelta(days=40), today + dt.timedelta(days=80))],
        )
    return campaign


def figure(user, campaign, org, code, on=None):
    data = progress(user=user, campaign=campaign, org=org, on=on or timezone.localdate())
    return next(a.figure for a in data["actions"] if a.action.code == code)


def approved_case(org, kind, reviewer):
    case = cases.case_create(org=org, actor=None, kind=kind, title=f"{kind}案例", event="基本事实")
    cases.case_submit(case=case, actor=None)
    for _ in range(case.review_levels):
        cases.case_review(case=case, actor=reviewer, approve=True)
    return case


def test_typical_cases_count_only_when_both_kinds_are_approved(tree, running):
    city_admin = make_user(Role.ORG_ADMIN, tree["city"], username="city")
    county = tree["county_a"]
    assert (
        figure(city_admin, running, county, "TYPICAL-CASES").applicable,
        figure(city_admin, running, county, "TYPICAL-CASES").met,
    ) == (1, 0)
    approved_case(county, "positive", city_admin)
    # A negative case still in review does not count.
    pending = cases.case_create(org=county, actor=None, kind="negative", title="反面", event="事实")
    cases.case_submit(case=pending, actor=None)
    fig = figure(city_admin, running, county, "TYPICAL-CASES")
    assert (fig.met, fig.not_due) == (0, 1)
    for _ in range(pending.review_levels):
        cases.case_review(case=pending, actor=city_admin, approve=True)
    # Read again: the approval shows at once (figures computed on read).
    fig = figure(city_admin, running, county, "TYPICAL-CASES")
    assert (fig.applicable, fig.met) == (1, 1)
    # At the city: both counties apply, one met.
    fig = figure(city_admin, running, tree["city"], "TYPICAL-CASES")
    assert (fig.applicable, fig.met, fig.not_due) == (2, 1, 1)


def test_a_case_of_a_branch_does_not_count_for_its_county(tree, running):
    city_admin = make_user(Role.ORG_ADMIN, tree["city"], username="city")
    approved_case(tree["branch_a1"], "positive", city_admin)
    approved_case(tree["branch_a1"], "negative", city_admin)
    assert figure(city_admin, running, tree["county_a"], "TYPICAL-CASES").met == 0


def test_research_needs_a_topic_and_its_report(tree, running):
    user = make_user(Role.ORG_ADMIN, tree["city"], username="city")
    county = tree["county_a"]
    make_topic(county)
    assert figure(user, running, county, "RESEARCH-TOPIC").met == 0
    make_topic(county, title="第二个课题", report=True)
    cell = judging.cells(
        campaign=running, on=timezone.localdate(), scope=judging.read_scope(subtree=False, org=county)
    )
    research = next(c for c in cell if c.action.code == "RESEARCH-TOPIC")
    assert research.status == Status.MET
    assert research.explanation == "调研选题 2/1，调研报告 1/1；未人工确认"


def test_an_open_cell_turns_not_met_after_its_deadline(tree, running):
    user = make_user(Role.ORG_ADMIN, tree["city"], username="city")
    later = running.ends_on + dt.timedelta(days=1)
    fig = figure(user, running, tree["county_a"], "TYPICAL-CASES", on=later)
    assert (fig.not_met, fig.not_due) == (1, 0)


def test_manual_confirmation_counts_and_can_be_withdrawn(tree, running):
    admin = make_user(Role.ORG_ADMIN, tree["county_a"], username="county")
    action = running.actions.get(code="RESEARCH-TOPIC")
    county = tree["county_a"]
    upload = SimpleUploadedFile("佐证.pdf", PDF, content_type="application/pdf")
    row = confirmation_create(
        action=action,
        org=county,
        actor=admin,
        done_on=timezone.localdate(),
        note="4 名县级领导均已完成调研",
        attachment=upload,
    )
    assert (row.created_by, row.attachment_name) == (admin, "佐证.pdf")
    assert figure(admin, running, county, "RESEARCH-TOPIC").met == 1
    confirmation_withdraw(confirmation=row, actor=admin, note="报告尚未定稿")
    row.refresh_from_db()
    assert (row.withdrawn_by, row.withdraw_note) == (admin, "报告尚未定稿")
    assert figure(admin, running, county, "RESEARCH-TOPIC").met == 0
    verbs = list(
        AuditEvent.objects.filter(
            target_type="campaigns.actionconfirmation", target_id=str(row.pk)
        ).values_list("verb", flat=True)
    )
    assert sorted(verbs) == ["campaign.action_confirm", "campaign.action_withdraw"]
    # Confirmed again after the withdrawal: the old row stays as history.
    confirmation_create(action=action, org=county, actor=admin, done_on=timezone.localdate(), note="已完成")
    assert ActionConfirmation.objects.filter(action=action, org=county).count() == 2


@pytest.mark.parametrize(
    ("code", "org_key", "days", "field", "text"),
    [
        ("TYPICAL-CASES", "county_a", 0, "action", "由台账或记录自动计算，不需要人工确认"),
        ("RESEARCH-TOPIC", "branch_a1", 0, "org", "不适用于 甲县第一支部"),
        ("RESEARCH-TOPIC", "county_a", -400, "done_on", "应在主题教育开始"),
        ("RESEARCH-TOPIC", "county_a", 5, "done_on", "不晚于今天"),
    ],
)
def test_bad_confirmations_save_nothing(tree, running, code, org_key, days, field, text):
    action = running.actions.get(code=code)
    with pytest.raises(ValidationError) as info:
        confirmation_create(
            action=action,
            org=tree[org_key],
            actor=None,
            done_on=timezone.localdate() + dt.timedelta(days=days),
            note="已完成",
        )
    assert text in " ".join(info.value.message_dict[field])
    assert not ActionConfirmation.objects.exists()


def test_a_second_confirmation_is_refused(tree, running):
    action = running.actions.get(code="RESEARCH-TOPIC")
    confirmation_create(
        action=action, org=tree["county_a"], actor=None, done_on=timezone.localdate(), note="a"
    )
    with pytest.raises(ValidationError) as info:
        confirmation_create(
            action=action, org=tree["county_a"], actor=None, done_on=timezone.localdate(), note="b"
        )
    assert "已确认过" in info.value.message_dict["action"][0]
    assert ActionConfirmation.objects.count() == 1


def test_confirm_page_and_api(client, tree, running):
    admin = make_user(Role.ORG_ADMIN, tree["county_a"], username="county")
    client.force_login(admin)
    action = running.actions.get(code="RESEARCH-TOPIC")
    url = reverse("campaigns:confirm", args=[running.pk]) + f"?org={tree['county_a'].pk}&action={action.pk}"
    response = client.post(url, {"done_on": "2000-01-01", "note": "x"})
    assert response.status_code == 400
    assert "完成日期 2000-01-01 应在主题教育开始" in response.content.decode()
    assert not ActionConfirmation.objects.exists()
    response = client.post(url, {"done_on": timezone.localdate().isoformat(), "note": "已完成"})
    assert response.status_code == 302
    page = client.get(reverse("campaigns:confirmations", args=[running.pk]) + f"?org={tree['county_a'].pk}")
    assert "已人工确认" in page.content.decode() and "撤回" in page.content.decode()
    body = client.get(f"/api/v1/campaigns/{running.pk}/confirmations?org_id={tree['county_a'].pk}").json()
    by_code = {i["action_code"]: i for i in body["items"]}
    assert by_code["RESEARCH-TOPIC"]["status"] == "met"
    assert by_code["RESEARCH-TOPIC"]["confirmed_by"]
    assert by_code["TYPICAL-CASES"]["status"] == "not_due"
    cid = by_code["RESEARCH-TOPIC"]["confirmation_id"]
    response = client.post(
        f"/api/v1/campaigns/confirmations/{cid}/withdraw",
        data={"note": "误报"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["withdrawn_at"]
    response = client.post(
        f"/api/v1/campaigns/{running.pk}/confirmations",
        data={
            "action_code": "NOPE",
            "org_id": tree["county_a"].pk,
            "done_on": str(timezone.localdate()),
            "note": "x",
        },
        content_type="application/json",
    )
    assert response.status_code == 422 and "NOPE" in response.content.decode()


def test_open_ledger_actions_are_on_the_org_todo_list(client, tree, running):
    client.force_login(make_user(Role.ORG_ADMIN, tree["county_a"], username="county"))
    html = client.get(
        reverse("campaigns:todo", args=[running.pk]) + f"?org={tree['county_a'].pk}"
    ).content.decode()
    table = html.split('id="todo-table"')[1]
    assert "正反面典型案例各 1 个" in table and "正面典型 0/1，反面典型 0/1" in table


def test_the_cells_behind_one_figure(client, tree, running):
    client.force_login(make_user(Role.ORG_ADMIN, tree["city"], username="city"))
    cases = running.actions.get(code="TYPICAL-CASES")
    url = reverse("campaigns:confirmations", args=[running.pk])
    later = (running.ends_on + dt.timedelta(days=1)).isoformat()
    html = client.get(
        f"{url}?org={tree['city'].pk}&on={later}&action={cases.pk}&status=not_met"
    ).content.decode()
    table = html.split('id="confirmations-table"')[1].split("</table>")[0]
    assert "甲县委" in table and "乙县委" in table and "调研选题" not in table
