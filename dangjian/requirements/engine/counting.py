"""The SQL of one rule: result rows for the orgs it applies to × its periods, counted in the
database with a GROUP BY over the kind entries (and attendance, for per-member rules).

What counts is data on the rule (``Requirement.counting``):
- ``counts_from_groups``: records held by a 党小组 count for the org it sits in;
- ``quorum: committee_majority``: a record counts only when more than half of the org's 委员 in
  post that day attended (出席 or 异地参加);
- ``lecturer: secretary``: a record counts for the org whose 书记 (in post that day) gave it,
  wherever it was held; the org's own records given by someone else do not count;
- ``combines_with``: the other kinds a record may carry and still count (absent: any);
- ``pass_share`` (per-member rules): the share of members that must have taken part.
Records of the right kind that do not count are stored with a reason code (``rejected_ids``).

Per-member rules: a member is judged at the org they belonged to on the period's last day
(following 组织关系转接); attending a record of the counted kinds held anywhere in the period
(their old org, their 党小组, the 流入地) counts. Not expected: members whose 党籍 is stopped,
失联 members, and members who joined after the org's last record of these kinds in the period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from dangjian.activities.models import AttendanceStatus
from dangjian.orgs.choices import COMMITTEE_TITLES, OrgKind, PositionTitle, Standing

from ..models import PeriodKind, Status, members_needed
from . import sql as q
from .facts import Interval, OrgHistory, intervals
from .periods import Span, window_start
from .rules import LECTURER_SECRETARY, QUORUM_COMMITTEE_MAJORITY, Rule

ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.ELSEWHERE)
MET, NOT_MET, NOT_DUE, NO_RECORDS = (
    str(Status.MET.value),
    str(Status.NOT_MET.value),
    str(Status.NOT_DUE.value),
    str(Status.NO_RECORDS.value),
)
RowKey = tuple[int, int, str]  # (org id, requirement id, period key)

# Columns of a result row, in the order the SELECTs below produce them.
RESULT_COLUMNS = (
    "org_id",
    "requirement_id",
    "period_key",
    "org_path",
    "period_start",
    "period_end",
    "status",
    "count",
    "required",
    "activity_ids",
    "rejected_ids",
)
ORG_FILTER_MAX = 500


def committee_posts_sql(name: str) -> list[str]:
    """SQLite: statements making the temporary table ``name`` of the 委员 posts (org, post id,
    member, dates), keyed by org: the quorum of every record reads these few rows in place,
    not the org's positions of every title through an index on the org alone."""
    titles = q.literals(sorted(COMMITTEE_TITLES))
    return [
        f"DROP TABLE IF EXISTS temp.{name}",
        f"CREATE TEMPORARY TABLE {name} (org_id INTEGER NOT NULL, id INTEGER NOT NULL, "
        f"member_id INTEGER NOT NULL, started_on date NOT NULL, ended_on date, "
        f"PRIMARY KEY (org_id, id)) WITHOUT ROWID",
        f"INSERT INTO {name} (org_id, id, member_id, started_on, ended_on) "  # noqa: S608
        f"SELECT org_id, id, member_id, started_on, ended_on FROM {q.T_POSITION} WHERE title IN ({titles})",
    ]


def _in_post(alias: str, day: str) -> str:
    return f"{alias}.started_on <= {day} AND ({alias}.ended_on IS NULL OR {alias}.ended_on > {day})"


# The period ended before the org's 纪实起始日期: 无记录, with no figures.
NO_RECORDS_SQL = "a.rf IS NOT NULL AND p.e < a.rf"


def _status(met: str) -> str:
    return (
        f"CASE WHEN {NO_RECORDS_SQL} THEN '{NO_RECORDS}' "
        f"WHEN {met} THEN '{MET}' WHEN p.e >= %s THEN '{NOT_DUE}' ELSE '{NOT_MET}' END"
    )


def _figure(value: str, none: str = "0") -> str:
    return f"CASE WHEN {NO_RECORDS_SQL} THEN {none} ELSE {value} END"


def _org_counts(
    rule: Rule, spans: Sequence[Span], few: list[OrgHistory] | None, posts: str | None = None
) -> tuple[str, list]:
    """(org_id, k, n, ids, rej): records that counted and those that did not, per org and period.
    ``posts``: a table of the 委员 posts (``committee_posts_sql``) to read for the quorum in
    place of all positions."""
    once = rule.period == PeriodKind.ONCE
    lo, hi = q.sql_date(spans[0].start), q.sql_date(spans[-1].end)
    kinds = q.literals(rule.kinds)
    key = "%s" if once else q.key_sql(rule.period, "x.d")
    key_params = [q.once_key(spans[0])] if once else []
    ids = sorted(h.id for h in few) if few is not None else None
    e_in, e_params = q.in_ids("e.org_id", ids) if ids is not None else ("1 = 1", [])
    checks: list[tuple[str, str]] = []  # (condition for counting, reason code otherwise)
    if rule.combines_with is not None:
        allowed = q.literals(sorted(set(rule.kinds) | rule.combines_with))
        checks.append(
            (
                f"NOT EXISTS (SELECT 1 FROM {q.T_ENTRY} e2 WHERE e2.activity_id = e.activity_id "  # noqa: S608
                f"AND e2.kind NOT IN ({allowed}))",
                "c",
            )
        )
    if rule.quorum == QUORUM_COMMITTEE_MAJORITY:
        # Per record: posts of 委员 of the org in post that day, and how many of them attended
        # (a member holding two posts at once counts twice on both sides). A correlated
        # subquery per record reads the org's posts through their index: no grouping of all
        # records and no index built over the result. No 委员 recorded in post that day: the
        # quorum cannot be checked, the record counts.
        titles = q.literals(sorted(COMMITTEE_TITLES))
        committee = f"{posts} p" if posts else f"{q.T_POSITION} p"
        only = "" if posts else f"AND p.title IN ({titles}) "
        quorum = (
            f"(SELECT CASE WHEN COUNT(*) = 0 OR 2 * COUNT(t.member_id) > COUNT(*) THEN 1 ELSE 0 END "  # noqa: S608
            f"FROM {committee} LEFT JOIN {q.T_ATTENDANCE} t ON t.activity_id = e.activity_id "
            f"AND t.member_id = p.member_id AND t.status IN ({q.literals(ATTENDED)}) "
            f"WHERE p.org_id = e.org_id {only}AND {_in_post('p', 'e.held_on')})"
        )
        checks.append((f"{quorum} = 1", "q"))
    lecturer = rule.lecturer == LECTURER_SECRETARY
    if lecturer:
        secretary = q.literals([PositionTitle.SECRETARY.value])
        checks.append(
            (
                f"EXISTS (SELECT 1 FROM {q.T_ACTIVITY} a2 JOIN {q.T_POSITION} p ON p.member_id = a2.lecturer_id "  # noqa: S608
                f"WHERE a2.id = e.activity_id AND p.org_id = e.org_id AND p.title IN ({secretary}) "
                f"AND {_in_post('p', 'e.held_on')})",
                "l",
            )
        )
    base = f"e.kind IN ({kinds}) AND e.is_active AND e.held_on >= %s AND e.held_on <= %s"

    def reasons(items: list[tuple[str, str]]) -> str:
        if not items:
            return "''"
        return "CASE " + " ".join(f"WHEN NOT ({c}) THEN '{code}'" for c, code in items) + " ELSE '' END"

    why = reasons(checks)
    # A 党小组's records have no 委员 of their own: the quorum check is the branch's only.
    why_groups = reasons([c for c in checks if c[1] != "q"])
    parts = [
        f"SELECT e.org_id AS oid, e.activity_id AS aid, e.held_on AS d, {why} AS why FROM {q.T_ENTRY} e "  # noqa: S608
        f"WHERE {base} AND {e_in}"
    ]
    params: list = [lo, hi, *e_params]
    if rule.counts_from_groups:
        group_ids = sorted({g for h in few for g in h.group_ids}) if few is not None else None
        g_in, g_params = q.in_ids("e.org_id", group_ids) if group_ids is not None else ("1 = 1", [])
        parts.append(
            f"SELECT b.id, e.activity_id, e.held_on, {why_groups} FROM {q.T_ENTRY} e JOIN {q.T_ORG} g ON g.id = e.org_id "  # noqa: S608
            f"JOIN {q.T_ORG} b ON b.path = SUBSTR(g.path, 1, LENGTH(g.path) - {q.STEPLEN}) "
            f"WHERE g.kind = '{OrgKind.GROUP.value}' AND {base} AND {g_in}"
        )
        params += [lo, hi, *g_params]
    if lecturer:
        # Lectures its 书记 gave elsewhere count for the org too.
        p_in, p_params = q.in_ids("p.org_id", ids) if ids is not None else ("1 = 1", [])
        secretary = q.literals([PositionTitle.SECRETARY.value])
        # From the 书记 posts to the lectures they gave (CROSS JOIN keeps that order on SQLite).
        parts.append(
            f"SELECT p.org_id, e.activity_id, e.held_on, '' FROM {q.T_POSITION} p "  # noqa: S608
            f"CROSS JOIN {q.T_ACTIVITY} a2 CROSS JOIN {q.T_ENTRY} e "
            f"WHERE a2.lecturer_id = p.member_id AND a2.deleted_at IS NULL AND e.activity_id = a2.id "
            f"AND p.title IN ({secretary}) AND e.org_id <> p.org_id AND {base} AND {_in_post('p', 'e.held_on')} "
            f"AND {p_in}"
        )
        params += [lo, hi, *p_params]
    if checks and len(parts) == 1:
        # A compound subquery is not flattened into the aggregate, so each record's checks run
        # once (not once per aggregate that reads the reason).
        parts.append("SELECT NULL, NULL, NULL, NULL WHERE 1 = 0")
    distinct = len(rule.kinds) > 1 or lecturer
    union = " UNION ALL ".join(parts)
    if distinct:
        # A record with two of the counted kinds appears twice: one DISTINCT over all rows is
        # much cheaper than a distinct count per group.
        union = f"SELECT DISTINCT * FROM ({union}) u"  # noqa: S608
    n = "COUNT(CASE WHEN x.why = '' THEN x.aid END)"
    ok_ids = q.id_list("CASE WHEN x.why = '' THEN x.aid END", False)
    rejected = (
        q.id_list("CASE WHEN x.why <> '' THEN " + q.text_cat("x.aid", "':'", "x.why") + " END", False)
        if checks
        else "''"
    )
    sql = (
        f"SELECT x.oid AS org_id, {key} AS k, {n} AS n, {ok_ids} AS ids, {rejected} AS rej "  # noqa: S608
        f"FROM ({union}) x GROUP BY {'1' if once else '1, 2'}"
    )
    return sql, key_params + params


def _key(period: str, spans: Sequence[Span], col: str) -> tuple[str, list]:
    """SQL naming the period of ``col`` (a one-off rule has one period: a parameter)."""
    if period == PeriodKind.ONCE:
        return "%s", [q.once_key(spans[0])]
    return q.key_sql(period, col), []


def _member_family(
    rules: Sequence[Rule], spans: Sequence[Span], few: list[OrgHistory] | None
) -> tuple[str, list]:
    """The WITH clause shared by per-member ``rules`` with the same periods: one pass over the
    members (the roster), one over their attendance and one over the records, for all of them.

    ``l`` (oid, k, d<i>, ids<i>): per org and period, the last day of a record of rule i's kinds
    and the records themselves. ``c`` (oid, k, n<i>, m<i>): per org and period, the members
    expected and the members who took part, for rule i.
    """
    period = rules[0].period
    once = period == PeriodKind.ONCE
    group = "1" if once else "1, 2"
    lo, hi = q.sql_date(spans[0].start), q.sql_date(spans[-1].end)
    every = sorted({k for r in rules for k in r.kinds})
    kinds = q.literals(every)
    periods, p_params = q.periods_sql(spans)
    ids = sorted(h.id for h in few) if few is not None else None
    m_in, m_params = q.in_ids("m.org_id", ids) if ids is not None else ("1 = 1", [])
    x_in, x_params = q.in_ids("x.from_org_id", ids) if ids is not None else ("1 = 1", [])
    e_in, e_params = q.in_ids("e.org_id", ids) if ids is not None else ("1 = 1", [])
    on_ = q.cols(["on"])

    def of_rule(rule: Rule, col: str) -> str:
        if set(rule.kinds) == set(every):
            return col
        return f"CASE WHEN e.kind IN ({q.literals(rule.kinds)}) THEN {col} END"

    # The records of each rule's kinds, per org and period: the last day, and the ids.
    key, key_params = _key(period, spans, "e.held_on")
    last_cols = ", ".join(
        f"MAX({of_rule(r, 'e.held_on')}) AS d{i}, "
        f"{q.id_list(of_rule(r, 'e.activity_id'), len(r.kinds) > 1)} AS ids{i}"
        for i, r in enumerate(rules)
    )
    last = (
        f"SELECT e.org_id AS oid, {key} AS k, {last_cols} FROM {q.T_ENTRY} e "  # noqa: S608
        f"WHERE e.kind IN ({kinds}) AND e.is_active AND e.held_on >= %s AND e.held_on <= %s AND {e_in} "
        f"GROUP BY {group}"
    )
    last_params = [*key_params, lo, hi, *e_params]
    # Each member at the org they belonged to on the period's last day (members outer: each
    # member row is read once for all periods, in table order rather than through the partial
    # index of living members; the few transfers outer in the second part, members by key).
    ok_member = (
        f"{q.unindexed('m.deleted_at')} IS NULL AND m.standing = '{Standing.NORMAL.value}' AND m.joined_on <= p.e "
        f"AND NOT (m.lost_contact AND (m.lost_contact_on IS NULL OR m.lost_contact_on <= p.e))"
    )
    join = q.period_join()
    roster = (
        f"SELECT m.org_id AS oid, p.k AS k, p.{join} AS kj, p.e AS e, m.id AS mid, m.joined_on AS j "  # noqa: S608
        f"FROM {q.T_MEMBER} m CROSS JOIN ({periods}) p WHERE {ok_member} AND {m_in} "
        f"AND NOT EXISTS (SELECT 1 FROM {q.T_TRANSFER} x WHERE x.member_id = m.id AND x.{on_} > p.e) "
        f"UNION ALL "
        f"SELECT x.from_org_id, p.k, p.{join}, p.e, m.id, m.joined_on FROM {q.T_TRANSFER} x "
        f"CROSS JOIN {q.T_MEMBER} m CROSS JOIN ({periods}) p "
        f"WHERE m.id = x.member_id AND x.{on_} > p.e AND {ok_member} AND {x_in} AND NOT EXISTS (SELECT 1 FROM {q.T_TRANSFER} y "
        f"WHERE y.member_id = x.member_id AND y.{on_} > p.e AND (y.{on_} < x.{on_} OR (y.{on_} = x.{on_} AND y.id < x.id)))"
    )
    roster_params = [*p_params, *m_params, *p_params, *x_params]
    t_in, t_params = ("1 = 1", [])
    if ids is not None:
        a, ap = q.in_ids("z.org_id", ids)
        b, bp = q.in_ids("y.from_org_id", ids)
        t_in = (
            f"t.member_id IN (SELECT z.id FROM {q.T_MEMBER} z WHERE {a} "  # noqa: S608
            f"UNION SELECT y.member_id FROM {q.T_TRANSFER} y WHERE {b})"
        )
        t_params = [*ap, *bp]
    # All orgs: from the kind entries to their attendance. A few orgs: from their members'
    # attendance to the entries (CROSS JOIN keeps that order on SQLite).
    source = (
        f"{q.T_ENTRY} e JOIN {q.T_ATTENDANCE} t ON t.activity_id = e.activity_id WHERE 1 = 1"
        if ids is None
        else f"{q.T_ATTENDANCE} t CROSS JOIN {q.T_ENTRY} e WHERE e.activity_id = t.activity_id"
    )
    flags = []
    for i, r in enumerate(rules):
        if int(r.times) > 1:
            flags.append(
                f"CASE WHEN COUNT(DISTINCT {of_rule(r, 'e.activity_id')}) >= {int(r.times)} THEN 1 ELSE 0 END AS a{i}"
            )
        elif set(r.kinds) == set(every):
            flags.append(f"1 AS a{i}")
        else:
            flags.append(f"MAX(CASE WHEN e.kind IN ({q.literals(r.kinds)}) THEN 1 ELSE 0 END) AS a{i}")
    key, key_params = _key(period, spans, "e.held_on")
    done = (
        f"SELECT t.member_id AS mid, {key} AS k, {', '.join(flags)} FROM {source} "  # noqa: S608
        f"AND e.kind IN ({kinds}) AND e.is_active AND e.held_on >= %s AND e.held_on <= %s "
        f"AND t.status IN ({q.literals(ATTENDED)}) AND {t_in} "
        f"GROUP BY t.member_id{'' if once else ', ' + key}"
    )
    done_params = [*key_params, lo, hi, *t_params]
    # Expected: members who took part, and those who had joined by the org's last record of
    # the rule's kinds in the period (by its end when there was none).
    counts = ", ".join(
        f"SUM(CASE WHEN dn.a{i} = 1 OR r.j <= COALESCE(l.d{i}, r.e) THEN 1 ELSE 0 END) AS n{i}, "
        f"SUM(CASE WHEN dn.a{i} = 1 THEN 1 ELSE 0 END) AS m{i}"
        for i in range(len(rules))
    )
    members = (
        f"SELECT r.oid AS oid, r.k AS k, {counts} FROM ({roster}) r "  # noqa: S608
        f"LEFT JOIN ({done}) dn ON dn.mid = r.mid AND dn.k = r.kj "
        f"LEFT JOIN l ON l.oid = r.oid AND l.k = r.kj GROUP BY r.oid, r.k"
    )
    sql = f"WITH l AS MATERIALIZED ({last}), c AS MATERIALIZED ({members}) "
    return sql, [*last_params, *roster_params, *done_params]


def _head(spans: Sequence[Span], applies: tuple[str, list]) -> tuple[str, list]:
    """FROM clause: the orgs a rule applies to (``applies``: ``q.intervals_sql`` of its
    intervals, built once per rule), crossed with their periods."""
    periods, p_params = q.periods_sql(spans)
    apply, a_params = applies
    return (
        f"FROM ({apply}) a JOIN ({periods}) p ON p.s >= a.f AND (a.t IS NULL OR p.s < a.t) "
        f"JOIN {q.T_ORG} o ON o.id = a.o "
    ), [*a_params, *p_params]


def _split(spans: Sequence[Span], counted: Sequence[Span]) -> tuple[Sequence[Span], Sequence[Span]]:
    """(periods whose rows are computed, earlier periods that are 无记录 for every org).

    Periods not counted ended before the earliest 纪实起始日期 of the orgs (see ``_counted``):
    their rows need neither records nor members. With no period counted, all are computed
    as usual (the statement stays typed by its counting part)."""
    if not counted or len(counted) == len(spans):
        return spans, ()
    keys = {s.key for s in counted}
    return counted, tuple(s for s in spans if s.key not in keys)


def _unrecorded(
    rule: Rule, spans: Sequence[Span], applies: tuple[str, list], required: str
) -> tuple[str, list]:
    """`` UNION ALL`` the rows of ``spans`` (periods before any 纪实起始日期): 无记录, no figures."""
    if not spans:
        return "", []
    head, h_params = _head(spans, applies)
    return (
        f" UNION ALL SELECT a.o, {int(rule.id)}, p.k, o.path, p.s, p.e, '{NO_RECORDS}', 0, {required}, '', '' {head}",
        h_params,
    )


def rule_sql(
    rule: Rule,
    spans: Sequence[Span],
    counted: Sequence[Span],
    rows: list[Interval],
    on: dt.date,
    few: list[OrgHistory] | None,
    posts: str | None = None,
) -> tuple[str, list]:
    """One SELECT giving the result rows (``RESULT_COLUMNS``) of an org-level ``rule`` for the
    orgs and periods of ``rows`` (intervals of period start days) × ``spans``; records are
    counted in the periods ``counted`` (those that may be judged). ``posts``: see ``_org_counts``."""
    spans, unrecorded = _split(spans, counted)
    applies = q.intervals_sql(rows)
    head, h_params = _head(spans, applies)
    # No period counted: the same SQL over no orgs (cheap, and typed as usual).
    counts, c_params = _org_counts(rule, counted or spans[-1:], few if counted else [], posts)
    status = _status(f"COALESCE(c.n, 0) >= {int(rule.times)}")
    n = _figure("COALESCE(c.n, 0)")
    ids = _figure("COALESCE(c.ids, '')", "''")
    rej = _figure("COALESCE(c.rej, '')", "''")
    sql = (
        f"SELECT a.o, {int(rule.id)}, p.k, o.path, p.s, p.e, {status}, {n}, {int(rule.times)}, {ids}, {rej} "
        f"{head}LEFT JOIN ({counts}) c ON c.org_id = a.o AND c.k = p.{q.period_join()}"
    )
    rest, r_params = _unrecorded(rule, unrecorded, applies, str(int(rule.times)))
    return sql + rest, [q.sql_date(on), *h_params, *c_params, *r_params]


def family_sql(
    family: Sequence[tuple[Rule, list[Interval]]],
    spans: Sequence[Span],
    counted: Sequence[Span],
    on: dt.date,
    few: list[OrgHistory] | None,
) -> tuple[str, list]:
    """One statement giving the result rows of per-member rules with the same periods, for the
    orgs and periods of each rule's intervals × ``spans`` (see ``_member_family``). A row is
    kept where members are expected, and for periods with no records (无记录)."""
    rules = [r for r, _rows in family]
    with_sql, params = _member_family(rules, counted or spans[-1:], few if counted else [])
    spans, unrecorded = _split(spans, counted)
    parts = []
    for i, (rule, rows) in enumerate(family):
        applies = q.intervals_sql(rows)
        head, h_params = _head(spans, applies)
        share = int(round(rule.share * 1000))
        status = _status(f"c.m{i} * 1000 >= {share} * c.n{i}")
        ids = _figure(f"COALESCE(d.ids{i}, '')", "''")
        parts.append(
            f"SELECT a.o, {int(rule.id)}, p.k, o.path, p.s, p.e, {status}, "
            f"{_figure(f'c.m{i}')}, {_figure(f'c.n{i}')}, {ids}, '' "
            f"{head}LEFT JOIN c ON c.oid = a.o AND c.k = p.k "
            f"LEFT JOIN l d ON d.oid = a.o AND d.k = p.{q.period_join()} "
            f"WHERE c.n{i} > 0 OR ({NO_RECORDS_SQL})"
        )
        params += [q.sql_date(on), *h_params]
        rest, r_params = _unrecorded(rule, unrecorded, applies, "0")
        if rest:
            parts[-1] += rest
            params += r_params
    return with_sql + " UNION ALL ".join(parts), params


def rule_spans(
    rule: Rule, on: dt.date, *, dates: Iterable[dt.date] | None = None, since: dt.date | None = None
) -> tuple[Span, ...]:
    """The periods of ``rule`` to evaluate on ``on``: all (window and campaign), those
    containing ``dates``, or those ending on or after ``since``."""
    spans = rule.all_spans(window_start(on), on)
    if dates is not None:
        days = sorted(set(dates))
        spans = tuple(s for s in spans if any(s.contains(d) for d in days))
    if since is not None:
        spans = tuple(s for s in spans if s.end >= since)
    return spans


def _counted(spans: tuple[Span, ...], rows: list[Interval]) -> tuple[Span, ...]:
    """The periods whose records are counted: those ending on or after the earliest 纪实起始日期
    of the orgs (earlier ones are 无记录 everywhere). Possibly none."""
    if any(r[3] is None for r in rows):
        return spans
    first = min(r[3] for r in rows if r[3] is not None)
    return tuple(s for s in spans if s.end >= first)


def cell_queries(
    rules: list[Rule],
    histories: dict[int, OrgHistory],
    *,
    on: dt.date,
    dates: Iterable[dt.date] | None = None,
    since: dt.date | None = None,
    few: bool = False,
    posts: str | None = None,
) -> list[tuple[tuple[Rule, ...], str, list]]:
    """(rules, statement, params) for ``histories`` × ``rules``: one per org-level rule, one per
    family of per-member rules with the same periods. A statement may start with WITH.
    ``posts``: a table made by ``committee_posts_sql``, read for the quorum (else positions)."""
    date_list = sorted(set(dates)) if dates is not None else None
    out: list[tuple[tuple[Rule, ...], str, list]] = []
    subset = list(histories.values()) if few or len(histories) <= ORG_FILTER_MAX else None
    families: dict[tuple, list[tuple[Rule, list[Interval]]]] = {}
    known: dict[tuple, list[Interval]] = {}  # rules with the same applicability share intervals
    for rule in rules:
        spans = rule_spans(rule, on, dates=date_list, since=since)
        if not spans:
            continue
        same = rule.applicability()
        rows = known.get(same)
        if rows is None:
            rows = known[same] = intervals(rule, histories.values())
        first, last = spans[0].start, spans[-1].start
        rows = [r for r in rows if (r[2] is None or r[2] > first) and r[1] <= last]
        if not rows:
            continue
        counted = _counted(spans, rows)
        if rule.per_member:
            families.setdefault((rule.period, spans, counted), []).append((rule, rows))
        else:
            few_orgs = subset
            if few_orgs is None:
                # A rule for a few orgs (党委 only, a batch) counts only their records.
                org_ids = {r[0] for r in rows}
                if len(org_ids) <= ORG_FILTER_MAX:
                    few_orgs = [histories[o] for o in sorted(org_ids)]
            out.append(((rule,), *rule_sql(rule, spans, counted, rows, on, few_orgs, posts)))
    for (_period, spans, counted), family in families.items():
        out.append((tuple(r for r, _rows in family), *family_sql(family, spans, counted, on, subset)))
    return out


def status_of(count: int, required: int, span: Span, on: dt.date, share: float | None = None) -> str:
    """The status rule of ``rule_sql``, for readers that have the figures in hand."""
    need = members_needed(share, required) if share is not None else required
    if count >= need:
        return MET
    return NOT_DUE if span.end >= on else NOT_MET


def same_ids(a: str, b: str) -> bool:
    """Whether two comma-separated id lists hold the same ids (order is not defined)."""
    return a == b or sorted(a.split(",")) == sorted(b.split(","))
