"""Explicit after-commit notifications between apps, so lower layers need not import higher ones.

Services call ``emit`` (it defers to ``transaction.on_commit``); an app that keeps derived figures
subscribes in its ``AppConfig.ready``. Events and their keyword arguments:

  activities_changed(changes, removed_members=())
                                         activity records saved or removed: {org id: [dates
                                         before and after]}, and the ids of members taken off
                                         their attendance
  members_changed(org_ids, since=None)   members created/edited/transferred/deleted, or posts
                                         changed, in these orgs (from the day ``since``, or any day)
  org_tree_changed(org_ids, since=None)  orgs created/moved/edited/removed (ids of the moved
                                         subtrees' roots; a dated change gives ``since``)
  ledger_changed(org_ids)                typical cases reviewed, research topics or reports
                                         filed in these orgs (ledger counts read by campaigns)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction

_subscribers: dict[str, list[Callable[..., Any]]] = defaultdict(list)


def subscribe(event: str, callback: Callable[..., Any]) -> None:
    if callback not in _subscribers[event]:
        _subscribers[event].append(callback)


def emit(event: str, **kwargs: Any) -> None:
    def _run() -> None:
        for callback in list(_subscribers.get(event, ())):
            callback(**kwargs)

    transaction.on_commit(_run)
