"""django-axes under a Chinese name in the admin site. Its model and field names come from
``locale/zh_Hans`` (the package ships no Chinese translation); names set there change no
migration, unlike model options."""

from __future__ import annotations

import axes.apps


class AxesConfig(axes.apps.AppConfig):
    verbose_name = "登录失败与锁定"
