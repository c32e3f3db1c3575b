"""The 形式主义 detector: text-only warnings and near-duplicate scoring.

Pure functions over strings; no models, no database. The ledgers call them when a problem, measure
or target is saved and when the office asks for the cross-unit duplicate report; ``manage.py
textcheck`` exposes the same functions as JSON Lines for other tools.

Warnings never block anything: they are hints a reviewer can filter on.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Hashable, Iterator
from functools import lru_cache
from typing import Literal

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from . import lexicon
from .features import Features, counts, features, normalise

Kind = Literal["problem", "measure", "target"]
KINDS: tuple[Kind, ...] = ("problem", "measure", "target")

CODES = ("unquantified", "generic", "restates_problem", "no_owner_or_date", "near_duplicate", "self_verified")
LABELS: dict[str, str] = {
    "unquantified": "目标没有量化",
    "generic": "表述一般化，放到哪个单位都一样",
    "restates_problem": "措施只是把问题反过来说",
    "no_owner_or_date": "措施没有责任人或完成时限",
    "near_duplicate": "与其他单位或上级的内容几乎相同",
    "self_verified": "销号无佐证，或佐证由验收人本人上传",
}

# Thresholds chosen on the tuning half of the labelled set (see README "形式主义提示").
GENERIC_MAX_OWN_SHARE = 0.40
RESTATE_MAX_NEW_SHARE = 0.34
DUPLICATE_THRESHOLD = 0.80
# A pair whose concrete figures, dates, documents or named people differ is two facts, not a copy.
SUBSTANCE_PENALTY = 0.75
# A shorter text found almost whole inside a longer one (a clause added to a copy) scores up to
# PARTIAL_WEIGHT, if it is at least PARTIAL_MIN_CHARS long and PARTIAL_MIN_LENGTH_SHARE of the other.
PARTIAL_WEIGHT = 0.9
PARTIAL_MIN_CHARS = 6
PARTIAL_MIN_LENGTH_SHARE = 0.45


def text_warnings(text: str, kind: Kind, *, problem_text: str | None = None) -> list[str]:
    """Codes (in ``CODES`` order) of the text-only checks that fire for ``text`` of ``kind``."""
    if kind not in KINDS:
        raise ValueError(f"未知的类型：{kind}")
    found = features(text)
    warnings = []
    if kind in ("target", "measure") and not found.quantified:
        warnings.append("unquantified")
    if kind in ("problem", "measure") and _is_generic(found):
        warnings.append("generic")
    if kind == "measure" and problem_text and restates(text, problem_text):
        warnings.append("restates_problem")
    return warnings


def _is_generic(found: Features) -> bool:
    return not found.concrete and found.own_share <= GENERIC_MAX_OWN_SHARE


def _strip_negation(word: str) -> str:
    for prefix in ("不够", "不", "未", "没有", "无", "缺乏", "缺少"):
        if word.startswith(prefix) and len(word) > len(prefix):
            return word[len(prefix) :]
    return word


_ACTION_PREFIXES = tuple(sorted((w for w in lexicon.STOCK_ACTIONS if len(w) == 2), key=len, reverse=True))


def restates(measure: str, problem: str) -> bool:
    """True when ``measure`` adds no figure and (almost) no word of its own that ``problem`` lacks."""
    m, p = features(measure), features(problem)
    if m.numbers or m.dates or m.cadences or m.documents or m.persons or m.deliverables:
        return False
    problem_words = {_strip_negation(w) for w in p.words} | set(p.words)
    problem_chars = set(normalise(problem))

    def in_problem(word: str) -> bool:
        if word in problem_words or set(word) <= problem_chars:
            return True
        return any(word.startswith(a) and set(word[len(a) :]) <= problem_chars for a in _ACTION_PREFIXES)

    content = [
        w
        for w in m.words
        if len(w) >= 2 and w not in lexicon.STOCK_ACTIONS and w not in lexicon.STOCK_QUALIFIERS
    ]
    if not content:
        return True
    new = [w for w in content if not in_problem(w) and w not in lexicon.STOCK]
    return len(new) / len(content) <= RESTATE_MAX_NEW_SHARE


# ---- near-duplicates ----------------------------------------------------------------------------

_DROP = re.compile(r"[\s\W_]+", re.UNICODE)


@lru_cache(maxsize=65536)
def _canonical(text: str) -> tuple[str, frozenset[str]]:
    """Text with unit and place names masked, and the concrete facts that make it a unit's own."""
    text = normalise(text)
    found = features(text)
    masked = text
    lead = lexicon.LEADING_UNIT.match(masked)
    if lead and lead.group(0) and lexicon.LEADING_UNIT_MARK.search(lead.group(0)):
        masked = "〇" + masked[lead.end() :]
    for name in sorted(set(found.places), key=len, reverse=True):
        masked = masked.replace(name, "〇")
    masked = lexicon.SELF_REFERENCE.sub("本", masked)
    masked = lexicon.LOWER_REFERENCE.sub("各", masked)
    masked = _DROP.sub("", masked)
    # the unit's name is masked, so its digits (第一人民医院) are not counted as the line's figures
    bare = masked.replace("〇", "")
    substance = frozenset(
        (
            *(f"{value}{unit}" for value, unit in counts(bare)),
            *lexicon.DATE.findall(bare),
            *lexicon.DOCUMENT.findall(bare),
            *lexicon.PERSON.findall(bare),
            *found.deliverables,
            *found.facilities,
        )
    )
    return masked, substance


def _score(a: tuple[str, frozenset[str]], b: tuple[str, frozenset[str]]) -> float:
    if not a[0] or not b[0]:
        return 0.0
    score = Indel.normalized_similarity(a[0], b[0])
    short, long_ = sorted((a[0], b[0]), key=len)
    if len(short) >= PARTIAL_MIN_CHARS and len(short) >= PARTIAL_MIN_LENGTH_SHARE * len(long_):
        # one copied the other and added a clause ("结合本村实际，…")
        score = max(score, PARTIAL_WEIGHT * fuzz.partial_ratio(short, long_) / 100)
    if a[1] != b[1]:
        score *= SUBSTANCE_PENALTY
    return round(score, 4)


def similarity(a: str, b: str) -> float:
    """0.0–1.0: character similarity once unit and place names are masked, lowered when the two
    name different figures, dates, documents or people."""
    return _score(_canonical(a), _canonical(b))


def is_near_duplicate(a: str, b: str) -> tuple[bool, float]:
    score = similarity(a, b)
    return score >= DUPLICATE_THRESHOLD, score


# MinHash LSH over the character bigrams of the masked text: 40 bands of 3 rows. Two texts become
# candidates with probability 1-(1-J³)⁴⁰ for bigram Jaccard J: 0.94 at J=0.4, 0.996 at J=0.5,
# 0.29 at J=0.2. Near-duplicates at the score threshold have J ≥ 0.43 on the labelled set.
LSH_BANDS = 40
LSH_ROWS = 3


class DuplicateIndex:
    """Near-duplicate lookup over many texts without comparing all pairs.

    Texts are reduced to their canonical form (names masked); identical canonical forms share one
    entry. Each entry's MinHash of character bigrams goes into a locality-sensitive hash, which
    proposes candidates; only candidates are scored exactly with ``similarity``'s measure.
    """

    def __init__(self, *, threshold: float = DUPLICATE_THRESHOLD) -> None:
        from datasketch import MinHashLSH

        self.threshold = threshold
        self.num_perm = LSH_BANDS * LSH_ROWS
        self._lsh = MinHashLSH(num_perm=self.num_perm, params=(LSH_BANDS, LSH_ROWS))
        self._entries: list[tuple[str, frozenset[str]]] = []
        self._entry_of: dict[tuple[str, frozenset[str]], int] = {}
        self._keys: dict[int, list[tuple[Hashable, Hashable]]] = defaultdict(list)

    def __len__(self) -> int:
        return sum(len(v) for v in self._keys.values())

    def _minhash(self, masked: str):
        from datasketch import MinHash

        mh = MinHash(num_perm=self.num_perm)
        mh.update_batch([masked[i : i + 2].encode() for i in range(max(1, len(masked) - 1))])
        return mh

    def add(self, key: Hashable, text: str, *, group: Hashable) -> None:
        canon = _canonical(text)
        entry = self._entry_of.get(canon)
        if entry is None:
            entry = len(self._entries)
            self._entries.append(canon)
            self._entry_of[canon] = entry
            if canon[0]:
                self._lsh.insert(entry, self._minhash(canon[0]))
        self._keys[entry].append((key, group))

    def _similar_entries(self, canon: tuple[str, frozenset[str]]) -> Iterator[tuple[int, float]]:
        if not canon[0]:
            return
        for entry in self._lsh.query(self._minhash(canon[0])):
            score = _score(canon, self._entries[entry])
            if score >= self.threshold:
                yield entry, score

    def candidates(self, text: str, *, exclude_group: Hashable | None = None) -> list[tuple[Hashable, float]]:
        """Near-duplicates of ``text`` outside ``exclude_group``, best first, scores ≥ threshold."""
        found = []
        for entry, score in self._similar_entries(_canonical(text)):
            for key, group in self._keys[entry]:
                if exclude_group is None or group != exclude_group:
                    found.append((key, score))
        found.sort(key=lambda pair: -pair[1])
        return found

    def duplicate_pairs(self) -> Iterator[tuple[Hashable, Hashable, float]]:
        """Every near-duplicate pair of keys from different groups, once."""
        for entry, canon in enumerate(self._entries):
            keys = self._keys[entry]
            if canon[0]:
                for i, (key_a, group_a) in enumerate(keys):
                    for key_b, group_b in keys[i + 1 :]:
                        if group_a != group_b:
                            yield key_a, key_b, 1.0
            for other, score in self._similar_entries(canon):
                if other <= entry:
                    continue
                for key_a, group_a in keys:
                    for key_b, group_b in self._keys[other]:
                        if group_a != group_b:
                            yield key_a, key_b, score
