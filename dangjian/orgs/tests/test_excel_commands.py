"""import_roster / import_orgs / export_roster: same checks as the pages, non-zero exit on any error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dangjian.accounts.tests.factories import make_user
from dangjian.core.models import AuditEvent
from dangjian.core.permissions import Role
from dangjian.orgs.models import Member, Org, Transfer
from dangjian.orgs.tests.factories import make_member, member_data

from .fixtures.excel_builder import national_roster, org_list, roster_row

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]


def _bad_row():
    row = roster_row(member_data(), org="甲县第一支部")
    row["id_number"] = row["id_number"][:17] + ("0" if row["id_number"][17] != "0" else "1")
    return row


def test_import_roster_writes(tmp_path, tree, capsys):
    path = national_roster(tmp_path / "ok.xlsx", {"s": [roster_row(member_data(), org="甲县第一支部")]})
    call_command("import_roster", str(path))
    assert Member.objects.count() == 1
    assert "导入完成" in capsys.readouterr().out


def test_import_roster_names_the_transfers_before_writing(tmp_path, tree, capsys):
    data = member_data(name="调动者")
    make_member(tree["branch_a1"], **data)
    path = national_roster(tmp_path / "t.xlsx", {"s": [roster_row(data, org="乙县第一支部")]})
    call_command("import_roster", str(path), "--dry-run")
    out = capsys.readouterr().out
    assert "组织关系转接 1" in out and "组织关系转接：调动者 甲县第一支部 → 乙县第一支部" in out
    assert data["id_number"] not in out
    assert Member.objects.get(name="调动者").org == tree["branch_a1"]


def test_import_roster_dry_run_writes_nothing(tmp_path, tree, capsys):
    path = national_roster(tmp_path / "ok.xlsx", {"s": [roster_row(member_data(), org="甲县第一支部")]})
    call_command("import_roster", str(path), "--dry-run")
    assert Member.objects.count() == 0 and AuditEvent.objects.count() == 0
    assert "将新增 1" in capsys.readouterr().out


def test_import_roster_errors_fail_and_write_nothing(tmp_path, tree, capsys):
    path = national_roster(
        tmp_path / "bad.xlsx", {"s": [roster_row(member_data(), org="甲县第一支部"), _bad_row()]}
    )
    with pytest.raises(CommandError, match="共 1 处错误"):
        call_command("import_roster", str(path))
    assert "第 6 行 公民身份证号：身份证号校验位错误" in capsys.readouterr().err
    assert (Member.objects.count(), Transfer.objects.count(), AuditEvent.objects.count()) == (0, 0, 0)


def test_import_roster_user_scope(tmp_path, tree, capsys):
    make_user(Role.ORG_ADMIN, tree["county_a"], username="jia")
    path = national_roster(tmp_path / "b.xlsx", {"s": [roster_row(member_data(), org="乙县第一支部")]})
    with pytest.raises(CommandError):
        call_command("import_roster", str(path), "--user", "jia")
    assert "不在您的管理范围内" in capsys.readouterr().err
    with pytest.raises(CommandError, match="找不到用户"):
        call_command("import_roster", str(path), "--user", "nobody")
    call_command("import_roster", str(path))  # as the system: the whole tree
    assert Member.objects.get().org == tree["branch_b1"]


def test_import_orgs_and_export(tmp_path, tree, capsys):
    call_command(
        "import_orgs",
        str(org_list(tmp_path / "o.xlsx", [{"name": "新支部", "kind": "党支部", "parent": "乙县委"}])),
    )
    assert Org.objects.filter(name="新支部").exists()
    with pytest.raises(CommandError):
        call_command(
            "import_orgs",
            str(org_list(tmp_path / "p.xlsx", [{"name": "坏", "kind": "俱乐部", "parent": "乙县委"}])),
        )
    make_member(tree["branch_a1"])
    make_member(tree["branch_b1"])
    out = tmp_path / "out.xlsx"
    call_command("export_roster", str(out), "--org", str(tree["county_a"].pk))
    assert "已导出 1 名党员" in capsys.readouterr().out
    call_command("import_roster", str(out), "--dry-run")
    assert "将新增 0，更新 0，无变化 1" in capsys.readouterr().out
    with pytest.raises(CommandError, match="找不到组织"):
        call_command("export_roster", str(out), "--org", "999999")


def test_exit_code_of_the_real_command(tmp_path):
    """A real process: a file that is not .xlsx exits non-zero with the Chinese reason (no DB needed)."""
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"not a zip at all")
    env = {"DANGJIAN_VAR_DIR": str(tmp_path / "var"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "manage.py", "import_roster", str(fake)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "不是有效的 Excel .xlsx 文件" in done.stderr
