"""Reading uploaded .xlsx workbooks without letting a hostile file take the server down.

Two lines of defence:

1. ``xlsx_check`` looks at the file before anything parses it: the zip central directory (entry
   count, total uncompressed size, compression ratio: zip bombs) and, for each worksheet, the
   ``<dimension>`` element near the start of its XML (a sheet declaring ``A1:XFD1048576`` would
   make the parser allocate rows × columns cells). Only the first bytes of each sheet are inflated.
2. ``read_sheets`` runs python-calamine in a child process (``python -m dangjian.core.xlsx``) whose
   address space is capped with ``RLIMIT_AS``. A file that lies about its dimension, or anything
   else that makes the parser allocate too much, ends the child, not the web worker; the caller
   gets ``XlsxError`` with a Chinese message. The child sends the rows back as pickles in chunks,
   read with an unpickler that accepts only plain values and ``datetime`` types.

The limits are settings (``XLSX_*`` in ``config/settings.py``). The child imports neither Django
nor the project's models: it starts in about a tenth of a second.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_DIMENSION_RE = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]{1,3})(\d+)(?::([A-Z]{1,3})(\d+))?\"")
_DIMENSION_SCAN_BYTES = 64 * 1024
_CHUNK_ROWS = 2000
_MB = 1024 * 1024


_UNREADABLE = "无法读取该 Excel 文件，文件可能已损坏或加密，请用 Excel 打开后另存为 .xlsx 再上传"
_TOO_BIG = (
    "读取该 Excel 文件时超出内存上限，已停止读取：文件可能声明了极大的表格范围或包含异常结构。"
    "请删去多余的空行空列，或用 Excel 另存为 .xlsx 后再上传"
)


class XlsxError(ValueError):
    """The workbook is refused or could not be read; the message is Chinese and user-facing."""


@dataclass(frozen=True)
class XlsxLimits:
    max_uncompressed_bytes: int = 500 * _MB
    max_ratio: int = 200  # uncompressed / compressed, for entries larger than ratio_floor_bytes
    ratio_floor_bytes: int = 4 * _MB
    max_entries: int = 2000
    max_rows: int = 400_000
    max_columns: int = 256
    max_cells: int = 8_000_000  # declared rows × columns, summed over the sheets
    parse_memory_bytes: int = 1536 * _MB  # RLIMIT_AS of the parsing child
    parse_timeout_seconds: int = 600

    @classmethod
    def from_settings(cls) -> XlsxLimits:
        from django.conf import settings

        return cls(
            max_uncompressed_bytes=settings.XLSX_MAX_UNCOMPRESSED_MB * _MB,
            max_ratio=settings.XLSX_MAX_RATIO,
            max_entries=settings.XLSX_MAX_ENTRIES,
            max_rows=settings.XLSX_MAX_ROWS,
            max_columns=settings.XLSX_MAX_COLUMNS,
            max_cells=settings.XLSX_MAX_CELLS,
            parse_memory_bytes=settings.XLSX_PARSE_MEMORY_MB * _MB,
            parse_timeout_seconds=settings.XLSX_PARSE_TIMEOUT_SECONDS,
        )


def column_number(letters: bytes | str) -> int:
    """``A`` → 1, ``XFD`` → 16384."""
    n = 0
    for ch in letters.decode() if isinstance(letters, bytes) else letters:
        n = n * 26 + ord(ch) - 64
    return n


def _sheet_names(zf: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part name → the name the user sees on the tab (best effort; {} when unreadable)."""
    try:
        workbook = zf.open("xl/workbook.xml").read(_DIMENSION_SCAN_BYTES * 4)
        rels = zf.open("xl/_rels/workbook.xml.rels").read(_DIMENSION_SCAN_BYTES * 4)
    except (KeyError, zipfile.BadZipFile, OSError, RuntimeError):
        return {}
    targets = {
        m.group(1).decode(): m.group(2).decode()
        for m in re.finditer(rb"<Relationship\b[^>]*?Id=\"([^\"]+)\"[^>]*?Target=\"([^\"]+)\"", rels)
    }
    names = {}
    for m in re.finditer(rb"<(?:\w+:)?sheet\b[^>]*?name=\"([^\"]+)\"[^>]*?r:id=\"([^\"]+)\"", workbook):
        target = targets.get(m.group(2).decode(), "")
        part = target.lstrip("/") if target.startswith("/") else "xl/" + target
        names[part] = m.group(1).decode("utf-8", "replace")
    return names


def xlsx_check(source: str | Path | Any, *, limits: XlsxLimits | None = None) -> None:
    """Refuse a workbook whose zip or declared sheet dimensions exceed the limits (XlsxError)."""
    limits = limits or XlsxLimits.from_settings()
    try:
        zf = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise XlsxError(_UNREADABLE) from exc
    with zf:
        entries = zf.infolist()
        if len(entries) > limits.max_entries:
            raise XlsxError(
                f"文件内部包含 {len(entries)} 个部件，超过上限 {limits.max_entries}，不像是正常的 Excel 文件"
            )
        total = sum(e.file_size for e in entries)
        if total > limits.max_uncompressed_bytes:
            raise XlsxError(
                f"文件解压后有 {total // _MB} MB，超过上限 {limits.max_uncompressed_bytes // _MB} MB，请拆分后上传"
            )
        for e in entries:
            if e.file_size > limits.ratio_floor_bytes and e.file_size > limits.max_ratio * max(
                e.compress_size, 1
            ):
                raise XlsxError(
                    "文件的压缩比异常（疑似“压缩炸弹”），已拒绝读取；请用 Excel 另存为 .xlsx 后再上传"
                )
        names = _sheet_names(zf)
        cells = 0
        for e in entries:
            if not (e.filename.startswith("xl/worksheets/") and e.filename.endswith(".xml")):
                continue
            try:
                with zf.open(e) as fh:
                    head = fh.read(_DIMENSION_SCAN_BYTES)
            except (zipfile.BadZipFile, OSError, RuntimeError, EOFError) as exc:
                raise XlsxError(_UNREADABLE) from exc
            m = _DIMENSION_RE.search(head)
            if not m:
                continue  # no declaration: the parsing child's memory cap still applies
            last_col, last_row = m.group(3) or m.group(1), int(m.group(4) or m.group(2))
            rows, columns = last_row, column_number(last_col)
            label = f"工作表“{names[e.filename]}”" if e.filename in names else "某个工作表"
            ref = m.group(0).split(b'"')[1].decode()
            if rows > limits.max_rows:
                raise XlsxError(
                    f"{label}声明的范围 {ref} 有 {rows} 行，超过上限 {limits.max_rows} 行；"
                    "请删去表格下方的空行（或拆分文件）后再上传"
                )
            if columns > limits.max_columns:
                raise XlsxError(
                    f"{label}声明的范围 {ref} 有 {columns} 列，超过上限 {limits.max_columns} 列；"
                    "请删去表格右侧的空列后再上传"
                )
            cells += rows * columns
            if cells > limits.max_cells:
                raise XlsxError(f"工作表的单元格总数超过上限 {limits.max_cells}，请拆分后上传")


class _ValuesUnpickler(pickle.Unpickler):
    """Only what a cell can hold: plain values and datetime types."""

    _ALLOWED = {
        ("datetime", "date"),
        ("datetime", "datetime"),
        ("datetime", "time"),
        ("datetime", "timedelta"),
    }

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"unexpected {module}.{name}")


def read_sheets(
    path: str | Path, *, skip: Iterable[str] = (), limits: XlsxLimits | None = None
) -> list[tuple[str, list[list[Any]]]]:
    """Every sheet (except those whose whitespace-free name is in ``skip``) as a grid from A1.

    Parsed in a child process under a memory cap; raises XlsxError with a Chinese message when the
    file cannot be read or the child runs out of memory or time.
    """
    limits = limits or XlsxLimits.from_settings()
    command = [
        sys.executable,
        "-m",
        "dangjian.core.xlsx",
        str(path),
        str(limits.parse_memory_bytes),
        json.dumps(sorted(skip), ensure_ascii=False),
    ]
    sheets: list[tuple[str, list[list[Any]]]] = []
    failure: tuple[str, ...] | None = None
    with tempfile.TemporaryFile() as stderr:
        root = str(Path(__file__).resolve().parents[2])
        paths = [root, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": os.pathsep.join(paths)}
        with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, env=env) as proc:  # noqa: S603 - our own module
            assert proc.stdout is not None
            try:
                while True:
                    try:  # one unpickler per message: each was pickled with a fresh memo
                        message = _ValuesUnpickler(proc.stdout).load()
                    except EOFError:
                        break
                    if message[0] == "sheet":
                        sheets.append((message[1], []))
                    elif message[0] == "rows":
                        sheets[-1][1].extend(message[1])
                    elif message[0] == "error":
                        failure = tuple(message[1:])
            except (pickle.UnpicklingError, IndexError, TypeError, ValueError, AttributeError):
                failure = ("broken",)
                proc.kill()
            finally:
                try:
                    code = proc.wait(timeout=limits.parse_timeout_seconds)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                    raise XlsxError("读取该 Excel 文件超时，已停止；请拆分后上传") from None
    if failure and failure[0] == "sheet":
        raise XlsxError(f"无法读取工作表“{failure[1]}”")
    if failure and failure[0] == "broken":
        raise XlsxError(_UNREADABLE)
    if (failure and failure[0] == "memory") or code < 0:
        raise XlsxError(_TOO_BIG)
    if failure or code != 0:
        raise XlsxError(_UNREADABLE)
    return sheets


# ---------------------------------------------------------------- the child


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


def _child(path: str, memory_bytes: int, skip: set[str]) -> int:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    out = sys.stdout.buffer

    def send(*message: Any) -> None:
        pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)

    try:
        import python_calamine

        try:
            book = python_calamine.CalamineWorkbook.from_path(path)
        except MemoryError:
            raise
        except Exception:  # calamine raises several unrelated types for broken files
            send("error", "open")
            return 2
        for name in book.sheet_names:
            if _squash(name) in skip:
                continue
            try:
                sheet = book.get_sheet_by_name(name)
                send("sheet", name)
                # iter_rows starts at row 1 but at the first used column: pad to A, as
                # to_python(skip_empty_area=False) does.
                left = (sheet.start or (0, 0))[1]
                chunk: list[list[Any]] = []
                for row in sheet.iter_rows():
                    chunk.append([""] * left + row if left else row)
                    if len(chunk) >= _CHUNK_ROWS:
                        send("rows", chunk)
                        chunk = []
                if chunk:
                    send("rows", chunk)
            except MemoryError:
                raise
            except Exception:
                send("error", "sheet", name)
                return 2
        book.close()
    except MemoryError:
        send("error", "memory")
        return 3
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1], int(sys.argv[2]), set(json.loads(sys.argv[3]))))
