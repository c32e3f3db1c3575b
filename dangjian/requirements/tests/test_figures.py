"""Dashboards that read right: the rate over judged cells only, colours that follow it, the
period each page covers named on it, names and citations instead of codes."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.tests.factories import make_user
from dangjian.activities.models import ActivityKind as K
from dangjian.core.permissions import Role
from dangjian.orgs.services import org_recount
from dangjian.orgs.tests.factories import make_member
from dangjian.requirements import engine, selectors
from dangjian.requirements.engine import span_of
from dangjian.requirements.models import Requirement
from dangjian.requirements.selectors import Tally

from .factories import last_period, load_shipped, record

CODE = re.compile(r"\b(?:ZB|JY|ZXZ|ZTJY23|MSH)-[A-Z0-9-]+\b")


@pytest.fixture
def data(tree):
    load_shipped()
    for _ in range(7):
        make_member(tree["branch_a1"], recount=False)
    make_member(tree["branch_b1"], recount=False)
    org_recount()
    today = timezone.localdate()
    # This month: 甲县第一支部 has held its 主题党日, 乙县第一支部 not yet (未到期).
    record(tree["branch_a1"], today, K.THEME_DAY, notify=False)
    last = last_period("month")
    record(tree["branch_a1"], last.start, K.THEME_DAY, K.COMMITTEE_MEETING, notify=False)
    engine.recompute_all()
    return {
        "today": today,
        "last": last,
        "city_user": make_user(Role.ORG_ADMIN, tree["city"]),
        "secretary": make_user(Role.BRANCH_SECRETARY, tree["branch_a1"]),
        **tree,
    }


def test_tally_rate_counts_judged_cells_only():
    # A quarter just begun: 1 met, 1 not met, 14 not yet due is 50 %, not 6 %.
    t = Tally(met=1, not_met=1, not_due=14)
    assert (t.judged, t.rate, t.applicable) == (2, 50.0, 16)
    assert Tally(not_due=5).rate is None
    # Any status other than 达标 / 未达标 (未到期, 无记录 …) stays out of the rate.
    t.add_status("no_record")
    t.add_status("not_due")
    assert (t.judged, t.rate) == (2, 50.0)


def test_current_month_rate_leaves_not_due_cells_out(client, data):
    client.force_login(data["city_user"])
    month = span_of("month", data["today"])
    response = client.get(reverse("compliance:dashboard"), {"period": month.key})
    theme = next(r for r in response.context["data"]["rows"] if r["rule"].code == "JY-THEME-DAY")
    assert (theme["tally"].met, theme["tally"].not_met, theme["tally"].not_due) == (1, 0, 1)
    assert theme["tally"].rate == 100.0
    api = client.get("/api/v1/compliance/rollup", {"period": month.key}).json()
    row = next(r for r in api["requirements"] if r["requirement"] == "JY-THEME-DAY")
    assert (row["judged"], row["not_due"], row["rate"]) == (1, 1, 100.0)


def test_chart_and_badges_colour_follows_the_rate(client, data):
    client.force_login(data["city_user"])
    response = client.get(reverse("compliance:dashboard"), {"period": data["last"].key})
    chart = response.context["data"]["chart"]
    assert len(chart["colors"]) == len(chart["rates"]) > 1
    for rate, colour in zip(chart["rates"], chart["colors"], strict=True):
        assert colour == selectors.rate_tone(rate)[1]
    assert selectors.rate_tone(95.0)[0] == "success"
    assert selectors.rate_tone(70.0)[0] == "warning"
    assert selectors.rate_tone(10.0)[0] == "danger"
    assert selectors.rate_tone(None)[0] == "secondary"
    html = response.content.decode()
    theme = next(r for r in response.context["data"]["rows"] if r["rule"].code == "JY-THEME-DAY")
    assert f'badge bg-{theme["tally"].tone}-lt" data-rate>{theme["tally"].rate}%' in html


def test_each_page_names_the_period_it_covers(client, data):
    client.force_login(data["secretary"])
    last, this = data["last"], span_of("month", data["today"])
    html = client.get(reverse("compliance:dashboard")).content.decode()
    assert f"<span data-period-label>{last.label}（最近完整月份）</span>" in html
    for name in ("compliance:drill", "compliance:lagging"):
        assert f"{last.label}（最近完整月份）" in client.get(reverse(name)).content.decode()
    html = client.get(reverse("compliance:todo")).content.decode()
    assert f"<span data-period-label>本期：{this.label}</span>" in html
    assert f"本期：{this.label}" in client.get("/").content.decode()
    # A chosen period is named as such.
    quarter = last_period("quarter")
    html = client.get(reverse("compliance:dashboard"), {"period": quarter.key}).content.decode()
    assert f"<span data-period-label>{quarter.label}</span>" in html


def test_users_see_names_and_citations_never_codes(client, data):
    client.force_login(data["city_user"])
    last = data["last"].key
    pages = [
        (reverse("compliance:dashboard"), {"period": last}),
        (reverse("compliance:drill"), {"period": last}),
        (reverse("compliance:lagging"), {"period": last}),
        (reverse("compliance:todo"), {"org": data["branch_a1"].pk}),
        (reverse("compliance:org", args=[data["branch_b1"].pk]), {}),
    ]
    for url, params in pages:
        html = client.get(url, params).content.decode()
        assert not CODE.findall(html), (url, CODE.findall(html)[:3])
    html = client.get(reverse("compliance:dashboard"), {"period": last}).content.decode()
    assert "《中国共产党支部工作条例（试行）》第十二条" in html and "支部委员会会议" in html
    lag = client.get("/api/v1/compliance/lagging", {"period": last}).json()["items"][0]
    req = Requirement.objects.get(code=lag["requirement"])
    assert lag["citation"] == f"《{req.source_title}》{req.article}" and lag["requirement_name"] == req.name
