"""Entry points used by the pages and the commands: one per kind of import, plus the export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .orgtree import OrgPlan, orgs_apply, orgs_validate
from .roster import ImportRejected, RosterPlan, roster_apply, roster_validate

Plan = RosterPlan | OrgPlan


def import_validate(*, kind: str, path: str | Path, user: Any, file_name: str = "") -> Plan:
    if kind == "orgs":
        return orgs_validate(path=path, user=user, file_name=file_name)
    return roster_validate(path=path, user=user, file_name=file_name)


def import_apply(*, kind: str, plan: Plan, actor: Any) -> dict[str, Any]:
    """Write the plan (all-or-nothing); raises ImportRejected when it has errors."""
    if kind == "orgs":
        assert isinstance(plan, OrgPlan)
        return orgs_apply(plan=plan, actor=actor).as_dict()
    assert isinstance(plan, RosterPlan)
    return roster_apply(plan=plan, actor=actor).as_dict()


__all__ = ["ImportRejected", "Plan", "import_apply", "import_validate"]
