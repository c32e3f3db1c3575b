"""Writes of the requirements engine: loading requirement files and keeping compliance current.

Entry points for other apps: the ``activities_changed``, ``members_changed`` and
``org_tree_changed`` events (core.events, subscribed in ``apps.py``); the activity services emit
the first after commit with the dates before and after a create/edit/delete.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from dangjian.core.audit import audit

from . import engine
from .loader import RequirementFileError, parse_files
from .models import Requirement

# Above this many orgs in one event, rebuild everything instead of syncing org by org.
SYNC_LIMIT = 500


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    changed_ids: list[int] = field(default_factory=list)


def requirements_load(*, paths: Iterable[Path], actor: Any = None, recompute: bool = True) -> LoadReport:
    """Validate every file, then upsert by code in one transaction (all or nothing).

    Requirements that came from one of these files but are no longer in it are deactivated.
    With ``recompute``, the compliance rows of changed requirements are rebuilt after commit.
    """
    parsed = parse_files(list(paths))
    report = LoadReport()
    with transaction.atomic():
        codes = [r.code for pf in parsed for r in pf.spec.requirements]
        existing = {r.code: r for r in Requirement.objects.select_for_update().filter(code__in=codes)}
        clashes = []
        for pf in parsed:
            for req in pf.spec.requirements:
                cur = existing.get(req.code)
                if cur is not None and cur.source_file and cur.source_file != pf.source_file:
                    clashes.append(
                        f"{pf.path.name} 第 {pf.lines[req.code]} 行，字段 code（编码）：编码 {req.code} "
                        f"已由 {cur.source_file} 定义"
                    )
        if clashes:
            raise RequirementFileError(clashes)
        for pf in parsed:
            for index, req in enumerate(pf.spec.requirements, 1):
                order = pf.spec.source.order * 100 + index
                values = {
                    "name": req.name,
                    "action": req.action,
                    "article": req.article,
                    "applies_to": req.applies_to.model_dump(exclude_none=True),
                    "counts": list(req.counts),
                    "period": req.period,
                    "times": req.times,
                    "deadline": req.deadline,
                    "judged": req.judged,
                    "effective_from": req.effective_from,
                    "effective_to": req.effective_to,
                    "note": req.note,
                    "counting": req.counting(),
                    "source_title": pf.spec.source.title,
                    "source_file": pf.source_file,
                    "is_active": True,
                }
                cur = existing.get(req.code)
                if cur is None:
                    cur = Requirement(code=req.code, order=order, **values)
                    cur.created_by = actor if getattr(actor, "is_authenticated", False) else None
                    cur.full_clean()
                    cur.save()
                    report.created.append(req.code)
                    report.changed_ids.append(cur.pk)
                    audit(actor=actor, verb="requirement.create", target=cur, code=cur.code)
                    continue
                changed = sorted(k for k, v in values.items() if getattr(cur, k) != v)
                if cur.order != order:
                    cur.order = order
                    changed.append("order")
                if not changed:
                    report.unchanged.append(req.code)
                    continue
                for k, v in values.items():
                    setattr(cur, k, v)
                cur.full_clean()
                cur.save()
                report.updated.append(req.code)
                if set(changed) - {"order", "source_title", "source_file", "article", "note"}:
                    report.changed_ids.append(cur.pk)
                audit(actor=actor, verb="requirement.update", target=cur, code=cur.code, changed=changed)
            gone = Requirement.objects.filter(source_file=pf.source_file, is_active=True).exclude(
                code__in=[r.code for r in pf.spec.requirements]
            )
            for cur in gone:
                cur.is_active = False
                cur.save(update_fields=["is_active", "updated_at"])
                report.deactivated.append(cur.code)
                report.changed_ids.append(cur.pk)
                audit(actor=actor, verb="requirement.deactivate", target=cur, code=cur.code)
        if recompute and report.changed_ids:
            ids = list(report.changed_ids)
            transaction.on_commit(lambda: engine.recompute_all(rule_ids=ids))
    return report


def requirement_changed(*, requirement: Requirement, actor: Any) -> None:
    """After an edit in the admin site: audit it and rebuild that requirement's rows after commit."""
    audit(actor=actor, verb="requirement.update", target=requirement, code=requirement.code, via="admin")
    pk = requirement.pk
    transaction.on_commit(lambda: engine.recompute_all(rule_ids=[pk]))


def compliance_recompute(*, on: dt.date | None = None) -> engine.RecomputeReport:
    """Rebuild every result and roll-up from the records (``manage.py recompute_compliance``)."""
    return engine.recompute_all(on=on)


@transaction.atomic
def compliance_on_activity_change(
    *, org_id: int, dates: list[dt.date], removed_members: Iterable[int] = ()
) -> None:
    """Recompute the compliance cells whose periods contain ``dates`` of ``org_id`` and of the
    orgs its records count for (the branch of a 党小组, the org of a lecturer who is a 书记,
    the orgs of the members who attended, and of those taken off the attendance), and the
    roll-ups of their ancestors. Called by the activity services after commit, with the dates
    before and after the change."""
    if not dates:
        return
    affected = engine.affected_by_activity(org_id, dates) | engine.orgs_of_members(removed_members)
    engine.sync_orgs(affected, dates=dates)


@transaction.atomic
def compliance_on_members_changed(*, org_ids: Iterable[int], since: dt.date | None = None) -> None:
    """Members came, went or changed status, or posts changed: applicability (正式党员 ≥ N,
    委员) and per-member rosters, for the periods ending on or after ``since`` (all if None)."""
    ids = set(org_ids)
    if len(ids) > SYNC_LIMIT:
        engine.recompute_all()  # a bulk import: one set-based pass beats thousands of small ones
    else:
        engine.sync_orgs(ids, since=since)


def compliance_on_org_tree_changed(*, org_ids: Iterable[int], since: dt.date | None = None) -> None:
    """Orgs created, edited, moved or removed (periods ending on or after ``since``, or all)."""
    engine.on_tree_changed(org_ids, since=since)


def compliance_on_activities_changed(
    *, changes: Mapping[int, list[dt.date]], removed_members: Iterable[int] = ()
) -> None:
    """Subscriber of ``activities_changed``: records were saved or removed in these orgs on
    these dates (before and after the change); ``removed_members`` were taken off their
    attendance (a member of another org's per-member figures change too)."""
    for org_id, dates in changes.items():
        compliance_on_activity_change(org_id=org_id, dates=dates, removed_members=removed_members)
