"""What a role without the right to full personal data sees cannot give a member's 身份证号 back.

The attacker modelled here is stronger than a real one: they know the member's exact county code
(the org's place often gives it) and combine everything the list page, the detail page, the API
(list and detail) and the Excel export show about the member: the masked number, 性别, the birth
date or year, and the 入党 date (members join at 18 or older). Every 18-digit number consistent
with all of it is counted; there must be at least a thousand.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass

import openpyxl
import pytest
from django.test import Client

from dangjian.accounts.services import token_create
from dangjian.accounts.tests.factories import make_user
from dangjian.core import pii
from dangjian.core.permissions import Role
from dangjian.orgs.excel import layout
from dangjian.orgs.tests.factories import make_member

pytestmark = pytest.mark.django_db

COUNTY = "222401"
MIN_CANDIDATES = 1000


def _number(birth: dt.date, order: int) -> str:
    first17 = f"{COUNTY}{birth:%Y%m%d}{order:03d}"
    return first17 + pii.id_check_digit(first17)


@dataclass
class Shown:
    """What one page, response or file shows about a member."""

    id_number: str
    gender: str  # "M" / "F"
    birth_date: dt.date | None = None
    birth_year: int | None = None
    joined_on: dt.date | None = None


def _merge(shown: list[Shown]) -> Shown:
    mask = ["*"] * 18
    for s in shown:
        assert len(s.id_number) == 18, s
        for i, c in enumerate(s.id_number):
            if c != "*":
                assert mask[i] in ("*", c)
                mask[i] = c
    genders = {s.gender for s in shown}
    assert len(genders) == 1
    return Shown(
        id_number="".join(mask),
        gender=genders.pop(),
        birth_date=next((s.birth_date for s in shown if s.birth_date), None),
        birth_year=next((s.birth_year for s in shown if s.birth_year), None),
        joined_on=next((s.joined_on for s in shown if s.joined_on), None),
    )


def count_candidates(shown: Shown, *, stop_at: int = 5 * MIN_CANDIDATES) -> int:
    """Numbers (county × birth date × sequence × check digit) consistent with ``shown``."""
    if shown.birth_date:
        births = [shown.birth_date]
    else:
        years = [shown.birth_year] if shown.birth_year else range(1900, dt.date.today().year + 1)
        births = []
        for year in years:
            day = dt.date(year, 1, 1)
            while day.year == year:
                births.append(day)
                day += dt.timedelta(days=1)
    if shown.joined_on:
        latest = shown.joined_on.replace(year=shown.joined_on.year - 18)
        births = [b for b in births if b <= latest]
    pattern = re.compile("^" + shown.id_number.replace("*", ".") + "$")
    parity = 1 if shown.gender == "M" else 0
    count = 0
    for birth in births:
        for order in range(parity, 1000, 2):
            if pattern.match(_number(birth, order)):
                count += 1
                if count >= stop_at:
                    return count
    return count


def test_the_counter_finds_the_number_from_what_the_old_mask_showed():
    """The counter itself: first 4 + last 4 digits with the birth date leave one number."""
    number = _number(dt.date(1985, 7, 7), 123)
    old_mask = number[:4] + "*" * 10 + number[-4:]
    shown = Shown(id_number=old_mask, gender="M", birth_date=dt.date(1985, 7, 7))
    assert count_candidates(shown) == 1


def _from_list_page(client: Client, member) -> Shown:
    html = client.get("/members/", {"q": member.name}).content.decode()
    row = re.search(rf"<tr><td><a [^>]*>{member.name}</a></td>(.*?)</tr>", html, re.S)
    assert row, html
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))
    gender = "M" if cells[0] == "男" else "F"
    return Shown(id_number=cells[3], gender=gender, joined_on=dt.date.fromisoformat(cells[5]))


def _from_detail_page(client: Client, member) -> Shown:
    html = client.get(f"/members/{member.pk}/").content.decode()
    id_number = re.search(r'id="pii-id-number">([^<]+)<', html).group(1).strip()
    gender = "M" if re.search(r"性别 / 民族</dt><dd[^>]*>男", html) else "F"
    date = re.search(r"出生日期</dt><dd[^>]*>(\d{4}-\d{2}-\d{2})<", html)
    year = re.search(r"出生年份</dt><dd[^>]*>(\d{4}) 年<", html)
    joined = re.search(r"加入党组织日期</dt><dd[^>]*>(\d{4}-\d{2}-\d{2})<", html).group(1)
    return Shown(
        id_number=id_number,
        gender=gender,
        birth_date=dt.date.fromisoformat(date.group(1)) if date else None,
        birth_year=int(year.group(1)) if year else None,
        joined_on=dt.date.fromisoformat(joined),
    )


def _from_api(body: dict) -> Shown:
    return Shown(
        id_number=body["id_number"],
        gender=body["gender"],
        birth_date=dt.date.fromisoformat(body["birth_date"]) if body.get("birth_date") else None,
        birth_year=body.get("birth_year"),
        joined_on=dt.date.fromisoformat(body["joined_on"]),
    )


def _from_export(client: Client, member) -> Shown:
    response = client.get("/imports/export/members.xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    keys = [c.key for c in layout.ROSTER_COLUMNS]
    for row in ws.iter_rows(values_only=True):
        if row[keys.index("name")] == member.name:
            values = dict(zip(keys, row, strict=False))
            break
    else:
        raise AssertionError("member not in the export")
    birth = values["birth_date"]
    year = re.match(r"(\d{4})", str(birth)) if not isinstance(birth, dt.datetime) else None
    return Shown(
        id_number=values["id_number"],
        gender="M" if values["gender"] == "男" else "F",
        birth_date=birth.date() if isinstance(birth, dt.datetime) else None,
        birth_year=int(year.group(1)) if year else None,
        joined_on=values["joined_on"].date(),
    )


def _everything_shown(user, member) -> list[Shown]:
    client = Client()
    client.force_login(user)
    _, secret = token_create(user=user, name="测试")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    listed = api.get("/api/v1/members", {"q": member.name}).json()["items"]
    return [
        _from_list_page(client, member),
        _from_detail_page(client, member),
        _from_api(next(m for m in listed if m["id"] == member.pk)),
        _from_api(api.get(f"/api/v1/members/{member.pk}").json()),
        _from_export(client, member),
    ]


@pytest.mark.parametrize(
    ("birth", "joined"),
    [
        (dt.date(1985, 7, 7), dt.date(2010, 6, 1)),
        # Joined four days after turning 18: the birthday lies in the first days of the year.
        (dt.date(1990, 1, 5), dt.date(2008, 1, 9)),
        (dt.date(1972, 12, 31), dt.date(1999, 7, 1)),
    ],
)
def test_a_supervisor_cannot_narrow_the_number_below_a_thousand(tree, birth, joined):
    number = _number(birth, 123)
    member = make_member(
        tree["branch_a1"],
        name="张三丰",
        id_number=number,
        birth=birth,
        joined=joined,
        male=True,
        full_member_on=joined.replace(year=joined.year + 1),
    )
    supervisor = make_user(Role.SUPERVISOR, tree["county_a"])
    shown = _everything_shown(supervisor, member)
    combined = _merge(shown)
    assert number not in repr(shown)
    assert combined.birth_date is None and combined.birth_year == birth.year
    assert count_candidates(combined) >= MIN_CANDIDATES


def test_roles_with_the_right_still_see_the_birth_date(tree):
    member = make_member(tree["branch_a1"], name="张三丰", birth=dt.date(1985, 7, 7), male=True)
    secretary = make_user(Role.BRANCH_SECRETARY, tree["branch_a1"])
    shown = _everything_shown(secretary, member)
    assert shown[1].birth_date == dt.date(1985, 7, 7)
    assert shown[3].birth_date == dt.date(1985, 7, 7)
    assert shown[4].birth_date == dt.date(1985, 7, 7)
    # The page, list and API still show the mask; the export carries the full number (import key).
    assert shown[4].id_number == pii.decrypt(member.id_number_encrypted)


def test_the_migration_remasks_stored_copies_and_their_history(tree):
    from importlib import import_module

    from django.apps import apps

    from dangjian.orgs.models import Member

    member = make_member(tree["branch_a1"], name="张三丰")
    number = pii.decrypt(member.id_number_encrypted)
    old_mask = number[:4] + "*" * 10 + number[-4:]
    Member.objects.filter(pk=member.pk).update(id_number_masked=old_mask)
    assert Member.history.model.objects.filter(id=member.pk).exists()
    Member.history.model.objects.filter(id=member.pk).update(id_number_masked=old_mask)
    import_module("dangjian.orgs.migrations.0009_remask_id_numbers").remask(apps, None)
    member.refresh_from_db()
    assert member.id_number_masked == number[:2] + "*" * 16 == pii.mask_id_number(number)
    assert set(
        Member.history.model.objects.filter(id=member.pk).values_list("id_number_masked", flat=True)
    ) == {pii.mask_id_number(number)}


def test_landline_and_address_are_masked_for_roles_without_the_right(tree):
    member = make_member(
        tree["branch_a1"],
        name="张三丰",
        landline="0433-2512345",
        address="吉林省延吉市河南街道人民路 88 号 3 单元",
    )
    supervisor = make_user(Role.SUPERVISOR, tree["county_a"])
    secretary = make_user(Role.BRANCH_SECRETARY, tree["branch_a1"])
    for user, full in ((supervisor, False), (secretary, True)):
        client = Client()
        client.force_login(user)
        _, secret = token_create(user=user, name="测试")
        api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
        page = client.get(f"/members/{member.pk}/").content.decode()
        detail = api.get(f"/api/v1/members/{member.pk}").json()
        response = client.get("/imports/export/members.xlsx")
        ws = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        keys = [c.key for c in layout.ROSTER_COLUMNS]
        row = next(r for r in ws.iter_rows(values_only=True) if r[keys.index("name")] == member.name)
        exported = (row[keys.index("landline")], row[keys.index("address")])
        shown = [page, detail["landline"], detail["address"], *exported]
        if full:
            assert "0433-2512345" in page and "人民路 88 号" in page
            assert (detail["landline"], detail["address"]) == (member.landline, member.address) == exported
        else:
            assert not any("2512345" in str(s) or "人民路" in str(s) for s in shown), shown
            assert detail["landline"] == "0433-*****45" == exported[0]
            assert detail["address"] == "吉林省延吉市****" == exported[1]
            assert "0433-*****45" in page and "吉林省延吉市****" in page
