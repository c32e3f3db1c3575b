"""Behaviour of the text checks and the near-duplicate index on hand-picked lines."""

from __future__ import annotations

import pytest

from dangjian.textcheck.checks import (
    CODES,
    LABELS,
    DuplicateIndex,
    is_near_duplicate,
    similarity,
    text_warnings,
)


def test_every_code_has_a_chinese_label():
    assert set(LABELS) == set(CODES)
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in label) for label in LABELS.values())


def test_stock_problem_is_generic_and_named_problem_is_not():
    assert text_warnings("部分党员理论学习不够深入", "problem") == ["generic"]
    assert text_warnings("丹山社区3名流动党员连续6个月未参加组织生活", "problem") == []


def test_target_without_number_date_or_object_is_unquantified():
    assert "unquantified" in text_warnings("党员教育管理水平明显提升", "target")
    assert text_warnings("6月底前修订《村级财务管理制度》并在村务公开栏公示", "target") == []


def test_measure_that_reverses_its_problem_restates_it():
    assert "restates_problem" in text_warnings("深入学习", "measure", problem_text="学习不深入")
    assert "restates_problem" not in text_warnings(
        "每月第一周开展1次集中学习，由支部书记领学", "measure", problem_text="学习不深入"
    )


def test_unknown_kind_is_refused_in_chinese():
    with pytest.raises(ValueError, match="未知的类型"):
        text_warnings("x", "plan")  # type: ignore[arg-type]  # wrong on purpose


def test_place_swap_is_a_copy_but_different_figures_are_not():
    assert is_near_duplicate("全县部分党员干部理论学习不深入", "全镇部分党员干部理论学习不深入")[0]
    assert is_near_duplicate("光明村党员理论学习不深入", "新兴村党员理论学习不深入")[0]
    assert not is_near_duplicate("光明村3名党员未按时交纳党费", "光明村5名党员未按时交纳党费")[0]
    assert 0.0 <= similarity("", "abc") <= 1.0


def test_index_finds_copies_from_other_groups_only():
    index = DuplicateIndex()
    index.add(1, "光明村党员理论学习不深入", group="光明村")
    index.add(2, "新兴村党员理论学习不深入", group="新兴村")
    index.add(3, "新兴村村务公开栏2024年第三季度未更新", group="新兴村")
    keys = [key for key, _ in index.candidates("红旗村党员理论学习不深入", exclude_group="新兴村")]
    assert keys == [1]
    assert [(a, b) for a, b, _ in index.duplicate_pairs()] == [(1, 2)]
