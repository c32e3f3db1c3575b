"""Each campaign requirement exists once: in its campaign template, never also as a shipped
requirement rule (it would be counted and shown twice, and for every org of a kind instead of
the orgs of the batch)."""

from __future__ import annotations

from dangjian.campaigns.templates import load_templates
from dangjian.requirements.loader import default_files, parse_files


def _overlaps(req, template) -> list[str]:
    """Template actions a shipped rule repeats: same kinds counted, for orgs of a common kind,
    with dates reaching into one of the action's batches."""
    found = []
    for action in template.spec.actions:
        if not action.counts or set(action.counts) != set(req.counts):
            continue
        if not set(action.applies_to.kinds) & set(req.applies_to.kinds):
            continue
        for batch in template.action_batches(action):
            start = req.effective_from or batch.starts_on
            end = req.effective_to or req.deadline or batch.ends_on
            dated = req.effective_from is not None or req.effective_to is not None
            if dated and start <= batch.ends_on and end >= batch.starts_on:
                found.append(f"{req.code} 与模板 {template.code} 的 {action.code}（{batch.name}）重复")
    return found


def test_no_shipped_rule_repeats_a_campaign_action():
    templates = load_templates().values()
    rules = [r for pf in parse_files(default_files()) for r in pf.spec.requirements]
    problems = [p for r in rules for t in templates for p in _overlaps(r, t)]
    assert problems == []


def test_the_check_finds_a_repeated_rule():
    from dangjian.requirements.tests.factories import TEST_DATA

    rules = [r for pf in parse_files(TEST_DATA) for r in pf.spec.requirements]
    template = load_templates()["xjp-thought-2023"]
    found = {p.split(" ")[0] for r in rules for p in _overlaps(r, template)}
    assert found == {
        "ZTJY23-GROUP-STUDY",
        "ZTJY23-SEMINAR-EACH-MEMBER",
        "ZTJY23-READING-CLASS",
        "ZXZ-MONTHLY-STUDY",
    }
