"""manage.py textcheck: the 形式主义 checks as JSON Lines, for other tools.

One JSON object per input line, one answer line per input line, in order:

    {"id": 1, "text": "…", "kind": "problem"|"measure"|"target", "problem_text": "…"?}
        -> {"id": 1, "warnings": ["generic", …]}
    {"id": 2, "a": "…", "b": "…"}
        -> {"id": 2, "near_duplicate": true, "score": 0.93}

A bad line answers {"id": …, "error": "中文说明"} and the next line is read. No database is used.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand

from dangjian.textcheck.checks import KINDS, is_near_duplicate, text_warnings


class LineError(ValueError):
    pass


def answer(line_no: int, line: str) -> dict[str, Any]:
    """The answer to one input line (never raises)."""
    item_id: Any = None
    try:
        if not line.strip():
            raise LineError(f"第 {line_no} 行是空行")
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise LineError(f"第 {line_no} 行不是有效的 JSON（第 {exc.colno} 列：{exc.msg}）") from None
        if not isinstance(item, dict):
            raise LineError(f"第 {line_no} 行应是一个 JSON 对象")
        item_id = item.get("id")
        if "id" not in item:
            raise LineError(f"第 {line_no} 行缺少 id")
        if "a" in item or "b" in item:
            a, b = item.get("a"), item.get("b")
            if not isinstance(a, str) or not isinstance(b, str):
                raise LineError(f"第 {line_no} 行：a 和 b 都应是文字")
            duplicate, score = is_near_duplicate(a, b)
            return {"id": item_id, "near_duplicate": duplicate, "score": score}
        if "text" in item or "kind" in item:
            text, kind, problem_text = item.get("text"), item.get("kind"), item.get("problem_text")
            if not isinstance(text, str):
                raise LineError(f"第 {line_no} 行：text 应是文字")
            if kind not in KINDS:
                raise LineError(f"第 {line_no} 行：kind 应是 problem、measure 或 target 之一，收到 {kind!r}")
            if problem_text is not None and not isinstance(problem_text, str):
                raise LineError(f"第 {line_no} 行：problem_text 应是文字")
            return {"id": item_id, "warnings": text_warnings(text, kind, problem_text=problem_text)}
        raise LineError(f"第 {line_no} 行应含 text 与 kind，或 a 与 b")
    except LineError as exc:
        return {"id": item_id, "error": str(exc)}


class Command(BaseCommand):
    help = "从标准输入读 JSON Lines，逐行输出形式主义提示或近似重复判断（不需要数据库）"
    requires_system_checks: list[str] = []
    stealth_options = ("stdin",)

    def handle(self, *args: Any, **options: Any) -> None:
        stdin = options.get("stdin") or sys.stdin
        encoding = (getattr(self.stdout, "encoding", None) or "utf-8").lower().replace("-", "")
        ascii_only = encoding != "utf8"
        for line_no, line in enumerate(stdin, start=1):
            self.stdout.write(json.dumps(answer(line_no, line), ensure_ascii=ascii_only))
            self.stdout.flush()
