"""Hostile workbooks are refused before parsing, and parsing cannot take the process down."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from dangjian.core import xlsx

LIMITS = xlsx.XlsxLimits()


def huge_declared(path: Path) -> Path:
    """About 5 KB: one cell at A1 and one at XFD1048576, so the sheet declares A1:XFD1048576."""
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("党员")
    sheet.write(0, 0, "姓名")
    sheet.write(1048575, 16383, "x")
    book.close()
    return path


def rewrite_part(path: Path, out: Path, part: str, change) -> Path:
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info.filename, change(data) if info.filename == part else data)
    return out


def lying(path: Path) -> Path:
    """The same cells, but the sheet claims to be A1 only: the limits check cannot see it."""
    source = huge_declared(path.with_name("source.xlsx"))
    return rewrite_part(
        source, path, "xl/worksheets/sheet1.xml", lambda d: d.replace(b'ref="A1:XFD1048576"', b'ref="A1"')
    )


def zip_bomb(path: Path, megabytes: int = 64) -> Path:
    """A workbook whose sheet XML inflates from a few dozen KB to ``megabytes`` MB."""
    source = path.with_name("small.xlsx")
    book = xlsxwriter.Workbook(source)
    book.add_worksheet("党员").write(0, 0, "姓名")
    book.close()
    padding = b" " * (megabytes * 1024 * 1024)
    return rewrite_part(
        source,
        path,
        "xl/worksheets/sheet1.xml",
        lambda d: d.replace(b"<sheetData>", padding + b"<sheetData>"),
    )


def test_a_5_kb_file_declaring_xfd1048576_is_refused_before_parsing(tmp_path):
    path = huge_declared(tmp_path / "huge.xlsx")
    assert path.stat().st_size < 8 * 1024
    with pytest.raises(xlsx.XlsxError, match=r"工作表“党员”声明的范围 A1:XFD1048576 有 1048576 行"):
        xlsx.xlsx_check(path, limits=LIMITS)


def test_too_many_columns_or_cells_are_refused(tmp_path):
    book = xlsxwriter.Workbook(tmp_path / "wide.xlsx")
    book.add_worksheet("宽").write(0, 300, "x")
    book.close()
    with pytest.raises(xlsx.XlsxError, match="301 列，超过上限 256 列"):
        xlsx.xlsx_check(tmp_path / "wide.xlsx", limits=LIMITS)
    book = xlsxwriter.Workbook(tmp_path / "many.xlsx")
    book.add_worksheet("多").write(99_999, 199, "x")
    book.close()
    with pytest.raises(xlsx.XlsxError, match="单元格总数超过上限 1000000"):
        xlsx.xlsx_check(tmp_path / "many.xlsx", limits=xlsx.XlsxLimits(max_cells=1_000_000))


def test_zip_bombs_are_refused_by_ratio_total_size_and_entry_count(tmp_path):
    bomb = zip_bomb(tmp_path / "bomb.xlsx")
    assert bomb.stat().st_size < 1024 * 1024
    with pytest.raises(xlsx.XlsxError, match="压缩比异常"):
        xlsx.xlsx_check(bomb, limits=LIMITS)
    with pytest.raises(xlsx.XlsxError, match="解压后有 64 MB，超过上限 10 MB"):
        xlsx.xlsx_check(bomb, limits=xlsx.XlsxLimits(max_uncompressed_bytes=10 * 1024 * 1024))
    many = tmp_path / "many.xlsx"
    with zipfile.ZipFile(many, "w") as zf:
        for i in range(2001):
            zf.writestr(f"x/{i}.xml", b"")
    with pytest.raises(xlsx.XlsxError, match="2001 个部件"):
        xlsx.xlsx_check(many, limits=LIMITS)


def test_a_file_lying_about_its_size_ends_only_the_capped_child(tmp_path):
    """The check cannot see it; the parser in the child runs out of its address space, the caller
    gets a Chinese message and neither process grew past 500 MB."""
    path = lying(tmp_path / "lying.xlsx")
    xlsx.xlsx_check(path, limits=LIMITS)  # passes: nothing declared is too big
    with pytest.raises(xlsx.XlsxError, match="超出内存上限"):
        xlsx.read_sheets(path, limits=LIMITS)
    # Peak memory, measured from a small fresh process: its own high-water mark (VmHWM: getrusage
    # would report the test runner it was forked from) and its parsing child's; both under 500 MB.
    script = (
        "import resource, sys\n"
        "from dangjian.core import xlsx\n"
        "try:\n"
        "    xlsx.read_sheets(sys.argv[1], limits=xlsx.XlsxLimits())\n"
        "except xlsx.XlsxError as exc:\n"
        "    print(exc)\n"
        "status = open('/proc/self/status').read()\n"
        "own = int(status.split('VmHWM:')[1].split()[0])\n"
        "print(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    root = Path(xlsx.__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    message, peaks = done.stdout.strip().splitlines()
    assert "超出内存上限" in message
    caller_kib, child_kib = map(int, peaks.split())
    assert caller_kib < 500 * 1024 and child_kib < 500 * 1024


def test_the_child_reads_what_calamine_reads(tmp_path):
    book = xlsxwriter.Workbook(tmp_path / "ok.xlsx")
    sheet = book.add_worksheet("名册")
    sheet.write(2, 1, "姓名")
    sheet.write(3, 1, "张三")
    sheet.write_datetime(3, 2, dt.datetime(2020, 1, 2), book.add_format({"num_format": "yyyy-mm-dd"}))
    sheet.write(4, 3, 7)
    book.add_worksheet("学 历").write(0, 0, "代码")
    book.close()
    sheets = xlsx.read_sheets(tmp_path / "ok.xlsx", skip={"学历"}, limits=LIMITS)
    assert sheets == [
        (
            "名册",
            [
                ["", "", "", ""],
                ["", "", "", ""],
                ["", "姓名", "", ""],
                ["", "张三", dt.date(2020, 1, 2), ""],
                ["", "", "", 7],
            ],
        )
    ]


def test_a_broken_file_gets_a_chinese_message(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04garbage")
    with pytest.raises(xlsx.XlsxError, match="无法读取该 Excel 文件"):
        xlsx.xlsx_check(path, limits=LIMITS)
    with pytest.raises(xlsx.XlsxError, match="无法读取该 Excel 文件"):
        xlsx.read_sheets(path, limits=LIMITS)


def test_the_unpickler_takes_only_values():
    import io
    import os
    import pickle

    with pytest.raises(pickle.UnpicklingError):
        xlsx._ValuesUnpickler(io.BytesIO(pickle.dumps(os.system))).load()
