"""The 形式主义 detector: text-only warnings and near-duplicate scoring.

Pure functions over strings; no models, no database. The ledgers call them when a problem, measure
or target is saved and when the office asks for the cross-unit duplicate report; ``manage.py
textcheck`` exposes the same functions as JSON Lines for other tools.

Warnings never block anything: they are hints a reviewer can filter on.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterator
from functools import lru_cache
from typing import Any, Literal

from rapidfuzz import fuzz, process
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
_OBJECTS = re.compile(
    "|".join(sorted(map(re.escape, lexicon.DELIVERABLES | lexicon.FACILITIES_POSTS), key=len, reverse=True))
)


def _mask_inner_place(match: re.Match[str]) -> str:
    name = match.group(1)
    if lexicon.INNER_PLACE_STOP_CHARS.intersection(name) or name in lexicon.INNER_PLACE_NOT_NAMES:
        return match.group(0)
    return "〇"


@lru_cache(maxsize=65536)
def _canonical(text: str) -> tuple[str, frozenset[str]]:
    """Text with unit and place names masked, and the concrete facts that make it a unit's own.

    Regular expressions only (no segmentation), so that indexing tens of thousands of lines is fast.
    """
    masked = normalise(text)
    lead = lexicon.LEADING_UNIT.match(masked)
    if lead and lead.group(0) and lexicon.LEADING_UNIT_MARK.search(lead.group(0)):
        masked = "〇" + masked[lead.end() :]
    masked = lexicon.INNER_PLACE.sub(_mask_inner_place, masked)
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
            *_OBJECTS.findall(bare),
        )
    )
    return masked, substance


def _can_reach(a: tuple[str, frozenset[str]], b: tuple[str, frozenset[str]], threshold: float) -> bool:
    """False when ``_score(a, b)`` cannot reach ``threshold`` whatever the characters (cheap)."""
    if a[1] != b[1] and SUBSTANCE_PENALTY < threshold:
        return False
    short, long_ = sorted((len(a[0]), len(b[0])))
    if short >= PARTIAL_MIN_CHARS and short >= PARTIAL_MIN_LENGTH_SHARE * long_:
        return True
    return 2 * short / (short + long_) >= threshold if long_ else False


def _score(
    a: tuple[str, frozenset[str]],
    b: tuple[str, frozenset[str]],
    cutoff: float = 0.0,
    whole: float | None = None,
) -> float:
    """The similarity score; with ``cutoff``, scores that cannot reach it may come out lower.
    ``whole`` is the whole-text Indel similarity when the caller has computed it already."""
    if not a[0] or not b[0]:
        return 0.0
    score = Indel.normalized_similarity(a[0], b[0]) if whole is None else whole
    short, long_ = sorted((a[0], b[0]), key=len)
    if len(short) >= PARTIAL_MIN_CHARS and len(short) >= PARTIAL_MIN_LENGTH_SHARE * len(long_):
        # One copied the other and added a clause ("结合本村实际，…"). partial_ratio p aligns the
        # short text with a window of the long one (a window cut at an end may be shorter, but then
        # not below p/(2-p) of it), so the two share a common subsequence of at least p/(2-p)·|short|
        # characters; the whole-text score tells that length, so skip partial_ratio when it cannot help.
        needed = min(cutoff / PARTIAL_WEIGHT, 1.0)
        common = score * (len(short) + len(long_)) / 2
        if common >= needed / (2 - needed) * len(short) - 1:
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


# Candidates. Lines that name different figures, dates, documents, people or objects cannot reach
# the threshold (SUBSTANCE_PENALTY < DUPLICATE_THRESHOLD), so the index keeps one bucket per set of
# concrete facts and compares a line only inside its bucket. A small bucket is compared in full; a
# bucket past BUCKET_SCAN_MAX entries (typically the stock lines, which name nothing) gets a MinHash
# LSH over the character bigrams of the masked text: 40 bands of 2 rows, so two lines become
# candidates with probability 1-(1-J²)⁴⁰ for bigram Jaccard J: 0.98 at J=0.3, 0.997 at J=0.37,
# 0.80 at J=0.2. A copy with a clause added scores by containment and can have J as low as 0.37.
LSH_BANDS = 40
LSH_ROWS = 2
BUCKET_SCAN_MAX = 48
VECTOR_MIN_CANDIDATES = 64

_PERMUTATIONS = None


def _minhash(masked: str):
    """MinHash of the character bigrams of a masked text (permutations drawn once)."""
    global _PERMUTATIONS
    from datasketch import MinHash

    if _PERMUTATIONS is None:
        _PERMUTATIONS = MinHash(num_perm=LSH_BANDS * LSH_ROWS, seed=1, scheme="affine32").permutations
    mh = MinHash(num_perm=LSH_BANDS * LSH_ROWS, permutations=_PERMUTATIONS, scheme="affine32")
    mh.update_batch([masked[i : i + 2].encode() for i in range(max(1, len(masked) - 1))])
    return mh


class _Bucket:
    __slots__ = ("entries", "lsh")

    def __init__(self) -> None:
        self.entries: list[int] = []
        self.lsh: Any = None  # datasketch.MinHashLSH once the bucket is large


class DuplicateIndex:
    """Near-duplicate lookup over many texts without comparing all pairs.

    Texts are reduced to their canonical form (names masked); identical canonical forms share one
    entry. An entry is compared only with the entries of its bucket (same concrete facts), through
    a MinHash LSH once the bucket is large; candidates are scored with ``similarity``'s measure.
    """

    def __init__(self, *, threshold: float = DUPLICATE_THRESHOLD) -> None:
        self.threshold = threshold
        # blocking on the facts is exact only while differing facts cannot reach the threshold
        self._blocking = SUBSTANCE_PENALTY < threshold
        self._entries: list[tuple[str, frozenset[str]]] = []
        self._minhashes: dict[int, Any] = {}
        self._entry_of: dict[tuple[str, frozenset[str]], int] = {}
        self._keys: list[list[tuple[Hashable, Hashable]]] = []
        self._buckets: dict[frozenset[str] | None, _Bucket] = {}

    def __len__(self) -> int:
        return sum(len(keys) for keys in self._keys)

    def _bucket_key(self, canon: tuple[str, frozenset[str]]) -> frozenset[str] | None:
        return canon[1] if self._blocking else None

    def _entry_minhash(self, entry: int):
        mh = self._minhashes.get(entry)
        if mh is None:
            mh = self._minhashes[entry] = _minhash(self._entries[entry][0])
        return mh

    def add(self, key: Hashable, text: str, *, group: Hashable) -> None:
        canon = _canonical(text)
        entry = self._entry_of.get(canon)
        if entry is None:
            entry = len(self._entries)
            self._entries.append(canon)
            self._entry_of[canon] = entry
            self._keys.append([])
            if canon[0]:
                bucket = self._buckets.setdefault(self._bucket_key(canon), _Bucket())
                bucket.entries.append(entry)
                if bucket.lsh is not None:
                    bucket.lsh.insert(entry, self._entry_minhash(entry))
                elif len(bucket.entries) > BUCKET_SCAN_MAX:
                    from datasketch import MinHashLSH

                    bucket.lsh = MinHashLSH(num_perm=LSH_BANDS * LSH_ROWS, params=(LSH_BANDS, LSH_ROWS))
                    for member in bucket.entries:
                        bucket.lsh.insert(member, self._entry_minhash(member))
        self._keys[entry].append((key, group))

    def _similar_entries(
        self, canon: tuple[str, frozenset[str]], entry: int | None = None, *, later_only: bool = True
    ) -> Iterator[tuple[int, float]]:
        """Entries scoring ≥ threshold with ``canon``; given its own ``entry``, only later entries
        (every other entry with ``later_only=False``)."""
        if not canon[0]:
            return
        bucket = self._buckets.get(self._bucket_key(canon))
        if bucket is None:
            return
        if bucket.lsh is None:
            candidates = bucket.entries
        else:
            mh = self._entry_minhash(entry) if entry is not None else _minhash(canon[0])
            candidates = bucket.lsh.query(mh)
        if entry is not None:
            candidates = [
                other for other in candidates if other > entry or (not later_only and other != entry)
            ]
        if len(candidates) > VECTOR_MIN_CANDIDATES:
            candidates, whole = self._prefilter(canon[0], candidates)
        else:
            whole = None
        for i, other in enumerate(candidates):
            known = self._entries[other]
            if known == canon:
                yield other, 1.0
            elif _can_reach(canon, known, self.threshold):
                score = _score(canon, known, self.threshold, whole=None if whole is None else whole[i])
                if score >= self.threshold:
                    yield other, score

    def _prefilter(self, masked: str, candidates: list[int]) -> tuple[list[int], list[float]]:
        """Candidates that may reach the threshold, with their whole-text scores, in a few C calls:
        the same bounds as ``_score`` applies one by one, so nothing that can reach it is dropped."""
        import numpy as np

        texts = [self._entries[other][0] for other in candidates]
        whole = process.cdist([masked], texts, scorer=Indel.normalized_similarity, workers=1)[0]
        lengths = np.fromiter((len(text) for text in texts), dtype=np.int64, count=len(texts))
        short = np.minimum(lengths, len(masked))
        long_ = np.maximum(lengths, len(masked))
        needed = min(self.threshold / PARTIAL_WEIGHT, 1.0)
        partial_may_lift = (
            (short >= PARTIAL_MIN_CHARS)
            & (short >= PARTIAL_MIN_LENGTH_SHARE * long_)
            & (whole * (short + long_) / 2 >= needed / (2 - needed) * short - 1)
        )
        keep = np.flatnonzero((whole >= self.threshold - 1e-9) | partial_may_lift)
        return [candidates[i] for i in keep], [float(whole[i]) for i in keep]

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
            if not canon[0]:
                continue
            for i, (key_a, group_a) in enumerate(keys):
                for key_b, group_b in keys[i + 1 :]:
                    if group_a != group_b:
                        yield key_a, key_b, 1.0
            for other, score in self._similar_entries(canon, entry):
                for key_a, group_a in keys:
                    for key_b, group_b in self._keys[other]:
                        if group_a != group_b:
                            yield key_a, key_b, score

    def entries(self) -> Iterator[tuple[int, list[tuple[Hashable, Hashable]]]]:
        """(entry, [(key, group), …]) per distinct masked text that can be compared: the keys whose
        texts are the same once names are masked."""
        for entry, canon in enumerate(self._entries):
            if canon[0]:
                yield entry, self._keys[entry]

    def neighbours(self, entry: int) -> Iterator[tuple[int, float]]:
        """The other entries (earlier and later) scoring ≥ threshold with ``entry``."""
        return self._similar_entries(self._entries[entry], entry, later_only=False)
