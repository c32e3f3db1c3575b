"""Helpers shared by the three ledgers (调研, 典型案例, 检视整改): field checks with Chinese
messages, attachment checks, and the "level above" rule of their reviews.

A review (案例审核, 销号) is signed off at the level above the item's org: the reviewer needs the
permission on the org's parent, so nobody approves their own org's items by a grant on that org.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from . import policy, uploads

PATH_STEP = 4  # treebeard's steplen for the org tree


def parent_path(path: str) -> str:
    return path[:-PATH_STEP] if len(path) > PATH_STEP else ""


def ancestor_path(path: str, levels: int) -> str:
    """The path ``levels`` steps up (the root's path at most); "" for a root when levels ≥ 1."""
    if levels <= 0:
        return path
    cut = len(path) - levels * PATH_STEP
    return path[:cut] if cut >= PATH_STEP else ""


def can_review(user: Any, perm: str, org_path: str, *, levels: int = 1) -> bool:
    """Whether ``user`` holds ``perm`` on the org ``levels`` above the one at ``org_path``."""
    above = ancestor_path(org_path, levels)
    if not above:
        # A root org has no level above: only a system-wide grant signs its items off.
        return policy.is_system_admin(user) and policy.has_perm(user, perm)
    return policy.allows_path(user, perm, above)


def who(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def clean_text(
    errors: dict[str, str], field: str, value: Any, label: str, limit: int, *, required: bool = False
) -> str:
    """``value`` stripped; records a Chinese error for ``field`` when missing or too long."""
    text = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    if "\x00" in text:
        errors[field] = f"{label}含有不允许的控制字符"
    elif required and not text:
        errors[field] = f"请填写{label}"
    elif len(text) > limit:
        errors[field] = f"{label}不能超过 {limit} 字（现有 {len(text)} 字）"
    return text


def check_date(errors: dict[str, str], field: str, value: Any, label: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors[field] = f"{label}不是有效日期，格式应为 YYYY-MM-DD"
        return None


def attachment_max_bytes() -> int:
    return int(getattr(settings, "LEDGER_ATTACHMENT_MAX_MB", 20)) * 1024 * 1024


def check_files(files: Sequence[UploadedFile], *, field: str, allowed: Sequence[str] | None = None) -> None:
    """Raise a ValidationError on ``field`` naming every refused file (core.uploads' checks)."""
    problems = []
    for upload in files:
        name = upload.name or ""
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if allowed is not None and ext not in allowed:
            problems.append(f"附件“{name}”的类型不允许：只接受 {'、'.join(allowed)}")
            continue
        reason = uploads.attachment_check(upload, max_bytes=attachment_max_bytes())
        if reason:
            problems.append(reason)
    if problems:
        raise ValidationError({field: "；".join(problems)})


def raise_if(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError(errors)
