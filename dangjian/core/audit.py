"""Writing audit events. Call inside the service's transaction."""

from __future__ import annotations

from typing import Any

from django.db import models

from .models import AuditEvent


def audit(*, actor: Any, verb: str, target: models.Model, org_path: str = "", **data: Any) -> AuditEvent:
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=actor_obj,
        actor_username=actor_obj.get_username() if actor_obj else "",
        actor_name=(getattr(actor_obj, "display_name", "") or "") if actor_obj else "",
        verb=verb,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        org_path=org_path,
        data=data,
    )
