"""Member export in the roster layout, so an exported file re-imports with no change.

Full 身份证号 and 手机号 are written only for rows whose org the user holds ``member.view_pii`` on
(the number is the import key). Other rows carry the masked copies and only the birth year, and the file ends with a note
that it cannot be re-imported; the importer rejects masked numbers by row. Every export writes one
audit event (who, filters, rows, how many rows carried full personal data).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.db.models import Count, QuerySet

from dangjian.core import pii, policy
from dangjian.core.permissions import Perm

from ..choices import Mobility
from ..models import Member, MobilityRecord, Org
from . import layout
from .common import alive_orgs, write_import_audit
from .writer import write_roster

CHUNK = 2000


@dataclass
class ExportResult:
    rows: int
    full_pii_rows: int
    masked_rows: int


class _OrgLabels:
    """所在党支部 as the importer resolves it: the name, or "上级名称/名称" when the name repeats."""

    def __init__(self) -> None:
        self.repeated = set(
            alive_orgs()
            .order_by()
            .values("name")
            .annotate(n=Count("pk"))
            .filter(n__gt=1)
            .values_list("name", flat=True)
        )
        self.cache: dict[int, str] = {}

    def label(self, org: Org) -> str:
        hit = self.cache.get(org.pk)
        if hit is None:
            hit = org.name
            if org.name in self.repeated and org.depth > 1:
                parent = (
                    alive_orgs().filter(path=org.path[: -Org.steplen]).values_list("name", flat=True).first()
                )
                if parent:
                    hit = f"{parent}{layout.ORG_PATH_SEPARATOR}{org.name}"
            self.cache[org.pk] = hit
        return hit


def _rows(members: QuerySet[Member], *, user: Any, state: dict[str, int]) -> Iterator[dict[str, Any]]:
    labels = _OrgLabels()
    pii_by_path: dict[str, bool] = {}
    seq = 0
    batch: list[Member] = []

    def flush() -> Iterator[dict[str, Any]]:
        nonlocal seq
        open_out = {
            r.member_id: r
            for r in MobilityRecord.objects.filter(
                member_id__in=[m.pk for m in batch], ended_on__isnull=True, direction=Mobility.OUT
            )
        }
        for m in batch:
            seq += 1
            full = pii_by_path.get(m.org_path)
            if full is None:
                full = pii_by_path[m.org_path] = user is None or policy.has_perm_for_path(
                    user, Perm.MEMBER_VIEW_PII, m.org_path
                )
            if full:
                id_number, phone = pii.decrypt(m.id_number_encrypted), pii.decrypt(m.phone_encrypted)
                state["full"] += 1
            else:
                id_number, phone = m.id_number_masked, m.phone_masked
                state["masked"] += 1
            mobility = open_out.get(m.pk)
            yield {
                "seq": seq,
                "name": m.name,
                "org": labels.label(m.org),
                "id_number": id_number,
                "gender": layout.GENDER_LABEL.get(m.gender, ""),
                "ethnicity": layout.ETHNICITY.display(m.ethnicity),
                "birth_date": m.birth_date if full else pii.birth_year_label(m.birth_date),
                "education": layout.EDUCATION.display(m.education),
                "status": layout.STATUS_LABEL.get(m.status, ""),
                "joined_on": m.joined_on,
                "full_member_on": m.full_member_on,
                "probation_extension_months": m.probation_extension_months,
                "occupation": layout.OCCUPATION.display(m.occupation),
                "phone": phone,
                "landline": m.landline if full else pii.mask_landline(m.landline),
                "address": m.address if full else pii.mask_address(m.address),
                "standing": layout.STANDING_LABEL.get(m.standing, ""),
                "lost_contact": layout.YES if m.lost_contact else layout.NO,
                "lost_contact_on": m.lost_contact_on,
                "mobile": layout.YES if mobility else layout.NO,
                "mobility_place": mobility.place if mobility else "",
                "note": m.note,
            }
        batch.clear()

    for member in members.select_related("org").iterator(chunk_size=CHUNK):
        batch.append(member)
        state["orgs"].add(member.org)  # type: ignore[attr-defined]  # a set kept in the dict
        if len(batch) >= CHUNK:
            yield from flush()
    if batch:
        yield from flush()


def roster_export(
    *,
    members: QuerySet[Member],
    user: Any,
    target: str | Path | IO[bytes],
    filters: dict[str, Any] | None = None,
    org_name: str = "",
    on: dt.date | None = None,
) -> ExportResult:
    """Write ``members`` (already scoped and filtered by the caller) and audit the export."""
    state: dict[str, Any] = {"full": 0, "masked": 0, "orgs": set()}
    count = write_roster(
        target,
        rows=_rows(members, user=user, state=state),
        org_name=org_name,
        on=on,
        masked=lambda: state["masked"] > 0,
    )
    write_import_audit(
        actor=user,
        verb="export.roster",
        orgs=state["orgs"],
        filters={k: str(v) for k, v in (filters or {}).items()},
        rows=count,
        full_pii_rows=state["full"],
        masked_rows=state["masked"],
    )
    return ExportResult(rows=count, full_pii_rows=state["full"], masked_rows=state["masked"])
