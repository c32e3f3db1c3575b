"""Demo content of the three ledgers, written through their services so every state, event and
warning is real.

The story a newcomer can follow (logins from ``manage.py demo_logins``): the city (shiwei) sets a
调研 topic; the demo county (xianwei) answers it, and so does the secretary's branch (zhishu),
whose visits, report and 成果转化 produce a rectification item that the branch works on, applies
to close with evidence, and the county signs off (已销号). Around it: an overdue item, a 长期坚持
item with a progress note, a county whose items name no 挂钩包案 leader, deliberately generic
lines and a problem copied from the county's list word for word (上下一般粗), so the detector's
warnings show; typical cases approved, under review and returned.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from dangjian.accounts.models import User
from dangjian.cases import services as cases
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import Org
from dangjian.rectification import services as rectification
from dangjian.research import services as research

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
COPIED = "三会一课记录不规范，会议记录内容过于简单，缺少讨论发言情况"
GENERIC = "理论学习不够深入，学用结合不够紧密"


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@dataclass
class LedgerCast:
    city: Org
    county: Org
    other_county: Org
    branch: Org
    city_user: Any = None
    county_user: Any = None
    branch_user: Any = None


def cast_from_demo_accounts() -> LedgerCast | None:
    """The orgs and users of the demo accounts (None when they are missing)."""
    users = {u.username: u for u in User.objects.filter(username__in=["shiwei", "xianwei", "zhishu"])}
    if len(users) < 3:
        return None
    scope = {u: u.grants.select_related("org").first() for u in users.values()}  # type: ignore[attr-defined]
    city = scope[users["shiwei"]].org
    county = scope[users["xianwei"]].org
    branch = scope[users["zhishu"]].org
    other = (
        Org.objects.filter(
            path__startswith=city.path, depth=county.depth, kind=OrgKind.COMMITTEE, deleted_at__isnull=True
        )
        .exclude(pk=county.pk)
        .order_by("path")
        .first()
    ) or county
    return LedgerCast(city, county, other, branch, users["shiwei"], users["xianwei"], users["zhishu"])


@transaction.atomic
def generate_ledgers(cast: LedgerCast, *, today: dt.date | None = None) -> dict[str, int]:
    today = today or timezone.localdate()
    c = cast
    # ---- 调查研究: 同题调研 down three levels
    city_topic = research.topic_create(
        org=c.city,
        actor=c.city_user,
        title="村级党组织阵地使用情况调研",
        lead_leader="市委组织部部长",
        team="组织部组织一科、基层办",
        report_due=today + dt.timedelta(days=30),
    )
    county_topic = research.topic_create(
        org=c.county,
        actor=c.county_user,
        title=f"{c.county.name}村级阵地使用情况调研",
        lead_leader="县委副书记",
        parent_topic=city_topic,
        report_due=today - dt.timedelta(days=5),
        planned_visits="走访3个乡镇的6个村，召开座谈会2次",
    )
    topic = research.topic_create(
        org=c.branch,
        actor=c.branch_user,
        title="本支部党员活动室开放与使用情况调研",
        lead_leader="支部书记",
        team="支委会全体",
        parent_topic=county_topic,
        report_due=today - dt.timedelta(days=10),
    )
    research.visit_add(
        topic=topic,
        actor=c.branch_user,
        visited_on=today - dt.timedelta(days=40),
        place="党员活动室",
        method="unannounced",
        people_met="值班党员1人、来访群众3人",
        findings="活动室周二、周四下午无人值守；借阅登记簿自3月起未登记",
    )
    research.visit_add(
        topic=topic,
        actor=c.branch_user,
        visited_on=today - dt.timedelta(days=35),
        place="支部会议室",
        method="forum",
        people_met="党员代表8人",
        findings="党员反映开放时间与上班时间冲突",
    )
    report = research.report_submit(
        topic=topic,
        actor=c.branch_user,
        file=_pdf("活动室调研报告.pdf"),
        summary="发现2个问题：活动室每周有2个半天无人值守；借阅登记中断3个月。建议排定值班表并每月核对借阅。",
    )
    found = research.convert_problem(
        report=report,
        actor=c.branch_user,
        description="党员活动室每周二、周四下午无人值守，群众来访吃闭门羹",
        target="自下月起每周开放5天，值班表张贴上墙，每月抽查1次",
        patron_leader="县委副书记",
        deadline_type="deadline",
        due_on=today + dt.timedelta(days=20),
    )
    research.convert_suggestion(
        report=report,
        actor=c.branch_user,
        problem=found.problem,
        text="由组织委员排定10名党员轮流值班表，当周张贴",
        owner="组织委员",
        due_on=today - dt.timedelta(days=3),
    )
    overdue = research.convert_problem(
        report=report,
        actor=c.branch_user,
        description="借阅登记簿自3月起中断，12本图书去向不明",
        target="月底前补登12本并逐本核对",
        patron_leader="县委副书记",
        deadline_type="deadline",
        due_on=today - dt.timedelta(days=7),
    )
    rectification.problem_start(problem=overdue.problem, actor=c.branch_user)
    # the followed item: worked on, applied for with evidence, returned once, then signed off above
    problem = found.problem
    rectification.problem_start(problem=problem, actor=c.branch_user)
    rectification.problem_request_close(problem=problem, actor=c.branch_user, note="值班表已张贴", files=[])
    rectification.problem_verify(
        problem=problem, actor=c.county_user, approve=False, reason="请补充值班表照片和一周的值班记录"
    )
    rectification.problem_request_close(
        problem=problem,
        actor=c.branch_user,
        note="已补充值班表和第一周值班记录",
        files=[_pdf("值班表.pdf"), _pdf("第一周值班记录.pdf")],
    )
    rectification.problem_verify(problem=problem, actor=c.county_user, approve=True)

    # ---- deliberately weak lines: generic, copied from above, no owner
    rectification.problem_create(
        org=c.county,
        actor=c.county_user,
        source="life_meeting",
        description=GENERIC,
        category="理论学习",
        patron_leader="县委书记",
        deadline_type="long_term",
        target="持续加强",
        measures=[{"text": "进一步加强理论学习，提高思想认识", "owner": "", "due_on": None}],
    )
    rectification.problem_create(
        org=c.county,
        actor=c.county_user,
        source="supervision",
        description=COPIED,
        patron_leader="县委副书记",
        deadline_type="immediate",
        target="规范会议记录",
        measures=[{"text": "加强会议记录管理", "owner": "组织部", "due_on": today + dt.timedelta(days=15)}],
    )
    rectification.problem_create(
        org=c.branch,
        actor=c.branch_user,
        source="self",
        description=COPIED,
        patron_leader="县委副书记",
        deadline_type="immediate",
        target="规范会议记录",
        measures=[{"text": "加强会议记录管理", "owner": "", "due_on": None}],
    )
    long_term = rectification.problem_create(
        org=c.county,
        actor=c.county_user,
        source="opinion",
        patron_leader="县委书记",
        description=f"{c.county.name}政务服务大厅窗口周末不开放，群众意见征集中有46条反映",
        target="每季度统计一次周末办件量，年底前实现周六上午开放",
        deadline_type="long_term",
        measures=[
            {
                "text": "一季度起周六上午开放2个综合窗口",
                "owner": "县政务服务中心主任",
                "due_on": today + dt.timedelta(days=60),
            }
        ],
    )
    rectification.problem_start(problem=long_term, actor=c.county_user)
    rectification.problem_progress_note(
        problem=long_term, actor=c.county_user, note="本季度周六上午办件128件"
    )
    rectification.problem_create(
        org=c.other_county,
        actor=c.city_user,
        source="inspection",
        description=COPIED,
        deadline_type="deadline",
        due_on=today + dt.timedelta(days=3),
        target="",
        measures=[{"text": "加强会议记录管理", "owner": "", "due_on": None}],
    )
    # ---- 典型案例
    positive = cases.case_create(
        org=c.branch,
        actor=c.branch_user,
        kind="positive",
        title="党员活动室“错时开放”服务上班族",
        event="支部把活动室开放时间调整为工作日晚上和周六上午，两个月接待群众230人次",
        lesson="开放时间跟着群众走",
        measures="在全县推广错时开放",
    )
    cases.case_submit(case=positive, actor=c.branch_user)
    for _ in range(positive.review_levels):
        cases.case_review(case=positive, actor=c.city_user, approve=True)
    negative = cases.case_create(
        org=c.county,
        actor=c.county_user,
        kind="negative",
        title="以“材料整改”代替实际整改",
        event="某单位对督导反馈的问题只补写了会议记录，实际工作未改变",
        nature="形式主义",
        harm="问题反复出现，群众不满意",
        cause="把整改当作应付检查",
        lesson="整改要见实效，佐证要反映实际变化",
        measures="对该单位已销号问题逐项回头看",
    )
    cases.case_submit(case=negative, actor=c.county_user)
    returned = cases.case_create(
        org=c.county,
        actor=c.county_user,
        kind="negative",
        title="会议记录照抄上级通知",
        event="多个支部的组织生活会记录内容与县里通知一字不差",
    )
    cases.case_submit(case=returned, actor=c.county_user)
    cases.case_review(case=returned, actor=c.city_user, approve=False, comment="请补充原因分析和具体整改措施")
    # a topic nobody has visited yet
    research.topic_create(
        org=c.other_county, actor=c.city_user, title="新就业群体党建工作调研", lead_leader="县委组织部部长"
    )
    return {"topics": 4, "problems": 7, "cases": 3}
