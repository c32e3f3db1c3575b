"""The 工作台 reads each block in one query; what it reads is what the org and compliance
selectors give, for every kind of user."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dangjian.accounts.models import RoleGrant
from dangjian.accounts.tests.factories import make_user
from dangjian.activities import selectors as activity_selectors
from dangjian.activities.models import ActivityKind as K
from dangjian.core import policy
from dangjian.core.permissions import Role
from dangjian.feedback import selectors as feedback_selectors
from dangjian.feedback.models import Feedback
from dangjian.orgs import selectors as org_selectors
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import Org
from dangjian.orgs.services import org_recount
from dangjian.orgs.tests.factories import make_member, make_org
from dangjian.reports import selectors
from dangjian.requirements import engine
from dangjian.requirements import selectors as compliance_selectors
from dangjian.requirements.tests.factories import last_period, load_shipped, record


@pytest.fixture
def world(tree):
    load_shipped()
    make_org(tree["branch_a1"], name="甲县第一支部第二党小组", kind=OrgKind.GROUP)
    gone = make_org(tree["branch_a1"], name="甲县第一支部已撤销党小组", kind=OrgKind.GROUP)
    for n in range(12):  # more overdue orgs than the page lists
        org = make_org(tree["county_b"], name=f"乙县第{n}支部", kind=OrgKind.BRANCH)
        make_member(org, recount=False)
        Org.objects.filter(pk=org.pk).update(term_due=dt.date(2020, 1, 1) + dt.timedelta(days=n))
    for org in (tree["branch_a1"], tree["branch_b1"]):
        make_member(org, recount=False)
    org_recount()
    Org.objects.filter(pk=gone.pk).update(deleted_at=timezone.now())
    Org.objects.filter(pk=tree["general"].pk).update(term_due=dt.date(2019, 6, 1))
    record(tree["branch_a1"], last_period("month").start, K.THEME_DAY, notify=False)
    engine.recompute_all()
    member = make_member(tree["branch_b1"], name="兼职书记")
    supervisor = make_user(Role.SUPERVISOR, tree["county_b"])
    RoleGrant.objects.create(user=supervisor, role=Role.SUPERVISOR, org=tree["general"])
    both = make_user(Role.MEMBER, tree["branch_b1"], member=member)
    RoleGrant.objects.create(user=both, role=Role.BRANCH_SECRETARY, org=tree["branch_a1"])
    users = {
        "city": make_user(Role.ORG_ADMIN, tree["city"]),
        "county": make_user(Role.ORG_ADMIN, tree["county_b"]),
        "secretary": make_user(Role.BRANCH_SECRETARY, tree["branch_a1"]),
        "secretary_only_branch": make_user(
            Role.BRANCH_SECRETARY, tree["branch_a1"], include_descendants=False
        ),
        "group": make_user(Role.BRANCH_SECRETARY, tree["group_a1"]),
        "supervisor": supervisor,
        "member_and_secretary": both,
        "superuser": make_user(is_superuser=True),
        "system_admin": make_user(Role.SYSTEM_ADMIN),
        "nothing": make_user(),
    }
    return {**tree, "users": users}


def _entries(items):
    return [{k: v for k, v in i.items() if k != "result"} | {"pk": i["result"].pk} for i in items]


@pytest.mark.parametrize(
    "who",
    [
        "city",
        "county",
        "secretary",
        "secretary_only_branch",
        "group",
        "supervisor",
        "member_and_secretary",
        "superuser",
        "system_admin",
        "nothing",
    ],
)
def test_home_reads_give_what_the_selectors_give(world, who):
    user = world["users"][who]
    today = timezone.localdate()
    summary = org_selectors.org_scope_summary(user=user, on=today)
    overdue = list(org_selectors.org_term_overdue(user=user, on=today)[:10])
    roots = list(org_selectors.org_roots(user=user)[:5])
    if policy.has_perm(user, compliance_selectors.PERM):
        todo_org = compliance_selectors.default_org(user=user)
        todo = compliance_selectors.todo(user=user, org=todo_org) if todo_org else []
    else:
        todo_org, todo = None, []

    figures = selectors.scope_figures(user=user)
    listed, figures["overdue"] = selectors.overdue_orgs(user=user, on=today, limit=10)
    orgs = selectors.home_orgs(user=user)
    items, count = selectors.home_todo(user=user, orgs=orgs, on=today)

    assert figures == summary
    assert [(o["pk"], o["name"], o["term_due"], o["days_overdue"]) for o in listed] == [
        (o.pk, o.name, o.term_due, (today - o.term_due).days) for o in overdue
    ]
    assert [(o.pk, o.name) for o in orgs.roots] == [(o.pk, o.name) for o in roots]
    assert (orgs.todo_root and orgs.todo_root.pk) == (todo_org and todo_org.pk)
    assert _entries(items) == _entries(todo[: selectors.TODO_SHOWN]) and count == len(todo)
    if who in ("city", "secretary", "supervisor"):
        assert summary["orgs"] and (overdue or todo)
    if who == "secretary":  # the branch's own to-do and its live 党小组's, named
        assert any(i["text"].startswith("甲县第一支部第一党小组：") for i in todo)
        assert not any("已撤销" in i["text"] for i in todo)


def test_home_reads_one_query_per_block(world, django_assert_num_queries):
    user = world["users"]["secretary"]
    today = timezone.localdate()
    policy.user_grants(user)  # loaded once per request, before the page
    with django_assert_num_queries(4):
        selectors.scope_figures(user=user)
        selectors.overdue_orgs(user=user, on=today, limit=10)
        orgs = selectors.home_orgs(user=user)
        selectors.home_todo(user=user, orgs=orgs, on=today)


def test_member_page_reads_give_what_the_selectors_give(world):
    me = make_member(world["branch_a1"], name="组员甲")
    me.party_group = world["group_a1"]
    me.save(update_fields=["party_group"])
    user = make_user(Role.MEMBER, world["branch_a1"], member=me)
    for n in range(4):
        Feedback.objects.create(created_by=user, category="burden", subject=f"意见{n}", text="…")
    record(world["branch_a1"], timezone.localdate(), K.ORG_LIFE_MEETING, present=[me], notify=False)

    full = org_selectors.access_member(user=user, pk=me.pk)
    mine = selectors.my_record(user=user)
    shown = ("pk", "name", "org_id", "org_path", "status", "joined_on", "id_number_masked", "phone_masked")
    assert [getattr(mine, f) for f in shown] == [getattr(full, f) for f in shown]
    assert (mine.org.name, mine.party_group.name) == (full.org.name, "甲县第一支部第一党小组")
    assert mine.get_status_display() == full.get_status_display()
    recent = selectors.recent_activities(user=user, limit=5)
    assert recent and [(a.pk, a.topic, a.held_on, a.org.name) for a in recent] == [
        (a.pk, a.topic, a.held_on, a.org.name) for a in activity_selectors.activity_list(user=user)[:5]
    ]
    feedback = selectors.my_feedback(user=user, limit=3)
    assert [(f.pk, f.subject, f.get_status_display()) for f in feedback] == [
        (f.pk, f.subject, f.get_status_display()) for f in feedback_selectors.feedback_list(user=user)[:3]
    ]


def test_member_asks_count_each_rule_in_its_own_period_and_kinds(world):
    me = make_member(world["branch_b1"], name="党员乙")
    other = make_member(world["branch_b1"], name="党员丙")
    today = timezone.localdate()
    year_start = today.replace(month=1, day=1)
    record(world["branch_b1"], year_start, K.ORG_LIFE_MEETING, present=[me], notify=False)
    record(world["branch_b1"], today, K.ORG_LIFE_MEETING, K.HEART_TO_HEART_TALK, present=[me], notify=False)
    record(
        world["branch_b1"],
        year_start - dt.timedelta(days=1),
        K.HEART_TO_HEART_TALK,
        present=[me],
        notify=False,
    )
    record(world["branch_b1"], today, K.HEART_TO_HEART_TALK, present=[other], absent=[me], notify=False)
    user = make_user(Role.MEMBER, world["branch_b1"], member=me)
    asks = {a["name"]: a for a in compliance_selectors.member_asks(user=user, member=me, on=today)}
    assert (asks["党员参加组织生活会"]["done"], asks["党员参加组织生活会"]["met"]) == (2, True)
    assert (asks["谈心谈话"]["done"], asks["谈心谈话"]["due"]) == (1, today.replace(month=12, day=31))
