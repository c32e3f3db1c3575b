"""Production settings: `check --deploy` is clean and secrets must come from the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DANGJIAN_"))}
    base.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=base | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


PROD = {
    "DJANGO_PRODUCTION": "1",
    "DJANGO_SECRET_KEY": "k" * 20 + "production-secret-for-the-check-only-0123456789",
    "DANGJIAN_PII_KEY": "7Jq2bXk9RrT0vW3yZa5cE8gH1jL4nP6sU9xB2dF5hK8",
    "DJANGO_ALLOWED_HOSTS": "dangjian.example.org",
}


def test_check_deploy_is_clean_under_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PROD)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key():
    env = dict(PROD)
    del env["DJANGO_SECRET_KEY"]
    result = _manage("check", **env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_pii_key():
    env = dict(PROD)
    del env["DANGJIAN_PII_KEY"]
    result = _manage("check", **env)
    assert result.returncode != 0
    assert "DANGJIAN_PII_KEY" in result.stderr


def test_production_never_runs_with_debug():
    result = _manage(
        "shell", "-c", "from django.conf import settings; print(settings.DEBUG)", DJANGO_DEBUG="1", **PROD
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_make_run_serves_without_debug_and_make_dev_with_it():
    """`make run` is what a new user starts: no English debug pages, no URL list on a 404."""
    run_sh = (ROOT / "scripts" / "run.sh").read_text(encoding="utf-8")
    assert "DJANGO_DEBUG=${DJANGO_DEBUG:-0}" in run_sh
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    dev = makefile[makefile.index("\ndev:") :].split("\n\n")[0]
    assert "DJANGO_DEBUG=1" in dev and "scripts/run.sh" in dev


def test_runserver_without_debug_serves_static_files_and_chinese_404(tmp_path):
    import time
    import urllib.error
    import urllib.request

    port = _free_port()
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DANGJIAN_"))}
    env = base | {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "DANGJIAN_VAR_DIR": str(tmp_path)}
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                css = urllib.request.urlopen(url + "/static/app/app.css", timeout=5)
                break
            except urllib.error.URLError:
                time.sleep(0.1)
        else:
            raise AssertionError("runserver did not answer")
        assert css.status == 200 and b"{" in css.read()
        with urllib.request.urlopen(url + "/static/app/favicon.svg", timeout=5) as icon:
            assert icon.status == 200
        try:
            urllib.request.urlopen(url + "/no-such-page/", timeout=5)
        except urllib.error.HTTPError as err:
            body = err.read().decode()
            assert err.code == 404
            assert "页面不存在" in body or "不存在" in body
            assert "Using the URLconf" not in body and "urlpatterns" not in body
        else:
            raise AssertionError("expected a 404")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DANGJIAN_PII_KEY", "abc", "至少 32 个随机字节"),
        ("DANGJIAN_PII_KEY", "dev-only-pii-key", "DANGJIAN_PII_KEY"),
        ("DANGJIAN_PII_KEY", "00" * 32, "不像随机生成"),
        (
            "DJANGO_SECRET_KEY",
            "dev-only-insecure-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz",
            "开发默认值",
        ),
        ("DJANGO_SECRET_KEY", "too-short", "50 位以上"),
    ],
)
def test_production_refuses_weak_or_default_keys(name, value, message):
    result = _manage("check", **(PROD | {name: value}))
    assert result.returncode != 0
    assert message in result.stderr


def test_development_warns_once_about_public_keys():
    result = _manage("check")
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("正在使用公开的开发用密钥") == 1
    quiet = _manage("check", DJANGO_SECRET_KEY="x" * 60, DANGJIAN_PII_KEY=PROD["DANGJIAN_PII_KEY"])
    assert "开发用密钥" not in quiet.stderr


def test_a_weak_old_key_may_stay_configured_for_reading_until_rotation():
    result = _manage("check", **(PROD | {"DANGJIAN_PII_OLD_KEYS": "abc"}))
    assert result.returncode == 0, result.stderr
