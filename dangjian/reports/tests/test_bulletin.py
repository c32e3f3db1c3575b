"""The campaign 通报: every number equals the progress API's; command and download; bad input."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import subprocess

import pytest
from django.core.management import CommandError, call_command
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from docx import Document

from dangjian.accounts.tests.factories import make_user
from dangjian.activities.models import ActivityKind as K
from dangjian.campaigns.services import BatchDates, campaign_start
from dangjian.campaigns.tests.outside import judge_outside, lead_counties
from dangjian.core.permissions import Role
from dangjian.orgs.tests.factories import make_member, make_org
from dangjian.requirements.tests.factories import record

pytestmark = pytest.mark.django_db


@pytest.fixture
def running(tree):
    """The 2023 template's 第二批 for the city, 70 days in: 甲县第一支部 studies this month,
    a second 甲县 branch never, 乙县第一支部 every month; the counties are 领导班子 with a
    ledger-counted and a confirmed action met (``outside.judge_outside``) and 宣传报道."""
    today = timezone.localdate()
    lead_counties(tree)
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
    judge_outside(tree, campaign)
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
        assert f"{d['label']}：完成 {d['met']} 项次，已判定 {d['judged']} 项次，完成率 {rate}。" in body
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


def _bulletin(tree, campaign, tmp_path, on) -> tuple[str, list[list[str]], bytes]:
    out = tmp_path / "b.docx"
    call_command("campaign_bulletin", str(campaign.pk), "--org", str(tree["city"].pk), "--on", on.isoformat(), str(out),
                 stdout=io.StringIO())  # fmt: skip
    data = out.read_bytes()
    return (*text_of(data), data)


def test_overall_rate_string_is_the_apis(client, tree, running, tmp_path):
    """完成率 counts judged cells only (达标 ÷ (达标 + 未达标)); the bulletin prints the API's figure."""
    on = timezone.localdate()
    body, _rows, _data = _bulletin(tree, running, tmp_path, on)
    client.force_login(make_user(Role.SYSTEM_ADMIN, None, username="root"))
    overall = client.get(f"/api/v1/campaigns/{running.pk}/progress?org_id={tree['city'].pk}&on={on}").json()[
        "overall"
    ]
    assert overall["not_due"] > 0 and overall["not_met"] > 0  # both kinds of open cells are present
    expected = f"{round(100 * overall['met'] / (overall['met'] + overall['not_met']), 1):.1f}%"
    assert f"{overall['rate']:.1f}%" == expected
    sentence = re.search(r"截至[^。]*完成率 (\S+%)。", body)
    assert sentence is not None and sentence.group(1) == expected
    assert f"完成率 {expected}" in body


def _cells(html_text: str) -> set[str]:
    return set(re.findall(r"\d+(?:\.\d)?%|\d+", html_text))


def test_every_number_equals_the_dashboards(client, tree, running, tmp_path):
    """Each count (项次) and rate in the bulletin is a figure of the dashboard of the same org and
    day; the overall, per action, per depth and per unit figures match cell by cell."""
    on = timezone.localdate()
    body, rows, _data = _bulletin(tree, running, tmp_path, on)
    client.force_login(make_user(Role.SYSTEM_ADMIN, None, username="root"))
    url = reverse("campaigns:dashboard", args=[running.pk]) + f"?org={tree['city'].pk}&on={on}"
    html = client.get(url).content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    figures = _cells(text)
    for number in re.findall(r"(\d+) 项次", body) + re.findall(r"(\d+\.\d%)", body):
        assert number in figures, number
    # Overall: the dashboard's linked figures.
    overall = {k: re.search(rf"data-{k}>(\d+)<", html).group(1) for k in ("met", "not-met", "not-due")}
    rate = re.search(r"data-rate>([^<]+)<", html).group(1)
    assert f"已完成 {overall['met']} 项次" in body and f"未完成 {overall['not-met']} 项次" in body
    assert f"未到期 {overall['not-due']} 项次" in body and f"完成率 {rate}。" in body
    # The annex is the dashboard's table of required actions.
    table = html.split('id="actions-table"', 1)[1].split("</table>", 1)[0]
    for tr in table.split("<tr>")[2:]:
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
        annex = next(r for r in rows if r[0] == cells[0])
        assert annex[2:] == cells[3:8]
    # Top units: the dashboard's 下级单位 rates.
    units = html.split('id="units-table"', 1)[1].split("</table>", 1)[0]
    for tr in units.split("<tr>")[2:]:
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
        name, met, not_met, _not_due, unit_rate = cells[:5]
        assert f"{name}完成率 {unit_rate}（完成 {met} 项次，未完成 {not_met} 项次）" in body
    # By depth (上热中温下冷).
    depths = html.split('id="depths-table"', 1)[1].split("</table>", 1)[0]
    for tr in depths.split("<tr>")[2:]:
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
        label, met_judged, _not_due, depth_rate = cells[:4]
        met, judged = met_judged.split("/")
        assert f"{label}：完成 {met} 项次，已判定 {judged} 项次，完成率 {depth_rate}。" in body
    # The ledger-counted (approved cases) and confirmed actions are among the compared figures.
    names = dict(running.actions.values_list("code", "name"))
    for code in ("TYPICAL-CASES", "RESEARCH-TOPIC"):
        assert next(r for r in rows if r[0] == names[code])[3] == "1", code  # 完成
    # 宣传氛围: the dashboard's publicity line.
    line = re.search(r'id="publicity-line">(.*?)</span>', html, re.S).group(1)
    central_province = re.search(r"<strong>(\d+)</strong>", line).group(1)
    total = re.search(r"各级共 (\d+) 条次", line).group(1)
    assert (central_province, total) == ("2", "3")
    publicity = body.split("宣传氛围方面")[1]
    assert f"中央、省级媒体宣传报道 {central_province} 条次" in publicity
    assert f"各级媒体共 {total} 条次" in publicity


def test_bulletin_layout_and_problem_groups(tree, running, tmp_path):
    body, rows, _data = _bulletin(tree, running, tmp_path, timezone.localdate())
    lines = body.split("\n")
    assert lines[0].startswith("关于") and lines[0].endswith("进展情况的通报")  # 标题
    assert any(line.endswith("：") and "、" in line for line in lines[1:4])  # 主送
    headings = [line for line in lines if re.match(r"^[一二三四]、", line)]
    assert [h[:2] for h in headings[:3]] == ["一、", "二、", "三、"]
    groups = [line for line in lines if re.match(r"^（[一二三四五六]）", line)]
    assert [g[3:-2] for g in groups] == [
        "部署推进",
        "理论学习",
        "调查研究",
        "推动发展",
        "整改整治",
        "宣传氛围",
    ]
    assert rows[0] == ["规定动作", "截止", "适用", "完成", "未完成", "未到期", "完成率"]  # 附件
    assert len(rows) == 1 + running.actions.count()
    assert "附件" in lines and lines.index("附件") > body.split("\n").index(headings[2])


def test_bulletin_opens_in_libreoffice(tree, running, tmp_path):
    """The .docx renders in LibreOffice (headless conversion to PDF). Under CI a missing soffice
    is a failure (``make test`` installs it, like Chromium)."""
    soffice = shutil.which("soffice")
    if soffice is None:
        if os.environ.get("CI") == "true":
            pytest.fail("缺少 soffice（apt-get install libreoffice-writer-nogui）")
        pytest.skip("没有 soffice：make test 会安装 libreoffice-writer-nogui")
    body, _rows, _data = _bulletin(tree, running, tmp_path, timezone.localdate())
    profile = tmp_path / "lo-profile"
    done = subprocess.run(
        [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(tmp_path / "b.docx")],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    pdf = tmp_path / "b.pdf"
    assert done.returncode == 0 and pdf.exists(), done.stderr
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 5000
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        rate = re.search(r"完成率 (\S+%)。", body).group(1)
        assert rate in text and "附件" in text


def test_lagging_units_of_ledger_and_confirmed_actions_are_named(client, tree, running, tmp_path):
    """After their deadlines, the units behind the 未完成 of a ledger-counted action (乙县委: no
    approved cases) and a confirmed one (甲县委: not confirmed) are named under 调查研究."""
    client.force_login(make_user(Role.SYSTEM_ADMIN, None, username="root"))
    url = f"/api/v1/campaigns/{running.pk}/progress?org_id={tree['city'].pk}"
    figures = {a["code"]: a for a in client.get(url).json()["actions"]}
    on = max(dt.date.fromisoformat(figures[c]["deadline"]) for c in ("TYPICAL-CASES", "RESEARCH-TOPIC"))
    on += dt.timedelta(days=1)
    figures = {a["code"]: a for a in client.get(f"{url}&on={on}").json()["actions"]}
    assert (figures["TYPICAL-CASES"]["met"], figures["TYPICAL-CASES"]["not_met"]) == (1, 1)
    assert (figures["RESEARCH-TOPIC"]["met"], figures["RESEARCH-TOPIC"]["not_met"]) == (1, 1)
    body, _rows, _data = _bulletin(tree, running, tmp_path, on)
    research = body.split("调查研究方面")[1].split("推动发展方面")[0]
    names = dict(running.actions.values_list("code", "name"))
    assert f"{names['TYPICAL-CASES']}：未完成 1 项次，完成率 50.0%，涉及乙县委。" in research
    assert f"{names['RESEARCH-TOPIC']}：未完成 1 项次，完成率 50.0%，涉及甲县委。" in research
