"""Required actions judged outside the requirement engine: from a ledger, or confirmed by hand.

An action with ``ledger`` (e.g. ``{source: typical_cases, positive: 1, negative: 1}``) is met by
an org when the ledger counter (``core.counters``) counts at least that many of the org's own
rows dated inside its batch, up to the day read. An action with ``manual: true`` is met by a
current ``ActionConfirmation`` of the org made on or before that day; with both, either meets it
(the confirmation is the fallback the template allows). Otherwise the org's cell is 未达标 once
the deadline has passed, 未到期 before.

Figures are computed when read (a handful of queries over the few orgs such actions apply to:
县处级以上领导班子). The dashboard caches what it shows; the ledger apps announce their changes
(``ledger_changed``) and the confirmations here move the campaign's figures version
(``figures``), so an approved case or a submitted report shows on its next view.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q

from dangjian.core import policy
from dangjian.core.counters import get_counter
from dangjian.orgs.models import Org
from dangjian.requirements.models import Status

from .models import ActionConfirmation, Batch, Campaign, RequiredAction
from .templates import BatchSpec, TemplateError, get_template


@dataclass
class Cell:
    action: RequiredAction
    batch: Batch
    org: Org
    deadline: dt.date | None
    status: str
    confirmation: ActionConfirmation | None = None
    counts: dict[str, int] | None = None

    @property
    def by_ledger(self) -> bool:
        return bool(self.action.ledger) and self.counts is not None and _ledger_met(self.action, self.counts)

    @property
    def explanation(self) -> str:
        parts = []
        if self.action.ledger:
            counter = get_counter(self.action.ledger["source"])
            labels = counter.keys if counter else {}
            wanted = {k: v for k, v in self.action.ledger.items() if k != "source"}
            # The counter's order, not the stored one: PostgreSQL's jsonb reorders keys.
            order = [k for k in labels if k in wanted] + sorted(k for k in wanted if k not in labels)
            parts.append(
                "，".join(f"{labels.get(k, k)} {(self.counts or {}).get(k, 0)}/{wanted[k]}" for k in order)
            )
        if self.confirmation is not None:
            parts.append(f"已人工确认（{self.confirmation.done_on:%Y-%m-%d}）")
        elif self.action.manual:
            parts.append("未人工确认")
        return "；".join(p for p in parts if p)


def judged_here(action: RequiredAction) -> bool:
    """Counted from a ledger or confirmed by hand (not by the requirement engine)."""
    return bool(action.manual or action.ledger)


CONFIG_SECONDS = 300
_config: dict[int, tuple[tuple[Any, Any], float, dict[str, Any]]] = {}


def campaign_config(campaign: Campaign, name: str, load: Callable[[], Any]) -> Any:
    """A read of the campaign's set-up (its actions, batches, engine rules), kept on the
    campaign object and for ``CONFIG_SECONDS`` in the process, keyed by the campaign row's
    timestamps: every change of the set-up goes through a service that saves the campaign
    (``services.batch_update``), which every page reads afresh. Treat the value as read-only."""
    attr = f"_{name}_cache"
    cached = campaign.__dict__.get(attr)
    if cached is not None:
        return cached
    stamp = (campaign.created_at, campaign.updated_at)
    now = time.monotonic()
    entry = _config.get(campaign.pk)
    if entry is None or entry[0] != stamp or entry[1] < now:
        entry = (stamp, now + CONFIG_SECONDS, {})
        _config[campaign.pk] = entry
    if name not in entry[2]:
        entry[2][name] = load()
    setattr(campaign, attr, entry[2][name])
    return entry[2][name]


def campaign_actions(campaign: Campaign) -> list[RequiredAction]:
    """The campaign's required actions with their phases, in order (``campaign_config``: a
    page reads them for its figures, its judged cells and its deadlines)."""
    return campaign_config(
        campaign, "actions", lambda: list(campaign.actions.select_related("phase").order_by("order"))
    )


def campaign_batches(campaign: Campaign) -> list[Batch]:
    """The campaign's batches in order, each with its root orgs (id and path only)."""
    return campaign_config(
        campaign,
        "batches",
        lambda: list(
            campaign.batches.prefetch_related(
                Prefetch("orgs", queryset=Org.objects.only("id", "path"))
            ).order_by("order")
        ),
    )


def outside_actions(campaign: Campaign) -> list[RequiredAction]:
    return [a for a in campaign_actions(campaign) if judged_here(a)]


@functools.lru_cache(maxsize=16)
def _template_batches(code: str) -> dict[str, BatchSpec]:
    try:
        return {b.name: b for b in get_template(code).spec.batches}
    except TemplateError:
        return {}


def action_deadline(action: RequiredAction, batch: Batch, template: str) -> dt.date | None:
    from .services import _deadline

    return _deadline(action, _template_batches(template).get(batch.name), batch)


def _ledger_met(action: RequiredAction, counts: dict[str, int]) -> bool:
    return all(counts.get(k, 0) >= v for k, v in action.ledger.items() if k != "source")


def _applies_q(action: RequiredAction) -> Q:
    a = action.applies_to or {}
    q = Q(kind__in=a.get("kinds") or [])
    if a.get("leadership_team") is not None:
        q &= Q(leadership_team=a["leadership_team"])
    if a.get("sectors") is not None:
        q &= Q(sector__in=a["sectors"])
    return q


def _applies(action: RequiredAction, org: Org) -> bool:
    a = action.applies_to or {}
    if org.kind not in (a.get("kinds") or []):
        return False
    if a.get("leadership_team") is not None and org.leadership_team != a["leadership_team"]:
        return False
    return a.get("sectors") is None or org.sector in a["sectors"]


def cells(
    *,
    campaign: Campaign,
    on: dt.date,
    scope: Q,
    actions: Iterable[RequiredAction] | None = None,
    confirmers: bool = True,
) -> list[Cell]:
    """Every (action, batch, org) cell of the actions judged here, for the orgs matching
    ``scope`` (a filter on Org), in batches begun by ``on``. Without ``confirmers`` the
    confirmations' ``created_by`` is not read with them (figures only)."""
    actions = list(outside_actions(campaign) if actions is None else actions)
    if not actions:
        return []
    out: list[Cell] = []
    for batch in campaign_batches(campaign):
        if batch.starts_on > on:
            continue
        roots = [o.path for o in batch.orgs.all()]
        if not roots:
            continue
        within = policy.subtree_q("path", roots[0])
        for path in roots[1:]:
            within |= policy.subtree_q("path", path)
        until = min(on, batch.ends_on)
        mine = [a for a in actions if not a.batch_names or batch.name in a.batch_names]
        if not mine:
            continue
        # One read of the orgs any of these actions may apply to; each action keeps its own.
        # Actions of the same scope (the usual case) add one condition, not one each.
        scopes = {_scope_key(a): a for a in mine}
        any_q: Q | None = None
        for action in scopes.values():
            any_q = _applies_q(action) if any_q is None else any_q | _applies_q(action)
        where = Q(any_q, within, scope)
        candidates = list(Org.objects.alive().filter(where).only(*_ORG_FIELDS).order_by("path"))
        applying = {action.pk: [o for o in candidates if _applies(action, o)] for action in mine}
        # One read of the current confirmations of every manual action of the batch.
        manual = [a for a in mine if a.manual and applying[a.pk]]
        confirmations: dict[int, dict[int, ActionConfirmation]] = defaultdict(dict)
        if manual:
            wanted = {o.pk for a in manual for o in applying[a.pk]}
            q = Q(
                action_id__in=sorted(a.pk for a in manual),
                org_id__in=sorted(wanted),
                withdrawn_at__isnull=True,
                done_on__lte=on,
            )
            rows = ActionConfirmation.objects.filter(q)
            rows = rows.select_related("created_by") if confirmers else rows.only(*_CONFIRMATION_FIELDS)
            for row in rows:
                confirmations[row.action_id][row.org_id] = row
        for action in mine:
            orgs = applying[action.pk]
            if not orgs:
                continue
            confirmed = confirmations[action.pk]
            counts: dict[int, Any] = {}
            if action.ledger:
                counter = get_counter(action.ledger["source"])
                if counter is not None:
                    counts = {
                        k: dict(v)
                        for k, v in counter.count([o.pk for o in orgs], batch.starts_on, until).items()
                    }
            deadline = action_deadline(action, batch, campaign.template) or batch.ends_on
            late = deadline < on
            for org in orgs:
                got = counts.get(org.pk, {}) if action.ledger else None
                met = (org.pk in confirmed) or (got is not None and _ledger_met(action, got))
                if met:
                    status = Status.MET
                elif late:
                    status = Status.NOT_MET
                else:
                    status = Status.NOT_DUE
                out.append(Cell(action, batch, org, deadline, status, confirmed.get(org.pk), got))
    return out


_ORG_FIELDS = ("id", "path", "name", "kind", "sector", "leadership_team", "depth")
_CONFIRMATION_FIELDS = ("id", "action_id", "org_id", "done_on")


def _scope_key(action: RequiredAction) -> str:
    a = action.applies_to or {}
    return repr((sorted(a.get("kinds") or []), a.get("leadership_team"), a.get("sectors")))


def read_scope(*, subtree: bool, org: Org) -> Q:
    """The orgs a progress read covers: ``org``'s subtree, or ``org`` alone."""
    return policy.subtree_q("path", org.path) if subtree else Q(pk=org.pk)
