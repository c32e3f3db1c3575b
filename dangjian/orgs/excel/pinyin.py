"""Name pinyin for large imports, identical to ``services.name_pinyin`` but cached per character.

pypinyin converts a name character by character unless a substring is in its phrase dictionary,
so for names with no such substring the per-character readings (cached) give the same result;
the others, and repeated names, go through ``services.name_pinyin`` itself.
"""

from __future__ import annotations

from pypinyin import Style, lazy_pinyin
from pypinyin.constants import PHRASES_DICT

from ..services import name_pinyin


class NamePinyin:
    def __init__(self) -> None:
        self.names: dict[str, tuple[str, str]] = {}
        self.chars: dict[str, tuple[str, str]] = {}

    def _char(self, ch: str) -> tuple[str, str]:
        hit = self.chars.get(ch)
        if hit is None:
            initial = "".join(lazy_pinyin(ch, style=Style.FIRST_LETTER, errors="ignore")).lower()
            full = "".join(lazy_pinyin(ch, errors="ignore")).lower()
            hit = self.chars[ch] = (initial, full)
        return hit

    def __call__(self, name: str) -> tuple[str, str]:
        hit = self.names.get(name)
        if hit is not None:
            return hit
        n = len(name)
        if (
            any(name[i:j] in PHRASES_DICT for i in range(n) for j in range(i + 2, n + 1))
            or not name.isalpha()
        ):
            hit = name_pinyin(name)
        else:
            parts = [self._char(ch) for ch in name]
            hit = ("".join(p[0] for p in parts)[:50], "".join(p[1] for p in parts)[:200])
        self.names[name] = hit
        return hit
