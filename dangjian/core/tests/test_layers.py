"""The layering in docs/architecture.md, checked against the imports of every non-test module.

An app may import the apps listed for it, never one above it; ``reports`` and ``demo`` sit at the
top and may read every app. A new app must be added here (and to the docs) before it can land."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the dangjian package

TOP = {"reports", "demo"}
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "textcheck": set(),
    "orgs": {"core"},
    "accounts": {"core", "orgs"},
    "feedback": {"core", "accounts"},
    "activities": {"core", "orgs"},
    "requirements": {"core", "orgs", "activities"},
    "campaigns": {"core", "orgs", "activities", "requirements"},
    "rectification": {"core", "orgs", "accounts", "activities", "textcheck"},
    "research": {"core", "orgs", "accounts", "activities", "textcheck", "rectification"},
    "cases": {"core", "orgs", "accounts", "activities", "textcheck", "rectification"},
}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        found |= {n.split(".")[1] for n in names if n.startswith("dangjian.") and n.count(".") >= 1}
    return found


def test_every_app_imports_only_the_layers_below_it():
    apps = sorted(p.name for p in ROOT.iterdir() if (p / "__init__.py").exists() and p.name != "__pycache__")
    unknown = [a for a in apps if a not in ALLOWED and a not in TOP]
    assert not unknown, f"add these apps to the layering table and docs/architecture.md: {unknown}"
    wrong = []
    for app in apps:
        if app in TOP:
            continue
        for path in (ROOT / app).rglob("*.py"):
            rel = path.relative_to(ROOT / app).parts
            if "tests" in rel or "migrations" in rel:
                continue
            for other in _imports(path) - {app} - ALLOWED[app]:
                wrong.append(f"{path.relative_to(ROOT)} imports dangjian.{other}")
    assert not wrong, "\n".join(sorted(wrong))
