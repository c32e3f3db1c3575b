"""Pieces shared by the roster and org-tree imports: row errors, the org resolver, the audit row."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from dangjian.core import policy
from dangjian.core.models import AuditEvent
from dangjian.core.permissions import Perm

from ..models import Org
from .layout import ORG_PATH_SEPARATOR
from .values import CellError, squash

MAX_REPORTED_ERRORS = 2000


@dataclass(frozen=True)
class RowError:
    """One problem: "第 N 行 字段：原因" (N is the Excel row number; 0 for the file as a whole)."""

    row: int
    field: str
    reason: str
    sheet: str = ""

    def __str__(self) -> str:
        if not self.row:
            return self.reason
        where = f"工作表“{self.sheet}” " if self.sheet else ""
        return f"{where}第 {self.row} 行 {self.field}：{self.reason}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"text": str(self)}


def org_key(name: str) -> str:
    """Org names compared without whitespace and with full-width brackets."""
    return squash(name).replace("(", "（").replace(")", "）")


def alive_orgs():
    # Treebeard's manager builds its own queryset class, so OrgQuerySet.alive() is not reachable.
    return Org.objects.filter(deleted_at__isnull=True)


def import_scope(user: Any):
    """Orgs ``user`` may import into (everything when acting as the system, ``user`` None)."""
    qs = alive_orgs()
    if user is None:
        return qs
    return qs.filter(policy.scope_q(user, Perm.IMPORT))


class OrgResolver:
    """Resolves an org written by name (or "上级名称/名称") to one org in the importer's scope."""

    def __init__(self, *, user: Any) -> None:
        self.user = user
        self.by_key: dict[str, list[Org]] = defaultdict(list)
        self.by_path: dict[str, Org] = {}
        self.by_pk: dict[int, Org] = {}
        for org in import_scope(user).only("pk", "name", "path", "depth", "kind", "sector", "numchild"):
            self.add(org)
        parent_paths = {o.path[: -Org.steplen] for o in self.by_path.values() if o.depth > 1}
        missing = parent_paths - self.by_path.keys()
        self.parent_names: dict[str, str] = (
            dict(alive_orgs().filter(path__in=missing).values_list("path", "name")) if missing else {}
        )
        self._outside_cache: dict[str, bool] = {}

    def add(self, org: Org) -> None:
        self.by_key[org_key(org.name)].append(org)
        self.by_path[org.path] = org
        self.by_pk[org.pk] = org

    def parent_name(self, org: Org) -> str:
        if org.depth <= 1:
            return ""
        path = org.path[: -Org.steplen]
        parent = self.by_path.get(path)
        return parent.name if parent else self.parent_names.get(path, "")

    def in_scope(self, path: str) -> bool:
        if self.user is None:
            return True
        return policy.has_perm_for_path(self.user, Perm.IMPORT, path)

    def resolve(self, raw: str) -> Org:
        raw = raw.strip()
        if not raw:
            raise CellError("不能为空")
        parent_name = ""
        name = raw
        if ORG_PATH_SEPARATOR in raw:
            parent_name, _, name = raw.rpartition(ORG_PATH_SEPARATOR)
            parent_name = parent_name.rpartition(ORG_PATH_SEPARATOR)[2]
        candidates = self.by_key.get(org_key(name), [])
        if parent_name:
            candidates = [o for o in candidates if org_key(self.parent_name(o)) == org_key(parent_name)]
        if len(candidates) == 1:
            return candidates[0]
        if len(candidates) > 1:
            parents = "、".join(sorted({self.parent_name(o) or "（无上级）" for o in candidates}))
            example = self.parent_name(candidates[0]) or "上级名称"
            raise CellError(
                f"“{raw}”在您的管理范围内有 {len(candidates)} 个同名组织（上级分别为：{parents}），"
                f"请写成“上级名称/名称”，如“{example}/{name.strip()}”"
            )
        if self._exists_elsewhere(name):
            raise CellError(f"“{raw}”不在您的管理范围内")
        raise CellError(f"找不到名为“{raw}”的党组织")

    def _exists_elsewhere(self, name: str) -> bool:
        key = org_key(name)
        if key not in self._outside_cache:
            self._outside_cache[key] = (
                self.user is not None and alive_orgs().filter(name=name.strip()).exists()
            )
        return self._outside_cache[key]


def common_ancestor(orgs: Iterable[Org]) -> str:
    """Path of the deepest org containing all of ``orgs`` ("" when they share no root)."""
    paths = [o.path for o in orgs]
    if not paths:
        return ""
    prefix = paths[0]
    for p in paths[1:]:
        while not p.startswith(prefix):
            prefix = prefix[: -Org.steplen]
            if not prefix:
                return ""
    return prefix


def write_import_audit(*, actor: Any, verb: str, orgs: Iterable[Org], **data: Any) -> AuditEvent:
    """The one audit row of an import or export, attached to the common ancestor of its orgs."""
    path = common_ancestor(orgs)
    target = alive_orgs().filter(path=path).only("pk").first() if path else None
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        verb=verb,
        target_type="orgs.org" if target else "orgs.member",
        target_id=str(target.pk) if target else "",
        org_path=path,
        data=data,
    )
