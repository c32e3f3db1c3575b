"""Pages for the org tree and the members. Thin: fetch-and-authorise through the selectors, write
through the services, render. Anything out of the user's scope, or in scope but lacking the
permission the page needs, answers 404 (``selectors.access_*`` with the page's permission).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core import pii, policy
from dangjian.core.permissions import Perm

from . import selectors, services
from .choices import Gender, MemberStatus, Mobility, Occupation, OrgKind, Standing
from .filtersets import MemberFilterSet, OrgFilterSet
from .forms import (
    EndDateForm,
    MemberDeleteForm,
    MemberForm,
    MobilityStartForm,
    OrgForm,
    OrgMoveForm,
    PositionAssignForm,
    TransferForm,
    add_service_errors,
)
from .models import Member, Org

PAGE_SIZE = 50
SEARCH_LIMIT = 30
MEMBER_SELECT_FILTERS = (
    "status",
    "gender",
    "occupation_group",
    "occupation",
    "education",
    "standing",
    "mobility",
    "leading_cadre",
    "lost_contact",
)
PICKER_PERMS = {"change": Perm.ORG_CHANGE, "transfer": Perm.MEMBER_TRANSFER}


def _htmx(request: HttpRequest) -> bool:
    """Whether to answer with the page's fragment: an htmx request, except htmx restoring a page
    from history (Back after its cache expired), which needs the whole page."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def _form_page(
    request: HttpRequest,
    *,
    form: Any,
    title: str,
    on_valid: Callable[[Any], str],
    cancel_url: str,
    intro: str = "",
    pickers: dict[str, str] | None = None,
    submit: str = "保存",
    crumb: Org | Member | None = None,
) -> HttpResponse:
    """GET shows the form; a valid POST runs ``on_valid`` (a service call returning the URL to go
    to); service errors come back next to their fields."""
    if request.method == "POST" and form.is_valid():
        try:
            next_url = on_valid(form)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect(next_url)
    pickers = pickers or {}
    for name in form.errors:
        if name in form.fields:
            widget = form.fields[name].widget
            widget.attrs["class"] = (widget.attrs.get("class", "") + " is-invalid").strip()
    return render(
        request,
        "core/form.html",
        {
            "form": form,
            "rows": [(bf, pickers.get(bf.name)) for bf in form],
            "title": title,
            "intro": intro,
            "cancel_url": cancel_url,
            "submit": submit,
            "crumbs": _crumbs(crumb),
        },
    )


def _crumbs(obj: Org | Member | None) -> list[tuple[str, str]]:
    """Breadcrumbs above a form about ``obj``: the module's list, then the org or member."""
    if isinstance(obj, Org):
        return [("组织", reverse("orgs:tree")), (obj.name, f"{reverse('orgs:tree')}?org={obj.pk}")]
    if isinstance(obj, Member):
        return [("党员", reverse("members:list")), (obj.name, reverse("members:detail", args=[obj.pk]))]
    return []


# ---------------------------------------------------------------- org tree


def _with_totals(orgs: list[Org], totals: dict[int, dict[str, int]]) -> list[Org]:
    today = timezone.localdate()
    for o in orgs:
        o.totals = totals.get(o.pk, {"full": 0, "probationary": 0, "total": 0})
        o.overdue = o.term_overdue(today)
    return orgs


_KIND_LABELS = dict(OrgKind.choices)


def _tree_nodes(orgs: list[Org], totals: dict[int, dict[str, int]]) -> list[dict[str, Any]]:
    """Tree nodes as plain display values.

    ``tree_url`` is the tree page with the org selected (what the address bar shows once a node
    is opened); ``children`` stays None until a level is expanded on the server."""
    today = timezone.localdate()
    tree_url = reverse("orgs:tree")
    empty = {"full": 0, "probationary": 0, "total": 0, "descendants": 0}
    return [
        {
            "pk": o.pk,
            "name": o.name,
            "has_children": t["descendants"] > 0,
            "kind": _KIND_LABELS.get(o.kind, o.kind),
            "detail_url": reverse("orgs:detail", args=[o.pk]),
            "children_url": reverse("orgs:children", args=[o.pk]),
            "tree_url": f"{tree_url}?org={o.pk}",
            "totals": t,
            "overdue": o.term_overdue(today),
            "children": None,
            "selected": False,
        }
        for o, t in ((o, totals.get(o.pk, empty)) for o in orgs)
    ]


def _expand_to(user: Any, nodes: list[dict[str, Any]], org: Org) -> None:
    """Expand the tree's levels down to ``org`` (its visible ancestors), marking it selected."""
    on_the_way = {a.pk: a for a in selectors.org_ancestors(org=org)}
    level = nodes
    while level:
        node = next((n for n in level if n["pk"] == org.pk or n["pk"] in on_the_way), None)
        if node is None:
            return
        if node["pk"] == org.pk:
            node["selected"] = True
            return
        children = list(selectors.org_children(user=user, org=on_the_way[node["pk"]]))
        node["children"] = level = _tree_nodes(children, selectors.org_subtree_totals_many(orgs=children))


@login_required
@require_GET
def org_tree(request: HttpRequest) -> HttpResponse:
    """The org tree; ``?org=`` (what opening a node puts in the address bar) loads the tree
    expanded down to that org, with its details beside it, so the page can be bookmarked."""
    roots = list(selectors.org_roots(user=request.user))
    nodes = _tree_nodes(roots, selectors.org_subtree_totals_for(orgs=roots))
    context: dict[str, Any] = {"nodes": nodes}
    if request.GET.get("org"):
        org = selectors.access_org(user=request.user, pk=request.GET["org"])
        _expand_to(request.user, nodes, org)
        context.update(_org_detail_context(request.user, org))
        context.pop("crumbs")  # the tree itself shows where the org is
    return render(request, "orgs/tree.html", context)


@login_required
@require_GET
def org_children(request: HttpRequest, pk: int) -> HttpResponse:
    org = selectors.access_org(user=request.user, pk=pk)
    children = list(selectors.org_children(user=request.user, org=org))
    nodes = _tree_nodes(children, selectors.org_subtree_totals_many(orgs=children))
    return render(request, "orgs/tree.html#nodes", {"nodes": nodes, "parent": org})


@login_required
@require_GET
def org_search(request: HttpRequest) -> HttpResponse:
    """Org search by name: the tree's search box, and the org picker (``pick`` + ``perm``)."""
    perm = PICKER_PERMS.get(request.GET.get("perm", ""), Perm.ORG_VIEW)
    pick = request.GET.get("pick", "")
    fs = OrgFilterSet(request.GET, user=request.user, perm=perm)
    q = (request.GET.get("q") or "").strip()
    results = list(fs.qs[:SEARCH_LIMIT]) if q and fs.is_valid() else []
    context = {"results": results, "q": q, "pick": pick, "limit": SEARCH_LIMIT}
    template = "orgs/search.html#results" if _htmx(request) else "orgs/search.html"
    return render(request, template, context)


@login_required
@require_GET
def org_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = selectors.access_org(user=request.user, pk=pk)
    context = _org_detail_context(request.user, org)
    template = "orgs/detail.html#panel" if _htmx(request) else "orgs/detail.html"
    return render(request, template, context)


def _org_detail_context(user: Any, org: Org) -> dict[str, Any]:
    committee = list(selectors.org_committee(org=org))
    children = list(selectors.org_children(user=user, org=org))
    _with_totals(children, selectors.org_subtree_totals_many(orgs=children))
    secretaries = selectors.org_secretaries(orgs=children)
    for child in children:
        child.secretary = secretaries.get(child.pk, "")
    ancestors = list(selectors.org_ancestors(org=org))
    for a in ancestors:
        a.visible = policy.has_perm_for_path(user, Perm.ORG_VIEW, a.path)
    can_change = policy.has_perm_for_path(user, Perm.ORG_CHANGE, org.path)
    context = {
        "org": org,
        "ancestors": ancestors,
        "parent": ancestors[-1] if ancestors else None,
        "secretaries": [p for p in committee if p.title == "secretary"],
        "committee": [p for p in committee if p.title != "secretary"],
        "subtree": selectors.org_subtree_totals(org=org),
        "overdue": org.term_overdue(timezone.localdate()),
        "children": children,
        "history": selectors.org_history(org=org, limit=10),
        "can_change": can_change,
        "can_add_member": org.kind != OrgKind.GROUP
        and policy.has_perm_for_path(user, Perm.MEMBER_CHANGE, org.path),
        "can_delete": can_change and org.depth > 1,
        "crumbs": [("组织", reverse("orgs:tree"))]
        + [(a.name, f"{reverse('orgs:tree')}?org={a.pk}") for a in ancestors if a.visible],
    }
    return context


@login_required
@require_http_methods(["GET", "POST"])
def org_create(request: HttpRequest, pk: int) -> HttpResponse:
    parent = selectors.access_org(user=request.user, pk=pk, perm=Perm.ORG_CHANGE)
    form = OrgForm(request.POST or None, parent=parent)

    def save(form: OrgForm) -> str:
        org = services.org_create(parent=parent, actor=request.user, **form.cleaned_data)
        messages.success(request, f"已新建组织“{org.name}”")
        return reverse("orgs:detail", args=[org.pk])

    return _form_page(
        request,
        form=form,
        title=f"在“{parent.name}”下新建组织",
        crumb=parent,
        on_valid=save,
        cancel_url=reverse("orgs:detail", args=[parent.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def org_edit(request: HttpRequest, pk: int) -> HttpResponse:
    org = selectors.access_org(user=request.user, pk=pk, perm=Perm.ORG_CHANGE)
    form = OrgForm(
        request.POST or None,
        parent=selectors.org_parent(org=org),
        initial=OrgForm.initial_for(org),
        editing=True,
    )

    def save(form: OrgForm) -> str:
        # Only what changed: an untouched 应换届时间 is then recomputed from a new term start.
        data = {k: form.cleaned_data[k] for k in form.changed_data}
        services.org_update(org=org, actor=request.user, **data)
        messages.success(request, "已保存")
        return reverse("orgs:detail", args=[org.pk])

    return _form_page(
        request,
        form=form,
        title=f"修改组织：{org.name}",
        crumb=org,
        on_valid=save,
        cancel_url=reverse("orgs:detail", args=[org.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def org_move(request: HttpRequest, pk: int) -> HttpResponse:
    org = selectors.access_org(user=request.user, pk=pk, perm=Perm.ORG_CHANGE)
    form = OrgMoveForm(request.POST or None, user=request.user, org=org)

    def save(form: OrgMoveForm) -> str:
        services.org_move(org=org, new_parent=form.cleaned_data["new_parent"], actor=request.user)
        messages.success(
            request, f"已将“{org.name}”连同下级组织移到“{form.cleaned_data['new_parent'].name}”下"
        )
        return reverse("orgs:detail", args=[org.pk])

    return _form_page(
        request,
        form=form,
        title=f"调整隶属关系：{org.name}",
        crumb=org,
        intro="组织连同全部下级组织和党员一起移动，各级党员数随之更新。",
        on_valid=save,
        cancel_url=reverse("orgs:detail", args=[org.pk]),
        pickers={"new_parent": "change"},
        submit="移动",
    )


@login_required
@require_POST
def org_delete(request: HttpRequest, pk: int) -> HttpResponse:
    org = selectors.access_org(user=request.user, pk=pk, perm=Perm.ORG_CHANGE)
    parent = selectors.org_parent(org=org)
    try:
        removed_on = (
            parse_date(request.POST.get("removed_on") or "") if request.POST.get("removed_on") else None
        )
    except ValueError:
        removed_on = None
    if request.POST.get("removed_on") and removed_on is None:
        messages.error(request, "撤销日期格式不正确，应为 YYYY-MM-DD")
        return redirect("orgs:detail", pk=org.pk)
    try:
        services.org_delete(
            org=org, actor=request.user, reason=request.POST.get("reason", ""), removed_on=removed_on
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("orgs:detail", pk=org.pk)
    messages.success(request, f"已撤销组织“{org.name}”")
    if parent is not None and policy.has_perm_for_path(request.user, Perm.ORG_VIEW, parent.path):
        return redirect("orgs:detail", pk=parent.pk)
    return redirect("orgs:tree")


@login_required
@require_GET
def org_overdue(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    page = Paginator(selectors.org_term_overdue(user=request.user, on=today), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = list(page.object_list)
    for org in rows:
        org.days_overdue = (today - org.term_due).days
    return render(request, "orgs/overdue.html", {"page": page, "rows": rows})


# ---------------------------------------------------------------- members


def _export_url(request: HttpRequest, query: str) -> str | None:
    """The member export with the list's filters (``query``: already encoded, without page)."""
    if not policy.has_perm(request.user, Perm.EXPORT):
        return None
    try:
        url = reverse("imports:export_members")
    except NoReverseMatch:
        return None
    return f"{url}?{query}" if query else url


_ROW_BADGES = (
    ("leading_cadre", '<span class="badge bg-purple-lt">领导干部</span> '),
    ("lost_contact", '<span class="badge bg-red-lt">失联</span> '),
)


def _member_rows_html(values: list[dict[str, Any]]) -> SafeString:
    """The table rows of one page of members, as HTML ("" for none).

    Written here rather than in the template: measured on the yanbian data, fifty rows of
    per-cell template nodes cost about 6–10 ms a request, more than the rest of the page
    (the query, the count, the frame) together; here they cost about 1 ms. Every value from the
    database goes through ``escape``; labels come from the code lists; links from ``reverse``.
    """
    directions = selectors.open_mobility_directions(member_ids=[v["pk"] for v in values])
    out = []
    for v in values:
        badges = ""
        direction = directions.get(v["pk"])
        if direction:
            badges += f'<span class="badge bg-azure-lt">{escape(_MOBILITY_LABELS.get(direction, ""))}</span> '
        for field, badge in _ROW_BADGES:
            if v[field]:
                badges += badge
        if v["standing"] == Standing.SUSPENDED:
            badges += '<span class="badge bg-dark-lt">停止党籍</span>'
        status = (
            '<span class="badge bg-yellow-lt">预备</span>'
            if v["status"] == MemberStatus.PROBATIONARY
            else "正式"
        )
        joined = v["joined_on"].isoformat() if v["joined_on"] else ""
        url = reverse("members:detail", args=[v["pk"]])
        out.append(
            # data-label: the column's name, shown before the value when a phone stacks the
            # row into a card (app.css).
            "<tr>"
            f'<td><a href="{escape(url)}" data-member-name>{escape(v["name"])}</a></td>'
            f'<td data-label="性别">{escape(_GENDER_LABELS.get(v["gender"], v["gender"]))}</td>'
            f'<td data-label="组织">{escape(v["org__name"])}</td>'
            f'<td data-label="类别">{status}</td>'
            f'<td class="font-monospace" data-label="身份证号">{escape(v["id_number_masked"])}</td>'
            f'<td class="font-monospace" data-label="手机号">{escape(v["phone_masked"] or "—")}</td>'
            f'<td data-label="入党">{joined}</td>'
            f'<td data-label="岗位">{escape(_OCCUPATION_LABELS.get(v["occupation"], v["occupation"]) or "—")}</td>'
            f"<td>{badges}</td>"
            "</tr>\n"
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


@lru_cache(maxsize=1)
def _select_values() -> dict[str, frozenset[str]]:
    """The values each filter <select> offers (the code lists do not change while running)."""
    form = MemberFilterSet(user=None).form
    return {
        name: frozenset(str(v) for v, label in _flat(form.fields[name].widget.choices))
        for name in MEMBER_SELECT_FILTERS
    }


def _flat(choices: Any) -> list[tuple[Any, Any]]:
    out: list[tuple[Any, Any]] = []
    for value, label in choices:
        out.extend(label if isinstance(label, list | tuple) else [(value, label)])
    return out


def _select_key(data: Any) -> str:
    """The cache key of the rendered selects: the chosen values, those not offered as none."""
    offered = _select_values()
    return "|".join(v if (v := str(data.get(n, ""))) in offered[n] else "" for n in MEMBER_SELECT_FILTERS)


def _select_options(bf: Any) -> dict[str, Any]:
    """A filter <select> as data for the template: option groups of (value, label, selected).
    The template writes the options itself (Django's per-option widget templates cost about
    7 ms for the nine selects) and caches the result per choice of values (``{% cache %}``)."""
    value = bf.value()
    current = "" if value is None else str(value)
    groups: list[tuple[str, list[tuple[Any, Any, bool]]]] = []
    for key, label in bf.field.widget.choices:
        if isinstance(label, list | tuple):  # an <optgroup>: a heading, not a value
            groups.append((key, [(v, lab, str(v) == current) for v, lab in label]))
        elif groups and groups[-1][0] == "":
            groups[-1][1].append((key, label, str(key) == current))
        else:
            groups.append(("", [(key, label, str(key) == current)]))
    return {"field": bf, "groups": groups}


# The code lists as dicts, made once.
_GENDER_LABELS = dict(Gender.choices)
_OCCUPATION_LABELS = dict(Occupation.choices)
_MOBILITY_LABELS = dict(Mobility.choices)


@login_required
@require_GET
def member_list(request: HttpRequest) -> HttpResponse:
    if policy.is_self_only(request.user) and request.user.member_id:
        # A 党员 sees one record, their own: no search form for a list of one.
        return redirect("members:detail", request.user.member_id)
    fs = MemberFilterSet(request.GET or None, user=request.user)
    number = request.GET.get("page")
    if fs.is_bound and not fs.is_valid():  # an org id out of scope: say so, list nothing
        page, values = Paginator([], PAGE_SIZE).get_page(number), []
    else:
        page, values = selectors.member_page(
            user=request.user, filters=fs.filter_values(), number=number, per_page=PAGE_SIZE
        )
    rows = _member_rows_html(values)
    org = fs.form.cleaned_data.get("org") if fs.is_bound and fs.is_valid() else None
    params = request.GET.copy()
    params.pop("page", None)
    query = params.urlencode()
    htmx = _htmx(request)
    context = {
        "filter": fs,
        "page": page,
        "rows": rows,
        "org": org,
        "query": query,
        "export_url": _export_url(request, query),
        "can_add": org is not None
        and org.kind != OrgKind.GROUP
        and policy.has_perm_for_path(request.user, Perm.MEMBER_CHANGE, org.path),
    }
    if not htmx:
        # Called by the template only when the cached fragment of the selects is missing.
        context["select_fields"] = lambda: [_select_options(fs.form[name]) for name in MEMBER_SELECT_FILTERS]
        context["select_key"] = _select_key(request.GET)
        context["filters_set"] = sum(1 for name in MEMBER_SELECT_FILTERS if request.GET.get(name))
    template = "members/list.html#results" if htmx else "members/list.html"
    return render(request, template, context)


@login_required
@require_GET
def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    member = selectors.access_member(user=user, pk=pk)
    can_change = policy.has_perm_for_path(user, Perm.MEMBER_CHANGE, member.org_path)
    can_view_pii = selectors.member_can_view_pii(user=user, member=member)
    context = {
        "member": member,
        "can_view_pii": can_view_pii,
        # 固定电话 and 家庭住址 are personal information too: masked without the right.
        "landline": member.landline if can_view_pii else pii.mask_landline(member.landline),
        "address": member.address if can_view_pii else pii.mask_address(member.address),
        "can_change": can_change,
        "can_transfer": policy.has_perm_for_path(user, Perm.MEMBER_TRANSFER, member.org_path),
        "positions": list(selectors.member_positions(member=member)),
        "mobility": list(selectors.member_mobility(member=member)),
        "transfers": list(selectors.member_transfers(member=member)),
        "history": selectors.member_history(member=member),
        # A 党员 has no member list to go back to (it is their own record): their home instead.
        "crumbs": [("工作台", reverse("home"))]
        if policy.is_self_only(user)
        else [("党员", reverse("members:list"))],
    }
    context["has_open_mobility"] = any(r.ended_on is None for r in context["mobility"])
    return render(request, "members/detail.html", context)


@login_required
@require_POST
def member_pii(request: HttpRequest, pk: int) -> HttpResponse:
    """The full 身份证号 and 手机号 of one member (logged); POST so it is never prefetched."""
    member = selectors.access_member(user=request.user, pk=pk)
    values = selectors.member_pii(user=request.user, member=member, purpose="detail_page")
    response = render(request, "members/detail.html#pii", {"member": member, "pii": values})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def member_create(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = selectors.access_org(user=request.user, pk=org_pk, perm=Perm.MEMBER_CHANGE)
    form = MemberForm(request.POST or None, org=org)

    def save(form: MemberForm) -> str:
        member = services.member_create(org=org, actor=request.user, **form.service_data())
        messages.success(request, f"已登记党员“{member.name}”")
        return reverse("members:detail", args=[member.pk])

    return _form_page(
        request,
        form=form,
        title=f"在“{org.name}”登记党员",
        crumb=org,
        on_valid=save,
        cancel_url=reverse("orgs:detail", args=[org.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.access_member(user=request.user, pk=pk, perm=Perm.MEMBER_CHANGE)
    form = MemberForm(
        request.POST or None, org=member.org, member=member, initial=MemberForm.initial_for(member)
    )

    def save(form: MemberForm) -> str:
        services.member_update(member=member, actor=request.user, **form.service_data())
        messages.success(request, "已保存")
        return reverse("members:detail", args=[member.pk])

    return _form_page(
        request,
        form=form,
        title=f"修改党员信息：{member.name}",
        crumb=member,
        on_valid=save,
        cancel_url=reverse("members:detail", args=[member.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    """组织关系转接 in two steps: the form, then a page that shows member, from, to, date and
    reason; only 确认 there makes the transfer (返回修改 goes back to the filled form)."""
    member = selectors.access_member(user=request.user, pk=pk, perm=Perm.MEMBER_TRANSFER)
    form = TransferForm(request.POST or None, user=request.user, initial={"on": timezone.localdate()})
    if request.method == "POST" and "edit" not in request.POST and form.is_valid():
        data = form.cleaned_data
        try:
            if "confirm" not in request.POST:
                services.member_transfer_check(member=member, **data)
            else:
                transfer = services.member_transfer(member=member, actor=request.user, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if "confirm" not in request.POST:
                context = {"member": member, "data": data, "crumbs": _crumbs(member)}
                return render(request, "members/transfer_confirm.html", context)
            messages.success(request, f"已将{member.name}的组织关系转入“{transfer.to_org.name}”")
            if policy.has_perm_for_path(request.user, Perm.MEMBER_VIEW, transfer.to_org.path):
                return redirect("members:detail", member.pk)
            return redirect("members:list")
    for name in form.errors:
        if name in form.fields:
            widget = form.fields[name].widget
            widget.attrs["class"] = (widget.attrs.get("class", "") + " is-invalid").strip()
    context = {
        "form": form,
        "rows": [(bf, "transfer" if bf.name == "to_org" else None) for bf in form],
        "title": f"组织关系转接：{member.name}（现属 {member.org.name}）",
        "intro": "填写后先核对，确认后才转接。转接后原组织中的职务随之结束，两个组织的党员数自动更新，转接记录永久保留。",
        "cancel_url": reverse("members:detail", args=[member.pk]),
        "submit": "下一步：核对",
        "crumbs": _crumbs(member),
    }
    return render(request, "core/form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def member_delete(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.access_member(user=request.user, pk=pk, perm=Perm.MEMBER_CHANGE)
    form = MemberDeleteForm(request.POST or None)

    def save(form: MemberDeleteForm) -> str:
        services.member_delete(member=member, actor=request.user, **form.cleaned_data)
        messages.success(request, f"已删除党员记录“{member.name}”（删除原因已保留）")
        return reverse("orgs:detail", args=[member.org_id])

    return _form_page(
        request,
        form=form,
        title=f"删除党员记录：{member.name}（{member.org.name}）",
        crumb=member,
        intro=(
            "只用于误登记或重复登记的党员。组织关系转出请用“组织关系转接”。"
            "删除后此人不再计入党员数和达标统计，其职务和流动登记同时结束，本人的党员账号不能再查看组织信息；"
            "记录、修改历史和删除原因保留。"
        ),
        on_valid=save,
        cancel_url=reverse("members:detail", args=[member.pk]),
        submit="删除",
    )


@login_required
@require_http_methods(["GET", "POST"])
def position_assign(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.access_member(user=request.user, pk=pk, perm=Perm.MEMBER_CHANGE)
    form = PositionAssignForm(
        request.POST or None, user=request.user, member=member, initial={"org": member.org_id}
    )

    def save(form: PositionAssignForm) -> str:
        services.position_assign(member=member, actor=request.user, **form.cleaned_data)
        messages.success(request, "已登记任职")
        return reverse("members:detail", args=[member.pk])

    return _form_page(
        request,
        form=form,
        title=f"任职登记：{member.name}",
        crumb=member,
        on_valid=save,
        cancel_url=reverse("members:detail", args=[member.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def position_end(request: HttpRequest, pk: int) -> HttpResponse:
    position = selectors.access_position(user=request.user, pk=pk)
    form = EndDateForm(request.POST or None, initial={"ended_on": timezone.localdate()})

    def save(form: EndDateForm) -> str:
        services.position_end(position=position, actor=request.user, **form.cleaned_data)
        messages.success(request, "已登记免职")
        return reverse("members:detail", args=[position.member_id])

    return _form_page(
        request,
        form=form,
        title=f"免职登记：{position}",
        crumb=position.member,
        on_valid=save,
        cancel_url=reverse("members:detail", args=[position.member_id]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def mobility_start(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.access_member(user=request.user, pk=pk, perm=Perm.MEMBER_CHANGE)
    form = MobilityStartForm(request.POST or None, initial={"started_on": timezone.localdate()})

    def save(form: MobilityStartForm) -> str:
        services.mobility_start(member=member, actor=request.user, **form.cleaned_data)
        messages.success(request, "已登记流动党员信息")
        return reverse("members:detail", args=[member.pk])

    return _form_page(
        request,
        form=form,
        title=f"流动党员登记：{member.name}",
        crumb=member,
        on_valid=save,
        cancel_url=reverse("members:detail", args=[member.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def mobility_end(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.access_mobility(user=request.user, pk=pk)
    form = EndDateForm(request.POST or None, initial={"ended_on": timezone.localdate()})

    def save(form: EndDateForm) -> str:
        services.mobility_end(record=record, actor=request.user, **form.cleaned_data)
        messages.success(request, "已结束流动登记")
        return reverse("members:detail", args=[record.member_id])

    return _form_page(
        request,
        form=form,
        title=f"结束流动登记：{record}",
        crumb=record.member,
        on_valid=save,
        cancel_url=reverse("members:detail", args=[record.member_id]),
    )
