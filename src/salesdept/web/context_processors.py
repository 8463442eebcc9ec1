"""The navigation menu: only what the user's role may use, plus the user's name and roles."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.roles import ROLES


@dataclass(frozen=True)
class MenuItem:
    key: str
    label: str
    url_name: str
    permission: str = ""  # "" = every signed-in user
    staff_only: bool = False  # the Django admin: only for is_staff users (the admin role)


# Later capabilities add their entries here (customers, contracts, shipments …), each with the
# permission that lets a role use it.
MENU = [
    MenuItem("dashboard", _("Dashboard"), "web:dashboard"),
    MenuItem("today", _("Today's follow-ups"), "crm:activity_today", permission="crm.view_activity"),
    MenuItem("customers", _("Customers"), "crm:customer_list", permission="crm.view_customer"),
    MenuItem("leads", _("Leads"), "crm:lead_list", permission="crm.view_lead"),
    MenuItem("visits", _("Visitor reception"), "crm:visit_list", permission="crm.view_visit"),
    MenuItem("calls", _("Phone log"), "crm:call_list", permission="crm.view_phonecall"),
    MenuItem("feedback", _("Complaints"), "crm:feedback_list", permission="crm.view_feedback"),
    MenuItem("letters", _("Correspondence"), "crm:letter_list", permission="crm.view_letter"),
    MenuItem("audit", _("Audit trail"), "audit:list", permission="audit.view_audit_trail"),
    MenuItem("admin", _("Administration"), "admin:index", staff_only=True),
]


def _allowed(item: MenuItem, user) -> bool:
    if item.staff_only and not user.is_staff:
        return False
    return not item.permission or user.has_perm(item.permission)


def _active(url: str, path: str) -> bool:
    return path == url if url == "/" else path.startswith(url)


def role_labels(user) -> list[str]:
    return [str(ROLES[name].label) for name in user.role_names if name in ROLES]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": []}
    items = []
    for item in MENU:
        if _allowed(item, user):
            url = reverse(item.url_name)
            items.append(
                {"key": item.key, "label": item.label, "url": url, "active": _active(url, request.path)}
            )
    return {"menu": items, "user_roles": role_labels(user), "user_initial": str(user)[:1].upper()}
