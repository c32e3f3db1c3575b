"""Starting a campaign, editing a batch, and the campaign's rules judged by the engine only
for the orgs of their batch."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import TestCase
from django.utils import timezone

from dangjian.activities.models import ActivityKind as K
from dangjian.campaigns.models import Batch, BatchRule, Campaign, RequiredAction
from dangjian.campaigns.services import BatchDates, CampaignError, batch_update, campaign_start
from dangjian.campaigns.templates import TemplateError
from dangjian.core.models import AuditEvent
from dangjian.orgs.tests.factories import make_member
from dangjian.requirements import engine
from dangjian.requirements.models import ComplianceResult, ComplianceRollup, Requirement
from dangjian.requirements.tests.factories import record

pytestmark = pytest.mark.django_db


def start(root, *batches: BatchDates, template: str = "xjp-thought-2023") -> Campaign:
    with TestCase.captureOnCommitCallbacks(execute=True):
        return campaign_start(template=template, root=root, batches=batches, actor=None)


def test_start_from_template_makes_batches_phases_actions_and_rules(tree):
    campaign = start(tree["city"])
    assert (campaign.name, campaign.starts_on, campaign.ends_on) == (
        "学习贯彻习近平新时代中国特色社会主义思想主题教育",
        dt.date(2023, 4, 1),
        dt.date(2024, 1, 31),
    )
    assert [b.name for b in campaign.batches.all()] == ["第一批", "第二批"]
    assert [p.name for p in campaign.phases.all()] == [
        "理论学习",
        "调查研究",
        "推动发展",
        "检视整改",
        "建章立制",
    ]
    assert campaign.actions.count() == 10
    # Judged actions get a rule per batch they belong to; manual ones none.
    second = campaign.batches.get(name="第二批")
    codes = sorted(r.action.code for r in second.rules.select_related("action"))
    assert codes == sorted(
        a.code for a in RequiredAction.objects.filter(campaign=campaign, manual=False, ledger={})
    )
    first = campaign.batches.get(name="第一批")
    assert "READING-CLASS" not in {r.action.code for r in first.rules.select_related("action")}
    reading = BatchRule.objects.get(batch=second, action__code="READING-CLASS").requirement
    assert reading.applies_to["within_orgs"] == [tree["city"].pk]
    assert (reading.effective_from, reading.effective_to, reading.deadline) == (
        dt.date(2023, 9, 1),
        dt.date(2024, 1, 31),
        dt.date(2023, 11, 30),
    )
    org_life = BatchRule.objects.get(batch=second, action__code="ORG-LIFE-MEETING").requirement
    assert org_life.deadline == dt.date(2024, 1, 31)  # a one-off action without a date: the batch's end
    assert AuditEvent.objects.filter(verb="campaign.start", target_id=str(campaign.pk)).exists()


def test_batch_on_other_dates_moves_its_deadlines(tree):
    campaign = start(tree["city"], BatchDates("第二批", dt.date(2026, 9, 1), dt.date(2027, 1, 31)))
    assert [b.name for b in campaign.batches.all()] == ["第二批"]
    reading = Requirement.objects.get(campaign_rule__action__code="READING-CLASS")
    assert reading.deadline == dt.date(2026, 11, 30)
    assert (campaign.starts_on, campaign.ends_on) == (dt.date(2026, 9, 1), dt.date(2027, 1, 31))


def test_deadline_outside_a_shortened_batch_saves_nothing(tree):
    with pytest.raises(CampaignError) as info:
        start(tree["city"], BatchDates("第二批", dt.date(2023, 9, 1), dt.date(2023, 10, 31)))
    assert any(
        "READING-CLASS（读书班）：截止日期 2023-11-30 不在批次 第二批" in m for m in info.value.messages
    )
    assert not Campaign.objects.exists()
    assert not Requirement.objects.filter(source_file__startswith="campaign:").exists()


def test_unknown_template_and_batch(tree):
    with pytest.raises(TemplateError) as info:
        start(tree["city"], template="no-such")
    assert "没有编码为 no-such 的主题教育模板" in info.value.messages[0]
    with pytest.raises(CampaignError) as info:
        start(tree["city"], BatchDates("第三批", dt.date(2023, 9, 1), dt.date(2023, 12, 31)))
    assert info.value.messages == ["模板 xjp-thought-2023 没有批次 第三批（可用：第一批、第二批）"]


def test_overlapping_batches_for_the_same_org_are_rejected(tree):
    with pytest.raises(CampaignError) as info:
        start(
            tree["city"],
            BatchDates("第一批", dt.date(2023, 4, 1), dt.date(2023, 9, 30)),
            BatchDates("第二批", dt.date(2023, 9, 1), dt.date(2024, 1, 31)),
        )
    assert "日期重叠，且都包含 示例市委" in info.value.messages[0]
    assert not Campaign.objects.exists()


def test_batch_update_rejects_overlap_and_accepts_disjoint_orgs(tree):
    campaign = start(tree["city"])
    first, second = campaign.batches.order_by("order")
    with pytest.raises(CampaignError) as info:
        batch_update(
            batch=first, starts_on=dt.date(2023, 4, 1), ends_on=dt.date(2023, 9, 15), orgs=[tree["county_a"]]
        )
    assert info.value.messages == [
        "批次 第一批（2023-04-01 至 2023-09-15）与 第二批（2023-09-01 至 2024-01-31）日期重叠，"
        "且都包含 甲县委：同一组织不能同时属于两个批次"
    ]
    first.refresh_from_db()
    assert first.ends_on == dt.date(2023, 8, 31)
    batch_update(
        batch=second, starts_on=dt.date(2023, 9, 1), ends_on=dt.date(2024, 1, 31), orgs=[tree["county_b"]]
    )
    batch_update(
        batch=first, starts_on=dt.date(2023, 4, 1), ends_on=dt.date(2023, 9, 15), orgs=[tree["county_a"]]
    )
    rule = BatchRule.objects.get(batch=first, action__code="GROUP-STUDY").requirement
    assert (rule.applies_to["within_orgs"], rule.effective_to) == (
        [tree["county_a"].pk],
        dt.date(2023, 9, 15),
    )


def test_batch_update_refuses_orgs_outside_the_campaign(tree):
    campaign = start(tree["county_a"])
    batch = campaign.batches.first()
    with pytest.raises(CampaignError) as info:
        batch_update(batch=batch, starts_on=batch.starts_on, ends_on=batch.ends_on, orgs=[tree["branch_b1"]])
    assert info.value.messages == ["乙县第一支部 不在 甲县委 之下，不能加入批次 第一批"]


def test_campaign_rules_judge_only_the_orgs_of_their_batch(tree):
    today = timezone.localdate()
    for org in (tree["branch_a1"], tree["branch_b1"]):
        make_member(org)
    campaign = start(
        tree["county_a"], BatchDates("第二批", today - dt.timedelta(days=40), today + dt.timedelta(days=80))
    )
    rule = Requirement.objects.get(
        campaign_rule__batch__campaign=campaign, campaign_rule__action__code="GROUP-STUDY"
    )
    judged = set(ComplianceResult.objects.filter(requirement=rule).values_list("org_id", flat=True))
    assert judged == {tree["branch_a1"].pk}  # not 乙县第一支部, a branch of the same kind elsewhere
    # A record of the branch counts toward the campaign at once (the incremental path).
    record(tree["branch_a1"], today - dt.timedelta(days=1), K.GROUP_STUDY)
    month = ComplianceResult.objects.get(
        requirement=rule,
        org=tree["branch_a1"],
        period_start__lte=today - dt.timedelta(days=1),
        period_end__gte=today - dt.timedelta(days=1),
    )
    assert (month.status, month.count) == ("met", 1)


def test_moving_an_org_out_of_the_batch_ends_its_campaign_rows(tree):
    from dangjian.orgs import services as org_services

    today = timezone.localdate()
    campaign = start(
        tree["county_a"], BatchDates("第二批", today - dt.timedelta(days=40), today + dt.timedelta(days=80))
    )
    rule = Requirement.objects.get(
        campaign_rule__batch__campaign=campaign, campaign_rule__action__code="GROUP-STUDY"
    )
    assert ComplianceResult.objects.filter(requirement=rule, org=tree["branch_a1"]).exists()
    engine.recompute_all()  # the nightly run: the engine now knows where each org sits
    with TestCase.captureOnCommitCallbacks(execute=True):
        org_services.org_move(org=tree["branch_a1"], new_parent=tree["county_b"], actor=None)
    assert not ComplianceResult.objects.filter(requirement=rule, org=tree["branch_a1"]).exists()
    assert not ComplianceRollup.objects.filter(requirement=rule, org=tree["county_b"]).exists()
    assert not ComplianceRollup.objects.filter(requirement=rule, org=tree["county_a"]).exists()


def test_batches_are_kept_per_campaign(tree):
    campaign = start(tree["city"])
    assert Batch.objects.filter(campaign=campaign).count() == 2


def test_moving_a_subtree_into_the_batch_judges_every_org_below(tree):
    from dangjian.orgs import services as org_services
    from dangjian.requirements.tests.factories import snapshot

    today = timezone.localdate()
    campaign = start(
        tree["county_a"], BatchDates("第二批", today - dt.timedelta(days=40), today + dt.timedelta(days=80))
    )
    rule = Requirement.objects.get(
        campaign_rule__batch__campaign=campaign, campaign_rule__action__code="GROUP-STUDY"
    )
    engine.recompute_all()
    with TestCase.captureOnCommitCallbacks(execute=True):
        org_services.org_move(org=tree["county_b"], new_parent=tree["county_a"], actor=None)
    # 乙县第一支部 sits under 乙县委, which moved: it is now in the batch, judged at once.
    assert ComplianceResult.objects.filter(requirement=rule, org=tree["branch_b1"]).exists()
    assert ComplianceRollup.objects.filter(requirement=rule, org=tree["county_b"], rel_depth=1).exists()
    incremental = snapshot()
    engine.recompute_all()
    assert snapshot() == incremental
