"""The 形式主义 detector applied to the ledger: findings stored per item as ItemWarning rows.

Text checks are textcheck's pure functions; the structural checks live here because they read
the ledger's own rows:

- ``no_owner_or_date``: a measure with no owner (责任人) or no due date;
- ``self_verified``: a 销号 (requested or signed off) without evidence, or whose evidence was
  uploaded by the person who verified it.

``refresh(problem)`` rewrites a problem's rows; the services call it inside their transaction
on every create and edit. Warnings never block a write.
"""

from __future__ import annotations

from .models import ItemWarning, Problem, ProblemStatus, WarningField

LABELS = {
    "unquantified": "目标或措施没有量化（无数字、时间、频次或可检查的对象）",
    "generic": "表述一般化，放在任何单位都成立",
    "restates_problem": "措施只是把问题换个说法",
    "no_owner_or_date": "措施没有责任人或完成时限",
    "near_duplicate": "与其他单位或上级的问题雷同",
    "self_verified": "销号没有佐证材料，或佐证材料由销号审核人本人上传",
}


def structural_warnings(problem: Problem) -> list[ItemWarning]:
    rows: list[ItemWarning] = []
    for measure in problem.measures.all():
        missing = [
            label for label, value in (("责任人", measure.owner), ("完成时限", measure.due_on)) if not value
        ]
        if missing:
            rows.append(
                ItemWarning(
                    problem=problem,
                    measure=measure,
                    field=WarningField.MEASURE,
                    code="no_owner_or_date",
                    detail="缺少" + "、".join(missing),
                )
            )
    if problem.status in (ProblemStatus.REQUESTED, ProblemStatus.CLOSED):
        uploaders = {e.created_by_id for e in problem.evidence.all()}
        if not uploaders:
            rows.append(
                ItemWarning(
                    problem=problem, field=WarningField.CLOSE, code="self_verified", detail="没有佐证材料"
                )
            )
        elif problem.status == ProblemStatus.CLOSED and problem.closed_by_id in uploaders:
            rows.append(
                ItemWarning(
                    problem=problem,
                    field=WarningField.CLOSE,
                    code="self_verified",
                    detail="佐证材料由销号审核人本人上传",
                )
            )
    return rows


def refresh(problem: Problem) -> list[ItemWarning]:
    """Recompute and store ``problem``'s warnings (call inside the writing transaction)."""
    rows = structural_warnings(problem)
    for row in rows:
        row.org_path = problem.org_path
    ItemWarning.objects.filter(problem=problem).delete()
    ItemWarning.objects.bulk_create(rows)
    return rows
