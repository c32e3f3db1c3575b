"""Settings for measuring a proposed change: SQLite with ``PRAGMA case_sensitive_like=ON``.

With it SQLite can answer ``org_path LIKE 'prefix%'`` (Django's ``startswith``, used by every
subtree filter) from the ``org_path`` index instead of scanning the table. Used only by
bench_web's second run; the project settings are unchanged.
"""

from config.settings import *  # noqa: F403

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["OPTIONS"]["init_command"] += " PRAGMA case_sensitive_like=ON;"  # noqa: F405
