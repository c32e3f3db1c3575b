"""Org facts over time, and from them when each rule applies to each org.

A rule applies to an org for a period when it applied on the period's first day, judged by the
facts of that day: kind, 单位类别 and 县处级以上领导班子 (the org row and its dated
``OrgStateChange`` rows), 正式党员 count (members' 转正 dates and 组织关系转接), 委员 in post
(positions' dates), 党小组 alive (their 成立/撤销 dates). No snapshot table is kept: the history
is read from these dated records with a handful of grouped queries, collapsed into segments of
equal facts per org (most orgs have one or two in the window), and each rule turns the segments
into intervals of period start days that the SQL of ``counting`` joins with its periods.

An org is judged from the first period starting on or after its 成立日期, up to the last period
ending before its 撤销日期; periods ending before its 纪实起始日期 (the org's own, else the
nearest ancestor's, else ``COMPLIANCE_RECORDS_FROM``) are stored as 无记录.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from dangjian.orgs.choices import COMMITTEE_TITLES, MemberStatus, OrgKind

from ..models import PeriodKind
from . import sql as q
from .periods import span_of
from .rules import Facts, Rule

EVER = dt.date(1900, 1, 1)
Interval = tuple[int, dt.date, dt.date | None, dt.date | None]  # org, from, to (open), records from


def deployment_records_from() -> dt.date | None:
    value = getattr(settings, "COMPLIANCE_RECORDS_FROM", None)
    if isinstance(value, str):
        return dt.date.fromisoformat(value) if value else None
    return value


@dataclass(slots=True)
class OrgHistory:
    """One org's facts from ``EVER`` on, as (first day, facts) segments in order."""

    id: int
    path: str
    founded_on: dt.date | None
    removed_on: dt.date | None
    records_from: dt.date | None
    segments: list[tuple[dt.date, Facts]] = field(default_factory=list)
    group_ids: list[int] = field(default_factory=list)
    _by_state: tuple[list, list[tuple[dt.date, Facts]]] | None = None  # (segments, merged)

    @property
    def depth(self) -> int:
        return len(self.path) // q.STEPLEN

    def state_segments(self) -> list[tuple[dt.date, Facts]]:
        """``segments`` merged where kind, sector and team stay the same (the first facts of
        each run kept): enough for rules that read no counts."""
        if self._by_state is None or self._by_state[0] is not self.segments:
            out: list[tuple[dt.date, Facts]] = []
            last = None
            for day, facts in self.segments:
                state = (facts.kind, facts.sector, facts.leadership_team)
                if state != last:
                    last = state
                    out.append((day, facts))
            self._by_state = (self.segments, out)
        return self._by_state[1]

    def facts_on(self, day: dt.date) -> Facts:
        current = self.segments[0][1]
        for start, facts in self.segments:
            if start > day:
                break
            current = facts
        return current


def _filter(col: str, ids: list[int] | None) -> tuple[str, list]:
    if ids is None:
        return "1 = 1", []
    return q.in_ids(col, ids)


def load_histories(org_ids: Iterable[int] | None, *, lo: dt.date) -> dict[int, OrgHistory]:
    """The fact history of ``org_ids`` (every org when None), exact from ``lo`` on (earlier
    changes are folded into the facts of ``lo``). Removed orgs are included: their past
    periods stay judged."""
    ids = sorted({int(i) for i in org_ids}) if org_ids is not None else None
    if ids is not None and not ids:
        return {}
    lo_db = q.sql_date(lo)
    o_where, o_params = _filter("o.id", ids)
    rows = q.fetch_all(
        f"SELECT o.id, o.path, o.kind, o.sector, o.leadership_team, o.founded_on, o.removed_on, "  # noqa: S608
        f"o.deleted_at FROM {q.T_ORG} o WHERE {o_where}",
        o_params,
    )
    # 纪实起始日期: the org's own, else the nearest ancestor's, else the deployment's.
    if ids is None:
        marks = dict(
            q.fetch_all(
                f"SELECT path, records_from FROM {q.T_ORG} WHERE records_from IS NOT NULL",  # noqa: S608
                [],
            )
        )
    else:
        prefixes = sorted({r[1][: d * q.STEPLEN] for r in rows for d in range(1, len(r[1]) // q.STEPLEN + 1)})
        p_in, p_params = q.in_ids("path", prefixes, sql_type="text")
        marks = dict(
            q.fetch_all(
                f"SELECT path, records_from FROM {q.T_ORG} WHERE records_from IS NOT NULL AND {p_in}",  # noqa: S608
                p_params,
            )
        )
    default_from = deployment_records_from()
    base: dict[int, tuple[str, str, bool]] = {}
    out: dict[int, OrgHistory] = {}
    for org_id, path, kind, sector, team, founded, removed, deleted_at in rows:
        removed = q.as_date(removed)
        if removed is None and deleted_at is not None:
            removed = EVER  # removed before dates were recorded: never judged again
        records_from = default_from
        for d in range(len(path) // q.STEPLEN, 0, -1):
            mark = marks.get(path[: d * q.STEPLEN])
            if mark is not None:
                records_from = q.as_date(mark)
                break
        out[org_id] = OrgHistory(org_id, path, q.as_date(founded), removed, records_from)
        base[org_id] = (kind, sector, bool(team))
    # (org) -> {day: [d_full, {member: d_post}, d_groups]} and state changes.
    events: dict[int, dict[dt.date, list[Any]]] = {}
    day_of = _Clamped(lo)

    def at(org: int, raw: Any) -> list[Any]:
        """The changes of ``org`` on the day ``raw`` (a date as read; none or before ``lo``: ``lo``)."""
        day = day_of[raw]
        per = events.get(org)
        if per is None:
            per = events[org] = {}
        ev = per.get(day)
        if ev is None:
            ev = per[day] = [0, {}, 0]
        return ev

    def bump(org: int, day: Any, slot: int, delta: int) -> None:
        at(org, day)[slot] += delta

    full = MemberStatus.FULL.value
    m_where, m_params = _filter("m.org_id", ids)
    for org, day, n in q.fetch_all(
        f"SELECT m.org_id, CASE WHEN m.full_member_on < %s THEN %s ELSE m.full_member_on END, COUNT(*) "  # noqa: S608
        f"FROM {q.T_MEMBER} m WHERE m.deleted_at IS NULL AND m.status = '{full}' AND {m_where} GROUP BY 1, 2",
        [lo_db, lo_db, *m_params],
    ):
        if org in out:
            at(org, day)[0] += n
    # Members who were transferred: their 正式党员 days are split between the orgs they were in.
    x_where, x_params = ("1 = 1", [])
    if ids is not None:
        a, ap = q.in_ids("z.from_org_id", ids)
        b, bp = q.in_ids("z.to_org_id", ids)
        x_where = f"x.member_id IN (SELECT z.member_id FROM {q.T_TRANSFER} z WHERE {a} OR {b})"  # noqa: S608
        x_params = [*ap, *bp]
    moves: dict[int, list[tuple]] = defaultdict(list)
    for mid, from_org, to_org, on, cur_org, full_on in q.fetch_all(
        f"SELECT x.member_id, x.from_org_id, x.to_org_id, x.{q.cols(['on'])}, m.org_id, m.full_member_on "  # noqa: S608
        f"FROM {q.T_TRANSFER} x JOIN {q.T_MEMBER} m ON m.id = x.member_id "
        f"WHERE m.deleted_at IS NULL AND m.status = '{full}' AND {x_where} ORDER BY x.member_id, x.{q.cols(['on'])}, x.id",
        x_params,
    ):
        moves[mid].append((from_org, to_org, q.as_date(on), cur_org, q.as_date(full_on)))
    for chain in moves.values():
        cur_org, full_on = chain[0][3], chain[0][4]
        if cur_org in out:
            bump(cur_org, full_on, 0, -1)  # counted above as if always there
        start: dt.date = EVER
        for from_org, _to, on, _c, _f in chain:
            _span(bump, out, from_org, start, on, full_on)
            start = on
        _span(bump, out, cur_org, start, None, full_on)
    # 委员 in post (distinct members).
    p_where, p_params = _filter("p.org_id", ids)
    titles = q.literals(sorted(COMMITTEE_TITLES))
    for org, mid, started, ended in q.fetch_all(
        f"SELECT p.org_id, p.member_id, CAST(p.started_on AS TEXT), CAST(p.ended_on AS TEXT) FROM {q.T_POSITION} p "  # noqa: S608
        f"WHERE p.title IN ({titles}) AND (p.ended_on IS NULL OR p.ended_on > %s) AND {p_where}",
        [lo_db, *p_params],
    ):
        if org in out:
            held = at(org, started)[1]
            held[mid] = held.get(mid, 0) + 1
            if ended is not None:
                held = at(org, ended)[1]
                held[mid] = held.get(mid, 0) - 1
    # 党小组 alive below each org.
    if ids is None:
        groups = q.fetch_all(
            f"SELECT g.id, g.path, g.founded_on, g.removed_on, g.deleted_at FROM {q.T_ORG} g "  # noqa: S608
            f"WHERE g.kind = '{OrgKind.GROUP.value}'",
            [],
        )
    else:
        groups = q.fetch_all(
            f"SELECT g.id, g.path, g.founded_on, g.removed_on, g.deleted_at FROM {q.T_ORG} o "  # noqa: S608
            f"JOIN {q.T_ORG} g ON g.path > o.path AND g.path <= o.path || %s AND g.depth = o.depth + 1 "
            f"WHERE g.kind = '{OrgKind.GROUP.value}' AND {o_where}",
            [q.ALPHABET_LAST * q.STEPLEN, *o_params],
        )
    by_path = {h.path: h for h in out.values()}
    for gid, gpath, founded, removed, deleted_at in groups:
        parent = by_path.get(gpath[: -q.STEPLEN])
        if parent is None:
            continue
        parent.group_ids.append(gid)
        removed = q.as_date(removed) or (EVER if deleted_at is not None else None)
        if removed is not None and removed <= lo:
            continue
        bump(parent.id, founded, 2, 1)
        if removed is not None:
            bump(parent.id, removed, 2, -1)
    # Kind, sector and team: a change row holds the values before its day.
    s_where, s_params = _filter("s.org_id", ids)
    changes: dict[int, list[tuple[dt.date, tuple[str, str, bool]]]] = defaultdict(list)
    for org, on, kind, sector, team in q.fetch_all(
        f"SELECT s.org_id, s.changed_on, s.kind, s.sector, s.leadership_team FROM {q.T_STATE} s "  # noqa: S608
        f"WHERE s.changed_on > %s AND {s_where} ORDER BY s.org_id, s.changed_on, s.id",
        [lo_db, *s_params],
    ):
        changes[org].append((q.as_date(on), (kind, sector, bool(team))))  # type: ignore[arg-type]
    for org_id, hist in out.items():
        ev = events.get(org_id, {})
        chg = changes.get(org_id, [])
        days = sorted({*ev, *(c[0] for c in chg), lo}) if chg else sorted({*ev, lo})
        full_count, groups_alive, in_post = 0, 0, 0  # in_post: members with a post (> 0)
        posts: dict[int, int] = {}
        segments: list[tuple[dt.date, Facts]] = []
        last: tuple | None = None
        ci = 0
        for day in days:
            e = ev.get(day)
            if e is not None:
                full_count += e[0]
                for mid, d in e[1].items():
                    before = posts.get(mid, 0)
                    after = posts[mid] = before + d
                    in_post += (after > 0) - (before > 0)
                groups_alive += e[2]
            while ci < len(chg) and chg[ci][0] <= day:
                ci += 1
            state = chg[ci][1] if ci < len(chg) else base[org_id]
            now = (state, full_count, in_post, groups_alive > 0)
            if now != last:
                last = now
                facts = Facts(state[0], state[1], state[2], full_count, in_post, groups_alive > 0, hist.path)
                segments.append((EVER if not segments else day, facts))
        hist.segments = segments
    return out


class _Clamped(dict):
    """A date read from the database (ISO text on SQLite) by subscription, not before ``lo``
    (none: ``lo``), remembered: the dates read in bulk share a few thousand distinct days."""

    def __init__(self, lo: dt.date) -> None:
        super().__init__()
        self.lo = lo

    def __missing__(self, raw: Any) -> dt.date:
        day = q.as_date(raw) or EVER
        day = self[raw] = day if day >= self.lo else self.lo
        return day


def _span(
    bump: Any, out: dict, org: int, start: dt.date, end: dt.date | None, full_on: dt.date | None
) -> None:
    """A transferred 正式党员 counts at ``org`` from max(start, 转正) until ``end``."""
    if org not in out or full_on is None:
        return
    begin = max(start, full_on)
    if end is not None and end <= begin:
        return
    bump(org, begin, 0, 1)
    if end is not None:
        bump(org, end, 0, -1)


def _cut(rule: Rule, removed: dt.date) -> dt.date:
    """Periods of ``rule`` starting before this day end before ``removed``."""
    if rule.period == PeriodKind.ONCE:
        assert rule.deadline is not None
        return dt.date.max if rule.deadline < removed else EVER
    return span_of(rule.period, removed).start


def intervals(rule: Rule, histories: Iterable[OrgHistory]) -> list[Interval]:
    """For each org, the days on which ``rule`` applied, as [from, to) intervals: a period
    starting in one is judged."""
    out: list[Interval] = []
    kinds = rule.org_kinds
    applies = rule.applies
    # Counts (正式党员, 委员, 党小组) unread: segments differing only in them apply alike, and
    # the runs below join them anyway.
    by_state = rule.full_members_gte is None and rule.committee is None and rule.has_groups is None
    for h in histories:
        segs = h.state_segments() if by_state else h.segments
        if len(segs) == 1:  # many orgs: the same facts all along
            first = segs[0]
            if first[1].kind not in kinds or not applies(first[1]):
                continue
            f = max(first[0], h.founded_on or EVER)
            t = _cut(rule, h.removed_on) if h.removed_on is not None else None
            if t is None or f < t:
                out.append((h.id, f, t, h.records_from))
            continue
        for _d, facts in segs:
            if facts.kind in kinds:
                break
        else:
            continue
        lo = h.founded_on or EVER
        hi = _cut(rule, h.removed_on) if h.removed_on is not None else None
        runs: list[tuple[dt.date, dt.date | None]] = []
        for i, (day, facts) in enumerate(segs):
            if not applies(facts):
                continue
            end = segs[i + 1][0] if i + 1 < len(segs) else None
            if runs and runs[-1][1] == day:
                runs[-1] = (runs[-1][0], end)
            else:
                runs.append((day, end))
        for f, t in runs:
            f = max(f, lo)
            if hi is not None:
                t = hi if t is None else min(t, hi)
            if t is None or f < t:
                out.append((h.id, f, t, h.records_from))
    return out
