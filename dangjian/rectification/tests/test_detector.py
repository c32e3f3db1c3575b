"""The detector's integration: what is stored per item, refreshed on edit, compared across orgs."""

from __future__ import annotations

import pytest
from django.urls import reverse

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
    assert "near_duplicate" not in _codes(same_org)  # one org's own list is not 上下一般粗
    below = make_problem(tree["branch_a1"], description=COPIED)
    row = ItemWarning.objects.get(problem=below, code="near_duplicate")
    assert "甲县委" in row.detail
    other = make_problem(tree["branch_b1"], description="乙县第一支部2025年党费收缴台账缺3个月")
    assert "near_duplicate" not in _codes(other)
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
    pairs = client.get(reverse("rectification:duplicates")).context["pairs"]
    assert [{p.a.pk, p.b.pk} for p in pairs] == [{a.pk, b.pk}]
    client.force_login(make_user(Role.SYSTEM_ADMIN, None, username="dup_sys"))
    assert len(client.get(reverse("rectification:duplicates")).context["pairs"]) == 3


def test_warnings_are_shown_on_the_problem_page(client, tree):
    problem = make_problem(tree["branch_a1"], description="理论学习不够深入")
    client.force_login(make_user(Role.SUPERVISOR, tree["county_a"], username="w_sup"))
    html = client.get(reverse("rectification:detail", args=[problem.pk])).content.decode()
    assert 'data-warning="generic"' in html and "表述一般化" in html
