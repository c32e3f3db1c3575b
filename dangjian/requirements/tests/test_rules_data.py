"""The shipped rules, checked against the regulations they cite."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from dangjian.activities.models import ActivityKind as K
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.tests.factories import make_org
from dangjian.requirements import engine
from dangjian.requirements.loader import default_files, parse_files
from dangjian.requirements.models import Requirement, Status

from .factories import last_period, load_shipped, record, result

D = dt.date

# Words that say a citation is doubtful. Doubt belongs in the YAML comments, never in what
# users read (name, citation, note).
DOUBT = ("二手", "待核实", "核实", "待查", "存疑", "不确定", "sec.", "to verify", "unverified")
ARTICLE = re.compile(r"第[一二三四五六七八九十百]+条")


def _shipped():
    return [(pf, r) for pf in parse_files(default_files()) for r in pf.spec.requirements]


def test_no_user_visible_field_of_a_shipped_rule_voices_doubt():
    for pf, r in _shipped():
        for label, text in (
            ("依据", pf.spec.source.title),
            ("名称", r.name),
            ("条款", r.article),
            ("说明", r.note),
        ):
            found = [w for w in DOUBT if w in text]
            assert not found, f"{pf.path.name} {r.code} {label}：{text}"


def test_every_article_is_a_checked_article_or_marked_local():
    for pf, r in _shipped():
        article = r.article
        ok = article == "" or "地方规定" in article or ARTICLE.fullmatch(article.split("；")[0])
        assert ok, f"{pf.path.name} {r.code} 条款：{article!r}"
        # A local frequency written next to an article says so.
        if "；" in article:
            assert "地方规定" in article, f"{pf.path.name} {r.code} 条款：{article!r}"


@pytest.fixture
def orgs(db):
    load_shipped()
    city = make_org(name="市委", kind=OrgKind.COMMITTEE, leadership_team=True)
    county = make_org(city, name="县委", kind=OrgKind.COMMITTEE)
    general = make_org(county, name="机关总支", kind=OrgKind.GENERAL_BRANCH)
    engine.recompute_all()
    return {"city": city, "county": county, "general": general}


def test_central_group_study_is_monthly_during_the_campaign_only(orgs):
    rule = engine.Rule.of(Requirement.objects.get(code="ZXZ-MONTHLY-STUDY"))
    keys = [s.key for s in rule.spans(D(2023, 1, 1), D(2024, 12, 31))]
    assert keys == ["2023-09", "2023-10", "2023-11", "2023-12", "2024-01"]
    # Outside the campaign nothing is judged, for the leadership team either.
    assert result("ZXZ-MONTHLY-STUDY", orgs["city"], last_period("month").key) is None
    assert rule.leadership_team is True
    assert OrgKind.COMMITTEE in rule.org_kinds and OrgKind.LEADING_GROUP in rule.org_kinds


def test_democratic_life_meeting_is_yearly_for_leadership_teams(orgs):
    city, county = orgs["city"], orgs["county"]
    year = last_period("year")
    cell = result("MSH-ANNUAL", city, year.key)
    assert cell is not None and cell.status == Status.NOT_MET
    assert result("MSH-ANNUAL", county, year.key) is None  # not a 县以上领导班子
    record(city, year.start + dt.timedelta(days=40), K.DEMOCRATIC_LIFE_MEETING)
    assert result("MSH-ANNUAL", city, year.key).status == Status.MET
    req = Requirement.objects.get(code="MSH-ANNUAL")
    assert (req.period, req.times, req.source_title) == (
        "year",
        1,
        "县以上党和国家机关党员领导干部民主生活会若干规定",
    )


def test_secretary_lecture_is_a_duty_of_the_committee_secretary(orgs):
    # 支部工作条例 第十六条: 党委（党组）书记 each year; a 党总支 is not a 党委.
    year = last_period("year")
    assert result("JY-SECRETARY-LECTURE", orgs["county"], year.key) is not None
    assert result("JY-SECRETARY-LECTURE", orgs["general"], year.key) is None
    req = Requirement.objects.get(code="JY-SECRETARY-LECTURE")
    assert (req.source_title, req.article) == ("中国共产党支部工作条例（试行）", "第十六条")
