"""Writes of the requirements engine (filled in below)."""

from __future__ import annotations

import datetime as dt


def compliance_on_activity_change(*, org_id: int, dates: list[dt.date]) -> None:
    """Recompute the compliance cells of ``org_id`` whose periods contain ``dates``.

    Called by the activity services after commit, with the dates before and after the change.
    """
    return None
