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


def test_skipping_partial_alignment_never_changes_a_score_that_reaches_the_cutoff():
    from itertools import combinations

    from dangjian.textcheck.checks import DUPLICATE_THRESHOLD, _canonical, _score
    from dangjian.textcheck.evaluation import load_pairs

    texts = sorted({text for pair in load_pairs() for text in (pair.a, pair.b)})
    # copies with a clause added before or after, and cut at either end
    texts += ["结合实际，" + texts[0], texts[1] + "，确保取得实效", texts[2][2:], texts[3][:-2]]
    reached = 0
    for a, b in combinations([_canonical(t) for t in texts], 2):
        full = _score(a, b)
        pruned = _score(a, b, DUPLICATE_THRESHOLD)
        assert pruned <= full
        if full >= DUPLICATE_THRESHOLD:
            reached += 1
            assert pruned == full, (a, b)
    assert reached >= 80


def test_index_over_many_similar_stock_lines_matches_comparing_all_pairs(monkeypatch):
    """Stock lines share most bigrams: the LSH proposes many candidates and the vectorised
    prefilter drops most of them; what is left must be exactly the all-pairs answer."""
    from itertools import combinations, product

    from dangjian.textcheck.checks import DUPLICATE_THRESHOLD, _canonical, _score

    subjects = ["部分党员", "个别党员", "少数干部", "支部委员"]
    issues = ["理论学习不够深入", "宗旨意识淡化", "担当作为不够", "服务群众意识不强", "纪律规矩意识不强"]
    tails = ["", "，有待进一步加强", "，存在应付心态", "，效果不够明显"]
    lines = [s + i + t for s, i, t in product(subjects, issues, tails)]
    lines += [s + i + "，" + j for s, i, j in product(subjects, issues, issues) if i != j]
    calls = []
    original = DuplicateIndex._prefilter

    def spy(self, masked, candidates):
        calls.append(len(candidates))
        return original(self, masked, candidates)

    monkeypatch.setattr(DuplicateIndex, "_prefilter", spy)
    index = DuplicateIndex()
    for key, text in enumerate(lines):
        index.add(key, text, group=key)
    canon = [_canonical(text) for text in lines]
    brute = {
        (i, j)
        for i, j in combinations(range(len(lines)), 2)
        if _score(canon[i], canon[j]) >= DUPLICATE_THRESHOLD
    }
    found = {(min(a, b), max(a, b)) for a, b, _ in index.duplicate_pairs()}
    assert calls, "the vectorised prefilter did not run"
    assert len(brute) > 100
    assert found == brute


def test_index_entries_share_masked_text_and_neighbours_go_both_ways():
    from dangjian.textcheck.checks import DuplicateIndex

    index = DuplicateIndex()
    index.add(1, "三会一课记录不规范，会议记录内容过于简单，缺少讨论发言", group="a")
    index.add(2, "三会一课记录不规范，会议记录内容过于简单，缺少讨论发言", group="b")
    index.add(3, "三会一课记录不规范，会议记录内容过于简单，缺少讨论发言。结合实际", group="c")
    entries = dict(index.entries())
    assert sorted(len(keys) for keys in entries.values()) == [1, 2]
    first, second = sorted(entries)
    assert [e for e, _ in index.neighbours(second)] == [first]
    assert [e for e, _ in index.neighbours(first)] == [second]
