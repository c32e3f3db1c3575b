"""Production settings: `check --deploy` is clean and secrets must come from the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
    "DANGJIAN_PII_KEY": "pii-key-for-the-check-only",
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
