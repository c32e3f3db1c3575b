"""jieba is loaded lazily, once, and quietly; the near-duplicate path never loads it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

SCRIPT = """
from dangjian.textcheck import checks, segment
assert segment._tokenizer is None, "loaded on import"
checks.is_near_duplicate("光明村党员理论学习不深入", "新兴村党员理论学习不深入")
index = checks.DuplicateIndex()
index.add(1, "光明村党员理论学习不深入", group=1)
list(index.duplicate_pairs())
assert segment._tokenizer is None, "loaded for near-duplicates"
checks.text_warnings("部分党员理论学习不够深入", "problem")
first = segment._tokenizer
assert first is not None
checks.text_warnings("党员教育管理水平明显提升", "target")
assert segment._tokenizer is first, "loaded twice"
print("ok")
"""


def test_jieba_loads_lazily_once_and_quietly():
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, cwd=ROOT, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
    assert done.stderr == ""
