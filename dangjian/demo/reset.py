"""``gen_demo --reset``: remove all org, member and activity data (and the demo accounts).

Which tables go is worked out from the foreign keys, so tables added by later modules (activity
records, compliance results, ledgers …) are covered without being listed here:

* every model with a non-nullable foreign key into the removed set is removed entirely;
* the history tables of removed models are removed;
* a nullable foreign key with CASCADE (e.g. a role grant on an org) removes just those rows;
* any other nullable foreign key (e.g. ``User.member``) is set to NULL.

Users other than the demo accounts, and grants without an org (系统管理员), are kept. Audit events
that concern an org (non-empty ``org_path``) are removed too: their targets no longer exist and
their ids will be reused by the new data.
"""

from __future__ import annotations

from django.apps import apps
from django.db import models, transaction

from dangjian.core.models import AuditEvent
from dangjian.orgs.models import Member, Org

from .accounts import DEMO_USERNAMES


def _history_of(model: type[models.Model]) -> type[models.Model] | None:
    return getattr(model, "instance_type", None)


def removal_plan() -> tuple[list[type[models.Model]], list[tuple[models.ForeignKey, str]]]:
    """(models to empty, [(foreign key, "delete" | "null")]) for a reset."""
    doomed: set[type[models.Model]] = {Org, Member}
    changed = True
    while changed:
        changed = False
        for model in apps.get_models(include_auto_created=True):
            if model in doomed:
                continue
            source = _history_of(model)
            if source is not None and source in doomed:
                doomed.add(model)
                changed = True
                continue
            for f in model._meta.concrete_fields:
                if f.is_relation and f.related_model in doomed and not f.null:
                    doomed.add(model)
                    changed = True
                    break
    partial: list[tuple[models.ForeignKey, str]] = []
    for model in apps.get_models(include_auto_created=True):
        if model in doomed:
            continue
        for f in model._meta.concrete_fields:
            if f.is_relation and f.related_model in doomed:
                on_delete = getattr(f.remote_field, "on_delete", None)
                partial.append((f, "delete" if on_delete is models.CASCADE else "null"))
    return sorted(doomed, key=lambda m: m._meta.label), partial


@transaction.atomic
def reset_demo_data() -> dict[str, int]:
    """Empty the org/member/activity tables; returns {table label: rows removed}."""
    from django.contrib.auth import get_user_model

    removed: dict[str, int] = {}
    doomed, partial = removal_plan()
    # Audit events keep their actor (PROTECT): the demo's own trail goes before its accounts.
    demo_users = get_user_model().objects.filter(username__in=DEMO_USERNAMES)
    removed["core.AuditEvent"] = AuditEvent.objects.exclude(org_path="").delete()[0]
    removed["core.AuditEvent"] += AuditEvent.objects.filter(actor__in=demo_users).delete()[0]
    demo_users.delete()
    for f, action in partial:
        qs = f.model._base_manager.filter(**{f"{f.name}__isnull": False})
        if action == "delete":
            removed[f.model._meta.label] = qs.delete()[0]
        else:
            qs.update(**{f.name: None})
    # Foreign keys are deferred to commit on SQLite and PostgreSQL, so the order does not matter.
    for model in doomed:
        removed[model._meta.label] = model._base_manager.all()._raw_delete(using="default")
    return removed
