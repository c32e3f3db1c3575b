"""Test helpers with no domain model: logging in through the real form in a browser test.

The factories live beside the models they build: ``dangjian.orgs.tests.factories`` (orgs,
members, the sample tree) and ``dangjian.accounts.tests.factories`` (users with grants)."""

from __future__ import annotations

from typing import Any


def browser_login(page: Any, username: str, password: str = "test-pass-123") -> None:  # noqa: S107
    """Log in through the real form in a Playwright page (see the ``page`` fixture in conftest)."""
    page.goto(page.base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
