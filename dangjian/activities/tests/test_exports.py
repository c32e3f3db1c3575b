from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from dangjian.accounts.tests.factories import make_user
from dangjian.activities.exports import ATTENDANCE_HEADERS, RECORD_HEADERS
from dangjian.activities.models import ActivityKind
from dangjian.core.models import AuditEvent
from dangjian.core.permissions import Role
from dangjian.orgs.tests.factories import make_member

from .helpers import local, present_all, record


@pytest.fixture
def data(tree, client):
    a1 = tree["branch_a1"]
    a, b, c = (make_member(a1, recount=False, name=n) for n in ("张一", "李二", "王三"))
    record(a1, topic="一月主题党日", starts_at=local(2025, 1, 8), attendance=present_all([a, b, c]))
    record(
        a1,
        topic="二月支委会",
        kinds=[ActivityKind.COMMITTEE_MEETING, ActivityKind.GROUP_STUDY],
        starts_at=local(2025, 2, 10, 19),
        place="活动室",
        host=a,
        recorder=b,
        resolutions="确定入党积极分子",
        attendance=present_all([a])
        + [
            {"member_id": b.pk, "status": "leave", "reason": "出差"},
            {"member_id": c.pk, "status": "absent", "reason": "未请假"},
        ],
    )
    record(tree["branch_b1"], topic="乙县的会", starts_at=local(2025, 2, 11))
    user = make_user(Role.BRANCH_SECRETARY, a1)
    client.force_login(user)
    return {"client": client, "org": a1, "user": user}


def _sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return wb.active


@pytest.mark.django_db
def test_records_ledger(data):
    response = data["client"].get(
        reverse("activities:export_records"), {"org": data["org"].pk, "period": "2025"}
    )
    ws = _sheet(response)
    assert ws.cell(1, 1).value == "三会一课记录"
    assert [c.value for c in ws[3]] == RECORD_HEADERS
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=4)]
    assert len(rows) == 2  # 乙县 is out of scope
    feb = dict(zip(RECORD_HEADERS, rows[1], strict=True))
    assert feb["序号"] == 2 and feb["类型"] == "支部委员会会议、集中学习"
    assert feb["日期"] == "2025-02-10" and feb["开始时间"] == "19:00" and feb["地点"] == "活动室"
    assert (feb["主持人"], feb["记录人"]) == ("张一", "李二")
    assert (feb["应到人数"], feb["实到人数"]) == (3, 1)
    assert feb["请假人员（原因）"] == "李二（出差）" and feb["缺席人员（原因）"] == "王三（未请假）"
    assert feb["决议事项"] == "确定入党积极分子" and feb["议题"] == "二月支委会"
    event = AuditEvent.objects.get(verb="activity.export_records")
    assert event.actor == data["user"] and event.data["rows"] == 2


@pytest.mark.django_db
def test_records_sequence_counts_from_start_of_year(data):
    response = data["client"].get(reverse("activities:export_records"), {"period": "2025-02"})
    ws = _sheet(response)
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=4)]
    assert [(r[0], r[1]) for r in rows] == [("甲县第一支部", 2)]


@pytest.mark.django_db
def test_attendance_ledger(data):
    response = data["client"].get(reverse("activities:export_attendance"), {"period": "2025"})
    ws = _sheet(response)
    assert [c.value for c in ws[3]] == ATTENDANCE_HEADERS
    rows = {r[1]: r for r in ([c.value for c in row] for row in ws.iter_rows(min_row=4))}
    assert rows["张一"][2:] == [2, 2, 0, 0, 0, 1]
    assert rows["李二"][2:] == [2, 1, 0, 1, 0, 0.5]
    assert rows["王三"][2:] == [2, 1, 0, 0, 1, 0.5]
    assert AuditEvent.objects.filter(verb="activity.export_attendance").exists()


@pytest.mark.django_db
def test_export_bad_filters(data):
    response = data["client"].get(reverse("activities:export_records"), {"period": "去年"})
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(verb__startswith="activity.export").exists()
