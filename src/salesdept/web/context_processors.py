"""The navigation menu: only what the user's role may use."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# (label, url name, permission needed or "" for every signed-in user)
MENU = [
    (_("Dashboard"), "web:dashboard", ""),
    (_("Audit trail"), "audit:list", "audit.view_audit_trail"),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": []}
    items = [
        {"label": label, "url": reverse(name), "active": request.path == reverse(name)}
        for label, name, perm in MENU
        if not perm or user.has_perm(perm)
    ]
    if user.is_staff:
        items.append({"label": _("Administration"), "url": reverse("admin:index"), "active": False})
    return {"menu": items}
