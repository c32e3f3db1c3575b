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
                and head not in lexicon.CHECKABLE
                and not head.startswith(lexicon.PLACE_GENERIC_HEADS)
                and not lexicon.NUMBER.search(head)
            ):
                found.append(head + word)
    return found


@dataclass(frozen=True)
class Features:
    words: tuple[str, ...]
    own_words: tuple[str, ...]  # words outside the stock vocabulary
    numbers: tuple[str, ...]
    dates: tuple[str, ...]
    cadences: tuple[str, ...]
    documents: tuple[str, ...]
    persons: tuple[str, ...]
    places: tuple[str, ...]
    checkables: tuple[str, ...]

    @property
    def own_share(self) -> float:
        return len(self.own_words) / len(self.words) if self.words else 0.0

    @property
    def quantified(self) -> bool:
        return bool(self.numbers or self.dates or self.cadences or self.documents or self.checkables)

    @property
    def named(self) -> bool:
        return bool(
            self.numbers or self.dates or self.documents or self.persons or self.places or self.checkables
        )


@lru_cache(maxsize=8192)
def features(text: str) -> Features:
    text = normalise(text)
    bare = _without_numbered_terms(text)
    words = tokens(text)
    own = tuple(
        w
        for w in words
        if w not in lexicon.STOCK and not lexicon.NUMBER.fullmatch(w) and not _NUMBERED.fullmatch(w)
    )
    return Features(
        words=words,
        own_words=own,
        numbers=tuple(lexicon.NUMBER.findall(bare)),
        dates=tuple(lexicon.DATE.findall(bare)),
        cadences=tuple(lexicon.CADENCE.findall(text)),
        documents=tuple(lexicon.DOCUMENT.findall(text)),
        persons=tuple(lexicon.PERSON.findall(text)),
        places=tuple(places(words)),
        checkables=tuple(w for w in words if w in lexicon.CHECKABLE),
    )
