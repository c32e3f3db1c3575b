"""Permission matrix rows for the Excel pages (see dangjian/core/matrix.py for the columns).

Only holders of ``data.import`` (系统管理员, 党务管理员) may upload; an upload token belongs to the
user who uploaded it, so anyone else gets 404. Export needs ``data.export``; an org filter outside
the user's scope is a 400 naming the field.
"""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dangjian.core.matrix import Endpoint
from dangjian.orgs.excel import uploads
from dangjian.orgs.excel.service import import_validate
from dangjian.orgs.excel.writer import write_roster
from dangjian.orgs.tests.factories import member_data

ONLY_IMPORTERS = (302, 200, 200, 403, 403, 403)


def _roster_upload(user, org_name: str) -> str:
    data = member_data()
    row = {
        "seq": 1,
        "name": data["name"],
        "org": org_name,
        "id_number": data["id_number"],
        "gender": "男" if data["gender"] == "M" else "女",
        "ethnicity": "01 汉族",
        "birth_date": data["birth_date"],
        "status": "正式",
        "joined_on": data["joined_on"],
        "full_member_on": data["full_member_on"],
        "phone": data["phone"],
    }
    buffer = io.BytesIO()
    write_roster(buffer, rows=[row])
    upload = uploads.upload_store(
        uploaded=SimpleUploadedFile("名册.xlsx", buffer.getvalue()), user_id=user.pk, kind="roster"
    )
    upload.summary = import_validate(kind="roster", path=upload.path, user=user).summary()
    upload.save_meta()
    return upload.token


def extend_world(w) -> None:
    # inside: the 党务管理员's own upload; outside: the system administrator's.
    w.upload_tokens = {
        "inside": _roster_upload(w.users["admin"], "甲县第一支部"),
        "outside": _roster_upload(w.users["sysadmin"], "乙县第一支部"),
    }
    # Cancelling deletes the file (outside the rolled-back transaction): its own uploads.
    w.cancel_tokens = {
        "inside": _roster_upload(w.users["admin"], "甲县第一支部"),
        "outside": _roster_upload(w.users["sysadmin"], "乙县第一支部"),
    }


def _org(w, side: str) -> str:
    return f"?org={w.branch_a1.pk if side == 'inside' else w.branch_b1.pk}"


ENDPOINTS = [
    Endpoint("imports:index", lambda w, s: reverse("imports:index"), ONLY_IMPORTERS),
    Endpoint(
        "imports:index",
        lambda w, s: reverse("imports:index"),
        (302, 400, 400, 403, 403, 403),  # no file chosen: the form comes back with its message
        method="POST",
        data=lambda w, s: {"kind": "roster"},
    ),
    Endpoint("imports:roster_template", lambda w, s: reverse("imports:roster_template"), ONLY_IMPORTERS),
    Endpoint("imports:org_template", lambda w, s: reverse("imports:org_template"), ONLY_IMPORTERS),
    Endpoint(
        "imports:export_members",
        lambda w, s: reverse("imports:export_members") + _org(w, s),
        inside=(302, 200, 200, 200, 403, 200),
        outside=(302, 200, 400, 400, 403, 400),
    ),
    Endpoint(
        "imports:preview",
        lambda w, s: reverse("imports:preview", args=[w.upload_tokens[s]]),
        inside=(302, 404, 200, 403, 403, 403),
        outside=(302, 200, 404, 403, 403, 403),
    ),
    Endpoint(
        "imports:confirm",
        lambda w, s: reverse("imports:confirm", args=[w.upload_tokens[s]]),
        inside=(302, 404, 302, 403, 403, 403),
        outside=(302, 302, 404, 403, 403, 403),
        method="POST",
        data=lambda w, s: {},
    ),
    Endpoint(
        "imports:cancel",
        lambda w, s: reverse("imports:cancel", args=[w.cancel_tokens[s]]),
        inside=(302, 404, 302, 403, 403, 403),
        outside=(302, 302, 404, 403, 403, 403),
        method="POST",
        data=lambda w, s: {},
    ),
]
