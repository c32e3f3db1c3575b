"""The detector's integration: what is stored per item, refreshed on edit, compared across orgs."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.tests.factories import make_user
from dangjian.core.permissions import Role
from dangjian.orgs.tests.factories import sample_tree
from dangjian.rectification import detector, services
from dangjian.rectification.models import ItemWarning
from dangjian.rectification.tests.factories import make_problem

pytestmark = pytest.mark.django_db
COPIED = "三会一课记录不规范，会议记录内容过于简单，缺少讨论发言"


@pytest.fixture
def tree():
    return sample_tree()


def _codes(problem, **kw):
    return sorted(ItemWarning.objects.filter(problem=problem, **kw).values_list("code", flat=True))


def test_generic_problem_and_measure_are_flagged_and_specific_ones_not(tree):
    generic = make_problem(
        tree["branch_a1"],
        description="理论学习不够深入，学用结合不够紧密",
        target="",
        measures=[{"text": "进一步加强理论学习", "owner": "", "due_on": None}],
    )
    assert _codes(generic, field="problem") == ["generic"]
    assert _codes(generic, field="target") == ["unquantified"]
    assert _codes(generic, field="measure") == [
        "generic",
        "no_owner_or_date",
        "restates_problem",
        "unquantified",
    ]
    specific = make_problem(tree["branch_b1"])
    assert _codes(specific) == []


def test_edit_refreshes_the_warnings(tree):
    problem = make_problem(tree["branch_a1"], description="理论学习不够深入")
    assert "generic" in _codes(problem, field="problem")
    services.problem_update(
        problem=problem, actor=None, data={"description": "第一支部2025年中心组学习12次中有5次只读文件未研讨"}
    )
    assert "generic" not in _codes(problem, field="problem")


def test_copied_problem_of_another_org_is_a_near_duplicate(tree):
    first = make_problem(tree["county_a"], description=COPIED)
    same_org = make_problem(tree["county_a"], description=COPIED)
    assert "near_duplicate" not in _codes(same_org, field="problem")  # one org's own list is not 上下一般粗
    below = make_problem(tree["branch_a1"], description=COPIED)
    row = ItemWarning.objects.get(problem=below, field="problem", code="near_duplicate")
    assert "甲县委" in row.detail
    other = make_problem(tree["branch_b1"], description="乙县第一支部2025年党费收缴台账缺3个月")
    assert "near_duplicate" not in _codes(other, field="problem")
    # the factory's measure is the same in every org: flagged on the measures, not the problem
    assert "near_duplicate" in _codes(other, field="measure")
    assert "near_duplicate" not in _codes(first)  # only the later copy is flagged on save


def test_candidates_are_rechecked_against_current_text(tree):
    make_problem(tree["county_a"], description=COPIED)
    original = make_problem(tree["branch_b1"], description=COPIED)
    services.problem_update(
        problem=original, actor=None, data={"description": "乙县第一支部2025年党费收缴台账缺3个月"}
    )
    late = make_problem(tree["branch_a1"], description="乙县第一支部2025年党费收缴台账缺3个月，原因未查明")
    # the index still holds the old text under the edited problem's id; the answer follows the row now
    assert [p.pk for p, _ in detector.near_duplicates(late)] == [original.pk]


def test_duplicate_report_is_scoped(client, tree):
    a = make_problem(tree["branch_a1"], description=COPIED)
    b = make_problem(tree["group_a1"], description=COPIED)
    make_problem(tree["branch_b1"], description=COPIED)
    client.force_login(make_user(Role.SUPERVISOR, tree["county_a"], username="dup_sup"))
    response = client.get(reverse("rectification:duplicates"))
    summary = response.context["summary"]
    assert summary.pairs == 1 and summary.unit_pairs == 1
    html = response.content.decode()
    assert tree["branch_a1"].name in html and tree["group_a1"].name in html
    assert tree["branch_b1"].name not in html
    assert [{p.a.pk, p.b.pk} for unit in summary.rows for p in unit.examples] == [{a.pk, b.pk}]
    client.force_login(make_user(Role.SYSTEM_ADMIN, None, username="dup_sys"))
    summary = client.get(reverse("rectification:duplicates")).context["summary"]
    assert summary.pairs == 3 and summary.unit_pairs == 3


def test_warnings_are_shown_on_the_problem_page(client, tree):
    problem = make_problem(tree["branch_a1"], description="理论学习不够深入")
    client.force_login(make_user(Role.SUPERVISOR, tree["county_a"], username="w_sup"))
    html = client.get(reverse("rectification:detail", args=[problem.pk])).content.decode()
    assert 'data-warning="generic"' in html and "表述一般化" in html


def test_duplicate_summary_counts_unit_pairs_with_examples(tree):
    a = make_problem(tree["branch_a1"], description=COPIED)
    make_problem(tree["branch_a1"], description=COPIED + "。")
    b = make_problem(tree["branch_b1"], description=COPIED)
    summary = detector.duplicate_summary()
    assert summary.pairs == 2 and summary.unit_pairs == 1 and summary.wide == []
    (unit,) = summary.rows
    assert {unit.a.pk, unit.b.pk} == {tree["branch_a1"].pk, tree["branch_b1"].pk} and unit.pairs == 2
    assert {a.pk, b.pk} <= {pk for pair in unit.examples for pk in (pair.a.pk, pair.b.pk)}


def test_a_line_repeated_by_many_orgs_is_one_wide_row_not_every_unit_pair(tree, monkeypatch):
    monkeypatch.setattr(detector, "WIDE_ORGS", 2)
    for key in ("branch_a1", "group_a1", "branch_b1"):
        make_problem(tree[key], description=COPIED)
    summary = detector.duplicate_summary()
    assert summary.pairs == 3 and summary.unit_pairs == 0 and summary.rows == []
    assert [(line.orgs, line.problems) for line in summary.wide] == [(3, 3)] and summary.wide_lines == 1


def test_new_problem_check_stops_once_enough_duplicates_are_confirmed(tree, monkeypatch):
    monkeypatch.setattr(detector, "RECHECK_CHUNK", 1)
    for key in ("branch_a1", "group_a1", "branch_b1"):
        make_problem(tree[key], description=COPIED)
    new = make_problem(tree["county_a"], description=COPIED)
    assert len(detector.near_duplicates(new)) == 3
    assert len(detector.near_duplicates(new, limit=2)) == 2


def test_a_late_commit_inside_the_overlap_is_caught_up_by_the_sweep(tree, monkeypatch):
    import datetime as dt

    from dangjian.rectification.models import Problem

    late = make_problem(tree["branch_a1"], description=COPIED)
    index = detector.problem_index()
    index.catch_up()
    # a row committed after the last look, stamped a minute before it
    Problem.objects.filter(pk=late.pk).update(
        description="中河村借阅登记簿3月起未登记", updated_at=index.through - dt.timedelta(minutes=1)
    )
    index.catch_up()
    assert index.seen[late.pk][0] == COPIED  # between sweeps only newer rows are read
    monkeypatch.setattr(detector, "OVERLAP_SWEEP_SECONDS", 0)
    index.catch_up()
    assert index.seen[late.pk][0] == "中河村借阅登记簿3月起未登记"


def test_catch_up_rereads_texts_only_of_changed_rows(tree, monkeypatch):
    monkeypatch.setattr(detector, "OVERLAP_SWEEP_SECONDS", 0)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = make_problem(tree["branch_a1"], description=COPIED)
    make_problem(tree["branch_b1"], description="东风村党员活动室每周只开放2天")
    index = detector.problem_index()
    index.catch_up()
    with CaptureQueriesContext(connection) as nothing_changed:
        index.catch_up()
    assert not [q for q in nothing_changed.captured_queries if "description" in q["sql"]]
    services.problem_update(problem=first, actor=None, data={"description": "中河村借阅登记簿3月起未登记"})
    assert index.seen[first.pk][0] == "中河村借阅登记簿3月起未登记"  # the save caught up


def test_near_variants_of_two_widely_repeated_lines_are_counted(tree, monkeypatch):
    monkeypatch.setattr(detector, "WIDE_ORGS", 1)
    for key in ("branch_a1", "branch_b1"):
        make_problem(tree[key], description=COPIED)
    make_problem(tree["group_a1"], description=COPIED + "，有待进一步加强")
    make_problem(tree["county_a"], description=COPIED + "，有待进一步加强")
    summary = detector.duplicate_summary()
    # 1 pair inside each line, 2 × 2 between the variants (all four orgs differ)
    assert summary.wide_lines == 2 and summary.pairs == 1 + 1 + 4 and summary.rows == []


def test_prebuilt_index_answers_the_first_save_without_rereading_texts(tree, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr("django.db.connections.close_all", lambda: None)  # the test's own connection
    original = make_problem(tree["branch_a1"], description=COPIED)
    detector.reset_index()
    detector.prebuild_index()
    assert detector.problem_index().seen[original.pk][0] == COPIED
    with CaptureQueriesContext(connection) as first_check:
        detector.problem_index().candidates(COPIED, org_path=tree["branch_b1"].path)
    assert not [q for q in first_check.captured_queries if "description" in q["sql"]]


MEASURE = "每月由组织委员检查一次会议记录，发现记录不全的当月补齐"


def _measure_row(problem):
    return ItemWarning.objects.filter(problem=problem, field="measure", code="near_duplicate")


def test_a_measure_copied_from_another_org_is_a_near_duplicate(tree):
    own = [{"text": MEASURE, "owner": "王芳", "due_on": None}]
    above = make_problem(tree["county_a"], description="县委会议记录不全", measures=own)
    same_org = make_problem(tree["county_a"], description="县委党费台账不全", measures=own)
    assert not _measure_row(same_org).exists()  # one org's own measures are not 上下一般粗
    # copied from the level above with the place named: still the same measure
    below = make_problem(
        tree["branch_a1"],
        description="第一支部会议记录不全",
        measures=[{"text": "第一支部" + MEASURE, "owner": "李明", "due_on": None}],
    )
    (row,) = _measure_row(below)
    assert row.measure.problem == below and tree["county_a"].name in row.detail and "措施" in row.detail
    assert not _measure_row(above).exists()  # only the later copy is flagged on save
    # the same template with another cadence and object is not a copy
    other = make_problem(
        tree["branch_b1"],
        description="乙县第一支部会议记录不全",
        measures=[
            {"text": "每季度由纪检委员抽查3次支委会记录，发现不全的限期补齐", "owner": "赵强", "due_on": None}
        ],
    )
    assert not _measure_row(other).exists()


def test_an_added_measure_is_checked_against_other_orgs_measures(tree):
    make_problem(tree["county_a"], measures=[{"text": MEASURE, "owner": "王芳", "due_on": None}])
    problem = make_problem(tree["branch_b1"], measures=[])
    assert not _measure_row(problem).exists()
    services.measure_add(problem=problem, actor=None, text=MEASURE, owner="赵强")
    assert _measure_row(problem).count() == 1
    # a measure of a deleted problem is not reported
    detector.reset_index()
    from dangjian.rectification.models import Problem

    Problem.objects.filter(org=tree["county_a"]).update(deleted_at=timezone.now())
    services.measure_add(problem=problem, actor=None, text="由组织委员张贴值班表", owner="赵强")
    assert not _measure_row(problem).exists()


def test_measure_duplicate_report_is_scoped(client, tree):
    for key in ("branch_a1", "group_a1", "branch_b1"):
        make_problem(tree[key], description=f"{tree[key].name}会议记录不全", measures=[{"text": MEASURE}])
    client.force_login(make_user(Role.SUPERVISOR, tree["county_a"], username="mdup_sup"))
    response = client.get(reverse("rectification:duplicates"), {"kind": "measure"})
    summary = response.context["summary"]
    assert summary.kind == "measure" and summary.pairs == 1 and summary.unit_pairs == 1
    html = response.content.decode()
    assert MEASURE[:20] in html and tree["branch_b1"].name not in html
    client.force_login(make_user(Role.SYSTEM_ADMIN, None, username="mdup_sys"))
    assert client.get(reverse("rectification:duplicates"), {"kind": "measure"}).context["summary"].pairs == 3


def test_the_problem_keeps_one_bit_per_warning_code_for_the_list_filter(client, tree):
    from dangjian.rectification.models import WARNING_BITS, Problem

    weak = make_problem(tree["branch_a1"], description="理论学习不够深入", target="")
    fine = make_problem(
        tree["branch_b1"],
        description="乙县第一支部2025年党费收缴台账缺3个月",
        measures=[
            {"text": "3月底前由组织委员补齐3个月党费台账", "owner": "赵强", "due_on": timezone.localdate()}
        ],
    )
    codes = set(ItemWarning.objects.filter(problem=weak).values_list("code", flat=True))
    weak.refresh_from_db()
    assert weak.warning_mask == sum(WARNING_BITS[c] for c in codes) and {"generic", "unquantified"} <= codes
    fine.refresh_from_db()
    assert fine.warning_mask == 0
    client.force_login(make_user(Role.SYSTEM_ADMIN, None, username="mask_sys"))
    listed = {
        code: [p.pk for p in client.get(reverse("rectification:list"), {"warning": code}).context["page"]]
        for code in ("generic", "near_duplicate", "any")
    }
    assert listed == {"generic": [weak.pk], "near_duplicate": [], "any": [weak.pk]}
    # an edit that clears the warnings clears the bits (without touching the change time)
    before = Problem.objects.get(pk=weak.pk).updated_at
    services.problem_update(
        problem=weak, actor=None, data={"description": "第一支部2025年中心组学习12次中有5次只读文件未研讨"}
    )
    weak.refresh_from_db()
    assert not weak.warning_mask & WARNING_BITS["generic"] and weak.updated_at >= before
