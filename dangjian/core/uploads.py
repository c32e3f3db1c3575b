"""Checking attached files (photos, PDF, Word) before they are stored.

Every ledger that takes attachments (组织生活记录 now; 整改佐证材料, 典型案例 later) uses this
one check: the extension must be allowed and the content must sniff as that extension (a
renamed .exe is refused), within a size limit. Attachments stay optional unless a rule says
why it needs one (DESIGN decision 7).
"""

from __future__ import annotations

import zipfile

import filetype
from django.core.files.uploadedfile import UploadedFile

# Extension -> what the file's content must sniff as.
ATTACHMENT_TYPES = {
    "jpg": "jpg",
    "jpeg": "jpg",
    "png": "png",
    "pdf": "pdf",
    "docx": "docx",
    "doc": "doc",
}


def sniffed_type(upload: UploadedFile) -> filetype.Type | None:
    """The file type its first bytes show (None when unknown); the upload is rewound."""
    upload.seek(0)
    kind = filetype.guess(upload.read(8192))
    upload.seek(0)
    return kind


def attachment_check(upload: UploadedFile, *, max_bytes: int) -> str | None:
    """Why ``upload`` is refused (a Chinese sentence naming the file), or None."""
    name = upload.name or ""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ATTACHMENT_TYPES:
        return f"附件“{name}”的类型不允许：只接受 jpg、png、pdf、docx、doc"
    if upload.size is not None and upload.size > max_bytes:
        return f"附件“{name}”超过 {max_bytes // (1024 * 1024)} MB"
    kind = sniffed_type(upload)
    sniffed = kind.extension if kind else None
    expected = ATTACHMENT_TYPES[ext]
    if sniffed == "zip" and expected == "docx":  # a .docx is a zip holding word/document.xml
        try:
            with zipfile.ZipFile(upload) as zf:
                sniffed = "docx" if "word/document.xml" in zf.namelist() else "zip"
        except zipfile.BadZipFile:
            sniffed = None
        upload.seek(0)
    if sniffed != expected:
        return f"附件“{name}”的内容与扩展名 .{ext} 不符"
    return None
