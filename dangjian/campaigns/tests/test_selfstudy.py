"""流动党员 and 三新 members: materials sent by the branch, self-study recorded by the member,
counted toward the per-member 交流研讨 once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.tests.factories import make_user
from dangjian.activities.models import Activity, Attendance, AttendanceStatus
from dangjian.campaigns.models import SelfStudy, StudyMaterial
from dangjian.campaigns.selfstudy import eligible_members, material_send, self_study_record
from dangjian.campaigns.services import BatchDates, campaign_start
from dangjian.core.permissions import Role
from dangjian.orgs.choices import Mobility
from dangjian.orgs.models import MobilityRecord
from dangjian.orgs.tests.factories import make_member
from dangjian.requirements.models import ComplianceResult, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tree):
    today = timezone.localdate()
    away = make_member(tree["branch_a1"], name="赵流动")
    home = make_member(tree["branch_a1"], name="钱在家")
    MobilityRecord.objects.create(
        member=away,
        org_path=away.org_path,
        direction=Mobility.OUT,
        place="广东省深圳市",
        started_on=today - dt.timedelta(days=200),
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        campaign = campaign_start(
            template="xjp-thought-2023",
            root=tree["city"],
            batches=[BatchDates("第二批", today - dt.timedelta(days=40), today + dt.timedelta(days=80))],
        )
    return {**tree, "away": away, "home": home, "campaign": campaign, "today": today}


def seminar_met(member_org, campaign):
    rows = ComplianceResult.objects.filter(
        requirement__campaign_rule__action__code="SEMINAR-EACH-MEMBER",
        requirement__campaign_rule__batch__campaign=campaign,
        org=member_org,
    )
    return [(r.count, r.required, r.status) for r in rows]


def test_only_mobile_and_three_new_members_study_this_way(world):
    names = [(m.name, why) for m, why in eligible_members(org=world["branch_a1"], on=world["today"])]
    assert names == [("赵流动", "流动党员")]
    world["branch_a1"].sector = "private_enterprise"
    world["branch_a1"].save(update_fields=["sector"])
    names = sorted(why for _, why in eligible_members(org=world["branch_a1"], on=world["today"]))
    assert names == ["三新组织党员", "流动党员"]


def test_materials_sent_only_to_those_members_and_inside_the_campaign(world):
    with pytest.raises(ValidationError) as info:
        material_send(
            campaign=world["campaign"],
            members=[world["away"], world["home"]],
            actor=None,
            title="《习近平著作选读》",
            channel="邮寄",
            sent_on=world["today"],
        )
    assert "钱在家 既不是流动党员，也不在三新组织" in info.value.message_dict["members"][0]
    with pytest.raises(ValidationError) as info:
        material_send(
            campaign=world["campaign"],
            members=[world["away"]],
            actor=None,
            title="资料",
            channel="飞鸽",
            sent_on="2001-01-01",
        )
    assert set(info.value.message_dict) == {"channel", "sent_on"}
    assert not StudyMaterial.objects.exists()
    rows = material_send(
        campaign=world["campaign"],
        members=[world["away"]],
        actor=None,
        title="资料",
        channel="线上推送",
        sent_on=world["today"],
    )
    assert [r.member for r in rows] == [world["away"]]


def test_self_study_counts_once_toward_the_seminar_of_each_member(world):
    campaign = world["campaign"]
    with TestCase.captureOnCommitCallbacks(execute=True):
        row = self_study_record(
            campaign=campaign,
            member=world["away"],
            actor=None,
            kind="analysis",
            studied_on=world["today"],
            content="对照党章党规查找差距……",
        )
    activity = Activity.objects.get(pk=row.activity_id)
    assert activity.org == world["branch_a1"]
    attendance = list(Attendance.objects.filter(activity=activity).values_list("member_id", "status"))
    assert attendance == [(world["away"].pk, AttendanceStatus.ELSEWHERE)]
    # One of the branch's two members has taken part in a 交流研讨.
    assert seminar_met(world["branch_a1"], campaign) == [(1, 2, Status.NOT_DUE)]


@pytest.mark.parametrize(
    ("member_key", "change", "field", "text"),
    [
        ("home", {}, "campaign", "自学记录供流动党员和三新组织党员使用"),
        ("away", {"studied_on": "2020-01-01"}, "studied_on", "日期 2020-01-01 应在主题教育开始"),
        ("away", {"content": ""}, "content", "请填写学习内容和体会"),
        ("away", {"kind": "essay"}, "kind", "请选择类型"),
    ],
)
def test_bad_self_study_saves_nothing(world, member_key, change, field, text):
    data = {"kind": "study", "studied_on": world["today"], "content": "学习体会"} | change
    with pytest.raises(ValidationError) as info:
        self_study_record(campaign=world["campaign"], member=world[member_key], actor=None, **data)
    assert text in info.value.message_dict[field][0]
    assert not SelfStudy.objects.exists() and not Activity.objects.exists()


def test_member_page_and_branch_page(client, world):
    user = make_user(Role.MEMBER, world["branch_a1"], username="m", member=world["away"])
    client.force_login(user)
    url = reverse("campaigns:self_study")
    page = client.get(url)
    assert page.status_code == 200 and "self-study-form" in page.content.decode()
    response = client.post(
        url, {"campaign": world["campaign"].pk, "kind": "study", "studied_on": "1999-01-01", "content": "x"}
    )
    assert response.status_code == 400 and "应在主题教育开始" in response.content.decode()
    response = client.post(
        url,
        {
            "campaign": world["campaign"].pk,
            "kind": "study",
            "studied_on": str(world["today"]),
            "content": "学习体会",
        },
    )
    assert response.status_code == 302
    assert SelfStudy.objects.filter(member=world["away"]).count() == 1
    assert "主题教育自学和党性分析" in client.get(reverse("activities:mine")).content.decode()
    secretary = make_user(Role.BRANCH_SECRETARY, world["branch_a1"], username="s")
    client.force_login(secretary)
    branch = reverse("campaigns:materials", args=[world["campaign"].pk]) + f"?org={world['branch_a1'].pk}"
    response = client.post(
        branch,
        {
            "title": "学习资料",
            "channel": "邮寄",
            "sent_on": str(world["today"]),
            "members": [world["away"].pk],
        },
    )
    assert response.status_code == 302
    text = client.get(branch).content.decode()
    assert "赵流动" in text and "学习资料" in text and "自学" in text
