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


# S1 (catalog): everyone who sells reads products and prices; master data is kept by the
# administrator and the back office; discount authority by the administrator and the director.
CATALOG_READ = {
    "catalog.view_category",
    "catalog.view_product",
    "catalog.view_pricelist",
    "catalog.view_pricelistitem",
    "catalog.view_discountauthority",
}
CATALOG_MASTER_DATA = CATALOG_READ | {
    "catalog.add_category",
    "catalog.change_category",
    "catalog.add_product",
    "catalog.change_product",
    "catalog.add_pricelist",
    "catalog.change_pricelist",
    "catalog.add_pricelistitem",
    "catalog.change_pricelistitem",
    "catalog.delete_pricelistitem",
}
PRICE_POLICY = {
    "catalog.change_discountauthority",
    "sales.view_contractreviewrule",
    "sales.change_contractreviewrule",
}
# 事前请示: ask for a price approval; decide one within one's own discount authority.
PRICE_ASK = {"catalog.view_priceapproval", "catalog.add_priceapproval"}
PRICE_DECIDE = PRICE_ASK | {"catalog.decide_priceapproval"}

# S2–S5 (sales). Rows follow the role's scope like the customers'.
SALES_MODELS = ("inquiry", "quotation", "contract", "salesorder")
SALES_READ = CATALOG_READ | {f"sales.view_{m}" for m in SALES_MODELS} | {"catalog.view_priceapproval"}
SALES_SELL = SALES_READ | PRICE_ASK | {f"sales.{a}_{m}" for m in SALES_MODELS for a in ("add", "change")}
SALES_BACK_OFFICE = SALES_SELL | {"sales.register_contract"}

# W1–W6 (warehouse). Everyone who sells may look up stock; the keeper moves it; a second person
# with approve_adjustment (another keeper, finance, the director) approves variances.
WAREHOUSE_READ = {
    "warehouse.view_warehouse",
    "warehouse.view_location",
    "warehouse.view_stock",
}
WAREHOUSE_SAMPLES = {"warehouse.view_sampleloan"}  # a salesperson sees the samples they hold
WAREHOUSE_KEEP = (
    WAREHOUSE_READ
    | WAREHOUSE_SAMPLES
    | {
        "warehouse.add_warehouse",
        "warehouse.change_warehouse",
        "warehouse.add_location",
        "warehouse.change_location",
        "warehouse.view_stockdocument",
        "warehouse.add_stockdocument",
        "warehouse.change_stockdocument",
        "warehouse.post_stockdocument",
        "warehouse.inspect_stock",
        "warehouse.view_stockmove",
        "warehouse.view_qualitycheck",
        "warehouse.view_stockrule",
        "warehouse.add_stockrule",
        "warehouse.change_stockrule",
        "warehouse.view_stocktake",
        "warehouse.add_stocktake",
        "warehouse.change_stocktake",
        "warehouse.change_sampleloan",
        "warehouse.view_receivedsample",
        "warehouse.add_receivedsample",
        "warehouse.change_receivedsample",
        "warehouse.approve_adjustment",
    }
)
WAREHOUSE_AUDIT = (
    WAREHOUSE_READ
    | WAREHOUSE_SAMPLES
    | {
        "warehouse.view_stockdocument",
        "warehouse.view_stockmove",
        "warehouse.view_qualitycheck",
        "warehouse.view_stockrule",
        "warehouse.view_stocktake",
        "warehouse.view_receivedsample",
    }
)


# F1, F5 (shipping). The clerk prepares shipments and returns; a second person — another clerk,
# the manager, finance or the director — approves them; the keeper and the clerk confirm delivery.
SHIPPING_READ = {"shipping.view_shipment", "shipping.view_returnauthorisation"}
SHIPPING_PREPARE = SHIPPING_READ | {
    "shipping.add_shipment",
    "shipping.change_shipment",
    "shipping.deliver_shipment",
    "shipping.add_returnauthorisation",
    "shipping.change_returnauthorisation",
}
SHIPPING_APPROVE = SHIPPING_READ | {"shipping.approve_shipment", "shipping.approve_returnauthorisation"}

# F2, F3 (billing). The clerk prepares invoices; finance approves them, records payments and
# keeps collections; salespeople see their customers' invoices and work their collection tasks.
BILLING_READ = {
    "billing.view_invoice",
    "billing.view_payment",
    "billing.view_collectiontask",
    "billing.view_receivables",
}
BILLING_SELL = BILLING_READ | {"billing.change_collectiontask"}
BILLING_PREPARE = BILLING_READ | {"billing.add_invoice", "billing.change_invoice"}
BILLING_FINANCE = BILLING_PREPARE | {
    "billing.approve_invoice",
    "billing.override_credit_limit",
    "billing.add_payment",
    "billing.change_payment",
    "billing.add_allocation",
    "billing.change_collectiontask",
}

# F4 (ledger): finance keeps the books and closes months; the director and the auditor read them.
LEDGER_READ = {"ledger.view_account", "ledger.view_journalentry", "ledger.view_period"}
LEDGER_KEEP = LEDGER_READ | {"ledger.close_period"}

# P1 (planning): everyone who reads sales figures sees the plans; of their targets, the rows in
# their scope. The director and managers prepare plans; the director reviews them (双人复核).
PLANNING_READ = {"planning.view_plan"}
PLANNING_PREPARE = PLANNING_READ | {"planning.add_plan", "planning.change_plan"}
PLANNING_REVIEW = PLANNING_PREPARE | {"planning.review_plan"}
# P2 (stats): whoever reads plans reads the sales statistics, in their scope (SalesFact.SCOPE).
STATS_READ = {"stats.view_salesfact"}
# Issue 7: the history import records a department's past sales (stats.history). New customers
# it needs go through crm's customer_create (crm.add_customer: the director has it, the
# administrator does not); the products and categories it needs are created by the import itself
# under this permission, so the director stays a reader of the catalog.
STATS_IMPORT = {"stats.import_history"}

# P5 (workreports): whoever sells writes their own daily and weekly reports 工作日报 / 周报; team
# leads, regional managers and the director read those in their scope (WorkReport.SCOPE), comment
# 批注 on them and see who has not submitted; the auditor reads them.
WORKREPORTS_WRITE = {
    "workreports.view_workreport",
    "workreports.add_workreport",
    "workreports.change_workreport",
}
WORKREPORTS_REVIEW = {"workreports.view_workreport", "workreports.comment_workreport"}
WORKREPORTS_READ = {"workreports.view_workreport"}


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
        _perms(
            WORKREPORTS_REVIEW,
            PLANNING_REVIEW,
            STATS_READ,
            STATS_IMPORT,
            SHIPPING_APPROVE,
            BILLING_READ,
            {"billing.approve_invoice", "billing.override_credit_limit"},
            LEDGER_READ,
            CRM_LEAD_TEAM,
            SALES_SELL,
            PRICE_DECIDE,
            PRICE_POLICY,
            READ_PLATFORM,
            WAREHOUSE_AUDIT,
            {"audit.view_audit_trail", "audit.view_signal", "sales.review_contract_as_director"},
            {"warehouse.approve_adjustment"},
        ),
        _("Sees the whole department; approves large contracts, plans and write-offs."),
    ),
    "manager": Role(
        _("Sales manager"),
        Scope.TEAM,
        _perms(
            WORKREPORTS_REVIEW,
            WORKREPORTS_WRITE,
            PLANNING_PREPARE,
            STATS_READ,
            SHIPPING_APPROVE,
            BILLING_SELL,
            CRM_LEAD_TEAM,
            SALES_SELL,
            PRICE_DECIDE,
            READ_PLATFORM,
            WAREHOUSE_READ,
            WAREHOUSE_SAMPLES,
            {"sales.review_contract_as_manager"},
        ),
        _("Sees their team; assigns work and approves within their authority."),
    ),
    "supervisor": Role(
        _("Sales supervisor"),
        Scope.TEAM,
        _perms(
            WORKREPORTS_REVIEW,
            WORKREPORTS_WRITE,
            PLANNING_READ,
            STATS_READ,
            CRM_SELL,
            SALES_SELL,
            READ_PLATFORM,
            WAREHOUSE_READ,
            WAREHOUSE_SAMPLES,
            SHIPPING_READ,
            BILLING_SELL,
        ),
        _("Sees their team's process, training and assessment."),
    ),
    "salesperson": Role(
        _("Salesperson"),
        Scope.OWN,
        _perms(
            WORKREPORTS_WRITE,
            PLANNING_READ,
            STATS_READ,
            CRM_SELL,
            SALES_SELL,
            READ_PLATFORM,
            WAREHOUSE_READ,
            WAREHOUSE_SAMPLES,
            SHIPPING_READ,
            BILLING_SELL,
        ),
        _("Sees only their own customers, leads and documents."),
    ),
    "regional_manager": Role(
        _("Regional manager"),
        Scope.REGION,
        _perms(
            WORKREPORTS_REVIEW,
            WORKREPORTS_WRITE,
            PLANNING_READ,
            STATS_READ,
            SHIPPING_READ,
            BILLING_SELL,
            CRM_SELL,
            SALES_SELL,
            PRICE_DECIDE,
            {"crm.transfer_customer"},
            READ_PLATFORM,
            WAREHOUSE_READ,
            WAREHOUSE_SAMPLES,
        ),
        _("Sees their region's customers, dealers and figures."),
    ),
    "clerk": Role(
        _("Back-office clerk"),
        Scope.ALL,
        _perms(
            PLANNING_READ,
            STATS_READ,
            SHIPPING_PREPARE,
            SHIPPING_APPROVE,
            BILLING_PREPARE,
            CRM_BACK_OFFICE,
            SALES_BACK_OFFICE,
            CATALOG_MASTER_DATA,
            READ_PLATFORM,
            WAREHOUSE_AUDIT,
            {
                "warehouse.view_receivedsample",
                "warehouse.add_receivedsample",
                "warehouse.change_receivedsample",
            },
        ),
        _("Registers contracts, prepares shipments and invoices, archives documents."),
    ),
    "warehouse_keeper": Role(
        _("Warehouse keeper"),
        Scope.ALL,
        _perms(
            {"crm.view_customer", "crm.view_contact", "shipping.deliver_shipment"},
            CATALOG_READ,
            READ_PLATFORM,
            WAREHOUSE_KEEP,
            SHIPPING_READ,
        ),
        _("Stock moves, stock cards and stocktakes."),
    ),
    "finance": Role(
        _("Finance"),
        Scope.ALL,
        _perms(
            PLANNING_READ,
            STATS_READ,
            SHIPPING_APPROVE,
            BILLING_FINANCE,
            LEDGER_KEEP,
            CRM_READ,
            SALES_READ,
            READ_PLATFORM,
            WAREHOUSE_AUDIT,
            {"sales.review_contract_as_finance", "warehouse.approve_adjustment"},
        ),
        _("Invoices, payments and ledgers."),
    ),
    "auditor": Role(
        _("Auditor"),
        Scope.ALL,
        _perms(
            WORKREPORTS_READ,
            PLANNING_READ,
            STATS_READ,
            SHIPPING_READ,
            BILLING_READ,
            LEDGER_READ,
            CRM_READ,
            SALES_READ,
            READ_PLATFORM,
            WAREHOUSE_AUDIT,
            {"audit.view_audit_trail", "audit.view_signal"},
        ),
        _("Reads everything, changes nothing."),
    ),
    "admin": Role(
        _("Administrator"),
        Scope.ALL,
        _perms(
            CRM_MASTER_DATA,
            CATALOG_MASTER_DATA,
            STATS_IMPORT,
            PRICE_POLICY,
            READ_PLATFORM,
            WAREHOUSE_READ,
            {
                "warehouse.add_warehouse",
                "warehouse.change_warehouse",
                "warehouse.add_location",
                "warehouse.change_location",
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
