"""The campaign's ``figures_version``: moved by every change the dashboard's figures read.

The dashboard keeps its figures (the progress tables, the deadlines, the publicity counts) in the
cache under a key holding the version (``views.figures_key``), and the slower oversight counts in
``OversightFigures`` rows marked with it. What moves it:

- activity records and their attendance, members and posts, the org tree (events of the
  activities and orgs apps, subscribed in ``apps``);
- the ledgers counted by required actions (``ledger_changed(org_ids)``, emitted by the ledger
  apps: an approved 典型案例, a 调研选题 or report);
- inside this app: manual confirmations made or withdrawn, 宣传报道, study materials sent and
  self-study records, weekly plans filed and closed and the units named to file them, batch
  edits, and the engine's rebuild of the campaign's rules (``services``).

Campaign edits through the admin save the campaign row, whose timestamps are in the key too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F

from dangjian.orgs.models import Org

from .models import Campaign

STEPLEN = Org.steplen
BUMP_ALL_ABOVE = 500  # a change touching more orgs marks every campaign


def figures_changed(*, campaign_ids: Any = None, org_ids: Any = None) -> None:
    """Mark the campaign figures out of date: of ``campaign_ids``, or of the campaigns whose
    subtree holds one of ``org_ids``, or (neither given) of every campaign. Called inside the
    change's transaction, or after its commit."""
    campaigns = Campaign.objects.all()
    if campaign_ids is not None:
        campaigns = campaigns.filter(pk__in=list(campaign_ids))
    elif org_ids is not None:
        ids = list(org_ids)
        if not ids:
            return
        if len(ids) <= BUMP_ALL_ABOVE:
            paths = Org.objects.filter(pk__in=ids).values_list("path", flat=True)
            above = {p[: d * STEPLEN] for p in paths for d in range(1, len(p) // STEPLEN + 1)}
            campaigns = campaigns.filter(root__path__in=sorted(above))
    campaigns.update(figures_version=F("figures_version") + 1)


def on_activities_changed(*, changes: dict[int, Any], removed_members: Any = ()) -> None:
    figures_changed(org_ids=changes)


def on_members_changed(*, org_ids: Any, since: dt.date | None = None) -> None:
    figures_changed(org_ids=org_ids)


def on_org_tree_changed(*, org_ids: Any, since: dt.date | None = None) -> None:
    figures_changed()  # a moved subtree leaves one campaign and joins another; a renamed org


def on_ledger_changed(*, org_ids: Any) -> None:
    figures_changed(org_ids=org_ids)
