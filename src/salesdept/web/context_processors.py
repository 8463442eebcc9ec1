"""The navigation menu: only what the user's role may use, plus the user's name and roles."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from salesdept.accounts.roles import ROLES


@dataclass(frozen=True)
class MenuItem:
    key: str
    label: str
    url_name: str
    permission: str = ""  # "" = every signed-in user
    staff_only: bool = False  # the Django admin: only for is_staff users (the admin role)
    group: str = ""  # shown inside the drop-down of this group (GROUPS), in MENU order


# Drop-down menus, so the bar stays one line on a laptop however many capabilities there are.
GROUPS = {
    "customers": _("Customers"),
    # Short labels, so the bar holds every group on one line on a 1366 px laptop in English too.
    "service": pgettext_lazy("menu", "Service"),
    "sales": _("Sales"),
    "catalog": pgettext_lazy("menu", "Catalog"),
    "warehouse": pgettext_lazy("menu", "Stock"),
    "finance": pgettext_lazy("menu", "Finance"),
    "audit": _("Audit"),
}


# Later capabilities add their entries here (customers, contracts, shipments …), each with the
# permission that lets a role use it.
MENU = [
    MenuItem("dashboard", _("Dashboard"), "web:dashboard"),
    MenuItem("today", pgettext_lazy("menu", "Today"), "crm:activity_today", permission="crm.view_activity"),
    MenuItem(
        "customers", _("Customers"), "crm:customer_list", permission="crm.view_customer", group="customers"
    ),
    MenuItem("leads", _("Leads"), "crm:lead_list", permission="crm.view_lead", group="customers"),
    MenuItem(
        "conversion",
        _("Conversion rate"),
        "crm:conversion_rates",
        permission="crm.view_lead",
        group="customers",
    ),
    MenuItem(
        "visits", _("Visitor reception"), "crm:visit_list", permission="crm.view_visit", group="customers"
    ),
    MenuItem("import", _("Import"), "crm:import_start", permission="crm.import_customer", group="customers"),
    MenuItem("calls", _("Phone log"), "crm:call_list", permission="crm.view_phonecall", group="service"),
    MenuItem(
        "feedback", _("Complaints"), "crm:feedback_list", permission="crm.view_feedback", group="service"
    ),
    MenuItem(
        "letters", _("Correspondence"), "crm:letter_list", permission="crm.view_letter", group="service"
    ),
    MenuItem(
        "inquiries", _("Inquiries"), "sales:inquiry_list", permission="sales.view_inquiry", group="sales"
    ),
    MenuItem(
        "quotations",
        _("Quotations"),
        "sales:quotation_list",
        permission="sales.view_quotation",
        group="sales",
    ),
    MenuItem(
        "contracts", _("Contracts"), "sales:contract_list", permission="sales.view_contract", group="sales"
    ),
    MenuItem(
        "orders", _("Sales orders"), "sales:order_list", permission="sales.view_salesorder", group="sales"
    ),
    MenuItem(
        "fulfillment",
        _("Contract fulfillment"),
        "sales:fulfillment_list",
        permission="sales.view_contract",
        group="sales",
    ),
    MenuItem(
        "fulfillment_statistics",
        _("Fulfillment statistics"),
        "sales:fulfillment_statistics",
        permission="sales.view_contract",
        group="sales",
    ),
    # P2: the sales statistics report 销售统计报表
    MenuItem(
        "sales_statistics",
        _("Sales statistics"),
        "stats:sales_report",
        permission="stats.view_salesfact",
        group="sales",
    ),
    # P2: the report pack 统计台账 (monthly, quarterly, yearly; PDF and Excel)
    MenuItem(
        "report_pack", _("Report pack"), "reports:pack", permission="stats.view_salesfact", group="sales"
    ),
    # issue 7: the history import 历史销售导入 (past sales into the statistics)
    MenuItem(
        "history_import",
        _("Import sales history"),
        "stats:history_import",
        permission="stats.import_history",
        group="sales",
    ),
    # P1: sales plans and targets
    MenuItem("plans", _("Sales plans"), "planning:plan_list", permission="planning.view_plan", group="sales"),
    MenuItem(  # P1: achievement 达成率 against the approved plan
        "achievement",
        _("Achievement"),
        "planning:achievement",
        permission="planning.view_plan",
        group="sales",
    ),
    # P5: work reports 工作日报 / 周报 (my reports; the team view for those who comment)
    MenuItem(
        "work_reports",
        _("My reports"),
        "workreports:report_list",
        permission="workreports.add_workreport",
        group="sales",
    ),
    MenuItem(
        "team_reports",
        _("Team reports"),
        "workreports:team",
        permission="workreports.comment_workreport",
        group="sales",
    ),
    # F1, F5: shipping and returns
    MenuItem(
        "shipments",
        _("Shipments"),
        "shipping:shipment_list",
        permission="shipping.view_shipment",
        group="sales",
    ),
    MenuItem(
        "late_shipments",
        _("Late shipments"),
        "shipping:late_list",
        permission="shipping.view_shipment",
        group="sales",
    ),
    MenuItem(
        "returns",
        _("Returns"),
        "shipping:return_list",
        permission="shipping.view_returnauthorisation",
        group="sales",
    ),
    MenuItem(
        "products", _("Products"), "catalog:product_list", permission="catalog.view_product", group="catalog"
    ),
    MenuItem(
        "categories",
        _("Product categories"),
        "catalog:category_list",
        permission="catalog.view_category",
        group="catalog",
    ),
    MenuItem(
        "price_lists",
        _("Price lists"),
        "catalog:price_list_list",
        permission="catalog.view_pricelist",
        group="catalog",
    ),
    MenuItem(
        "discount_authority",
        _("Discount authority"),
        "catalog:discount_authority",
        permission="catalog.view_discountauthority",
        group="catalog",
    ),
    MenuItem(
        "price_approvals",
        _("Price approvals"),
        "catalog:price_approval_list",
        permission="catalog.view_priceapproval",
        group="catalog",
    ),
    # W1–W6: the warehouse
    MenuItem(
        "stock",
        _("Stock on hand"),
        "warehouse:stock_list",
        permission="warehouse.view_stock",
        group="warehouse",
    ),
    MenuItem(
        "stock_documents",
        _("Stock documents"),
        "warehouse:document_list",
        permission="warehouse.view_stockdocument",
        group="warehouse",
    ),
    MenuItem(
        "reconciliation",
        _("Book, card and goods"),
        "warehouse:reconciliation",
        permission="warehouse.view_stockmove",
        group="warehouse",
    ),
    MenuItem(
        "stocktakes",
        _("Stocktakes"),
        "warehouse:stocktake_list",
        permission="warehouse.view_stocktake",
        group="warehouse",
    ),
    MenuItem(
        "stock_levels",
        _("Stock levels"),
        "warehouse:levels_under_min",
        permission="warehouse.view_stockrule",
        group="warehouse",
    ),
    MenuItem(
        "stock_rules",
        _("Stock level rules"),
        "warehouse:stockrule_list",
        permission="warehouse.change_stockrule",
        group="warehouse",
    ),
    MenuItem(
        "sample_loans",
        _("Samples out"),
        "warehouse:sample_list",
        permission="warehouse.view_sampleloan",
        group="warehouse",
    ),
    MenuItem(
        "received_samples",
        _("Samples received"),
        "warehouse:received_list",
        permission="warehouse.view_receivedsample",
        group="warehouse",
    ),
    MenuItem(
        "warehouses",
        _("Warehouses"),
        "warehouse:warehouse_list",
        permission="warehouse.add_warehouse",
        group="warehouse",
    ),
    # F2–F4: invoices, receivables and collection, ledgers
    MenuItem(
        "invoices", _("Invoices"), "billing:invoice_list", permission="billing.view_invoice", group="finance"
    ),
    MenuItem(
        "payments", _("Payments"), "billing:payment_list", permission="billing.view_payment", group="finance"
    ),
    MenuItem("aging", _("Aging"), "billing:aging", permission="billing.view_receivables", group="finance"),
    MenuItem(
        "collections",
        _("Monthly collections"),
        "billing:collections",
        permission="billing.view_receivables",
        group="finance",
    ),
    MenuItem(
        "collection_tasks",
        _("Collection tasks"),
        "billing:collection_tasks",
        permission="billing.view_collectiontask",
        group="finance",
    ),
    MenuItem(
        "trial_balance",
        _("Trial balance"),
        "ledger:trial_balance",
        permission="ledger.view_journalentry",
        group="finance",
    ),
    MenuItem(
        "journal", _("Journal"), "ledger:journal", permission="ledger.view_journalentry", group="finance"
    ),
    MenuItem(
        "customer_ledger",
        _("Customer ledger"),
        "ledger:customer_ledger",
        permission="ledger.view_journalentry",
        group="finance",
    ),
    MenuItem(
        "product_ledger",
        _("Product ledger"),
        "ledger:product_ledger",
        permission="ledger.view_journalentry",
        group="finance",
    ),
    MenuItem(
        "periods", _("Closed periods"), "ledger:periods", permission="ledger.view_period", group="finance"
    ),
    MenuItem("audit", _("Audit trail"), "audit:list", permission="audit.view_audit_trail", group="audit"),
    MenuItem("signals", _("Audit signals"), "audit:signals", permission="audit.view_signal", group="audit"),
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
    """The menu entries the user may use: plain links, and groups ({"group", "label", "items"})
    shown as drop-downs; a group appears where its first item is and only if it has items."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": []}
    entries: list[dict] = []
    groups: dict[str, dict] = {}
    for item in MENU:
        if not _allowed(item, user):
            continue
        url = reverse(item.url_name)
        link = {"key": item.key, "label": item.label, "url": url, "active": _active(url, request.path)}
        if not item.group:
            entries.append(link)
            continue
        if item.group not in groups:
            groups[item.group] = {
                "group": item.group,
                "label": GROUPS[item.group],
                "items": [],
                "active": False,
            }
            entries.append(groups[item.group])
        groups[item.group]["items"].append(link)
        groups[item.group]["active"] |= link["active"]
    return {"menu": entries, "user_roles": role_labels(user), "user_initial": str(user)[:1].upper()}
