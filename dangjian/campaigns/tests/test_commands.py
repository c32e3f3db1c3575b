"""``manage.py start_campaign``: the contract (id on the last line) and its errors."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import TestCase

from dangjian.activities.models import Activity
from dangjian.campaigns.models import Campaign
from dangjian.orgs.models import MobilityRecord
from dangjian.orgs.tests.factories import make_member

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("start_campaign", *args, stdout=out)
    return out.getvalue()


def test_prints_the_new_campaigns_id_on_its_last_line(tree):
    out = run("xjp-thought-2023", "--root", str(tree["city"].pk), "--batch", "第二批:2023-09-01:2024-01-31")
    campaign = Campaign.objects.get()
    assert out.strip().splitlines()[-1] == str(campaign.pk)
    assert [(b.name, b.starts_on) for b in campaign.batches.all()] == [("第二批", dt.date(2023, 9, 1))]
    assert list(campaign.batches.get().orgs.all()) == [tree["city"]]


def test_seed_progress_records_campaign_activity(tree):
    away = make_member(tree["branch_a1"])
    make_member(tree["branch_b1"])
    MobilityRecord.objects.create(
        member=away, org_path=away.org_path, direction="out", place="上海", started_on=dt.date(2023, 1, 1)
    )
    out = run(
        "xjp-thought-2023",
        "--root",
        str(tree["city"].pk),
        "--batch",
        "第二批:2023-09-01:2024-01-31",
        "--seed-progress",
    )
    assert out.strip().splitlines()[-1] == str(Campaign.objects.get().pk)
    made = Activity.objects.filter(topic__startswith="学习贯彻").count()
    assert made > 0 and f"已生成演示活动记录 {made} 条" in out
    # The dashboard is not empty of the other records either.
    campaign = Campaign.objects.get()
    assert campaign.publicity.count() > 0
    assert [s.member for s in campaign.self_studies.all()] == [away]
    assert campaign.materials.filter(member=away).exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--batch", "第二批:2023-09-01"], "格式应为 名称:YYYY-MM-DD:YYYY-MM-DD"),
        (["--batch", "第二批:2023-09-01:2023-13-01"], "日期无效"),
        (["--batch", "第二批:2023-09-01:2023-10-31"], "截止日期 2023-11-30 不在批次 第二批"),
    ],
)
def test_bad_batches(tree, args, message):
    with pytest.raises(CommandError, match=message):
        run("xjp-thought-2023", "--root", str(tree["city"].pk), *args)
    assert not Campaign.objects.exists()


def test_unknown_root_and_template(tree):
    with pytest.raises(CommandError, match="没有编号为 999999 的党组织"):
        run("xjp-thought-2023", "--root", "999999")
    with pytest.raises(CommandError, match="没有编码为 nope 的主题教育模板"):
        run("nope", "--root", str(tree["city"].pk))
