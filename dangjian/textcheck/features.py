"""Features of one line of ledger text: what makes it the unit's own and checkable."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from . import lexicon
from .segment import tokens

_NUMBERED = re.compile("|".join(sorted(map(re.escape, lexicon.NUMBERED_TERMS), key=len, reverse=True)))


def normalise(text: str) -> str:
    """NFKC (full-width digits and punctuation to ASCII), spaces removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def _without_numbered_terms(text: str) -> str:
    return _NUMBERED.sub("　", text)


_HANZI = re.compile(r"[\u4e00-\u9fff]{2,5}")


def places(words: tuple[str, ...]) -> list[str]:
    """Named places and units: ``延吉市``, ``丹山社区``, ``光明村``, ``长白山第一小学``."""
    found = []
    for i, word in enumerate(words):
        if (
            len(word) >= 3
            and word.endswith(lexicon.PLACE_SUFFIXES)
            and not word.startswith(lexicon.PLACE_GENERIC_HEADS)
            and word not in lexicon.PLACE_GENERIC_WORDS
            and word not in lexicon.STOCK
            and _HANZI.fullmatch(word)
        ):
            found.append(word)
        elif word in lexicon.UNIT_WORDS and i > 0:
            head = words[i - 1]
            if (
                _HANZI.fullmatch(head)
                and head not in lexicon.STOCK
                and head not in lexicon.PLACE_GENERIC_WORDS
                and head not in lexicon.FACILITIES_POSTS
                and head not in lexicon.DELIVERABLES
                and not head.startswith(lexicon.PLACE_GENERIC_HEADS)
                and not lexicon.NUMBER.search(head)
            ):
                found.append(head + word)
    return found


_CN_VALUE = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000, "万": 10000}


def number_value(token: str) -> str:
    """``"12"``, ``"十二"`` and ``"１２"`` all give ``"12"``; ``"半"`` gives ``"0.5"``."""
    if token[:1].isdigit():
        return token
    if token == "半":
        return "0.5"
    if token.startswith("百分之"):
        return number_value(token[3:]) + "%"
    total, current = 0, 0
    for ch in token:
        if ch in _CN_VALUE:
            current = _CN_VALUE[ch]
        elif ch in _CN_UNIT:
            total += (current or 1) * _CN_UNIT[ch]
            current = 0
    return str(total + current)


def counts(bare: str) -> list[tuple[str, str]]:
    """(value, unit) for every number: ``[("23", "名"), ("6", "个月")]``."""
    return [(number_value(m.group(1)), m.group(2) or "") for m in lexicon.COUNT.finditer(bare)]


@dataclass(frozen=True)
class Features:
    words: tuple[str, ...]
    own_words: tuple[str, ...]  # words outside the stock vocabulary
    numbers: tuple[str, ...]
    figures: tuple[str, ...]  # numbers that count things of the unit (23名, 1.2万元), not rules (每月1次)
    dates: tuple[str, ...]
    cadences: tuple[str, ...]
    documents: tuple[str, ...]
    persons: tuple[str, ...]
    places: tuple[str, ...]
    deliverables: tuple[str, ...]
    facilities: tuple[str, ...]  # facilities and posts

    @property
    def own_share(self) -> float:
        """Share of the words (two characters or more) that are the unit's own, not stock phrases."""
        longer = [w for w in self.words if len(w) >= 2]
        return len(self.own_words) / len(longer) if longer else 0.0

    @property
    def quantified(self) -> bool:
        """Has a number, date, cadence, named document or checkable deliverable."""
        return bool(self.numbers or self.dates or self.cadences or self.documents or self.deliverables)

    @property
    def concrete(self) -> bool:
        """Names something of its own unit: a place, facility, post, document, person or figure."""
        return bool(self.figures or self.documents or self.persons or self.places or self.facilities)


_NUMERIC_WORD = re.compile(rf"[每第前近]?[\d.{lexicon._CN_DIGIT}]+(?:个月|个|[{lexicon._MEASURE}])*")


def is_own_word(word: str) -> bool:
    """A word that is neither stock vocabulary nor grammar, a bare count, date or cadence."""
    return (
        len(word) >= 2
        and word not in lexicon.STOCK
        and not _NUMBERED.fullmatch(word)
        and not _NUMERIC_WORD.fullmatch(word)
        and not lexicon.CADENCE.fullmatch(word)
        and not lexicon.DATE.fullmatch(word)
    )


@lru_cache(maxsize=8192)
def features(text: str) -> Features:
    text = normalise(text)
    bare = _without_numbered_terms(text)
    words = tokens(text)
    found_counts = counts(bare)
    own = tuple(w for w in words if is_own_word(w))
    return Features(
        words=words,
        own_words=own,
        numbers=tuple(f"{value}{unit}" for value, unit in found_counts),
        figures=tuple(
            f"{value}{unit}"
            for value, unit in found_counts
            if unit != "个月" and not (unit and unit in lexicon.NON_FIGURE_UNITS)
        ),
        dates=tuple(lexicon.DATE.findall(bare)),
        cadences=tuple(lexicon.CADENCE.findall(text)),
        documents=tuple(lexicon.DOCUMENT.findall(text)),
        persons=tuple(lexicon.PERSON.findall(text)),
        places=tuple(places(words)),
        deliverables=tuple(w for w in words if w in lexicon.DELIVERABLES),
        facilities=tuple(w for w in words if w in lexicon.FACILITIES_POSTS),
    )
