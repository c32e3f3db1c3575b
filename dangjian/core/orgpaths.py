"""Keeping the ``org_path`` copies in step when orgs move.

Any model with a field named ``org_path`` is found automatically, so modules added later are
covered without registering themselves.
"""

from __future__ import annotations

from django.apps import apps
from django.db.models import Value
from django.db.models.functions import Concat, Length, Substr


def org_path_models():
    return [m for m in apps.get_models() if any(f.name == "org_path" for f in m._meta.concrete_fields)]


def rewrite_org_paths(old_prefix: str, new_prefix: str) -> int:
    """Replace ``old_prefix`` by ``new_prefix`` at the start of every ``org_path``; returns rows changed."""
    if old_prefix == new_prefix:
        return 0
    changed = 0
    for model in org_path_models():
        manager = model._base_manager
        changed += manager.filter(org_path__startswith=old_prefix).update(
            org_path=Concat(Value(new_prefix), Substr("org_path", Length(Value(old_prefix)) + 1))
        )
    return changed
