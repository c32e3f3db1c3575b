"""The attachment check every ledger shares: extension allowed, content matching it, size."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dangjian.core.uploads import attachment_check

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64
MB = 1024 * 1024


def _zip(names: list[str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for n in names:
            zf.writestr(n, "x")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("会议.png", PNG, None),
        ("纪要.PDF", PDF, None),
        ("纪要.docx", _zip(["word/document.xml", "[Content_Types].xml"]), None),
        ("纪要.exe", PNG, "附件“纪要.exe”的类型不允许：只接受 jpg、png、pdf、docx、doc"),
        ("照片", PNG, "附件“照片”的类型不允许：只接受 jpg、png、pdf、docx、doc"),
        ("照片.jpg", PNG, "附件“照片.jpg”的内容与扩展名 .jpg 不符"),
        ("程序.pdf", b"MZ\x90\x00" + b"\x00" * 64, "附件“程序.pdf”的内容与扩展名 .pdf 不符"),
        ("压缩包.docx", _zip(["a.txt"]), "附件“压缩包.docx”的内容与扩展名 .docx 不符"),
        ("坏文件.docx", b"PK\x03\x04" + b"\x00" * 64, "附件“坏文件.docx”的内容与扩展名 .docx 不符"),
    ],
)
def test_content_must_match_the_extension(name, content, reason):
    upload = SimpleUploadedFile(name, content)
    assert attachment_check(upload, max_bytes=MB) == reason
    assert upload.tell() == 0  # rewound for storing


def test_size_limit_names_the_file_and_the_limit():
    upload = SimpleUploadedFile("大图.png", PNG + b"\x00" * (2 * MB))
    assert attachment_check(upload, max_bytes=2 * MB) == "附件“大图.png”超过 2 MB"
