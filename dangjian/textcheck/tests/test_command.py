"""manage.py textcheck end to end: in process with call_command, and as a real subprocess."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[3]

LINES = [
    {"id": 1, "text": "部分党员理论学习不够深入", "kind": "problem"},
    {"id": "m-2", "text": "深入学习", "kind": "measure", "problem_text": "学习不深入"},
    {"id": 3, "text": "6月底前修订《村级财务管理制度》并在村务公开栏公示", "kind": "target"},
    {"id": 4, "a": "全县部分党员干部理论学习不深入", "b": "全镇部分党员干部理论学习不深入"},
    {"id": 5, "a": "光明村3名党员未按时交纳党费", "b": "光明村5名党员未按时交纳党费"},
]
BAD = [
    "这不是 JSON",
    json.dumps({"id": 7, "text": "学习不深入", "kind": "plan"}, ensure_ascii=False),
    json.dumps({"id": 8, "a": "只有一边"}, ensure_ascii=False),
    json.dumps({"text": "没有编号", "kind": "problem"}, ensure_ascii=False),
    "",
    json.dumps([1, 2]),
    json.dumps({"id": 9}),
]


def _check_answers(answers: list[dict]) -> None:
    assert [a["id"] for a in answers[:5]] == [1, "m-2", 3, 4, 5]
    assert answers[0] == {"id": 1, "warnings": ["generic"]}
    assert answers[1]["warnings"] == ["unquantified", "generic", "restates_problem"]
    assert answers[2] == {"id": 3, "warnings": []}
    assert answers[3]["near_duplicate"] is True and answers[3]["score"] == 1.0
    assert answers[4]["near_duplicate"] is False and 0.0 <= answers[4]["score"] < 1.0
    errors = answers[5:12]
    assert all(set(a) == {"id", "error"} for a in errors)
    assert "第 6 行不是有效的 JSON" in errors[0]["error"]
    assert errors[1]["id"] == 7 and "kind 应是" in errors[1]["error"]
    assert errors[2]["id"] == 8 and "a 和 b" in errors[2]["error"]
    assert errors[3] == {"id": None, "error": "第 9 行缺少 id"}
    assert errors[4]["error"] == "第 10 行是空行"
    assert "JSON 对象" in errors[5]["error"]
    assert "应含 text 与 kind" in errors[6]["error"]
    # processing went on after the bad lines
    assert answers[12] == {"id": 1, "warnings": ["generic"]}


def _input() -> str:
    return "\n".join([*(json.dumps(x, ensure_ascii=False) for x in LINES), *BAD, json.dumps(LINES[0])]) + "\n"


def test_call_command_answers_every_line_in_order():
    out = io.StringIO()
    call_command("textcheck", stdin=io.StringIO(_input()), stdout=out)
    answers = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(answers) == 13
    _check_answers(answers)


def test_subprocess_without_a_database(tmp_path):
    db = tmp_path / "never-created.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "textcheck"],
        input=_input().encode(),
        capture_output=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert done.stderr == b""  # jieba loads quietly
    answers = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert len(answers) == 13
    _check_answers(answers)
    assert not db.exists()
