"""Uploaded files kept between preview and confirm, under MEDIA_ROOT/imports/<token>.

The token is random; a small JSON file next to the upload records who uploaded it, which kind of
import it is, the original name and the preview summary. Anyone else's token (or an unknown one)
is answered like a missing page.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from dangjian.core.xlsx import XlsxError, xlsx_check

from .reader import WorkbookError, check_signature

KINDS = {"roster": "党员名册", "orgs": "党组织"}


def max_age_seconds() -> int:
    """How long an upload waiting for its confirmation is kept (it holds full personal data)."""
    return int(getattr(settings, "IMPORT_UPLOAD_MAX_AGE_HOURS", 2) * 3600)


@dataclass
class Upload:
    token: str
    user_id: int
    kind: str
    file_name: str
    summary: dict[str, Any]

    @property
    def path(self) -> Path:
        return upload_dir() / f"{self.token}.xlsx"

    def save_meta(self) -> None:
        meta = {
            "user_id": self.user_id,
            "kind": self.kind,
            "file_name": self.file_name,
            "summary": self.summary,
        }
        (upload_dir() / f"{self.token}.json").write_text(json.dumps(meta, ensure_ascii=False, default=str))

    def delete(self) -> None:
        for suffix in (".xlsx", ".json"):
            (upload_dir() / f"{self.token}{suffix}").unlink(missing_ok=True)


def upload_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def upload_store(*, uploaded: Any, user_id: int, kind: str) -> Upload:
    """Check the signature, size and unpacked size/dimensions, then keep the file.

    Raises WorkbookError with a Chinese message."""
    if kind not in KINDS:
        raise WorkbookError("请选择导入类型")
    limit = getattr(settings, "UPLOAD_MAX_BYTES", 60 * 1024 * 1024)
    if uploaded.size > limit:
        raise WorkbookError(f"文件超过 {limit // (1024 * 1024)} MB，请拆分后上传")
    name = Path(uploaded.name or "").name
    if not name.lower().endswith(".xlsx"):
        raise WorkbookError("请上传 Excel .xlsx 文件")
    head = uploaded.read(8)
    uploaded.seek(0)
    check_signature(head)
    try:  # zip bombs and absurd declared dimensions are refused before the file is even kept
        xlsx_check(uploaded)
    except XlsxError as exc:
        raise WorkbookError(str(exc)) from exc
    finally:
        uploaded.seek(0)
    _clean_old()
    upload = Upload(token=secrets.token_urlsafe(24), user_id=user_id, kind=kind, file_name=name, summary={})
    with upload.path.open("wb") as fh:
        for chunk in uploaded.chunks():
            fh.write(chunk)
    upload.save_meta()
    return upload


def upload_get(*, token: str, user_id: int) -> Upload | None:
    """The upload if ``token`` is well-formed, exists and belongs to ``user_id``."""
    if not token or len(token) > 64 or not all(c.isalnum() or c in "-_" for c in token):
        return None
    meta_path = upload_dir() / f"{token}.json"
    try:
        meta = json.loads(meta_path.read_text())
    except (OSError, ValueError):
        return None
    if meta.get("user_id") != user_id:
        return None
    upload = Upload(
        token=token,
        user_id=user_id,
        kind=meta["kind"],
        file_name=meta["file_name"],
        summary=meta.get("summary", {}),
    )
    return upload if upload.path.exists() else None


def upload_sweep(*, max_age: int | None = None) -> int:
    """Delete uploads (and their notes) older than ``max_age`` seconds; returns how many files.

    Runs on every upload (cheap: one directory listing) and from ``manage.py sweep_uploads``."""
    cutoff = time.time() - (max_age_seconds() if max_age is None else max_age)
    removed = 0
    for path in upload_dir().iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except OSError:
            continue
    return removed


def _clean_old() -> None:
    upload_sweep()
