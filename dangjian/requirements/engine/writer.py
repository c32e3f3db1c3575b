"""Writing results: the full rebuild (set-based, one INSERT … SELECT per rule or per-member
family on SQLite, one statement on PostgreSQL), the incremental update of a few orgs and periods (same SELECTs, the
difference written and the ancestors' roll-ups moved by deltas), and tree changes.

What a full rebuild governs: every period of the evaluation window (``COMPLIANCE_HISTORY_YEARS``)
and every period of a campaign rule (bounded by its dates; kept while the rule exists). Results
of closed periods older than the window but inside the retention window
(``COMPLIANCE_RETENTION_YEARS``) are left as they are; older ones are deleted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Count, Q
from django.db.models.functions import Substr

from dangjian.orgs.models import Org

from ..models import ComplianceResult, ComplianceRollup, Status, TrackedOrg
from . import sql as q
from .counting import (
    MET,
    NO_RECORDS,
    NOT_DUE,
    NOT_MET,
    RESULT_COLUMNS,
    RowKey,
    cell_queries,
    committee_posts_sql,
    rule_spans,
    same_ids,
)
from .facts import OrgHistory, load_histories
from .periods import retention_start, today, window_start
from .rules import Rule, active_rules

STEPLEN = q.STEPLEN
PACK = 40  # bits per count packed in one integer (a count never reaches 2**40)
SUBTREE_SYNC_LIMIT = 500  # orgs below a moved one re-judged one by one; more: the scoped rules in bulk
T_ORG, T_RESULT, T_ROLLUP, T_TRACKED = q.T_ORG, q.T_RESULT, q.T_ROLLUP, q.T_TRACKED
_pg, _cols, _in_ids = q.pg, q.cols, q.in_ids

ROLLUP_COLUMNS = (
    "org_id",
    "requirement_id",
    "period_key",
    "rel_depth",
    "org_path",
    "period_start",
    "met",
    "not_met",
    "not_due",
)


def earliest_day(rules: list[Rule], on: dt.date) -> dt.date:
    """The first day any of ``rules`` is judged on ``on`` (facts are exact from there)."""
    days = [s[0].start for s in (rule_spans(r, on) for r in rules) if s]
    return min([window_start(on), *days])


def governed(rules: list[Rule], on: dt.date, rule_ids: list[int] | None = None) -> tuple[str, list]:
    """WHERE clause (alias ``t``) of the stored rows a full rebuild owns: all but the closed
    periods of active ordinary rules between the retention and evaluation windows."""
    keep = sorted(r.id for r in rules if not r.is_campaign)
    k_in, k_params = _in_ids("t.requirement_id", keep or [0])
    where = f"NOT (t.period_start >= %s AND t.period_start < %s AND {k_in})"
    params = [q.sql_date(retention_start(on)), q.sql_date(window_start(on)), *k_params]
    if rule_ids is not None:
        r_in, r_params = _in_ids("t.requirement_id", rule_ids or [0])
        where += f" AND {r_in}"
        params += r_params
    return where, params


def evaluate(
    rules: list[Rule],
    histories: dict[int, OrgHistory],
    *,
    on: dt.date,
    dates: Iterable[dt.date] | None = None,
    since: dt.date | None = None,
) -> dict[RowKey, tuple]:
    """Wanted rows {(org, requirement, period key): the other ``RESULT_COLUMNS``}, in one query."""
    queries = cell_queries(rules, histories, on=on, dates=dates, since=since, few=True)
    if not queries:
        return {}
    sql, params = union_all(queries)
    return {(r[0], r[1], r[2]): r[3:] for r in q.fetch_all(sql, params)}


def union_all(queries: list[tuple[Any, str, list]]) -> tuple[str, list]:
    """The statements of ``cell_queries`` as one SELECT (those with a WITH clause as subqueries)."""
    parts = [
        f"SELECT * FROM ({sql}) AS f{i}" if sql.startswith("WITH") else sql  # noqa: S608
        for i, (_rules, sql, _params) in enumerate(queries)
    ]
    return " UNION ALL ".join(parts), [p for x in queries for p in x[2]]


@dataclass
class RecomputeReport:
    results: int = 0
    rollups: int = 0
    orgs: int = 0
    requirements: int = 0
    written: int = 0  # rows inserted, updated or deleted


def rollup_select(source: str) -> str:
    """SELECT of the roll-up rows (``ROLLUP_COLUMNS``) from the result rows in table ``source``.

    Results are first counted by (rule, period, parent path), then each count is added to
    every ancestor of the parent at its relative depth.
    """
    step = STEPLEN
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(LENGTH(path)) FROM {T_ORG}")  # noqa: S608 - our table
        max_len = cursor.fetchone()[0] or 0
    levels = " UNION ALL ".join(
        f"SELECT {d} AS d" if d == 1 else f"SELECT {d}" for d in range(1, max(max_len // step, 2))
    )
    count = "COUNT(*) FILTER (WHERE r.status = '{}')"
    groups = (
        f"SELECT r.requirement_id AS rid, r.period_key AS k, MIN(r.period_start) AS s, "  # noqa: S608
        f"SUBSTR(r.org_path, 1, LENGTH(r.org_path) - {step}) AS parent, "
        f"{count.format(MET)} AS met, {count.format(NOT_MET)} AS not_met, {count.format(NOT_DUE)} AS not_due "
        f"FROM {source} r WHERE LENGTH(r.org_path) > {step} AND r.status <> '{NO_RECORDS}' GROUP BY 1, 2, 4"
    )
    spread = (
        f"SELECT SUBSTR(g.parent, 1, lv.d * {step}) AS anc, g.rid AS rid, g.k AS k, "  # noqa: S608
        f"LENGTH(g.parent) / {step} + 1 - lv.d AS rel, MIN(g.s) AS s, SUM(g.met) AS met, "
        f"SUM(g.not_met) AS not_met, SUM(g.not_due) AS not_due "
        f"FROM ({groups}) g JOIN ({levels}) lv ON lv.d * {step} <= LENGTH(g.parent) GROUP BY 1, 2, 3, 4"
    )
    return (
        f"SELECT a.id, x.rid, x.k, x.rel, x.anc, x.s, x.met, x.not_met, x.not_due "  # noqa: S608
        f"FROM ({spread}) x JOIN {T_ORG} a ON a.path = x.anc"
    )


def _rollups_sqlite(
    cursor, source: str, scope: tuple[str, list], starts: dict[tuple[int, str], Any]
) -> tuple[int, int]:
    """SQLite: bring the roll-up rows within ``scope`` in line with the result rows in table
    ``source`` (whose periods start on ``starts``: (rule, period key) -> first day as stored).
    One grouped statement counts results by (rule, period, parent path, status); the counts
    are added to every ancestor here, compared with the stored rows, and only the differences
    written. Returns (roll-up rows, rows written)."""
    step = STEPLEN
    # Each org's parent path, as a number (an index into ``parents``), in a temporary table:
    # the results are grouped on integers rather than on a prefix of their path.
    cursor.execute(f"SELECT id, path FROM {T_ORG}")  # noqa: S608
    ids: dict[str, int] = {}
    parent_of: dict[int, int] = {}  # org id -> parent number
    parents: dict[str, int] = {}  # parent path -> number
    for org_id, path in cursor.fetchall():
        ids[path] = org_id
        if len(path) > step:
            parent = path[:-step]
            n = parents.get(parent)
            if n is None:
                n = parents[parent] = len(parents)
            parent_of[org_id] = n
    p_map = "compliance_stage_parents"
    cursor.execute(f"DROP TABLE IF EXISTS temp.{p_map}")
    cursor.execute(f"CREATE TEMPORARY TABLE {p_map} (id INTEGER PRIMARY KEY, p INTEGER NOT NULL)")
    cursor.executemany(f"INSERT INTO {p_map} (id, p) VALUES (%s, %s)", list(parent_of.items()))  # noqa: S608
    # One row per (parent, rule, period) with the three counts.
    count = "COUNT(*) FILTER (WHERE r.status = '{}')"
    cursor.execute(
        f"SELECT m.p, r.requirement_id, r.period_key, "  # noqa: S608
        f"{count.format(MET)}, {count.format(NOT_MET)}, {count.format(NOT_DUE)} "
        f"FROM {source} r JOIN {p_map} m ON m.id = r.org_id WHERE r.status <> '{NO_RECORDS}' GROUP BY 1, 2, 3"
    )
    rows = cursor.fetchall()
    cursor.execute(f"DROP TABLE temp.{p_map}")
    # Each parent number's ancestors (those with an org row), the parent first: (org id, rel depth).
    chains: list[list[tuple[int, int]]] = []
    for parent in parents:
        depth = len(parent) // step
        chain = []
        for d in range(depth, 0, -1):
            anc = ids.get(parent[: d * step])
            if anc is not None:
                chain.append((anc, depth + 1 - d))
        chains.append(chain)
    # The three counts packed in one integer (PACK bits each), so that adding a parent's counts
    # to each ancestor is one addition.
    wanted: dict[tuple[int, int, str, int], int] = {}  # (ancestor id, rule, key, rel depth)
    get = wanted.get
    for p, rid, key, met, not_met, not_due in rows:
        packed = met | not_met << PACK | not_due << 2 * PACK
        for anc, rel in chains[p]:
            k = (anc, rid, key, rel)
            wanted[k] = get(k, 0) + packed
    paths = {org_id: path for path, org_id in ids.items()}
    where, params = scope
    # Stored dates read as text (an expression has no declared type): compared as staged.
    cursor.execute(
        f"SELECT t.id, t.org_id, t.requirement_id, t.period_key, t.rel_depth, t.org_path, "  # noqa: S608
        f"CAST(t.period_start AS TEXT), t.met, t.not_met, t.not_due FROM {T_ROLLUP} t WHERE {where}",
        params,
    )
    existing = {(r[1], r[2], r[3], r[4]): r for r in cursor.fetchall()}
    upserts = []
    mask = (1 << PACK) - 1
    for k, packed in wanted.items():
        org_id, rid, key, rel = k
        row = (paths[org_id], starts[(rid, key)], packed & mask, packed >> PACK & mask, packed >> 2 * PACK)
        old = existing.pop(k, None)
        if old is None or old[5:] != row:
            upserts.append((org_id, rid, key, rel, *row))
    deletes = [r[0] for r in existing.values()]
    if upserts:
        qn = connection.ops.quote_name
        keys = ", ".join(qn(c) for c in ROLLUP_COLUMNS[:4])
        sets = ", ".join(f"{qn(c)} = excluded.{qn(c)}" for c in ROLLUP_COLUMNS[4:])
        marks = ", ".join(["%s"] * len(ROLLUP_COLUMNS))
        cursor.executemany(
            f"INSERT INTO {T_ROLLUP} ({_cols(ROLLUP_COLUMNS)}) VALUES ({marks}) "  # noqa: S608
            f"ON CONFLICT ({keys}) DO UPDATE SET {sets}",
            upserts,
        )
    if deletes:
        d_in, d_params = _in_ids("id", deletes)
        cursor.execute(f"DELETE FROM {T_ROLLUP} WHERE {d_in}", d_params)  # noqa: S608
    return len(wanted), len(upserts) + len(deletes)


def _stage(cursor, name: str, table: str, columns: tuple[str, ...]) -> str:
    """SQLite: an empty temporary table (in memory) with ``columns`` of ``table``."""
    cursor.execute(f"DROP TABLE IF EXISTS temp.{name}")
    cursor.execute(f"CREATE TEMPORARY TABLE {name} AS SELECT {_cols(columns)} FROM {table} WHERE 0")  # noqa: S608
    return name


@dataclass
class MergeSpec:
    """Rows of ``table`` within ``scope`` (a WHERE clause on alias ``t``) that must equal the rows
    of the SELECT ``source`` (``columns`` in order; the first ``key_len`` are the unique key)."""

    name: str
    source: tuple[str, list]
    table: str
    columns: tuple[str, ...]
    key_len: int
    scope: tuple[str, list] = ("1 = 1", [])
    pk: str = "id"


def _merge_pg(cursor, specs: list[MergeSpec]) -> list[tuple[int, int]]:
    """PostgreSQL: apply every spec in one statement. Per spec, the source is materialized once
    (later sources may read earlier ones by name); a hashed FULL JOIN with the table finds the
    rows gone, changed and new, and data-modifying CTEs apply them. Unchanged rows are not
    written, so a daily run writes (and logs) little. Returns (rows wanted, rows written) per spec.
    """
    qn = connection.ops.quote_name
    ctes, params, counts = [], [], []
    for m in specs:
        keys = [qn(c) for c in m.columns[: m.key_len]]
        values = [qn(c) for c in m.columns[m.key_len :]]
        all_cols = ", ".join((*keys, *values))
        on = " AND ".join(f"s.{k} = t.{k}" for k in keys)
        differs = f"({', '.join(f't.{v}' for v in values)}) IS DISTINCT FROM ({', '.join(f's.{v}' for v in values)})"
        sets = ", ".join(f"{v} = d.{v}" for v in values)
        n, pk, key0 = m.name, m.pk, keys[0]
        ctes += [
            f"{n} ({all_cols}) AS MATERIALIZED ({m.source[0]})",
            f"{n}_t AS (SELECT * FROM {m.table} t WHERE {m.scope[0]})",  # noqa: S608
            f"{n}_d AS (SELECT t.{pk} AS target, s.* FROM {n} s FULL JOIN {n}_t t ON {on} "  # noqa: S608
            f"WHERE t.{pk} IS NULL OR s.{key0} IS NULL OR {differs})",
            f"{n}_gone AS (DELETE FROM {m.table} WHERE {pk} IN (SELECT target FROM {n}_d WHERE {key0} IS NULL))",  # noqa: S608
            f"{n}_changed AS (UPDATE {m.table} AS u SET {sets} FROM {n}_d d "  # noqa: S608
            f"WHERE u.{pk} = d.target AND d.{key0} IS NOT NULL)",
            f"{n}_added AS (INSERT INTO {m.table} ({all_cols}) SELECT {all_cols} FROM {n}_d WHERE target IS NULL)",  # noqa: S608
        ]
        params += [*m.source[1], *m.scope[1]]
        counts += [f"(SELECT COUNT(*) FROM {n})", f"(SELECT COUNT(*) FROM {n}_d)"]  # noqa: S608
    cursor.execute(f"WITH {', '.join(ctes)} SELECT {', '.join(counts)}", params)
    row = cursor.fetchone()
    return [(row[2 * i], row[2 * i + 1]) for i in range(len(specs))]


def _merge_sqlite(
    cursor, stage: str, table: str, columns: tuple[str, ...], key_len: int, scope: tuple[str, list]
) -> int:
    """SQLite: make the rows of ``table`` within ``scope`` (a WHERE clause on alias ``t``) equal
    those of the temporary table ``stage``: one pass through the unique key picks the rows
    that are new or differ (a read; most rows are unchanged), which are then upserted; deletes
    follow only if rows are left over. Returns the number of rows written."""
    qn = connection.ops.quote_name
    keys = [qn(c) for c in columns[:key_len]]
    values = [qn(c) for c in columns[key_len:]]
    all_cols = ", ".join((*keys, *values))
    on_key = " AND ".join(f"t.{k} = s.{k}" for k in keys)
    differs = f"({', '.join(f't.{v}' for v in values)}) IS NOT ({', '.join(f's.{v}' for v in values)})"
    changed = f"{stage}_changed"
    cursor.execute(f"DROP TABLE IF EXISTS temp.{changed}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {changed} AS SELECT {', '.join(f's.{c}' for c in (*keys, *values))} "  # noqa: S608
        f"FROM {stage} s LEFT JOIN {table} t ON {on_key} WHERE t.{keys[0]} IS NULL OR {differs}"
    )
    sets = ", ".join(f"{v} = excluded.{v}" for v in values)
    cursor.execute(
        f"INSERT INTO {table} ({all_cols}) SELECT {all_cols} FROM {changed} WHERE 1 "  # noqa: S608
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {sets}"
    )
    written = cursor.rowcount
    cursor.execute(f"DROP TABLE temp.{changed}")
    where, params = scope
    cursor.execute(f"SELECT COUNT(*) FROM {table} t WHERE {where}", params)  # noqa: S608
    have = cursor.fetchone()[0]
    cursor.execute(f"SELECT COUNT(*) FROM {stage}")  # noqa: S608
    if have > cursor.fetchone()[0]:
        on = " AND ".join(f"s.{k} = t.{k}" for k in keys)
        cursor.execute(f"CREATE INDEX temp.{stage}_key ON {stage} ({', '.join(keys)})")
        cursor.execute(
            f"DELETE FROM {table} AS t WHERE {where} AND NOT EXISTS (SELECT 1 FROM {stage} s WHERE {on})",  # noqa: S608
            params,
        )
        written += cursor.rowcount
    return written


@transaction.atomic
def recompute_all(*, on: dt.date | None = None, rule_ids: Iterable[int] | None = None) -> RecomputeReport:
    """Rebuild results and roll-ups from the records (for every active rule, or only ``rule_ids``).

    The wanted rows come from one SELECT per rule (and one for the roll-ups) and are merged
    into the tables: only rows whose values differ are written. PostgreSQL merges each SELECT
    in one statement; SQLite collects them in an in-memory temporary table first, with the
    database file mapped into memory while it reads.
    """
    with q.bulk_reads():
        return _recompute_all(on=on, rule_ids=rule_ids)


def _recompute_all(*, on: dt.date | None, rule_ids: Iterable[int] | None) -> RecomputeReport:
    on = on or today()
    ids = sorted(set(rule_ids)) if rule_ids is not None else None
    everything = active_rules()
    rules = [r for r in everything if ids is None or r.id in ids]
    histories = load_histories(None, lo=earliest_day(rules, on))
    posts = None if _pg() else POSTS_STAGE
    queries = cell_queries(rules, histories, on=on, posts=posts)
    scope = governed(everything, on, ids)
    report = RecomputeReport(orgs=len(histories), requirements=len(rules))
    tracked: tuple[str, list[Any]] = (f"SELECT id, path FROM {T_ORG}", [])  # noqa: S608
    with connection.cursor() as cursor:
        if _pg():
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute("SET LOCAL work_mem = '128MB'")  # hashes of ~600k rows in memory
            cursor.execute("SET LOCAL enable_mergejoin = off")  # hashing beats sorting text keys here
            cursor.execute("SET LOCAL jit = off")  # compiling costs more than it saves on these queries
            cells = (
                union_all(queries)
                if queries
                else (f"SELECT {_cols(RESULT_COLUMNS)} FROM {T_RESULT} WHERE 1 = 0", [])  # noqa: S608
            )
            specs = [
                MergeSpec("results", cells, T_RESULT, RESULT_COLUMNS, 3, scope),
                MergeSpec("rollups", (rollup_select("results"), []), T_ROLLUP, ROLLUP_COLUMNS, 4, scope),
            ]
            if ids is None:
                specs.append(MergeSpec("tracked", tracked, T_TRACKED, ("org_id", "path"), 1, pk="org_id"))
            done = _merge_pg(cursor, specs)
            report.results, report.written = done[0]
            report.rollups = done[1][0]
            report.written += done[1][1]
            return report
        stages = [_stage(cursor, f"compliance_stage_{n}", t, c) for n, t, c in STAGES]
        for statement in committee_posts_sql(POSTS_STAGE):
            cursor.execute(statement)
        stages.append(POSTS_STAGE)
        results, tracked_stage = stages[:2]
        for _rules, sql, params in queries:
            cursor.execute(f"INSERT INTO {results} ({_cols(RESULT_COLUMNS)}) {sql}", params)
            report.results += cursor.rowcount
        report.written = _merge_sqlite(cursor, results, T_RESULT, RESULT_COLUMNS, 3, scope)
        # A period's first day is the same for every org (as staged: the SQL value of the day).
        starts = {(r.id, s.key): q.sql_date(s.start) for r in rules for s in rule_spans(r, on)}
        report.rollups, written = _rollups_sqlite(cursor, results, scope, starts)
        report.written += written
        if ids is None:
            cursor.execute(f"INSERT INTO {tracked_stage} (org_id, path) {tracked[0]}")
            _merge_sqlite(cursor, tracked_stage, T_TRACKED, ("org_id", "path"), 1, ("1 = 1", []))
        for name in stages:
            cursor.execute(f"DROP TABLE IF EXISTS temp.{name}")
    return report


STAGES = (
    ("results", T_RESULT, RESULT_COLUMNS),
    ("tracked", T_TRACKED, ("org_id", "path")),
)
POSTS_STAGE = "compliance_stage_posts"  # the 委员 posts read by the quorum (SQLite)


# ---------------------------------------------------------------- incremental updates

STATUS_INDEX = {MET: 0, NOT_MET: 1, NOT_DUE: 2}


def _apply_rollup_deltas(deltas: dict[tuple[int, str, int], list], org_paths: dict[int, str]) -> None:
    """Add ``deltas`` ((rule, period key, org id) -> [dmet, dnot_met, dnot_due, start]) to ancestors.

    One query reads the ancestors' ids and their roll-up rows concerned; then one statement per
    kind of write (update, insert, delete).
    """
    wanted: dict[tuple[str, int, str, int], list] = {}  # (ancestor path, rule, key, rel depth)
    for (rule_id, key, oid), delta in deltas.items():
        path = org_paths[oid]
        depth = len(path) // STEPLEN
        for d in range(1, depth):
            k = (path[: d * STEPLEN], rule_id, key, depth - d)
            cur = wanted.get(k)
            if cur is None:
                wanted[k] = [delta[0], delta[1], delta[2], delta[3]]
            else:
                cur[0] += delta[0]
                cur[1] += delta[1]
                cur[2] += delta[2]
    wanted = {k: v for k, v in wanted.items() if v[0] or v[1] or v[2]}
    if not wanted:
        return
    a_in, a_params = _in_ids("a.path", sorted({k[0] for k in wanted}), sql_type="text")
    r_in, r_params = _in_ids("r.requirement_id", sorted({k[1] for k in wanted}))
    k_in, k_params = _in_ids("r.period_key", sorted({k[2] for k in wanted}), sql_type="text")
    anc_ids: dict[str, int] = {}
    existing: dict[tuple[str, int, str, int], tuple] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT a.path, a.id, r.id, r.requirement_id, r.period_key, r.rel_depth, r.met, r.not_met, "  # noqa: S608
            f"r.not_due FROM {T_ORG} a LEFT JOIN {T_ROLLUP} r ON r.org_id = a.id AND {r_in} AND {k_in} "
            f"WHERE {a_in}",
            [*r_params, *k_params, *a_params],
        )
        for path, anc_id, pk, rid, key, rel, met, not_met, not_due in cursor.fetchall():
            anc_ids[path] = anc_id
            if pk is not None:
                existing[(path, rid, key, rel)] = (pk, met, not_met, not_due)
        inserts, updates, deletes = [], [], []
        for k, (dm, dn, dd, start) in wanted.items():
            row = existing.get(k)
            if row is None:
                inserts.append((anc_ids[k[0]], k[1], k[2], k[3], k[0], start, dm, dn, dd))
                continue
            pk, met, not_met, not_due = row
            met, not_met, not_due = met + dm, not_met + dn, not_due + dd
            if met == not_met == not_due == 0:
                deletes.append(pk)
            else:
                updates.append((met, not_met, not_due, pk))
        if updates:
            cursor.executemany(
                f"UPDATE {T_ROLLUP} SET met = %s, not_met = %s, not_due = %s WHERE id = %s",  # noqa: S608
                updates,
            )
        if inserts:
            marks = ", ".join(["%s"] * len(ROLLUP_COLUMNS))
            cursor.executemany(
                f"INSERT INTO {T_ROLLUP} ({_cols(ROLLUP_COLUMNS)}) VALUES ({marks})",  # noqa: S608
                inserts,
            )
        if deletes:
            d_in, d_params = _in_ids("id", deletes)
            cursor.execute(f"DELETE FROM {T_ROLLUP} WHERE {d_in}", d_params)  # noqa: S608


def sync_orgs(
    org_ids: Iterable[int],
    *,
    dates: Iterable[dt.date] | None = None,
    since: dt.date | None = None,
    on: dt.date | None = None,
    rules: list[Rule] | None = None,
    rollups: bool = True,
) -> int:
    """Bring the results of ``org_ids`` in line: the periods containing ``dates``, those ending
    on or after ``since``, or all. Returns rows changed; the ancestors' roll-ups follow by deltas
    (unless ``rollups`` is false: the caller rebuilds them, as after a move, where a row's stored
    path is already the new one while the ancestors' roll-ups still count it under the old).
    """
    on = on or today()
    ids = {int(i) for i in org_ids}
    if not ids:
        return 0
    everything = active_rules()
    rules = rules if rules is not None else everything
    date_list = sorted(set(dates)) if dates is not None else None
    histories = load_histories(ids, lo=earliest_day(rules, on))
    wanted = evaluate(rules, histories, on=on, dates=date_list, since=since) if rules else {}
    o_in, params = _in_ids("t.org_id", sorted(ids))
    where = o_in
    scope_keys: set[tuple[int, str]] | None = None
    if date_list is not None or since is not None:
        scope_keys = {(r.id, s.key) for r in rules for s in rule_spans(r, on, dates=date_list, since=since)}
        # Keys of rules deactivated since are left to the full recompute.
        k_in, k_params = _in_ids("t.period_key", sorted({k for _r, k in scope_keys}) or [""], sql_type="text")
        where += f" AND {k_in}"
        params += k_params
    else:
        g_where, g_params = governed(everything, on)
        where += f" AND {g_where}"
        params += g_params
    existing: dict[RowKey, tuple] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT t.id, {', '.join('t.' + c for c in _cols(RESULT_COLUMNS).split(', '))} FROM {T_RESULT} t WHERE {where}",  # noqa: S608
            params,
        )
        for row in cursor.fetchall():
            if scope_keys is not None and (row[2], row[3]) not in scope_keys:
                continue
            existing[(row[1], row[2], row[3])] = (row[0], row[4:])
    inserts, updates = [], []
    deltas: dict[tuple[int, str, int], list] = {}
    org_paths: dict[int, str] = {}

    def delta(key: RowKey, path: str, start: Any, old: str | None, new: str | None) -> None:
        old = old if old in STATUS_INDEX else None
        new = new if new in STATUS_INDEX else None
        if old == new:
            return
        oid, rid, pkey = key
        org_paths[oid] = path
        d = deltas.setdefault((rid, pkey, oid), [0, 0, 0, start])
        if old is not None:
            d[STATUS_INDEX[old]] -= 1
        if new is not None:
            d[STATUS_INDEX[new]] += 1

    for key, row in wanted.items():
        cur = existing.pop(key, None)
        if cur is None:
            inserts.append((*key, *row))
            delta(key, row[0], row[1], None, row[3])
            continue
        pk, old = cur
        # Stored dates read back as dates, computed ones (SQLite) as ISO text.
        if (
            old[0] != row[0]
            or q.as_date(old[1]) != q.as_date(row[1])
            or q.as_date(old[2]) != q.as_date(row[2])
            or tuple(old[3:6]) != tuple(row[3:6])
            or not same_ids(old[6], row[6])
            or not same_ids(old[7], row[7])
        ):
            updates.append((*row, pk))
            delta(key, row[0], row[1], old[3], row[3])
    deletes = [pk for pk, _old in existing.values()]
    for key, (_pk, old) in existing.items():
        delta(key, old[0], old[1], old[3], None)
    with connection.cursor() as cursor:
        if inserts:
            marks = ", ".join(["%s"] * len(RESULT_COLUMNS))
            cursor.executemany(
                f"INSERT INTO {T_RESULT} ({_cols(RESULT_COLUMNS)}) VALUES ({marks})",  # noqa: S608
                inserts,
            )
        if updates:
            sets = ", ".join(f"{connection.ops.quote_name(c)} = %s" for c in RESULT_COLUMNS[3:])
            cursor.executemany(f"UPDATE {T_RESULT} SET {sets} WHERE id = %s", updates)  # noqa: S608
        if deletes:
            d_in, d_params = _in_ids("id", deletes)
            cursor.execute(f"DELETE FROM {T_RESULT} WHERE {d_in}", d_params)  # noqa: S608
    if rollups:
        _apply_rollup_deltas(deltas, org_paths)
    return len(inserts) + len(updates) + len(deletes)


def rebuild_rollups_for(ancestor_ids: Iterable[int]) -> None:
    """Recompute every roll-up row of the given orgs from the result rows of their subtrees."""
    ancestors = list(Org.objects.filter(pk__in=set(ancestor_ids)).values_list("pk", "path"))
    for anc_id, path in ancestors:
        ComplianceRollup.objects.filter(org_id=anc_id).delete()
        rows = (
            ComplianceResult.objects.filter(org_path__startswith=path)
            .exclude(org_path=path)
            .exclude(status=Status.NO_RECORDS)
            .values("requirement_id", "period_key", "period_start", "org_path")
            .annotate(
                met=Count("pk", filter=Q(status=Status.MET)),
                not_met=Count("pk", filter=Q(status=Status.NOT_MET)),
                not_due=Count("pk", filter=Q(status=Status.NOT_DUE)),
            )
        )
        acc: dict[tuple[int, str, int], list] = {}
        base = len(path) // STEPLEN
        for r in rows:
            k = (r["requirement_id"], r["period_key"], len(r["org_path"]) // STEPLEN - base)
            cur = acc.setdefault(k, [0, 0, 0, r["period_start"]])
            cur[0] += r["met"]
            cur[1] += r["not_met"]
            cur[2] += r["not_due"]
        ComplianceRollup.objects.bulk_create(
            [
                ComplianceRollup(
                    requirement_id=rid, org_id=anc_id, org_path=path, period_key=key, period_start=v[3],
                    rel_depth=rel, met=v[0], not_met=v[1], not_due=v[2],
                )
                for (rid, key, rel), v in acc.items()
            ],
            batch_size=2000,
        )  # fmt: skip


def ancestor_ids_of(paths: Iterable[str]) -> set[int]:
    prefixes = {p[: d * STEPLEN] for p in paths for d in range(1, len(p) // STEPLEN)}
    if not prefixes:
        return set()
    return set(Org.objects.filter(path__in=prefixes).values_list("pk", flat=True))


@transaction.atomic
@transaction.atomic
def on_tree_changed(
    org_ids: Iterable[int], *, on: dt.date | None = None, since: dt.date | None = None
) -> None:
    """Orgs created, edited, moved or removed: re-evaluate them and their old and new parents
    (the periods ending on or after ``since``, or all); when paths changed, rebuild the
    roll-ups of the old and new ancestor chains."""
    ids = {int(i) for i in org_ids}
    if not ids:
        return
    current = dict(Org.objects.filter(pk__in=ids).values_list("pk", "path"))
    tracked = dict(TrackedOrg.objects.filter(org_id__in=ids).values_list("org_id", "path"))
    affected = set(ids)
    moved: list[tuple[str, str]] = []
    touched_paths: set[str] = set()
    for oid, path in current.items():
        old = tracked.get(oid)
        touched_paths.add(path)
        if old is not None and old != path:
            moved.append((old, path))
            touched_paths.add(old)
    parent_paths = {p[:-STEPLEN] for p in touched_paths if len(p) > STEPLEN}
    affected |= set(Org.objects.filter(path__in=parent_paths).values_list("pk", flat=True))
    # Rules restricted to subtrees (campaign batches) may now apply, or no longer apply, to
    # every org below a moved one: judge the moved subtrees again (a big one: those rules in bulk).
    scoped = [r.id for r in active_rules() if r.within_orgs is not None] if moved else []
    bulk = False
    if scoped:
        below_q = Q(pk__in=[])
        for _old, new in moved:
            below_q |= Q(path__startswith=new)
        below = dict(Org.objects.filter(below_q).values_list("pk", "path"))
        bulk = len(below) > SUBTREE_SYNC_LIMIT
        if not bulk:
            affected |= set(below)
            touched_paths |= set(below.values())  # their roll-ups, inside the subtree, too
    sync_orgs(affected, on=on, since=None if moved else since, rollups=not moved)
    if bulk:
        recompute_all(on=on, rule_ids=scoped)
    if moved:
        for old, new in moved:
            TrackedOrg.objects.filter(path__startswith=old).update(
                path=models.functions.Concat(
                    models.Value(new), Substr("path", len(old) + 1), output_field=models.CharField()
                )
            )
        rebuild_rollups_for(ancestor_ids_of(touched_paths))
    known = set(TrackedOrg.objects.filter(org_id__in=current).values_list("org_id", flat=True))
    TrackedOrg.objects.bulk_create(
        [TrackedOrg(org_id=o, path=p) for o, p in current.items() if o not in known]
    )


def affected_by_activity(org_id: int, dates: Iterable[dt.date]) -> set[int]:
    """Orgs whose cells a record of ``org_id`` on ``dates`` may change (one query): the org;
    the org it sits in (records of a 党小组 count there); the orgs whose 书记 gave (or was
    recorded as giving) a lecture there; and the orgs of the members who attended (per-member
    rules count attendance anywhere), including the orgs they were transferred from."""
    from dangjian.activities.models import Activity

    days = sorted({q.sql_date(d) for d in dates})
    if not days:
        return {int(org_id)}
    d_in, d_params = _in_ids("a.held_on", days, sql_type="date")
    acts = f"SELECT a.id FROM {q.T_ACTIVITY} a WHERE a.org_id = %s AND {d_in}"  # noqa: S608
    history = Activity.history.model._meta.db_table  # type: ignore[attr-defined]  # simple-history
    lecturers = (
        f"SELECT a.lecturer_id FROM {q.T_ACTIVITY} a WHERE a.org_id = %s AND {d_in} "  # noqa: S608
        f"UNION SELECT h.lecturer_id FROM {history} h WHERE h.id IN ({acts})"
    )
    attendees = f"SELECT t.member_id FROM {q.T_ATTENDANCE} t WHERE t.activity_id IN ({acts})"  # noqa: S608
    rows = q.fetch_all(
        f"SELECT p.id FROM {T_ORG} o JOIN {T_ORG} p ON p.path = SUBSTR(o.path, 1, LENGTH(o.path) - {STEPLEN}) "  # noqa: S608
        f"WHERE o.id = %s "
        f"UNION SELECT s.org_id FROM {q.T_POSITION} s WHERE s.title = 'secretary' AND s.member_id IN ({lecturers}) "
        f"UNION SELECT m.org_id FROM {q.T_MEMBER} m WHERE m.id IN ({attendees}) "
        f"UNION SELECT x.from_org_id FROM {q.T_TRANSFER} x WHERE x.member_id IN ({attendees})",
        [org_id, org_id, *d_params, org_id, *d_params, org_id, *d_params, org_id, *d_params],
    )
    return {int(org_id), *(r[0] for r in rows)}


def orgs_of_members(member_ids: Iterable[int]) -> set[int]:
    """The orgs whose per-member figures count ``member_ids`` (one query): where they are now
    and where they were before each transfer."""
    ids = sorted({int(i) for i in member_ids})
    if not ids:
        return set()
    m_in, m_params = _in_ids("m.id", ids)
    x_in, x_params = _in_ids("x.member_id", ids)
    rows = q.fetch_all(
        f"SELECT m.org_id FROM {q.T_MEMBER} m WHERE {m_in} "  # noqa: S608
        f"UNION SELECT x.from_org_id FROM {q.T_TRANSFER} x WHERE {x_in}",
        [*m_params, *x_params],
    )
    return {r[0] for r in rows}
