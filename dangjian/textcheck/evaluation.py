"""Precision and recall of the checks on the labelled set in ``tests/data``.

``python -m dangjian.textcheck.evaluation`` prints, per check, the figures on the tuning part and on
the held-out part, and on the lines written after the thresholds and phrase lists were fixed
("later", below a marker comment in the data files), and (with ``--sweep``) how they move with
each threshold, on the tuning part only. Of the earlier lines, one belongs to the held-out part
when the MD5 of its text is divisible by 3, so the split is stable and needs no bookkeeping.
"""

from __future__ import annotations

import argparse
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from . import checks

DATA = Path(__file__).resolve().parent / "tests" / "data"
TEXT_CHECKS = ("unquantified", "generic", "restates_problem")


@dataclass(frozen=True)
class Line:
    kind: checks.Kind
    expected: frozenset[str]
    text: str
    problem_text: str | None
    held_out: bool
    later: bool  # written after the thresholds and phrase lists were fixed


@dataclass(frozen=True)
class Pair:
    near_duplicate: bool
    category: str
    a: str
    b: str
    held_out: bool
    later: bool


def _held_out(key: str) -> bool:
    return int(hashlib.md5(key.encode(), usedforsecurity=False).hexdigest(), 16) % 3 == 0


LATER_MARK = "# Written after the thresholds were chosen"


def _rows(name: str) -> Iterable[tuple[bool, list[str]]]:
    later = False
    for raw in (DATA / name).read_text(encoding="utf-8").splitlines():
        later = later or raw.startswith(LATER_MARK)
        if raw.strip() and not raw.startswith("#"):
            yield later, [part.strip() for part in raw.split("|")]


def load_lines() -> list[Line]:
    lines = []
    for later, (kind, expected, text, problem_text) in _rows("lines.txt"):
        codes = frozenset() if expected == "-" else frozenset(expected.split(","))
        assert codes <= set(TEXT_CHECKS), codes
        held_out = _held_out(f"{kind}|{text}|{problem_text}")
        lines.append(Line(kind, codes, text, problem_text or None, held_out, later))  # type: ignore[arg-type]  # kind checked by the data test
    return lines


def load_pairs(name: str = "pairs.txt") -> list[Pair]:
    return [
        Pair(label == "1", category, a, b, _held_out(f"{a}|{b}"), later)
        for later, (label, category, a, b) in _rows(name)
    ]


def load_measure_pairs() -> list[Pair]:
    """Pairs of measures, all written after the thresholds were fixed (none used for tuning)."""
    return load_pairs("measure_pairs.txt")


@dataclass(frozen=True)
class Score:
    tp: int
    fp: int
    fn: int
    n: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def __str__(self) -> str:
        return f"P {self.precision:.2f} R {self.recall:.2f} (n={self.n}, +{self.tp + self.fn})"


def applies(code: str, line: Line) -> bool:
    """Whether ``code`` is asked of this line at all."""
    if code == "unquantified":
        return line.kind in ("target", "measure")
    if code == "generic":
        return line.kind in ("problem", "measure")
    return line.kind == "measure" and line.problem_text is not None


def score_lines(lines: list[Line], code: str) -> Score:
    tp = fp = fn = n = 0
    for line in lines:
        if not applies(code, line):
            continue
        n += 1
        got = code in checks.text_warnings(line.text, line.kind, problem_text=line.problem_text)
        want = code in line.expected
        tp += got and want
        fp += got and not want
        fn += want and not got
    return Score(tp, fp, fn, n)


def score_pairs(pairs: list[Pair]) -> Score:
    tp = fp = fn = 0
    for pair in pairs:
        got = checks.is_near_duplicate(pair.a, pair.b)[0]
        tp += got and pair.near_duplicate
        fp += got and not pair.near_duplicate
        fn += pair.near_duplicate and not got
    return Score(tp, fp, fn, len(pairs))


def report() -> dict[str, dict[str, Score]]:
    lines, pairs = load_lines(), load_pairs()
    result: dict[str, dict[str, Score]] = {}
    for part, held in (("tuning", False), ("held_out", True)):
        chosen = [line for line in lines if line.held_out is held and not line.later]
        result[part] = {code: score_lines(chosen, code) for code in TEXT_CHECKS}
        result[part]["near_duplicate"] = score_pairs([p for p in pairs if p.held_out is held and not p.later])
    later_lines = [line for line in lines if line.later]
    result["later"] = {code: score_lines(later_lines, code) for code in TEXT_CHECKS}
    result["later"]["near_duplicate"] = score_pairs([p for p in pairs if p.later])
    result["later"]["near_duplicate_measures"] = score_pairs(load_measure_pairs())
    return result


def sweep() -> None:
    """Precision/recall on the tuning part for a range of each threshold."""
    lines = [line for line in load_lines() if not line.held_out and not line.later]
    pairs = [pair for pair in load_pairs() if not pair.held_out and not pair.later]
    saved = (checks.GENERIC_MAX_OWN_SHARE, checks.RESTATE_MAX_NEW_SHARE, checks.DUPLICATE_THRESHOLD)
    try:
        for value in (0.2, 0.25, 0.3, 0.34, 0.4, 0.45, 0.5, 0.55, 0.6):
            checks.GENERIC_MAX_OWN_SHARE = value
            print(f"generic own-share ≤ {value:.2f}: {score_lines(lines, 'generic')}")
        checks.GENERIC_MAX_OWN_SHARE = saved[0]
        for value in (0.0, 0.1, 0.2, 0.25, 0.34, 0.4, 0.5):
            checks.RESTATE_MAX_NEW_SHARE = value
            print(f"restates new-share ≤ {value:.2f}: {score_lines(lines, 'restates_problem')}")
        checks.RESTATE_MAX_NEW_SHARE = saved[1]
        for value in (0.6, 0.65, 0.7, 0.75, 0.78, 0.8, 0.82, 0.85, 0.9):
            checks.DUPLICATE_THRESHOLD = value
            print(f"near-duplicate score ≥ {value:.2f}: {score_pairs(pairs)}")
    finally:
        checks.GENERIC_MAX_OWN_SHARE, checks.RESTATE_MAX_NEW_SHARE, checks.DUPLICATE_THRESHOLD = saved


def misses(part_held_out: bool = False) -> None:
    for line in load_lines():
        if line.held_out is not part_held_out or line.later:
            continue
        got = set(checks.text_warnings(line.text, line.kind, problem_text=line.problem_text))
        want = set(line.expected)
        if got != want:
            print(
                f"{line.kind:8} want {sorted(want)} got {sorted(got)}: {line.text} | {line.problem_text or ''}"
            )
    for pair in load_pairs():
        if pair.held_out is not part_held_out or pair.later:
            continue
        duplicate, score = checks.is_near_duplicate(pair.a, pair.b)
        if duplicate != pair.near_duplicate:
            print(f"pair {pair.category:9} want {pair.near_duplicate} score {score:.2f}: {pair.a} | {pair.b}")


def later_misses() -> None:
    """The wrong answers on the lines written after the thresholds were fixed (to read, not to tune)."""
    for pair in [p for p in load_pairs() if p.later] + load_measure_pairs():
        duplicate, score = checks.is_near_duplicate(pair.a, pair.b)
        if duplicate != pair.near_duplicate:
            print(f"pair {pair.category:9} want {pair.near_duplicate} score {score:.2f}: {pair.a} | {pair.b}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sweep", action="store_true", help="threshold sweep on the tuning part")
    parser.add_argument("--misses", action="store_true", help="list the tuning part's wrong answers")
    parser.add_argument(
        "--later-misses",
        action="store_true",
        help="list the later pairs' wrong answers (to read, not to tune)",
    )
    args = parser.parse_args()
    if args.sweep:
        sweep()
    if args.misses:
        misses()
    if args.later_misses:
        later_misses()
    for part, scores in report().items():
        for code, score in scores.items():
            print(f"{part:9} {code:24} {score}")


if __name__ == "__main__":
    main()
