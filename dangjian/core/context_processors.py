from __future__ import annotations

from .permissions import Perm
from .policy import has_perm, is_system_admin


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav": {
            "orgs": has_perm(user, Perm.ORG_VIEW),
            "members": has_perm(user, Perm.MEMBER_VIEW),
            "import": has_perm(user, Perm.IMPORT),
            "activities": has_perm(user, Perm.ACTIVITY_VIEW),
            "compliance": has_perm(user, Perm.COMPLIANCE_VIEW),
            "admin": is_system_admin(user) and user.is_staff,
        }
    }
