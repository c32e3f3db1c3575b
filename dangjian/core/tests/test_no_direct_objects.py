"""Views and API modules read and write only through selectors and services (STYLE rule 2).

A grep, like Zulip's lint rules: any ``.objects.`` in a ``views.py``, ``*_views.py`` or
``api.py`` under ``dangjian/`` fails the suite, naming the file and line.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PATTERN = re.compile(r"\.objects\.")


def _modules() -> list[Path]:
    files = {*ROOT.rglob("views.py"), *ROOT.rglob("*_views.py"), *ROOT.rglob("api.py")}
    files |= {p for d in ROOT.rglob("views") if d.is_dir() for p in d.rglob("*.py")}
    return sorted(p for p in files if "migrations" not in p.parts and "tests" not in p.parts)


def offending_lines(path: Path) -> list[str]:
    hits = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        code = line.split("#", 1)[0]
        if PATTERN.search(code):
            name = path.relative_to(ROOT.parent) if path.is_relative_to(ROOT.parent) else path
            hits.append(f"{name}:{number}: {line.strip()}")
    return hits


def test_modules_are_found():
    names = {p.relative_to(ROOT).as_posix() for p in _modules()}
    assert "orgs/views.py" in names
    assert "core/views.py" in names


def test_no_direct_objects_in_views_or_api():
    hits = [hit for path in _modules() for hit in offending_lines(path)]
    message = "视图和 API 不得直接调用 Model.objects，请改用 selectors/services：\n"
    assert hits == [], message + "\n".join(hits)


def test_the_check_catches_a_direct_call(tmp_path):
    bad = tmp_path / "dangjian" / "x" / "views.py"
    bad.parent.mkdir(parents=True)
    bad.write_text(
        "def v(request):\n    # Org.objects.all() in a comment is fine\n    return Org.objects.all()\n",
        encoding="utf-8",
    )
    hits = offending_lines(bad)
    assert len(hits) == 1 and hits[0].endswith(":3: return Org.objects.all()")
