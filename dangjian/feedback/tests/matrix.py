"""Permission matrix rows of the 投诉建议 pages (see dangjian/core/matrix.py).

"inside": a feedback written by the 党员 user (m_mem); "outside": one written by a user who
holds none of the matrix roles. Authors see their own; the system administrator sees and
answers all; everyone else gets 404, as for any object they may not see.
"""

from __future__ import annotations

from dangjian.accounts.tests.factories import make_user
from dangjian.core.matrix import Endpoint
from dangjian.feedback import services

ALL_POST = (302, 302, 302, 302, 302, 302)


def extend_world(w) -> None:
    outsider = make_user(None, None, username="m_feedback_outsider")
    w.feedback_in = services.feedback_submit(
        author=w.users["member"], category="burden", subject="重复填报", text="名册填了两次"
    )
    w.feedback_out = services.feedback_submit(
        author=outsider, category="problem", subject="别人的问题", text="内容"
    )


def _feedback(w, side):
    return w.feedback_in if side == "inside" else w.feedback_out


ENDPOINTS = [
    Endpoint("feedback:index", lambda w, s: "/feedback/", (302, 200, 200, 200, 200, 200)),
    Endpoint(
        "feedback:index",
        lambda w, s: "/feedback/",
        ALL_POST,
        method="POST",
        data=lambda w, s: {"category": "suggestion", "subject": "建议", "text": "希望能按拼音排序"},
    ),
    Endpoint(
        "feedback:detail",
        lambda w, s: f"/feedback/{_feedback(w, s).pk}/",
        inside=(302, 200, 404, 404, 200, 404),
        outside=(302, 200, 404, 404, 404, 404),
    ),
    Endpoint(
        "feedback:detail",
        lambda w, s: f"/feedback/{_feedback(w, s).pk}/",
        inside=(302, 302, 404, 404, 404, 404),
        outside=(302, 302, 404, 404, 404, 404),
        method="POST",
        data=lambda w, s: {"reply": "已处理"},
    ),
]
