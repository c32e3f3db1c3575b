"""The campaign 通报: every number equals the progress API's; command and download; bad input."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from docx import Document

from dangjian.accounts.tests.factories import make_user
from dangjian.activities.models import ActivityKind as K
from dangjian.campaigns.services import BatchDates, campaign_start
from dangjian.core.permissions import Role
from dangjian.orgs.tests.factories import make_member, make_org
from dangjian.requirements.tests.factories import record

pytestmark = pytest.mark.django_db


@pytest.fixture
def running(tree):
    """The 2023 template's 第二批 for the city, 70 days in: 甲县第一支部 studies this month,
    a second 甲县 branch never, 乙县第一支部 every month."""
    today = timezone.localdate()
    second = make_org(tree["general"], name="甲县第二支部")
    for org in (tree["branch_a1"], second, tree["branch_b1"]):
        make_member(org)
    with TestCase.captureOnCommitCallbacks(execute=True):
        campaign = campaign_start(
            template="xjp-thought-2023",
            root=tree["city"],
            batches=[BatchDates("第二批", today - dt.timedelta(days=70), today + dt.timedelta(days=50))],
        )
    record(tree["branch_a1"], today, K.GROUP_STUDY)
    day = today - dt.timedelta(days=70)
    while day <= today:
        record(tree["branch_b1"], day, K.GROUP_STUDY)
        day += dt.timedelta(days=28)
    return campaign


def text_of(data: bytes) -> tuple[str, list[list[str]]]:
    doc = Document(io.BytesIO(data))
    body = "\n".join(p.text for p in doc.paragraphs)
    rows = [[c.text for c in row.cells] for t in doc.tables for row in t.rows]
    return body, rows


def test_every_number_equals_the_progress_api(client, tree, running, tmp_path):
    on = timezone.localdate()
    out = tmp_path / "b.docx"
    call_command("campaign_bulletin", str(running.pk), "--org", str(tree["city"].pk), "--on", on.isoformat(), str(out),
                 stdout=io.StringIO())  # fmt: skip
    body, rows = text_of(out.read_bytes())
    client.force_login(make_user(Role.SYSTEM_ADMIN, None, username="root"))
    api = client.get(f"/api/v1/campaigns/{running.pk}/progress?org_id={tree['city'].pk}&on={on}").json()
    overall = api["overall"]
    assert f"已完成 {overall['met']} 项次" in body and f"适用 {overall['applicable']} 项次" in body
    assert f"完成率 {overall['rate']:.1f}%" in body
    annex = {r[0]: r for r in rows[1:]}
    for a in api["actions"]:
        row = annex[a["name"]]
        rate = "—" if a["rate"] is None else f"{a['rate']:.1f}%"
        assert row[2:] == [str(a["applicable"]), str(a["met"]), str(a["not_met"]), str(a["not_due"]), rate]
    for d in api["depths"]:
        rate = "—" if d["rate"] is None else f"{d['rate']:.1f}%"
        assert f"{d['label']}：完成 {d['met']} 项次，适用 {d['applicable']} 项次，完成率 {rate}。" in body
    # 公文 layout: title, 主送 (the next level), 一、二、三, the annex.
    assert body.startswith("关于学习贯彻习近平新时代中国特色社会主义思想主题教育进展情况的通报")
    assert "甲县委、乙县委：" in body
    for heading in (
        "一、总体进展",
        "二、好的做法",
        "三、存在的问题",
        "（二）理论学习方面",
        "（六）宣传氛围方面",
    ):
        assert heading in body
    # 乙县 studied every month: first among the good; 甲县第二支部 is named as lagging.
    good = body.split("二、好的做法")[1].split("三、存在的问题")[0]
    assert good.strip().startswith("乙县委完成率")
    problems = body.split("三、存在的问题")[1]
    assert "集中学习：未完成" in problems and "甲县第二支部" in problems


def test_bulletin_date_before_the_campaign(tree, running, tmp_path):
    early = running.starts_on - dt.timedelta(days=1)
    with pytest.raises(CommandError, match=f"通报日期 {early} 早于主题教育开始日期 {running.starts_on}"):
        call_command("campaign_bulletin", str(running.pk), "--org", str(tree["city"].pk), "--on", early.isoformat(),
                     str(tmp_path / "x.docx"))  # fmt: skip
    assert not (tmp_path / "x.docx").exists()


def test_download_is_scoped(client, tree, running):
    url = reverse("campaign_bulletin", args=[running.pk])
    client.force_login(make_user(Role.ORG_ADMIN, tree["county_a"], username="a1"))
    resp = client.get(url)
    assert resp.status_code == 200
    body, _rows = text_of(resp.content)
    assert "甲县机关总支：" in body  # the county's next level, not the city's
    assert client.get(url + f"?org={tree['branch_b1'].pk}").status_code == 404
    resp = client.get(url + "?on=2020-01-01")
    assert resp.status_code == 400 and "早于主题教育开始日期" in resp.content.decode()
    client.force_login(make_user(Role.MEMBER, tree["branch_a1"], username="m1"))
    assert client.get(url).status_code == 403
