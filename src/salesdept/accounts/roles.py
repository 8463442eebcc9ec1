"""The roles (岗位) of DOMAIN.md, defined in code. Each role is a group of the same name whose
permissions are kept equal to this table after every migrate. Later capabilities add their
permissions here; names that do not exist yet are skipped until their app is migrated."""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from .scope import Scope

READ_PLATFORM = {
    "accounts.view_region",
    "accounts.view_team",
    "accounts.view_user",
}


# C1–C5 (crm). view_* lets a role open the pages; the rows it sees follow its scope.
CRM_MODELS = (
    "customer",
    "contact",
    "customerdocument",
    "lead",
    "visit",
    "activity",
    "phonecall",
    "feedback",
    "letter",
)
CRM_READ = {f"crm.view_{m}" for m in CRM_MODELS} | {
    "crm.view_tier",
    "crm.view_leadstage",
    "crm.view_customertransfer",
    "crm.view_customermerge",
    "crm.export_customer",
}
CRM_SELL = CRM_READ | {
    "crm.add_customer",
    "crm.change_customer",
    "crm.import_customer",
    "crm.add_contact",
    "crm.change_contact",
    "crm.add_customerdocument",
    "crm.change_customerdocument",
    "crm.add_lead",
    "crm.change_lead",
    "crm.add_visit",
    "crm.change_visit",
    "crm.add_activity",
    "crm.change_activity",
    "crm.add_feedback",
    "crm.change_feedback",
    "crm.add_letter",
    "crm.change_letter",
}
CRM_LEAD_TEAM = CRM_SELL | {"crm.transfer_customer", "crm.merge_customer", "crm.route_feedback"}
CRM_BACK_OFFICE = CRM_SELL | {
    "crm.verify_customerdocument",
    "crm.merge_customer",
    "crm.route_feedback",
    "crm.add_phonecall",
    "crm.change_phonecall",
}
CRM_MASTER_DATA = {
    "crm.view_tier",
    "crm.change_tier",
    "crm.add_tier",
    "crm.view_leadstage",
    "crm.change_leadstage",
    "crm.add_leadstage",
}


@dataclass(frozen=True)
class Role:
    label: str
    scope: Scope
    permissions: frozenset = field(default_factory=frozenset)
    description: str = ""


def _perms(*groups) -> frozenset:
    out: set[str] = set()
    for g in groups:
        out |= set(g)
    return frozenset(out)


ROLES: dict[str, Role] = {
    "director": Role(
        _("Director"),
        Scope.ALL,
        _perms(CRM_LEAD_TEAM, READ_PLATFORM, {"audit.view_audit_trail"}),
        _("Sees the whole department; approves large contracts, plans and write-offs."),
    ),
    "manager": Role(
        _("Sales manager"),
        Scope.TEAM,
        _perms(CRM_LEAD_TEAM, READ_PLATFORM),
        _("Sees their team; assigns work and approves within their authority."),
    ),
    "supervisor": Role(
        _("Sales supervisor"),
        Scope.TEAM,
        _perms(CRM_SELL, READ_PLATFORM),
        _("Sees their team's process, training and assessment."),
    ),
    "salesperson": Role(
        _("Salesperson"),
        Scope.OWN,
        _perms(CRM_SELL, READ_PLATFORM),
        _("Sees only their own customers, leads and documents."),
    ),
    "regional_manager": Role(
        _("Regional manager"),
        Scope.REGION,
        _perms(CRM_SELL, {"crm.transfer_customer"}, READ_PLATFORM),
        _("Sees their region's customers, dealers and figures."),
    ),
    "clerk": Role(
        _("Back-office clerk"),
        Scope.ALL,
        _perms(CRM_BACK_OFFICE, READ_PLATFORM),
        _("Registers contracts, prepares shipments and invoices, archives documents."),
    ),
    "warehouse_keeper": Role(
        _("Warehouse keeper"),
        Scope.ALL,
        _perms({"crm.view_customer", "crm.view_contact"}, READ_PLATFORM),
        _("Stock moves, stock cards and stocktakes."),
    ),
    "finance": Role(
        _("Finance"),
        Scope.ALL,
        _perms(CRM_READ, READ_PLATFORM),
        _("Invoices, payments and ledgers."),
    ),
    "auditor": Role(
        _("Auditor"),
        Scope.ALL,
        _perms(CRM_READ, READ_PLATFORM, {"audit.view_audit_trail"}),
        _("Reads everything, changes nothing."),
    ),
    "admin": Role(
        _("Administrator"),
        Scope.ALL,
        _perms(
            CRM_MASTER_DATA,
            READ_PLATFORM,
            {
                "accounts.add_user",
                "accounts.change_user",
                "accounts.add_team",
                "accounts.change_team",
                "accounts.add_region",
                "accounts.change_region",
                "auth.view_group",
                "accounts.view_apitoken",
                # the lockout page tells people to ask an administrator to unlock them
                "axes.view_accessattempt",
                "axes.delete_accessattempt",
            },
        ),
        _("Users, roles and master data."),
    ),
}


def sync_roles(apps=None) -> None:
    """Create the role groups and set their permissions to exactly what ROLES says."""
    from django.apps import apps as global_apps

    apps = apps or global_apps
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    known = {
        f"{app}.{codename}": pk
        for pk, app, codename in Permission.objects.values_list("pk", "content_type__app_label", "codename")
    }
    for name, role in ROLES.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.set([known[p] for p in sorted(role.permissions) if p in known])


def sync_roles_after_migrate(sender, **kwargs) -> None:
    # Runs after each app's permissions were created, so the last app leaves every role complete.
    sync_roles()
