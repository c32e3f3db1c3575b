"""Excel pages: upload → preview (counts and per-row errors) → confirm; templates; member export.

Thin: reading, checking and writing are in ``dangjian.orgs.excel``; the member export takes the
same filters as the member list through ``MemberFilterSet``.
"""

from __future__ import annotations

import os
import tempfile
import urllib.parse

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core import policy
from dangjian.core.permissions import Perm

from . import selectors
from .excel import uploads
from .excel.export import roster_export
from .excel.reader import WorkbookError
from .excel.service import ImportRejected, import_apply, import_validate
from .excel.writer import write_orgs, write_roster
from .filtersets import MemberFilterSet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require(request, perm: str) -> None:
    if not policy.has_perm(request.user, perm):
        raise PermissionDenied("您没有该操作的权限")


def _xlsx_response(fh, name: str) -> FileResponse:
    response = FileResponse(fh, content_type=XLSX, as_attachment=True, filename=name)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{urllib.parse.quote(name)}"
    return response


def _temp_file():
    """An anonymous file: unlinked at once, gone when the response closes it."""
    fd, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(fd)
    return path


def _stream(path: str, name: str) -> FileResponse:
    fh = open(path, "rb")
    os.unlink(path)
    return _xlsx_response(fh, name)


@login_required
@require_http_methods(["GET", "POST"])
def index(request):
    _require(request, Perm.IMPORT)
    context = {"kinds": uploads.KINDS, "kind": request.POST.get("kind", "roster")}
    if request.method == "GET":
        return render(request, "imports/index.html", context)
    uploaded = request.FILES.get("file")
    try:
        if uploaded is None:
            raise WorkbookError("请选择要上传的 .xlsx 文件")
        upload = uploads.upload_store(uploaded=uploaded, user_id=request.user.pk, kind=context["kind"])
    except WorkbookError as exc:
        context["error"] = str(exc)
        template = "imports/index.html#upload_form" if request.htmx else "imports/index.html"
        return render(request, template, context, status=400)
    plan = import_validate(kind=upload.kind, path=upload.path, user=request.user, file_name=upload.file_name)
    upload.summary = plan.summary()
    upload.save_meta()
    url = reverse("imports:preview", args=[upload.token])
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _access_upload(request, token: str) -> uploads.Upload:
    upload = uploads.upload_get(token=token, user_id=request.user.pk)
    if upload is None:
        raise Http404("未找到该上传文件，或文件已过期，请重新上传")
    return upload


@login_required
@require_GET
def preview(request, token: str):
    _require(request, Perm.IMPORT)
    upload = _access_upload(request, token)
    return render(request, "imports/preview.html", {"upload": upload, "s": upload.summary})


@login_required
@require_POST
def confirm(request, token: str):
    _require(request, Perm.IMPORT)
    upload = _access_upload(request, token)
    plan = import_validate(kind=upload.kind, path=upload.path, user=request.user, file_name=upload.file_name)
    try:
        if not plan.ok:
            raise ImportRejected(plan.errors)
        result = import_apply(kind=upload.kind, plan=plan, actor=request.user)
    except ImportRejected as exc:
        upload.summary = plan.summary()
        if not plan.errors:
            upload.summary["errors"] = [e.as_dict() for e in exc.errors]
            upload.summary["error_count"] = len(exc.errors)
        upload.save_meta()
        return render(
            request,
            "imports/preview.html",
            {"upload": upload, "s": upload.summary, "rejected": True},
            status=400,
        )
    upload.delete()
    if upload.kind == "orgs":
        text = "组织导入完成：新建 {created} 个，更新 {updated} 个，未变 {unchanged} 个，登记书记 {secretaries} 名。"
    else:
        text = (
            "名册导入完成：新增党员 {created} 名，更新 {updated} 名，未变 {unchanged} 名，"
            "组织关系转接 {transferred} 名。"
        )
    messages.success(request, text.format(**result))
    for warning in result.get("warnings", [])[:50]:
        messages.warning(request, warning)
    return redirect("imports:index")


@login_required
@require_POST
def cancel(request, token: str):
    """Drop an upload that will not be imported: the file with its personal data is deleted now."""
    _require(request, Perm.IMPORT)
    upload = _access_upload(request, token)
    upload.delete()
    messages.info(request, f"已取消导入，上传的文件“{upload.file_name}”已删除。")
    return redirect("imports:index")


@login_required
@require_GET
def roster_template(request):
    _require(request, Perm.IMPORT)
    path = _temp_file()
    org_name = "、".join(o.name for o in selectors.org_roots(user=request.user)[:3])
    write_roster(path, rows=[], org_name=org_name, on=timezone.localdate(), template=True)
    return _stream(path, "党员基本信息汇总表（模板）.xlsx")


@login_required
@require_GET
def org_template(request):
    _require(request, Perm.IMPORT)
    path = _temp_file()
    write_orgs(path, rows=[], on=timezone.localdate())
    return _stream(path, "党组织信息表（模板）.xlsx")


@login_required
@require_GET
def export_members(request):
    _require(request, Perm.EXPORT)
    fs = MemberFilterSet(request.GET or None, user=request.user)
    if fs.is_bound and not fs.form.is_valid():
        reasons = "；".join(
            f"{fs.form.fields[k].label if k in fs.form.fields else k}：{'，'.join(v)}"
            for k, v in fs.form.errors.items()
        )
        return HttpResponse(f"筛选条件有误：{reasons}", status=400, content_type="text/plain; charset=utf-8")
    filters = fs.filter_values()
    scope_org = filters.get("org")
    org_name = (
        scope_org.name if scope_org else "、".join(o.name for o in selectors.org_roots(user=request.user)[:3])
    )
    path = _temp_file()
    roster_export(
        members=fs.qs,
        user=request.user,
        target=path,
        filters=filters,
        org_name=org_name,
        on=timezone.localdate(),
    )
    stamp = timezone.localdate().strftime("%Y%m%d")
    return _stream(path, f"党员名册_{stamp}.xlsx")
