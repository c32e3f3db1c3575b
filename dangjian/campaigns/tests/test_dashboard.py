"""The campaign dashboard's figures and the pages behind them: roll-up figures equal the results,
per unit and per depth, drill lists by action + status + org, 上下一般粗, idle units, deadlines
soon, and the burden of the month (DESIGN decision 7)."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import pytest
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.tests.factories import make_user
from dangjian.activities.models import ActivityKind as K
from dangjian.campaigns import figures, oversight, selectors
from dangjian.campaigns.models import Campaign, OversightFigures
from dangjian.campaigns.services import BatchDates, campaign_start
from dangjian.campaigns.tests.outside import judge_outside, lead_counties
from dangjian.campaigns.weekly import ItemInput, monday_of, weekly_plan_file, weekly_units_set
from dangjian.core.permissions import Role
from dangjian.orgs.tests.factories import make_member, make_org
from dangjian.reports.builders.bulletin import Operator
from dangjian.requirements.models import ComplianceResult, Status
from dangjian.requirements.tests.factories import record

pytestmark = pytest.mark.django_db


@pytest.fixture
def running(tree):
    """The city's 第二批, 70 days in: 甲县第一支部 studies this month, 甲县第二支部 never,
    乙县第一支部 every month."""
    today = timezone.localdate()
    tree["second"] = make_org(tree["general"], name="甲县第二支部")
    for org in (tree["branch_a1"], tree["second"], tree["branch_b1"]):
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


def _direct(campaign, org, on) -> Counter:
    """Cells by status straight from the results of the subtree (the reference)."""
    rule_ids = [r.requirement_id for r in selectors._campaign_rules(campaign)]
    out: Counter = Counter()
    for status, end in ComplianceResult.objects.filter(
        requirement_id__in=rule_ids, period_start__lte=on, org_path__startswith=org.path
    ).values_list("status", "period_end"):
        if status != Status.NO_RECORDS:
            out[selectors._status_on(status, end, on)] += 1
    return out


@pytest.mark.parametrize("days_back", [0, 20, 45])
def test_rollup_figures_equal_the_results(tree, running, days_back):
    on = timezone.localdate() - dt.timedelta(days=days_back)
    user = Operator()
    for org in (tree["city"], tree["county_a"], tree["general"]):
        fig = selectors.progress(user=user, campaign=running, org=org, on=on)["overall"]
        ref = _direct(running, org, on)
        assert (fig.met, fig.not_met, fig.not_due) == (
            ref[Status.MET],
            ref[Status.NOT_MET],
            ref[Status.NOT_DUE],
        )
    units = selectors.unit_progress(user=user, campaign=running, org=tree["city"], on=on)
    for u in units:
        ref = _direct(running, u.org, on)
        assert (u.overall.met, u.overall.not_met, u.overall.not_due) == (
            ref[Status.MET], ref[Status.NOT_MET], ref[Status.NOT_DUE],
        )  # fmt: skip
        assert sum(f.applicable for f in u.actions.values()) == u.overall.applicable


def _html(client, url):
    return client.get(url).content.decode()


def test_dashboard_units_depths_and_every_figure_links(client, tree, running):
    client.force_login(make_user(Role.ORG_ADMIN, tree["city"], username="c1"))
    on = timezone.localdate().isoformat()
    html = _html(
        client, reverse("campaigns:dashboard", args=[running.pk]) + f"?org={tree['city'].pk}&on={on}"
    )
    units = html.split('id="units-table"')[1].split("</table>")[0]
    assert "甲县委" in units and "乙县委" in units
    depths = html.split('id="depths-table"')[1].split("</table>")[0]
    assert "本级" in depths and "下三级" in depths and "理论学习" in depths
    # Every number in the figure tables is a link to the records behind it.
    for table in ("overall", "actions-table", "units-table"):
        section = html.split(f'id="{table}"')[1].split("</table>")[0].split("</div>")[0]
        numbers = re.findall(r">\s*(\d+)\s*<", section)
        linked = re.findall(r"<a [^>]*href=\"[^\"]+\"[^>]*>\s*(\d+)\s*</a>", section)
        assert numbers and Counter(numbers) == Counter(linked), table


def test_drill_by_action_status_and_org(client, tree, running):
    client.force_login(make_user(Role.ORG_ADMIN, tree["city"], username="c1"))
    study = running.actions.get(code="GROUP-STUDY")
    base = reverse("campaigns:lagging", args=[running.pk])
    met = _html(client, f"{base}?org={tree['city'].pk}&action={study.pk}&status=met")
    table = met.split('id="lagging-table"')[1]
    assert "乙县第一支部" in table and "甲县第一支部" in table and "甲县第二支部" not in table
    not_met = _html(client, f"{base}?org={tree['county_a'].pk}&action={study.pk}&status=not_met")
    table = not_met.split('id="lagging-table"')[1]
    assert "甲县第二支部" in table and "乙县第一支部" not in table
    # The counts on the page equal the dashboard's cells.
    data = selectors.progress(
        user=Operator(), campaign=running, org=tree["county_a"], on=timezone.localdate()
    )
    fig = next(a.figure for a in data["actions"] if a.action.pk == study.pk)
    assert f"共 {fig.not_met} 项次" in not_met
    # Depth: only the branches two levels below the county.
    by_depth = _html(client, f"{base}?org={tree['county_a'].pk}&action={study.pk}&status=all&depth=2")
    assert "甲县第二支部" in by_depth and "甲县机关总支</td>" not in by_depth
    # Scoped: a county office cannot read the other county.
    client.force_login(make_user(Role.ORG_ADMIN, tree["county_a"], username="a1"))
    assert client.get(f"{base}?org={tree['branch_b1'].pk}&status=met").status_code == 404
    html = _html(client, f"{base}?status=all")
    assert "乙县" not in html.split('id="lagging-table"')[1]


def test_uniform_finds_word_for_word_copies(client, tree, running):
    today = timezone.localdate()
    monday = monday_of(today)
    weekly_units_set(campaign=running, orgs=[tree["county_a"], tree["general"], tree["county_b"]], actor=None)
    items = [ItemInput("组织党员集中学习党章，交流研讨", "书记", monday)]
    weekly_plan_file(campaign=running, org=tree["county_a"], week_start=monday, items=items, actor=None)
    copied = [ItemInput(" 组织党员集中学习党章 交流研讨。", "委员", monday)]  # spacing and punctuation differ
    weekly_plan_file(campaign=running, org=tree["general"], week_start=monday, items=copied, actor=None)
    own = [ItemInput("乙县结合实际开展集中学习", "书记", monday)]
    weekly_plan_file(campaign=running, org=tree["county_b"], week_start=monday, items=own, actor=None)
    plans = oversight.copied_plans(user=Operator(), campaign=running, org=tree["city"], week_start=monday)
    assert [(c.org.name, c.above.name) for c in plans] == [("甲县机关总支", "甲县委")]
    # A record copied from the org directly above.
    above = record(tree["general"], today, K.GROUP_STUDY)
    above.topic, above.content = "学习贯彻主题教育精神", "原原本本学习党章。"
    above.save()
    below = record(tree["second"], today, K.GROUP_STUDY)
    below.topic, below.content = "学习贯彻 主题教育精神", "原原本本学习党章"
    below.save()
    records = oversight.copied_records(user=Operator(), campaign=running, org=tree["city"], on=today)
    assert [(c.org.name, c.above.name) for c in records] == [("甲县第二支部", "甲县机关总支")]
    client.force_login(make_user(Role.ORG_ADMIN, tree["city"], username="c1"))
    html = _html(client, reverse("campaigns:dashboard", args=[running.pk]))
    assert re.search(r"data-copied-plans>1<", html) and re.search(r"data-copied-records>1<", html)
    page = _html(client, reverse("campaigns:uniform", args=[running.pk]))
    assert (
        "甲县机关总支" in page.split('id="copied-plans"')[1]
        and "甲县第二支部" in page.split('id="copied-records"')[1]
    )


def test_idle_units_and_deadlines_soon(client, tree, running):
    on = timezone.localdate()
    idle = oversight.idle_units(user=Operator(), campaign=running, org=tree["city"], on=on)
    names = [o.name for o in idle]
    assert "甲县第二支部" in names and "甲县第一支部" not in names  # the latter studied today
    client.force_login(make_user(Role.ORG_ADMIN, tree["county_a"], username="a1"))
    html = _html(client, reverse("campaigns:idle", args=[running.pk]))
    assert "甲县第二支部" in html and "乙县" not in html
    # The 专题组织生活会 is due at the batch's end: in the next 7 days only near it.
    end = running.batches.get().ends_on
    assert not any(a.code == "ORG-LIFE-MEETING" for a, _ in selectors.deadlines_soon(campaign=running, on=on))
    soon = selectors.deadlines_soon(campaign=running, on=end - dt.timedelta(days=3))
    assert ("ORG-LIFE-MEETING", end) in [(a.code, due) for a, due in soon]


def test_burden_of_the_month(client, tree, running):
    on = timezone.localdate()
    weekly_units_set(campaign=running, orgs=[tree["county_a"]], actor=None)
    weekly_plan_file(campaign=running, org=tree["county_a"], week_start=monday_of(on),
                     items=[ItemInput("组织集中学习", "书记", monday_of(on))], actor=None)  # fmt: skip
    secretary = make_user(Role.BRANCH_SECRETARY, tree["branch_a1"], username="s1")
    data = oversight.burden(user=secretary, campaign=running, org=tree["branch_a1"], on=on)
    own = data["own"]
    start, end = oversight.month_of(on)
    expected = ComplianceResult.objects.filter(
        org=tree["branch_a1"],
        requirement_id__in=[r.requirement_id for r in selectors._campaign_rules(running)],
        period_start__lte=end,
        period_end__gte=start,
    ).count()
    assert own.actions == expected > 0
    assert own.records == 1 and own.forms == 0 and own.plans_asked == 0
    office = make_user(Role.ORG_ADMIN, tree["city"], username="c1")
    data = oversight.burden(user=office, campaign=running, org=tree["city"], on=on)
    levels = {b.label: b for b in data["levels"]}
    assert levels["下一级"].plans_asked == data["weeks"] and levels["下一级"].plans_filed == 1
    assert (
        levels["下三级"].records == 1 and levels["下三级"].orgs == 2
    )  # 甲县第一支部 today; two 甲县 branches
    assert sum(b.actions for b in data["levels"]) >= expected
    client.force_login(office)
    html = _html(client, reverse("campaigns:burden", args=[running.pk]))
    assert "按层级汇总" in html and "另行填报的表格 <strong data-forms>0</strong>" in html


@pytest.fixture
def judged(tree, request):
    """``running`` with both counties 领导班子: an approved-case ledger action met by 甲县委, a
    manual action confirmed for 乙县委, and 宣传报道."""
    lead_counties(tree)
    campaign = request.getfixturevalue("running")
    judge_outside(tree, campaign)
    return campaign


def test_ledger_and_confirmed_cells_join_every_figure(tree, judged):
    on = timezone.localdate()
    user = Operator()
    data = selectors.progress(user=user, campaign=judged, org=tree["city"], on=on, with_units=True)
    outside = Counter(c.status for c in data["outside"])
    assert outside[Status.MET] == 2  # 甲县委's cases, 乙县委's confirmation
    ref = _direct(judged, tree["city"], on) + outside
    fig = data["overall"]
    assert (fig.met, fig.not_met, fig.not_due) == (ref[Status.MET], ref[Status.NOT_MET], ref[Status.NOT_DUE])
    by_code = {a.action.code: a.figure for a in data["actions"]}
    assert (by_code["TYPICAL-CASES"].applicable, by_code["TYPICAL-CASES"].met) == (2, 1)
    assert (by_code["RESEARCH-TOPIC"].applicable, by_code["RESEARCH-TOPIC"].met) == (2, 1)
    # The counties are one level down, and each is its own unit.
    depth_one = dict(data["depths"])[1]
    assert depth_one.applicable == _direct_at(judged, tree["city"], on, 1) + sum(outside.values())
    units = {u.org.pk: u for u in data["units"]}
    cases = judged.actions.get(code="TYPICAL-CASES")
    research = judged.actions.get(code="RESEARCH-TOPIC")
    assert units[tree["county_a"].pk].actions[cases.pk].met == 1
    assert units[tree["county_b"].pk].actions[research.pk].met == 1
    for u in data["units"]:
        unit_ref = _direct(judged, u.org, on) + Counter(
            c.status for c in data["outside"] if c.org.path.startswith(u.org.path)
        )
        assert (u.overall.met, u.overall.not_met, u.overall.not_due) == (
            unit_ref[Status.MET], unit_ref[Status.NOT_MET], unit_ref[Status.NOT_DUE],
        )  # fmt: skip
    # Per phase and per depth × phase add up to the overall.
    assert sum(f.applicable for _name, f in data["phases"]) == fig.applicable
    assert sum(f.applicable for figs in data["depth_phases"].values() for f in figs) == fig.applicable
    # The county's own reading and the API agree.
    county = selectors.progress(user=user, campaign=judged, org=tree["county_a"], on=on)
    assert {a.action.code: a.figure.met for a in county["actions"]}["TYPICAL-CASES"] == 1


def _direct_at(campaign, org, on, rel) -> int:
    """Engine cells ``rel`` levels below ``org``."""
    rule_ids = [r.requirement_id for r in selectors._campaign_rules(campaign)]
    return sum(
        1
        for path, status in ComplianceResult.objects.filter(
            requirement_id__in=rule_ids, period_start__lte=on, org_path__startswith=org.path
        ).values_list("org_path", "status")
        if status != Status.NO_RECORDS and len(path) == len(org.path) + rel * selectors.STEPLEN
    )


def test_ledger_and_manual_actions_drill_to_their_cells(client, tree, judged):
    """The figures of an action counted from a ledger or confirmed by hand link to the
    confirmations page filtered to those cells (the engine's list would be empty)."""
    client.force_login(make_user(Role.ORG_ADMIN, tree["city"], username="c1"))
    on = timezone.localdate().isoformat()
    html = _html(client, reverse("campaigns:dashboard", args=[judged.pk]) + f"?org={tree['city'].pk}&on={on}")
    confirmations = reverse("campaigns:confirmations", args=[judged.pk])
    lagging = reverse("campaigns:lagging", args=[judged.pk])
    table = html.split('id="actions-table"')[1].split("</table>")[0]
    rows = {re.search(r'cell-title">([^<]+)<', tr).group(1): tr for tr in table.split("<tr>")[2:]}
    for action in judged.actions.all():
        hrefs = [h.replace("&amp;", "&") for h in re.findall(r'href="([^"]+)"', rows[action.name])]
        assert len(hrefs) == 4, action.code
        for href in hrefs:
            assert f"action={action.pk}&" in href
            expected = confirmations if action.manual or action.ledger else lagging
            assert href.startswith(expected + "?"), (action.code, href)
    # Per unit: the cells of 甲县委's row for the case action.
    cases = judged.actions.get(code="TYPICAL-CASES")
    units = html.split('id="units-table"')[1].split("</table>")[0].replace("&amp;", "&")
    assert f"{confirmations}?org={tree['county_a'].pk}&on={on}&action={cases.pk}&status=all" in units
    # Following the links: met → 甲县委 (approved cases), not yet due → 乙县委; 全部 → both.
    base = f"{confirmations}?org={tree['city'].pk}&on={on}&action={cases.pk}"

    def listed(status):
        page = _html(client, f"{base}&status={status}")
        return page.split('id="confirmations-table"')[1].split("</table>")[0]

    assert "甲县委" in listed("met") and "乙县委" not in listed("met")
    assert "乙县委" in listed("not_due") and "甲县委" not in listed("not_due")
    assert "甲县委" in listed("all") and "乙县委" in listed("all")
    # The overall 完成 list (mixed) shows the engine's results and these cells.
    page = _html(client, f"{lagging}?org={tree['city'].pk}&on={on}&status=met")
    outside = page.split('id="outside-table"')[1].split("</table>")[0]
    assert "甲县委" in outside and "正反面典型案例各 1 个" in outside and "乙县委" in outside
    overall_met = re.search(r"data-met>(\d+)<", html).group(1)
    assert f"共 {overall_met} 项次" in page
    # 7 天内到期: the case action's deadline, linked to its open cells.
    due = next(
        a.deadline
        for a in selectors.progress(
            user=Operator(), campaign=judged, org=tree["city"], on=timezone.localdate()
        )["actions"]
        if a.action.pk == cases.pk
    )
    day = (due - dt.timedelta(days=2)).isoformat()
    page = _html(
        client, reverse("campaigns:dashboard", args=[judged.pk]) + f"?org={tree['city'].pk}&on={day}"
    )
    soon = page.split('id="soon-table"')[1].split("</table>")[0].replace("&amp;", "&")
    assert f"{confirmations}?org={tree['city'].pk}&on={day}&action={cases.pk}&status=not_due" in soon
    # 宣传报道: the line counts central and provincial reports, and all levels.
    line = html.split('id="publicity-line"')[1].split("</span>")[0]
    assert "<strong>2</strong>" in line and "各级共 3 条次" in line


def _counts_shown(client, campaign) -> tuple[int, int]:
    html = _html(client, reverse("campaigns:dashboard", args=[campaign.pk]))
    plans = re.search(r"data-copied-plans>(\d+)<", html).group(1)
    idle = re.search(r"data-idle-count>(\d+)<", html).group(1)
    return int(plans), int(idle)


def test_oversight_figures_are_stored_once_and_follow_changes(client, tree, running):
    """The slower counts are computed once and stored for every server process; a weekly plan
    marks them out of date, and they are recomputed once the stored row is older than the
    refresh interval (never while the data has not changed)."""
    today = timezone.localdate()
    monday = monday_of(today)
    client.force_login(make_user(Role.ORG_ADMIN, tree["city"], username="c1"))
    version = Campaign.objects.get(pk=running.pk).figures_version  # moved by the start's rules
    plans, idle = _counts_shown(client, running)
    assert (
        plans == 0
        and idle
        == oversight.idle_units(user=Operator(), campaign=running, org=tree["city"], on=today).count()
    )
    stored = OversightFigures.objects.get(campaign=running, org=tree["city"], on=today)
    assert stored.subtree and stored.version == version
    assert stored.data["idle_count"] == idle

    # Unchanged data: an hour-old row of the current version is still served as it is.
    OversightFigures.objects.filter(pk=stored.pk).update(
        computed_at=timezone.now() - dt.timedelta(seconds=oversight.MAX_AGE_SECONDS - 60),
        data={**stored.data, "idle_count": 12345},
    )
    assert _counts_shown(client, running)[1] == 12345

    # A copied plan: the campaign's figures version moves; shown once the row is older than
    # the refresh interval.
    weekly_units_set(campaign=running, orgs=[tree["county_a"], tree["general"]], actor=None)
    items = [ItemInput("组织党员集中学习党章", "书记", monday)]
    weekly_plan_file(campaign=running, org=tree["county_a"], week_start=monday, items=items, actor=None)
    weekly_plan_file(campaign=running, org=tree["general"], week_start=monday, items=items, actor=None)
    assert Campaign.objects.get(pk=running.pk).figures_version == version + 3  # units, two plans
    assert _counts_shown(client, running) == (1, idle)
    assert OversightFigures.objects.get(pk=stored.pk).version == version + 3

    # A stored row of another version, younger than the interval, is shown as it is.
    OversightFigures.objects.filter(pk=stored.pk).update(data={**stored.data, "copied_plans": 7})
    Campaign.objects.filter(pk=running.pk).update(figures_version=version + 4)
    assert _counts_shown(client, running)[0] == 7


def test_records_announce_changes_to_the_campaigns_above(tree, running):
    """A recorded activity (the ``activities_changed`` event) marks the campaigns whose subtree
    holds its org, not the others."""
    from dangjian.core import events

    assert figures.on_activities_changed in events._subscribers["activities_changed"]
    other = make_org(None, name="另一市委")
    with TestCase.captureOnCommitCallbacks(execute=True):
        elsewhere = campaign_start(template="xjp-thought-2023", root=other)
    versions = dict(Campaign.objects.values_list("pk", "figures_version"))
    figures.on_activities_changed(changes={tree["second"].pk: [timezone.localdate()]})
    assert Campaign.objects.get(pk=running.pk).figures_version == versions[running.pk] + 1
    assert Campaign.objects.get(pk=elsewhere.pk).figures_version == versions[elsewhere.pk]
    figures.on_org_tree_changed(org_ids=[tree["second"].pk])
    assert Campaign.objects.get(pk=elsewhere.pk).figures_version == versions[elsewhere.pk] + 1


def test_dashboard_links_are_the_campaign_pages(client, tree, running):
    """The dashboard writes its links from its own URL: each is the page's reversed URL."""
    client.force_login(make_user(Role.ORG_ADMIN, tree["city"], username="c1"))
    html = _html(client, reverse("campaigns:dashboard", args=[running.pk]))
    hrefs = {h.split("?")[0] for h in re.findall(r'href="([^"]+)"', html)}
    batch = running.batches.get()
    for name in (
        "lagging",
        "todo",
        "idle",
        "uniform",
        "burden",
        "weekly",
        "publicity",
        "confirmations",
        "materials",
    ):
        assert reverse(f"campaigns:{name}", args=[running.pk]) in hrefs, name
    assert reverse("campaigns:batch_edit", args=[running.pk, batch.pk]) in hrefs
