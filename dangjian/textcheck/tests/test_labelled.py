"""The checks against the hand-labelled set: held-out precision and recall must not fall.

The figures below are the ones reported in the README (section 形式主义提示), measured with
``python -m dangjian.textcheck.evaluation``. The thresholds were chosen on the tuning part only.
"""

from __future__ import annotations

from collections import Counter
from itertools import combinations

import pytest

from dangjian.textcheck import checks
from dangjian.textcheck.evaluation import TEXT_CHECKS, load_lines, load_pairs, report

# (precision, recall) on the held-out part, as reported in the README.
REPORTED_HELD_OUT = {
    "unquantified": (1.00, 1.00),
    "generic": (0.98, 0.96),
    "restates_problem": (1.00, 1.00),
    "near_duplicate": (0.98, 0.93),
}
MARGIN = 0.03


def test_labelled_set_is_big_enough_and_well_formed():
    lines, pairs = load_lines(), load_pairs()
    assert len(lines) >= 300
    assert len(pairs) >= 200
    assert {line.kind for line in lines} == set(checks.KINDS)
    assert all(line.expected <= set(TEXT_CHECKS) for line in lines)
    assert all(line.problem_text for line in lines if "restates_problem" in line.expected)
    categories = Counter(pair.category for pair in pairs if not pair.near_duplicate)
    # hard negatives: the same template with other figures, dates, documents or people
    assert categories["count"] + categories["date"] + categories["doc"] + categories["person"] >= 40
    assert sum(pair.near_duplicate for pair in pairs) >= 80
    held_lines = [line for line in lines if line.held_out]
    held_pairs = [pair for pair in pairs if pair.held_out]
    assert 0.2 < len(held_lines) / len(lines) < 0.45
    assert 0.2 < len(held_pairs) / len(pairs) < 0.55


@pytest.mark.parametrize("code", [*TEXT_CHECKS, "near_duplicate"])
def test_held_out_precision_and_recall_stay_at_reported_level(code):
    score = report()["held_out"][code]
    precision, recall = REPORTED_HELD_OUT[code]
    assert score.tp + score.fn >= 9, "too few positives to measure"
    assert score.precision >= precision - MARGIN, str(score)
    assert score.recall >= recall - MARGIN, str(score)


def test_index_finds_every_pair_that_comparing_all_pairs_finds():
    texts = sorted({text for pair in load_pairs() for text in (pair.a, pair.b)})
    index = checks.DuplicateIndex()
    for number, text in enumerate(texts):
        index.add(number, text, group=number)
    brute = {
        (i, j) for (i, a), (j, b) in combinations(enumerate(texts), 2) if checks.is_near_duplicate(a, b)[0]
    }
    found = {(min(a, b), max(a, b)) for a, b, _ in index.duplicate_pairs()}
    assert len(brute) >= 60
    assert found == brute


def test_candidates_agree_with_pairwise_scores():
    pairs = [pair for pair in load_pairs() if pair.near_duplicate]
    index = checks.DuplicateIndex()
    for number, pair in enumerate(pairs):
        index.add(number, pair.a, group=f"org-{number}")
    hits = 0
    for number, pair in enumerate(pairs):
        found = dict(index.candidates(pair.b, exclude_group="none"))
        duplicate, score = checks.is_near_duplicate(pair.a, pair.b)
        assert (number in found) == duplicate
        if duplicate:
            hits += 1
            assert found[number] == score
        assert list(found.values()) == sorted(found.values(), reverse=True)
    assert hits >= 70
