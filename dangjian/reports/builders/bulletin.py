"""The campaign 通报 (.docx): a context builder over the campaign selectors and a Word template
(``reports/templates/bulletin.docx``, made by ``scripts/make_bulletin_template.py``).

Every number comes from ``campaigns.selectors.progress`` — the figures of the progress API and
the dashboard — and rates are written exactly as the API rounds them ("62.5%"). Problems are
grouped as a mid-campaign speech groups them (部署推进, 理论学习, 调查研究, 推动发展, 整改整治,
宣传氛围), each with its figures and the lagging units by name.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from io import BytesIO
from pathlib import Path
from typing import Any

from docxtpl import DocxTemplate

from dangjian.campaigns import oversight, publicity, selectors
from dangjian.campaigns.models import Campaign
from dangjian.orgs.models import Org
from dangjian.requirements import selectors as compliance

TEMPLATE = Path(__file__).resolve().parents[1] / "templates" / "bulletin.docx"
TOP_UNITS = 3
NAMED_LAGGING = 5

# Problem groups and the campaign phases whose actions they cover.
GROUPS = (
    ("部署推进", ()),
    ("理论学习", ("理论学习", "学习教育", "学习教育、听取意见")),
    ("调查研究", ("调查研究",)),
    ("推动发展", ("推动发展",)),
    (
        "整改整治",
        ("检视整改", "检视问题", "整改落实", "建章立制", "查摆问题、开展批评", "整改落实、建章立制"),
    ),
    ("宣传氛围", ()),
)
CN_NUMBERS = "一二三四五六七八九十"


class BulletinError(ValueError):
    """Bad input for a bulletin (a Chinese message)."""


def rate_text(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.1f}%"


def bulletin_context(*, user: Any, campaign: Campaign, org: Org, on: dt.date) -> dict[str, Any]:
    """The template's data for ``org``'s subtree on day ``on``."""
    if on < campaign.starts_on:
        raise BulletinError(f"通报日期 {on} 早于主题教育开始日期 {campaign.starts_on}")
    data = selectors.progress(user=user, campaign=campaign, org=org, on=on, with_units=True)
    overall = data["overall"]
    children = list(
        compliance.compliance_orgs(user=user)
        .filter(path__startswith=org.path, depth=org.depth + 1)
        .order_by("path")
    )
    # The dashboard's 下级单位 table: the same figures, ranked by rate.
    ranked = selectors.ranked_units(data["units"])
    good = [
        f"{u.org.name}完成率 {rate_text(u.overall.rate)}（完成 {u.overall.met} 项次，未完成 {u.overall.not_met} 项次）。"
        for u in ranked[:TOP_UNITS]
        if u.overall.rate is not None
    ] or ["暂无下级单位的数据。"]
    depth_lines = [
        f"{selectors.depth_label(d)}：完成 {fig.met} 项次，已判定 {fig.judged} 项次，完成率 {rate_text(fig.rate)}。"
        for d, fig in data["depths"]
    ]
    action_of = selectors.rule_actions(campaign)
    lagging = selectors.lagging_units(user=user, campaign=campaign, org=org, on=on).values_list(
        "requirement_id", "org__name"
    )
    by_action: dict[int, list[str]] = defaultdict(list)
    for requirement_id, name in lagging:
        names = by_action[action_of[requirement_id]]
        if name not in names:
            names.append(name)
    for cell in data["outside"]:  # ledger-counted and confirmed actions
        if cell.status == "not_met" and cell.org.name not in by_action[cell.action.pk]:
            by_action[cell.action.pk].append(cell.org.name)
    idle_qs = oversight.idle_units(user=user, campaign=campaign, org=org, on=on)
    idle = (idle_qs.count(), [o.name for o in idle_qs[:NAMED_LAGGING]])
    copies = oversight.copied_plans(
        user=user, campaign=campaign, org=org, week_start=on - dt.timedelta(days=on.weekday())
    ) + oversight.copied_records(user=user, campaign=campaign, org=org, on=on)
    reports = publicity.publicity_counts(user=user, campaign=campaign, org=org, on=on)
    problems = []
    for i, (title, phases) in enumerate(GROUPS):
        problems.append(
            {
                "heading": f"（{CN_NUMBERS[i]}）{title}方面",
                "text": _group_text(title, phases, data, by_action, idle, copies, reports),
            }
        )
    annex = [
        {
            "name": a.action.name,
            "deadline": a.deadline.isoformat()
            if a.deadline
            else f"{a.action.get_period_display()} {a.action.times} 次",
            "applicable": a.figure.applicable,
            "met": a.figure.met,
            "not_met": a.figure.not_met,
            "not_due": a.figure.not_due,
            "rate": rate_text(a.figure.rate),
        }
        for a in data["actions"]
    ]
    return {
        "title": f"关于{campaign.name}进展情况的通报",
        "recipients": "、".join(c.name for c in children) or org.name,
        "intro": (
            f"{campaign.name}开展以来，{org.name}各级党组织按照部署推进各项规定动作。"
            f"现将截至{on.year}年{on.month}月{on.day}日的进展情况通报如下。"
        ),
        "overall_text": (
            f"截至{on.year}年{on.month}月{on.day}日，各项规定动作适用 {overall.applicable} 项次，已完成 {overall.met} 项次，"
            f"未完成 {overall.not_met} 项次，未到期 {overall.not_due} 项次，完成率 {rate_text(overall.rate)}。"
        ),
        "overall_rate": rate_text(overall.rate),
        "publicity": reports,
        "depth_lines": depth_lines,
        "good": good,
        "problems": problems,
        "annex": annex,
        "annex_title": f"{campaign.name}规定动作完成情况统计表",
        "issuer": f"{org.name}主题教育领导小组办公室",
        "date_text": f"{on.year}年{on.month}月{on.day}日",
    }


def _group_text(
    title: str,
    phases: tuple[str, ...],
    data: dict,
    by_action: dict[int, list[str]],
    idle: tuple[int, list[str]],
    copies: list[oversight.Copy],
    reports: dict[str, int],
) -> str:
    if title == "部署推进":
        rates = [(selectors.depth_label(d), fig) for d, fig in data["depths"] if fig.applicable]
        parts = []
        if len(rates) >= 2:
            parts.append(
                "按层级看，"
                + "，".join(f"{label}完成率 {rate_text(fig.rate)}" for label, fig in rates)
                + "。"
            )
        idle_count, idle_names = idle
        if idle_count:
            names = "、".join(idle_names)
            more = f"等 {idle_count} 个单位" if idle_count > NAMED_LAGGING else ""
            parts.append(f"近 {selectors.IDLE_DAYS} 天没有主题教育活动记录的有{names}{more}。")
        if copies:
            units = list(dict.fromkeys(c.org.name for c in copies))
            names = "、".join(units[:NAMED_LAGGING]) + (
                f"等 {len(units)} 个单位" if len(units) > NAMED_LAGGING else ""
            )
            parts.append(f"存在上下一般粗问题，{names}的计划或记录与上级逐字相同（{len(copies)} 处）。")
        return "".join(parts) or "各层级推进较为均衡，未发现明显问题。"
    if title == "宣传氛围":
        return (
            f"中央、省级媒体宣传报道 {reports['central_province']} 条次（中央 {reports['central']} 条次、"
            f"省级 {reports['province']} 条次），各级媒体共 {reports['total']} 条次"
            + ("。" if reports["total"] else "，宣传氛围有待加强。")
        )
    lines = []
    for a in data["actions"]:
        if (a.action.phase.name if a.action.phase else "") not in phases or not a.figure.not_met:
            continue
        names = by_action.get(a.action.pk, [])
        named = "、".join(names[:NAMED_LAGGING]) + (
            f"等 {len(names)} 个单位" if len(names) > NAMED_LAGGING else ""
        )
        lines.append(
            f"{a.action.name}：未完成 {a.figure.not_met} 项次，完成率 {rate_text(a.figure.rate)}"
            + (f"，涉及{named}" if named else "")
            + "。"
        )
    return "".join(lines) or "本方面的规定动作均已按期完成或尚未到期。"


def bulletin_render(context: dict[str, Any]) -> bytes:
    """The .docx bytes of the bulletin for ``context``."""
    doc = DocxTemplate(str(TEMPLATE))
    doc.render(context)
    out = BytesIO()
    doc.save(out)
    return out.getvalue()


class Operator:
    """The operator running a management command: every org, like the other commands."""

    is_authenticated = True
    is_active = True
    is_superuser = True
    pk = None
    member_id = None
