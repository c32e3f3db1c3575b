from __future__ import annotations

import pytest

from dangjian.rectification.detector import reset_index


@pytest.fixture(autouse=True)
def _fresh_duplicate_index():
    """Each test starts with an empty near-duplicate index (rows of rolled-back tests are gone)."""
    reset_index()
    yield
    reset_index()
