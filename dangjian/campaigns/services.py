"""Writes of the campaigns app: starting a campaign from a template and editing a batch.

Each writes its audit event in the same transaction and has the engine rebuild the rows of the
campaign's rules after commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from dangjian.core.audit import audit
from dangjian.orgs.models import Org
from dangjian.requirements import engine
from dangjian.requirements.models import PeriodKind, Requirement

from .models import Batch, BatchRule, Campaign, Phase, RequiredAction
from .templates import (
    BatchSpec,
    Template,
    TemplateError,
    action_requirement_fields,
    deadline_messages,
    get_template,
    overlap_messages,
)

RULE_ORDER_BASE = 30000  # campaign rules come after the standing ones in lists


class CampaignError(TemplateError):
    """Bad input for a campaign; ``messages`` holds one Chinese line per problem."""


@dataclass(frozen=True)
class BatchDates:
    """A batch to start: its template name and (optionally) other dates."""

    name: str
    starts_on: dt.date
    ends_on: dt.date


def parse_batch_option(text: str) -> BatchDates:
    """``第二批:2023-09-01:2024-01-31`` → BatchDates (Chinese message on bad input)."""
    parts = text.rsplit(":", 2)
    if len(parts) != 3:
        raise CampaignError([f"批次 {text!r} 格式应为 名称:YYYY-MM-DD:YYYY-MM-DD"])
    name, start, end = parts
    try:
        starts_on, ends_on = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    except ValueError:
        raise CampaignError([f"批次 {text!r} 的日期无效，格式应为 YYYY-MM-DD"]) from None
    if ends_on < starts_on:
        raise CampaignError([f"批次 {name} 的结束日期 {ends_on} 早于开始日期 {starts_on}"])
    return BatchDates(name, starts_on, ends_on)


def _deadline(action: RequiredAction, template_batch: BatchSpec | None, batch: Batch) -> dt.date | None:
    """The day a one-off action of ``batch`` is due: the day the office set for this batch
    (``Batch.deadlines``), else the template's deadline moved with the batch (as many days as the
    batch moved), or the batch's last day."""
    if action.period != PeriodKind.ONCE:
        return None
    if (batch.deadlines or {}).get(action.code):
        return dt.date.fromisoformat(batch.deadlines[action.code])
    if action.deadline is None:
        return batch.ends_on
    shift = batch.starts_on - template_batch.starts_on if template_batch is not None else dt.timedelta(0)
    return action.deadline + shift


def _write_rules(*, campaign: Campaign, batch: Batch, template: Template | None, actor: Any) -> list[int]:
    """Create or update the engine rule of every judged action of ``batch``; returns their ids.
    Raises CampaignError when a deadline falls outside the batch."""
    org_ids = sorted(batch.orgs.values_list("pk", flat=True))
    template_batch = template.batch(batch.name) if template is not None else None
    messages: list[str] = []
    ids: list[int] = []
    existing = {r.action_id: r for r in batch.rules.select_related("requirement")}
    for action in campaign.actions.all():
        if action.manual or action.ledger or (action.batch_names and batch.name not in action.batch_names):
            continue  # judged by confirmation or from a ledger (see ``judging``), not by the engine
        deadline = _deadline(action, template_batch, batch)
        messages += deadline_messages(
            campaign.name,
            f"规定动作 {action.code}（{action.name}）",
            deadline,
            [BatchSpec(name=batch.name, starts_on=batch.starts_on, ends_on=batch.ends_on)],
        )
        values = {
            "name": action.name,
            "action": action.action,
            "article": "",
            "applies_to": {**action.applies_to, "within_orgs": org_ids},
            "counts": list(action.counts),
            "period": action.period,
            "times": action.times,
            "judged": action.judged,
            "counting": dict(action.counting),
            "deadline": deadline,
            "effective_from": batch.starts_on,
            "effective_to": batch.ends_on,
            "note": action.note,
            "source_title": f"{campaign.name}（{batch.name}）",
            "source_file": f"campaign:{campaign.pk}",
            "order": RULE_ORDER_BASE + action.order,
            "is_active": True,
        }
        link = existing.get(action.pk)
        if link is None:
            req = Requirement(code=f"CAMPAIGN{campaign.pk}-{batch.order}-{action.code}", **values)
            req.created_by = actor if getattr(actor, "is_authenticated", False) else None
        else:
            req = link.requirement
            for key, value in values.items():
                setattr(req, key, value)
        req.full_clean()
        req.save()
        if link is None:
            BatchRule.objects.create(batch=batch, action=action, requirement=req)
        ids.append(req.pk)
    if messages:
        raise CampaignError(messages)
    return ids


def _batch_orgs(batches: Iterable[Batch]) -> list[tuple[str, dt.date, dt.date, list[tuple[int, str, str]]]]:
    return [(b.name, b.starts_on, b.ends_on, [(o.pk, o.path, o.name) for o in b.orgs.all()]) for b in batches]


def _recompute_after_commit(rule_ids: list[int], campaign: Campaign | None = None) -> None:
    """The engine rebuilds the rules' results after commit; then the campaign's stored
    dashboard figures, which read those results, are out of date."""
    ids = list(rule_ids)
    pk = campaign.pk if campaign is not None else None

    def run() -> None:
        engine.recompute_all(rule_ids=ids)
        if pk is not None:
            from .figures import figures_changed

            figures_changed(campaign_ids=[pk])

    if ids:
        transaction.on_commit(run)


@transaction.atomic
def campaign_start(
    *, template: str, root: Org, batches: Sequence[BatchDates] = (), actor: Any = None
) -> Campaign:
    """Start a campaign from ``template`` for the subtree of ``root``.

    ``batches`` names the batches to start and their dates (default: every batch of the
    template, on its dates); each covers ``root``'s subtree until edited with ``batch_update``.
    Deadlines move with their batch. Nothing is saved when anything is wrong.
    """
    tpl = get_template(template)
    spec = tpl.spec
    chosen = list(batches) or [BatchDates(b.name, b.starts_on, b.ends_on) for b in spec.batches]
    messages = [
        f"模板 {tpl.code} 没有批次 {b.name}（可用：{'、'.join(x.name for x in spec.batches)}）"
        for b in chosen
        if tpl.batch(b.name) is None
    ]
    names = [b.name for b in chosen]
    messages += [f"批次 {n} 重复" for i, n in enumerate(names) if n in names[:i]]
    if messages:
        raise CampaignError(messages)
    root_entry = [(root.pk, root.path, root.name)]
    messages = overlap_messages([(b.name, b.starts_on, b.ends_on, root_entry) for b in chosen])
    if messages:
        raise CampaignError(messages)
    campaign = Campaign(
        name=spec.template.name,
        template=tpl.code,
        general_requirement=spec.template.general_requirement,
        root=root,
        starts_on=min(b.starts_on for b in chosen),
        ends_on=max(b.ends_on for b in chosen),
    )
    campaign.created_by = actor if getattr(actor, "is_authenticated", False) else None
    campaign.full_clean()
    campaign.save()
    phases = {
        name: Phase.objects.create(campaign=campaign, name=name, order=i)
        for i, name in enumerate(spec.phases, 1)
    }
    for i, a in enumerate(spec.actions, 1):
        fields = action_requirement_fields(a)
        fields.pop("article")
        RequiredAction.objects.create(
            campaign=campaign,
            phase=phases.get(a.phase) if a.phase else None,
            code=a.code,
            deadline=a.deadline,
            batch_names=list(a.batches or []),
            manual=a.manual,
            ledger=a.ledger.stored() if a.ledger is not None else {},
            order=i,
            **fields,
        )
    order = {b.name: i for i, b in enumerate(spec.batches, 1)}
    rule_ids: list[int] = []
    for b in chosen:
        batch = Batch.objects.create(
            campaign=campaign, name=b.name, order=order[b.name], starts_on=b.starts_on, ends_on=b.ends_on
        )
        batch.orgs.set([root])
        rule_ids += _write_rules(campaign=campaign, batch=batch, template=tpl, actor=actor)
    audit(
        actor=actor,
        verb="campaign.start",
        target=campaign,
        org_path=root.path,
        template=tpl.code,
        batches=[f"{b.name}:{b.starts_on}:{b.ends_on}" for b in chosen],
    )
    _recompute_after_commit(rule_ids, campaign)
    return campaign


@transaction.atomic
def batch_update(
    *, batch: Batch, starts_on: dt.date, ends_on: dt.date, orgs: Sequence[Org], actor: Any = None
) -> Batch:
    """Change a batch's dates and orgs (each with its subtree); its rules follow. Rejected when
    the batch would share an org with another batch of the campaign on a common day, or a
    deadline would fall outside it."""
    campaign = batch.campaign
    if ends_on < starts_on:
        raise CampaignError([f"批次 {batch.name} 的结束日期 {ends_on} 早于开始日期 {starts_on}"])
    if not orgs:
        raise CampaignError([f"批次 {batch.name} 至少要有一个党组织"])
    outside = [o.name for o in orgs if not o.path.startswith(campaign.root.path)]
    if outside:
        raise CampaignError(
            [f"{'、'.join(outside)} 不在 {campaign.root.name} 之下，不能加入批次 {batch.name}"]
        )
    others = list(campaign.batches.exclude(pk=batch.pk).prefetch_related("orgs"))
    mine = (batch.name, starts_on, ends_on, [(o.pk, o.path, o.name) for o in orgs])
    messages = overlap_messages([mine, *_batch_orgs(others)])
    if messages:
        raise CampaignError(messages)
    old = {"starts_on": str(batch.starts_on), "ends_on": str(batch.ends_on)}
    batch.starts_on, batch.ends_on = starts_on, ends_on
    batch.full_clean()
    batch.save()
    batch.orgs.set(orgs)
    # Deadlines move with the batch: as many days as it now starts after the template's batch.
    try:
        tpl = get_template(campaign.template)
    except TemplateError:
        tpl = None
    rule_ids = _write_rules(campaign=campaign, batch=batch, template=tpl, actor=actor)
    campaign.starts_on = min([starts_on, *(b.starts_on for b in others)])
    campaign.ends_on = max([ends_on, *(b.ends_on for b in others)])
    campaign.save(update_fields=["starts_on", "ends_on", "updated_at"])
    audit(
        actor=actor,
        verb="campaign.batch_update",
        target=batch,
        org_path=campaign.root.path,
        old=old,
        new={"starts_on": str(starts_on), "ends_on": str(ends_on), "orgs": [o.pk for o in orgs]},
    )
    _recompute_after_commit(rule_ids, campaign)
    return batch


@transaction.atomic
def batch_edit(
    *,
    batch: Batch,
    starts_on: dt.date,
    ends_on: dt.date,
    orgs: Sequence[Org],
    deadlines: dict[str, dt.date | None],
    actor: Any = None,
) -> Batch:
    """The campaign office's edit of a batch: dates, orgs and the deadlines of its one-off actions
    (``deadlines``: action code → day, None for the template's day moved with the batch). Every
    deadline must lie inside the batch (so inside the campaign); a batch may not share an org with
    another batch on a common day. Nothing is saved when anything is wrong."""
    actions = {
        a.code: a
        for a in batch.campaign.actions.filter(period=PeriodKind.ONCE)
        if not a.batch_names or batch.name in a.batch_names
    }
    messages = [
        f"批次 {batch.name} 没有限期完成的规定动作 {code}" for code in deadlines if code not in actions
    ]
    chosen = {code: day for code, day in deadlines.items() if day is not None and code in actions}
    messages += [
        f"规定动作 {code}（{actions[code].name}）的截止日期 {day} 不在批次 {batch.name}"
        f"（{starts_on} 至 {ends_on}）之内，即不在主题教育期间"
        for code, day in chosen.items()
        if not starts_on <= day <= ends_on
    ]
    if messages:
        raise CampaignError(messages)
    old = dict(batch.deadlines or {})
    batch.deadlines = {code: day.isoformat() for code, day in chosen.items()}
    batch.save(update_fields=["deadlines"])
    # Deadlines left to the template move with the batch; check them too (manual ones as well).
    probe = Batch(name=batch.name, starts_on=starts_on, ends_on=ends_on, deadlines=batch.deadlines)
    try:
        tpl = get_template(batch.campaign.template)
    except TemplateError:
        tpl = None
    template_batch = tpl.batch(batch.name) if tpl is not None else None
    messages = []
    for code, action in actions.items():
        if code in chosen:
            continue
        day = _deadline(action, template_batch, probe)
        if day is not None and not starts_on <= day <= ends_on:
            messages.append(
                f"规定动作 {code}（{action.name}）按模板顺延的截止日期 {day} 不在批次 {batch.name}"
                f"（{starts_on} 至 {ends_on}）之内，请填写本批次的截止日期"
            )
    if messages:
        raise CampaignError(messages)
    batch_update(batch=batch, starts_on=starts_on, ends_on=ends_on, orgs=orgs, actor=actor)
    if old != batch.deadlines:
        audit(
            actor=actor,
            verb="campaign.batch_deadlines",
            target=batch,
            org_path=batch.campaign.root.path,
            old=old,
            new=batch.deadlines,
        )
    return batch
