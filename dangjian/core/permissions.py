"""Roles and permission names: the only place they are spelled out.

A user's rights are the union of their role grants; each grant gives one role on one org
(its subtree when ``include_descendants``), or everywhere for the system administrator.
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    SYSTEM_ADMIN = "system_admin", "系统管理员"
    ORG_ADMIN = "org_admin", "党务管理员"
    BRANCH_SECRETARY = "branch_secretary", "支部书记"
    MEMBER = "member", "党员"
    SUPERVISOR = "supervisor", "督导"


class Perm(models.TextChoices):
    ORG_VIEW = "org.view", "查看组织"
    ORG_CHANGE = "org.change", "维护组织"
    MEMBER_VIEW = "member.view", "查看党员"
    MEMBER_CHANGE = "member.change", "维护党员"
    MEMBER_VIEW_PII = "member.view_pii", "查看完整身份证号和手机号"
    MEMBER_TRANSFER = "member.transfer", "组织关系转接"
    IMPORT = "data.import", "导入 Excel"
    EXPORT = "data.export", "导出 Excel"
    ACTIVITY_VIEW = "activity.view", "查看组织生活"
    ACTIVITY_CHANGE = "activity.change", "记录组织生活"
    COMPLIANCE_VIEW = "compliance.view", "查看达标情况"
    REQUIREMENT_CHANGE = "requirement.change", "维护要求"
    ADMIN_SITE = "admin.site", "后台管理"
    FEEDBACK_REPLY = "feedback.reply", "答复投诉建议"
    RESEARCH_VIEW = "research.view", "查看调查研究"
    RESEARCH_CHANGE = "research.change", "登记调查研究"
    CASE_VIEW = "case.view", "查看典型案例"
    CASE_CHANGE = "case.change", "报送典型案例"
    CASE_REVIEW = "case.review", "审核典型案例（上级）"
    RECTIFICATION_VIEW = "rectification.view", "查看检视整改"
    RECTIFICATION_CHANGE = "rectification.change", "登记检视问题和整改"
    RECTIFICATION_VERIFY = "rectification.verify", "销号审核（上级）"
    CAMPAIGN_CHANGE = "campaign.change", "启动和调整主题教育"


_READ = {Perm.ORG_VIEW, Perm.MEMBER_VIEW, Perm.ACTIVITY_VIEW, Perm.COMPLIANCE_VIEW}
_LEDGER_READ = {Perm.RESEARCH_VIEW, Perm.CASE_VIEW, Perm.RECTIFICATION_VIEW}
_LEDGER_WRITE = {Perm.RESEARCH_CHANGE, Perm.CASE_CHANGE, Perm.RECTIFICATION_CHANGE}
# Reviews of the level above: checked against the parent of the item's org, never the org itself.
_LEDGER_REVIEW = {Perm.CASE_REVIEW, Perm.RECTIFICATION_VERIFY}

ROLE_PERMS: dict[str, frozenset[str]] = {
    Role.SYSTEM_ADMIN: frozenset(Perm.values),
    Role.ORG_ADMIN: frozenset(
        _READ
        | {
            Perm.ORG_CHANGE,
            Perm.MEMBER_CHANGE,
            Perm.MEMBER_VIEW_PII,
            Perm.MEMBER_TRANSFER,
            Perm.IMPORT,
            Perm.EXPORT,
            Perm.ACTIVITY_CHANGE,
            Perm.CAMPAIGN_CHANGE,
        }
        | _LEDGER_READ
        | _LEDGER_WRITE
        | _LEDGER_REVIEW
    ),
    Role.BRANCH_SECRETARY: frozenset(
        _READ
        | {Perm.MEMBER_CHANGE, Perm.MEMBER_VIEW_PII, Perm.EXPORT, Perm.ACTIVITY_CHANGE}
        | _LEDGER_READ
        | _LEDGER_WRITE
    ),
    # A member sees their own org (not its subtree) and only their own member record;
    # the member selectors narrow MEMBER_VIEW to the user's own Member row.
    Role.MEMBER: frozenset({Perm.ORG_VIEW, Perm.MEMBER_VIEW, Perm.ACTIVITY_VIEW}),
    Role.SUPERVISOR: frozenset(_READ | {Perm.EXPORT} | _LEDGER_READ),
}

# Roles whose member visibility is "own record only" rather than "everyone in the org".
SELF_ONLY_ROLES = frozenset({Role.MEMBER})
