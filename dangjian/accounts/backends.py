"""Authentication backend: Django's ModelBackend with a cheaper per-request user lookup."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from dangjian.core.rows import fetch_one


class UserBackend(ModelBackend):
    """Logs in as ModelBackend does; ``get_user`` (run on every request with a session) reads the
    row without building an ORM query."""

    def get_user(self, user_id: Any) -> Any:
        model = get_user_model()
        try:
            pk = model._meta.pk.to_python(user_id)
        except Exception:  # a session holding a malformed id is anonymous, as in ModelBackend
            return None
        user = fetch_one(model, f"{model._meta.pk.column} = %s", [pk])
        return user if user is not None and self.user_can_authenticate(user) else None
