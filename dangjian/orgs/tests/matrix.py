"""Permission matrix rows of the org and member pages (see dangjian/core/matrix.py).

Columns: anon, sysadmin, admin (甲县委 subtree), secretary (甲县第一支部), member (own record),
supervisor (甲县委 subtree, read-only). "inside" objects sit in 甲县第一支部 (or 甲县委's subtree),
"outside" ones in 乙县委's subtree.

The pages' rule, kept the same everywhere: anonymous → 302 to the login page; an object out of
the user's scope, **or in scope without the permission the page needs**, → 404 (the page fetches
and authorises in one step with ``selectors.access_*(user, pk, perm)``, so a missing object, a
hidden one and a forbidden one look alike). Pages never answer 403. A successful POST redirects
(302); a POST the service refuses re-renders the form (200).
"""

from __future__ import annotations

import datetime as dt

from dangjian.core.matrix import PAGE_ALL, Endpoint
from dangjian.orgs import services
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.tests.factories import make_org, member_data

# Readers see the page; only the system administrator sees the object outside 甲县委.
READ_OUT = (302, 200, 404, 404, 404, 404)
# Pages that need org.change (系统管理员, 党务管理员).
ORG_CHANGE_IN = (302, 200, 200, 404, 404, 404)
ORG_CHANGE_OUT = READ_OUT
ORG_CHANGE_POST_IN = (302, 302, 302, 404, 404, 404)
POST_OUT = (302, 302, 404, 404, 404, 404)
# Pages that need member.change (系统管理员, 党务管理员, 支部书记).
MEMBER_CHANGE_IN = (302, 200, 200, 200, 404, 404)
MEMBER_CHANGE_POST_IN = (302, 302, 302, 302, 404, 404)
MEMBER_TO_OWN = (302, 200, 200, 200, 302, 200)  # a 党员 is sent to their own record


def _today() -> str:
    return services.today().isoformat()


def _org(w, side):
    return w.branch_a1 if side == "inside" else w.branch_b1


def _other(w, side):
    """A second member: not the 党员 user's own record."""
    return w.member_in2 if side == "inside" else w.member_out


def _form(data: dict) -> dict:
    out = {}
    for key, value in data.items():
        if value is None or value is False:
            continue
        if value is True:
            out[key] = "on"
        elif isinstance(value, dt.date):
            out[key] = value.isoformat()
        else:
            out[key] = value
    return out


def _org_post(w, side):
    org = _org(w, side)
    return _form({f: getattr(org, f) for f in services.ORG_FIELDS} | {"name": org.name + "（改）"})


def extend_world(w) -> None:
    w.empty_in = make_org(w.county_a, name="甲县空支部", kind=OrgKind.BRANCH)
    w.empty_out = make_org(w.county_b, name="乙县空支部", kind=OrgKind.BRANCH)
    started = dt.date(2020, 1, 1)
    w.position_in = services.position_assign(
        member=w.member_in2, org=w.branch_a1, title="organization", started_on=started, actor=None
    )
    w.position_out = services.position_assign(
        member=w.member_out, org=w.branch_b1, title="secretary", started_on=started, actor=None
    )
    w.mobility_in = services.mobility_start(
        member=w.member_in2, direction="out", place="广东省深圳市", started_on=started, actor=None
    )
    w.mobility_out = services.mobility_start(
        member=w.member_out, direction="out", place="上海市", started_on=started, actor=None
    )


ENDPOINTS = [
    # ---- org tree
    Endpoint("orgs:tree", lambda w, s: "/orgs/", PAGE_ALL),
    # The tree with an org selected (a bookmarked node): the org's own access rule.
    Endpoint("orgs:tree", lambda w, s: f"/orgs/?org={_org(w, s).pk}", inside=PAGE_ALL, outside=READ_OUT),
    Endpoint("orgs:search", lambda w, s: "/orgs/search/?q=支部", PAGE_ALL),
    Endpoint("orgs:search", lambda w, s: "/orgs/search/?q=支部&pick=to_org&perm=transfer", PAGE_ALL),
    Endpoint("orgs:overdue", lambda w, s: "/orgs/overdue/", PAGE_ALL),
    Endpoint("orgs:detail", lambda w, s: f"/orgs/{_org(w, s).pk}/", inside=PAGE_ALL, outside=READ_OUT),
    Endpoint(
        "orgs:children",
        lambda w, s: f"/orgs/{(w.county_a if s == 'inside' else w.county_b).pk}/children/",
        # The 党员 sees their own branch only, not the county above it.
        inside=(302, 200, 200, 404, 404, 200),
        outside=READ_OUT,
    ),
    Endpoint(
        "orgs:children", lambda w, s: f"/orgs/{_org(w, s).pk}/children/", inside=PAGE_ALL, outside=READ_OUT
    ),
    Endpoint(
        "orgs:create",
        lambda w, s: f"/orgs/{_org(w, s).pk}/new/",
        inside=ORG_CHANGE_IN,
        outside=ORG_CHANGE_OUT,
    ),
    Endpoint(
        "orgs:create",
        lambda w, s: f"/orgs/{_org(w, s).pk}/new/",
        inside=ORG_CHANGE_POST_IN,
        outside=POST_OUT,
        method="POST",
        data=lambda w, s: {"name": "新设党小组", "kind": OrgKind.GROUP},
    ),
    Endpoint(
        "orgs:edit", lambda w, s: f"/orgs/{_org(w, s).pk}/edit/", inside=ORG_CHANGE_IN, outside=ORG_CHANGE_OUT
    ),
    Endpoint(
        "orgs:edit",
        lambda w, s: f"/orgs/{_org(w, s).pk}/edit/",
        inside=ORG_CHANGE_POST_IN,
        outside=POST_OUT,
        method="POST",
        data=_org_post,
    ),
    Endpoint(
        "orgs:move", lambda w, s: f"/orgs/{_org(w, s).pk}/move/", inside=ORG_CHANGE_IN, outside=ORG_CHANGE_OUT
    ),
    Endpoint(
        "orgs:move",
        lambda w, s: f"/orgs/{_org(w, s).pk}/move/",
        inside=ORG_CHANGE_POST_IN,
        outside=POST_OUT,
        method="POST",
        data=lambda w, s: {"new_parent": (w.county_a if s == "inside" else w.city).pk},
    ),
    Endpoint(
        "orgs:delete",
        lambda w, s: f"/orgs/{(w.empty_in if s == 'inside' else w.empty_out).pk}/delete/",
        inside=ORG_CHANGE_POST_IN,
        outside=POST_OUT,
        method="POST",
        data=lambda w, s: {"reason": "单位撤并"},
    ),
    Endpoint("orgs:delete", lambda w, s: f"/orgs/{w.empty_in.pk}/delete/", (302, 405, 405, 405, 405, 405)),
    # ---- members
    # A 党员 is sent to their own record (302) instead of a search for a list of one.
    Endpoint(
        "members:list", lambda w, s: "/members/", MEMBER_TO_OWN, shows=lambda w, role: [w.member_in.name]
    ),
    Endpoint("members:list", lambda w, s: "/members/?q=zsf&status=full", MEMBER_TO_OWN),
    Endpoint(
        "members:list",
        lambda w, s: f"/members/?org={_org(w, s).pk}",
        # An org outside the scope is a filter error shown on the page, not a 404.
        inside=MEMBER_TO_OWN,
        outside=MEMBER_TO_OWN,
    ),
    Endpoint(
        "members:detail",
        lambda w, s: f"/members/{_other(w, s).pk}/",
        inside=(302, 200, 200, 200, 404, 200),
        outside=READ_OUT,
    ),
    # The 党员 sees their own record.
    Endpoint("members:detail", lambda w, s: f"/members/{w.member_in.pk}/", PAGE_ALL),
    Endpoint(
        "members:pii",
        lambda w, s: f"/members/{_other(w, s).pk}/pii/",
        inside=(302, 200, 200, 200, 404, 404),
        outside=READ_OUT,
        method="POST",
        data=lambda w, s: {},
    ),
    Endpoint(
        "members:pii",
        lambda w, s: f"/members/{w.member_in.pk}/pii/",
        (302, 200, 200, 200, 200, 404),
        method="POST",
        data=lambda w, s: {},
    ),
    Endpoint("members:pii", lambda w, s: f"/members/{w.member_in.pk}/pii/", (302, 405, 405, 405, 405, 405)),
    Endpoint(
        "members:create",
        lambda w, s: f"/members/new/{_org(w, s).pk}/",
        inside=MEMBER_CHANGE_IN,
        outside=READ_OUT,
    ),
    Endpoint(
        "members:create",
        lambda w, s: f"/members/new/{_org(w, s).pk}/",
        inside=MEMBER_CHANGE_POST_IN,
        outside=POST_OUT,
        method="POST",
        data=lambda w, s: _form(member_data()),
    ),
    Endpoint(
        "members:edit",
        lambda w, s: f"/members/{_other(w, s).pk}/edit/",
        inside=MEMBER_CHANGE_IN,
        outside=READ_OUT,
    ),
    Endpoint(
        "members:edit",
        lambda w, s: f"/members/{_other(w, s).pk}/edit/",
        inside=MEMBER_CHANGE_POST_IN,
        outside=POST_OUT,
        method="POST",
        data=lambda w, s: _form(
            {
                "name": _other(w, s).name,
                "gender": _other(w, s).gender,
                "ethnicity": _other(w, s).ethnicity,
                "birth_date": _other(w, s).birth_date,
                "status": _other(w, s).status,
                "joined_on": _other(w, s).joined_on,
                "full_member_on": _other(w, s).full_member_on,
                "standing": "normal",
                "note": "已核对",
            }
        ),
    ),
    Endpoint(
        "members:transfer",
        lambda w, s: f"/members/{_other(w, s).pk}/transfer/",
        inside=ORG_CHANGE_IN,
        outside=READ_OUT,
    ),
    Endpoint(
        "members:transfer",
        lambda w, s: f"/members/{_other(w, s).pk}/transfer/",
        inside=ORG_CHANGE_POST_IN,
        outside=POST_OUT,
        method="POST",
        data=lambda w, s: {
            "to_org": (w.empty_in if s == "inside" else w.empty_out).pk,
            "on": _today(),
            "reason": "工作调动",
            "confirm": "1",
        },
    ),
    # The first POST shows the transfer for confirmation (200) and changes nothing.
    Endpoint(
        "members:transfer",
        lambda w, s: f"/members/{_other(w, s).pk}/transfer/",
        inside=ORG_CHANGE_IN,
        outside=READ_OUT,
        method="POST",
        data=lambda w, s: {
            "to_org": (w.empty_in if s == "inside" else w.empty_out).pk,
            "on": _today(),
            "reason": "工作调动",
        },
    ),
    Endpoint(
        "members:delete",
        lambda w, s: f"/members/{_other(w, s).pk}/delete/",
        inside=MEMBER_CHANGE_IN,
        outside=READ_OUT,
    ),
    Endpoint(
        "members:delete",
        lambda w, s: f"/members/{_other(w, s).pk}/delete/",
        inside=MEMBER_CHANGE_POST_IN,
        outside=POST_OUT,
        method="POST",
        data=lambda w, s: {"reason": "重复登记"},
    ),
    Endpoint(
        "members:position_assign",
        lambda w, s: f"/members/{_other(w, s).pk}/positions/new/",
        inside=MEMBER_CHANGE_IN,
        outside=READ_OUT,
    ),
    Endpoint(
        "members:position_assign",
        lambda w, s: f"/members/{_other(w, s).pk}/positions/new/",
        inside=MEMBER_CHANGE_POST_IN,
        outside=POST_OUT,
        method="POST",
        data=lambda w, s: {"org": _org(w, s).pk, "title": "propaganda", "started_on": _today()},
    ),
    Endpoint(
        "members:position_end",
        lambda w, s: f"/members/positions/{(w.position_in if s == 'inside' else w.position_out).pk}/end/",
        inside=MEMBER_CHANGE_IN,
        outside=READ_OUT,
    ),
    Endpoint(
        "members:position_end",
        lambda w, s: f"/members/positions/{(w.position_in if s == 'inside' else w.position_out).pk}/end/",
        inside=MEMBER_CHANGE_POST_IN,
        outside=POST_OUT,
        method="POST",
        data=lambda w, s: {"ended_on": _today()},
    ),
    Endpoint(
        "members:mobility_start",
        lambda w, s: f"/members/{(w.member_in if s == 'inside' else w.member_out).pk}/mobility/new/",
        inside=MEMBER_CHANGE_IN,
        outside=READ_OUT,
    ),
    Endpoint(
        "members:mobility_start",
        # 张三丰 has no open 流动 record (李四 and 王五 have); the outside one is refused → form again.
        lambda w, s: f"/members/{(w.member_in if s == 'inside' else w.member_out).pk}/mobility/new/",
        inside=MEMBER_CHANGE_POST_IN,
        outside=(302, 200, 404, 404, 404, 404),
        method="POST",
        data=lambda w, s: {"direction": "in", "place": "吉林省延吉市", "started_on": _today()},
    ),
    Endpoint(
        "members:mobility_end",
        lambda w, s: f"/members/mobility/{(w.mobility_in if s == 'inside' else w.mobility_out).pk}/end/",
        inside=MEMBER_CHANGE_IN,
        outside=READ_OUT,
    ),
    Endpoint(
        "members:mobility_end",
        lambda w, s: f"/members/mobility/{(w.mobility_in if s == 'inside' else w.mobility_out).pk}/end/",
        inside=MEMBER_CHANGE_POST_IN,
        outside=POST_OUT,
        method="POST",
        data=lambda w, s: {"ended_on": _today()},
    ),
]
