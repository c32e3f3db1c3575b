"""The data migration to the national 学历 / 工作岗位 codes: every former code finds its new one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from dangjian.orgs.choices import Education, Occupation

BEFORE = [("orgs", "0005_member_probation_extension")]
AFTER = [("orgs", "0007_member_codes_to_national_tables")]

# (former 学历, former 工作岗位, org sector) → (national 学历, national 工作岗位)
CASES = [
    (("11", "01", "organ"), ("11", "011")),
    (("14", "02", "institution"), ("12", "0211")),
    (("10", "03", "school"), ("12", "0212")),
    (("21", "04", "state_enterprise"), ("21", "0213")),
    (("31", "04", "private_enterprise"), ("22", "0215")),
    (("40", "04", "social_org"), ("41", "0217")),
    (("61", "05", "state_enterprise"), ("6", "0214")),
    (("71", "05", "private_enterprise"), ("7", "0216")),
    (("81", "05", "social_org"), ("8", "0218")),
    (("90", "06", "organ"), ("9", "0314")),
    (("", "06", "institution"), ("", "0315")),
    (("21", "06", "school"), ("21", "0315")),
    (("21", "06", "private_enterprise"), ("21", "0312")),
    (("21", "06", "social_org"), ("21", "0313")),
    (("21", "06", "rural"), ("21", "0311")),
    (("21", "11", "rural"), ("21", "11")),
    (("21", "12", "school"), ("21", "313")),
    (("21", "13", "organ"), ("21", "2")),
    (("21", "14", "community"), ("21", "502")),
    (("21", "15", "private_enterprise"), ("21", "612")),
    (("21", "16", "community"), ("21", "605")),
    (("21", "17", "social_org"), ("21", "0218")),
    (("21", "19", "community"), ("21", "612")),
    (("21", "20", "rural"), ("21", "613")),
    (("21", "", "rural"), ("21", "")),
]


@pytest.fixture(autouse=True)
def _back_to_latest():
    """Leave the test database at the latest migrations, whatever the test did: later tests in
    the same worker need every column."""
    yield
    call_command("flush", "--noinput", verbosity=0)  # rows written under an older schema
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_former_codes_become_national_codes_in_members_and_history():
    apps = _migrate(BEFORE)
    Org = apps.get_model("orgs", "Org")
    Member = apps.get_model("orgs", "Member")
    History = apps.get_model("orgs", "HistoricalMember")
    orgs = {}
    for i, sector in enumerate(sorted({c[0][2] for c in CASES}), start=1):
        orgs[sector] = Org.objects.create(
            path=f"{i:04d}", depth=1, numchild=0, name=f"组织{i}", kind="branch", sector=sector
        )
    for i, ((education, occupation, sector), _) in enumerate(CASES):
        fields = dict(
            org=orgs[sector],
            org_path=orgs[sector].path,
            name=f"党员{i}",
            gender="M",
            birth_date=dt.date(1970, 1, 1),
            id_number_hash=f"h{i}",
            id_number_encrypted="x",
            id_number_masked="x",
            education=education,
            occupation=occupation,
            status="full",
            joined_on=dt.date(1995, 7, 1),
            full_member_on=dt.date(1996, 7, 1),
        )
        member = Member.objects.create(**fields)
        del fields["org_path"]  # not kept in history
        fields.update(created_at=member.created_at, updated_at=member.updated_at)
        History.objects.create(
            id=member.pk, history_date=dt.datetime(2024, 1, 1, tzinfo=dt.UTC), history_type="+", **fields
        )

    apps = _migrate(AFTER)
    Member = apps.get_model("orgs", "Member")
    History = apps.get_model("orgs", "HistoricalMember")
    for i, (_, expected) in enumerate(CASES):
        assert Member.objects.values_list("education", "occupation").get(name=f"党员{i}") == expected
        assert History.objects.values_list("education", "occupation").get(name=f"党员{i}") == expected
    assert set(Member.objects.values_list("education", flat=True)) - {""} <= set(Education.values)
    assert set(Member.objects.values_list("occupation", flat=True)) - {""} <= set(Occupation.values)

    # and back: every former code is restored where the mapping was one to one
    apps = _migrate(BEFORE)
    Member = apps.get_model("orgs", "Member")
    back = dict(Member.objects.values_list("name", "occupation"))
    assert back["党员0"] == "01" and back["党员4"] == "04" and back["党员16"] == "12"
    _migrate(AFTER)
