"""Counts a higher app reads from a ledger app beside it, without importing it.

A ledger app (典型案例, 调查研究) registers a counter in its ``AppConfig.ready``: a name, a
Chinese label, the keys it counts (each with a label) and a function
``(org_ids, since, until) -> {org_id: {key: n}}`` that counts the org's own rows dated in
[since, until]. The campaigns app names counters in its templates (``ledger.source``) and judges
its required actions with them; an unknown name is a validation error there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

CountFn = Callable[[Iterable[int], dt.date, dt.date], Mapping[int, Mapping[str, int]]]


@dataclass(frozen=True)
class Counter:
    name: str
    label: str
    keys: Mapping[str, str]  # key -> Chinese label
    count: CountFn


_counters: dict[str, Counter] = {}


def register_counter(name: str, *, label: str, keys: Mapping[str, str], count: CountFn) -> None:
    _counters[name] = Counter(name, label, dict(keys), count)


def get_counter(name: str) -> Counter | None:
    return _counters.get(name)


def counter_names() -> list[str]:
    return sorted(_counters)
