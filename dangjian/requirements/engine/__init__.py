"""The compliance engine: evaluates requirements per (requirement, org, period).

Modules, by concern:
- ``periods``: periods, their keys and labels, the evaluation and retention windows;
- ``rules``: requirements compiled for evaluation (applicability on one day's facts);
- ``facts``: org facts over time, read from dated records, and when each rule applies;
- ``counting``: the SQL of one rule (what counts, per org or per member);
- ``sql``: what differs between SQLite and PostgreSQL;
- ``writer``: the full rebuild, incremental updates, roll-ups and tree changes.

One code path computes the wanted rows: per org-level rule, one SELECT crossing the intervals
in which the rule applies to each org with its periods, counting kind entries with a GROUP BY
inside the database; per family of per-member rules with the same periods, one statement whose
WITH clause reads the members, their attendance and the records once for all of them. Records
are counted only in periods that may be judged (ending on or after the earliest 纪实起始日期).
The full recompute wraps each statement in an INSERT … SELECT; the incremental update runs the
same statements (one UNION ALL) for a few orgs and periods and writes the difference. So
incremental == full recompute by construction, and a hypothesis test checks it.

Status: NO_RECORDS when the period ended before the org's 纪实起始日期 (the row carries no
figures: count 0, no records); else count ≥ required → MET; otherwise NOT_DUE while the period
has not ended, NOT_MET once it has. A daily ``recompute_compliance`` turns yesterday's NOT_DUE
into NOT_MET when a period ends.
"""

from __future__ import annotations

from .counting import (
    ATTENDED,
    MET,
    NO_RECORDS,
    NOT_DUE,
    NOT_MET,
    RESULT_COLUMNS,
    RowKey,
    cell_queries,
    rule_spans,
    same_ids,
    status_of,
)
from .facts import OrgHistory, deployment_records_from, intervals, load_histories
from .periods import (
    CURRENT_WORD,
    QUARTER_NAMES,
    Span,
    parse_span,
    period_kind_of_key,
    retention_start,
    span_label,
    span_of,
    spans_overlapping,
    today,
    window_start,
)
from .rules import Facts, Rule, active_rules
from .writer import (
    ROLLUP_COLUMNS,
    RecomputeReport,
    affected_by_activity,
    ancestor_ids_of,
    earliest_day,
    evaluate,
    on_tree_changed,
    orgs_of_members,
    rebuild_rollups_for,
    recompute_all,
    rollup_select,
    sync_orgs,
)

__all__ = [
    "ATTENDED",
    "CURRENT_WORD",
    "MET",
    "NOT_DUE",
    "NOT_MET",
    "NO_RECORDS",
    "QUARTER_NAMES",
    "RESULT_COLUMNS",
    "ROLLUP_COLUMNS",
    "Facts",
    "OrgHistory",
    "RecomputeReport",
    "RowKey",
    "Rule",
    "Span",
    "active_rules",
    "affected_by_activity",
    "ancestor_ids_of",
    "cell_queries",
    "deployment_records_from",
    "earliest_day",
    "evaluate",
    "intervals",
    "load_histories",
    "on_tree_changed",
    "orgs_of_members",
    "parse_span",
    "period_kind_of_key",
    "rebuild_rollups_for",
    "recompute_all",
    "retention_start",
    "rollup_select",
    "rule_spans",
    "same_ids",
    "span_label",
    "span_of",
    "spans_overlapping",
    "status_of",
    "sync_orgs",
    "today",
    "window_start",
]
