"""Reads of 调查研究, scoped by ``policy.scope_q`` on ``org_path``; office lists of topics
without visits, overdue reports, reports not converted, and upper topics nobody below answers."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from dangjian.core import policy
from dangjian.core.permissions import Perm
from dangjian.orgs.choices import BRANCH_KINDS, OrgKind
from dangjian.orgs.models import Org
from dangjian.orgs.selectors import org_visible
from dangjian.rectification.models import Problem

from .models import ConversionItem, ResearchReport, ResearchTopic, ResearchVisit


def topic_visible(*, user: Any, perm: str = Perm.RESEARCH_VIEW) -> QuerySet[ResearchTopic]:
    return ResearchTopic.objects.alive().filter(policy.scope_q(user, perm, path_field="org_path"))


def access_topic(*, user: Any, pk: Any, perm: str = Perm.RESEARCH_VIEW) -> ResearchTopic:
    try:
        return topic_visible(user=user, perm=perm).select_related("org", "parent_topic").get(pk=int(pk))
    except (ResearchTopic.DoesNotExist, TypeError, ValueError, OverflowError):
        raise policy.not_found() from None


def access_report(*, user: Any, topic_pk: Any, perm: str = Perm.RESEARCH_VIEW) -> ResearchReport:
    topic = access_topic(user=user, pk=topic_pk, perm=perm)
    try:
        return ResearchReport.objects.select_related("topic__org").get(topic=topic)
    except ResearchReport.DoesNotExist:
        raise policy.not_found() from None


def parent_topic_for(*, org: Org, pk: Any) -> ResearchTopic:
    """An upper topic ``org`` may answer (a topic of one of its ancestors); 404 for any other id,
    so ids of topics elsewhere in the tree are not confirmed to exist."""
    try:
        return answerable_topics(org=org).get(pk=int(pk))
    except (ResearchTopic.DoesNotExist, TypeError, ValueError, OverflowError):
        raise policy.not_found() from None


def answerable_topics(*, org: Org) -> QuerySet[ResearchTopic]:
    """Topics of the org's ancestors, which it may answer (同题调研)."""
    ancestors = [org.path[:i] for i in range(4, len(org.path), 4)]
    return ResearchTopic.objects.alive().filter(org_path__in=ancestors).order_by("-created_at")


def org_for_change(*, user: Any, pk: Any) -> Org:
    try:
        return org_visible(user=user, perm=Perm.RESEARCH_CHANGE).get(pk=int(pk))
    except (Org.DoesNotExist, TypeError, ValueError, OverflowError):
        raise policy.not_found() from None


def change_orgs(*, user: Any, limit: int = 300) -> list[Org]:
    return list(
        org_visible(user=user, perm=Perm.RESEARCH_CHANGE).exclude(kind=OrgKind.GROUP).order_by("path")[:limit]
    )


def can_change(user: Any) -> bool:
    return policy.has_perm(user, Perm.RESEARCH_CHANGE)


def can_change_topic(user: Any, topic: ResearchTopic) -> bool:
    return policy.allows_path(user, Perm.RESEARCH_CHANGE, topic.org_path)


def topic_list(*, user: Any) -> QuerySet[ResearchTopic]:
    return (
        topic_visible(user=user)
        .select_related("org", "parent_topic")
        .annotate(visit_count=Count("visits", distinct=True), answer_count=Count("answers", distinct=True))
        .order_by("-created_at", "-pk")
    )


def topic_detail(*, topic: ResearchTopic) -> dict[str, Any]:
    report = ResearchReport.objects.filter(topic=topic).first()
    conversions = (
        list(ConversionItem.objects.filter(report=report).select_related("problem", "measure"))
        if report
        else []
    )
    return {
        "visits": list(ResearchVisit.objects.filter(topic=topic)),
        "report": report,
        "conversions": conversions,
        "converted_problems": [c.problem for c in conversions if c.kind == "problem" and c.problem],
        "answers": list(topic.answers.filter(deleted_at__isnull=True).select_related("org")),
    }


def without_visits(*, user: Any) -> QuerySet[ResearchTopic]:
    return (
        topic_visible(user=user)
        .filter(~Exists(ResearchVisit.objects.filter(topic=OuterRef("pk"))))
        .select_related("org")
    )


def overdue_reports(*, user: Any) -> QuerySet[ResearchTopic]:
    today = timezone.localdate()
    return (
        topic_visible(user=user)
        .filter(report_due__lt=today)
        .filter(~Exists(ResearchReport.objects.filter(topic=OuterRef("pk"))))
        .select_related("org")
    )


def reports_not_converted(*, user: Any) -> QuerySet[ResearchTopic]:
    return (
        topic_visible(user=user)
        .filter(Exists(ResearchReport.objects.filter(topic=OuterRef("pk"))))
        .filter(~Exists(ConversionItem.objects.filter(report__topic=OuterRef("pk"))))
        .select_related("org")
    )


def unanswered_upper_topics(*, user: Any) -> QuerySet[ResearchTopic]:
    """Topics of orgs that have orgs below them (党委, 总支 …; a branch's 党小组 do not answer
    topics), answered by no topic below (同题作答)."""
    has_children = Q(org__numchild__gt=0) & ~Q(org__kind__in=[*BRANCH_KINDS, OrgKind.GROUP])
    answered = ResearchTopic.objects.alive().filter(parent_topic=OuterRef("pk"))
    return topic_visible(user=user).filter(has_children).filter(~Exists(answered)).select_related("org")


def office_counts(*, user: Any) -> dict[str, int]:
    return {
        "without_visits": without_visits(user=user).count(),
        "overdue": overdue_reports(user=user).count(),
        "not_converted": reports_not_converted(user=user).count(),
        "unanswered": unanswered_upper_topics(user=user).count(),
    }


def problem_of_report(*, report: ResearchReport, pk: Any) -> Problem | None:
    try:
        item = report.conversions.filter(kind="problem", problem_id=int(pk)).select_related("problem").first()
    except (TypeError, ValueError, OverflowError):
        return None
    return item.problem if item else None


def topic_report_counts_by_org(org_ids: Any, since: Any, until: Any) -> dict[int, dict[str, int]]:
    """Per org (itself, not its subtree): 调研选题 registered in [since, until] and, of those,
    reports submitted by ``until``. Unscoped: the caller has scoped the orgs (the campaigns app,
    through ``core.counters``)."""
    ids = list(org_ids)
    if not ids:
        return {}
    rows = (
        ResearchTopic.objects.alive()
        .filter(org_id__in=ids, created_at__date__gte=since, created_at__date__lte=until)
        .values("org_id")
        .annotate(
            topics=Count("pk", distinct=True),
            reports=Count("pk", filter=Q(report__created_at__date__lte=until), distinct=True),
        )
    )
    return {r["org_id"]: {"topics": r["topics"], "reports": r["reports"]} for r in rows}
