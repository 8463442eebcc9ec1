"""History import (issue 7, 历史销售导入): a department adopting salesdept brings its past sales as a
CSV or XLSX of order lines; each line becomes posted historical facts, so every statistic counts
it.

Guarantees:
- every row is checked first, and every bad row is reported with its row number, the file's own
  column title and the reason; nothing is written unless every row is good (no --only-valid:
  half a history would make every report wrong); a dry run checks only;
- a line already imported (the same order number and line, source "history") is skipped and
  counted as "already imported" (and not checked again), so importing the same file twice adds
  nothing; the unique constraint fact_history_line_once backs this;
- customers are matched by customer number, then by exact normalised name; products by code
  (case-insensitive), then by exact name; categories by code or name. What is not found is
  created once: customers through crm's customer_create (which checks crm.add_customer: a file
  needing a new customer its importer may not create reports it as a row error), products and
  categories by the import itself (see _create_master_data);
- facts are written through stats.services.record_facts in one call, with the monthly totals;
  an order that an earlier file already counted is not counted again (see _counted_orders).

Columns (English or Chinese titles; * required; see COLUMNS for every alias):
order number* 订单号 · line 行号 (default: the row's position among its order's rows in the file) ·
order date* 订单日期 · ship date 发货日期 (given: the line was shipped and invoiced that day) ·
ship mode 运输方式, segment 客户类型/细分, city 城市 (accepted, ignored) · customer code 客户编号
and/or customer name 客户名称 · region 区域 (an existing region's code or name; blank: the
customer's) · salesperson 业务员 (username or display name of any user, active or not; blank: the
customer's owner, for a new customer the importer) · product code 产品编号 and/or product name
产品名称 · product category 产品类别 (code or name; created if unknown; blank: the product's) ·
quantity* 数量 (> 0) · unit price 单价 and/or line amount 金额 (the amount wins; else unit price ×
quantity × (1 − discount)) · discount 折扣 (0.2, 20 and 20% all mean 20 %; 1 or more is a
percentage) · cost 成本 (the line's total cost) or margin 毛利 (cost = amount − margin); neither:
cost 0.

The facts of a line: ORDERED on the order date (quantity, amount, cost); with a ship date also
SHIPPED and INVOICED on that date (quantity and amount, no cost). Their dimensions are the
line's region, salesperson (and that user's team today), customer, product, category, and no
channel (""): a history file does not say how the goods were sold, and "direct" would put a
dealer's sales in the wrong column."""

import re
import unicodedata
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from salesdept.catalog.models import Category, Product
from salesdept.catalog.services.products import DEFAULT_UOM
from salesdept.core.imports import ImportResult, Table, build_template
from salesdept.core.permissions import require
from salesdept.crm.services import customers as crm_customers

from .history_rows import (
    CATEGORY_CODE_LENGTH,
    COLUMNS,
    NEW_PRODUCT_PREFIX,
    Line,
    Lookups,
    NewCategory,
    NewCustomer,
    NewProduct,
    check,
    chunks,
)
from .models import DIMENSION_COLUMNS, Kind, SalesFact, Source
from .services import record_facts

__all__ = ["COLUMNS", "HistoryImportResult", "history_template", "import_history"]

PERMISSION = "stats.import_history"


@dataclass
class HistoryImportResult(ImportResult):
    """ImportResult of the history import: `created` counts the lines imported. In a dry run
    the new_* counts say what would be created."""

    already_imported: int = 0
    new_customers: int = 0
    new_products: int = 0
    new_categories: int = 0

    def as_dict(self) -> dict:
        return {
            **super().as_dict(),
            "already_imported": self.already_imported,
            "new_customers": self.new_customers,
            "new_products": self.new_products,
            "new_categories": self.new_categories,
        }


def history_template(fmt: str = "csv") -> bytes:
    """The downloadable template (CSV or XLSX): the columns' titles and one example row."""
    return build_template(COLUMNS, fmt)


# --------------------------------------------------------------------------------------- writing


def _category_code(name: str, taken: set) -> str:
    """A new category's code: its name in capitals and hyphens (CAT for a name without Latin
    letters or digits), numbered -2, -3 … where taken; at most 20 characters."""
    base = re.sub(r"[^A-Za-z0-9]+", "-", unicodedata.normalize("NFKC", name)).strip("-").upper()
    base = base[: CATEGORY_CODE_LENGTH - 4] or "CAT"
    code, n = base, 1
    while code.lower() in taken:
        n += 1
        code = f"{base[: CATEGORY_CODE_LENGTH - 1 - len(str(n))]}-{n}"
    taken.add(code.lower())
    return code


def _product_codes(count: int, taken: set) -> list[str]:
    """`count` free codes HIST-00001 … for new products the file names only by name."""
    taken = taken | {
        c.lower()
        for c in Product.objects.filter(code__istartswith=NEW_PRODUCT_PREFIX).values_list("code", flat=True)
    }
    codes, n = [], 0
    while len(codes) < count:
        n += 1
        code = f"{NEW_PRODUCT_PREFIX}{n:05d}"
        if code.lower() not in taken:
            codes.append(code)
    return codes


def _create_master_data(lk: Lookups) -> None:
    """The customers, products and categories the file needs and the database lacks, each
    created once. Customers through crm's customer_create (numbering, normalised keys,
    completeness; it checks crm.add_customer). Categories and products by the import itself,
    under stats.import_history: catalog's category_create and product_create would ask for the
    catalog's master-data permissions, which the director (who imports the history) does not
    hold; what they check for these fields (lengths, unique code, price digits) was checked
    with the rows, and save() records them in the audit trail as they do."""
    for new in lk.new_categories.values():
        code = _category_code(new.name, lk.category_codes)
        new.saved = Category.objects.create(code=code, name=new.name)
    unnamed = [p for p in lk.new_products.values() if not p.code]
    taken = {p.code.lower() for p in lk.new_products.values() if p.code}
    for new, code in zip(unnamed, _product_codes(len(unnamed), taken), strict=True):
        new.code = code
    for new in lk.new_products.values():
        category = new.category.saved if isinstance(new.category, NewCategory) else new.category
        new.saved = Product.objects.create(
            code=new.code,
            name=new.name,
            kind=Product.Kind.GOODS,
            category=category,
            uom=DEFAULT_UOM[Product.Kind.GOODS],
            list_price=new.list_price,
        )
    people = crm_customers.Lookups(lk.by)  # the owners read once, not once per new customer
    for new in lk.new_customers.values():
        data = {"name": new.name, "region": new.region, "owner": new.owner}
        if new.code:
            data["notes"] = str(
                _("Customer code in the imported sales history: %(code)s") % {"code": new.code}
            )
        new.saved = crm_customers.customer_create(by=lk.by, data=data, allow_duplicate=True, lookups=people)


def _saved(obj):
    return obj.saved if isinstance(obj, NewCustomer | NewProduct | NewCategory) else obj


def _facts(lines: list[Line]) -> list[SalesFact]:
    facts = []
    for line in lines:
        customer, product = _saved(line.customer), _saved(line.product)
        category_id = _saved(line.category).pk if line.category is not None else product.category_id
        common = {
            "source": Source.HISTORY,
            "number": line.order,
            "line": line.line,
            "region_id": line.region.pk if line.region is not None else None,
            "salesperson_id": line.salesperson.pk,
            "team_id": line.salesperson.team_id,
            "customer_id": customer.pk,
            "product_id": product.pk,
            "category_id": category_id,
            "channel": "",
            "quantity": line.quantity,
            "amount": line.amount,
        }
        facts.append(SalesFact(kind=Kind.ORDERED, day=line.order_date, cost=line.cost, **common))
        if line.ship_date is not None:
            facts.append(SalesFact(kind=Kind.SHIPPED, day=line.ship_date, **common))
            facts.append(SalesFact(kind=Kind.INVOICED, day=line.ship_date, **common))
    return facts


def _counted_orders(facts: list[SalesFact]) -> set:
    """The monthly-total cells that already count an order these facts add lines to: an order
    counts once per cell (stats.services.totals_of), and an earlier file may have counted it."""
    counted = set()
    columns = list(DIMENSION_COLUMNS.items())
    numbers = {f.number for f in facts if f.kind == Kind.ORDERED}
    for chunk in chunks(numbers):
        rows = SalesFact.objects.filter(
            source=Source.HISTORY, kind=Kind.ORDERED, amount__gt=0, number__in=chunk
        ).values_list("number", "day", *(column for _d, column in columns))
        for number, day, *keys in rows:
            month = day.replace(day=1)
            for (dimension, _column), key in zip(columns, keys, strict=True):
                counted.add(
                    (dimension.value, month, "" if key is None else str(key), Source.HISTORY.value, number)
                )
    return counted


@transaction.atomic
def import_history(*, by, table: Table, dry_run: bool = False) -> HistoryImportResult:
    """Record the order lines of `table` as posted historical sales (see the module's
    guarantees): all rows or none, lines already imported skipped, missing customers, products
    and categories created once. Needs stats.import_history (PermissionDenied otherwise)."""
    require(by, PERMISSION)
    checked = check(by=by, table=table)
    lk = checked.lookups
    result = HistoryImportResult(
        errors=checked.errors,
        skipped=len({e.row for e in checked.errors}),
        dry_run=dry_run,
        total=checked.total,
        already_imported=checked.already_imported,
    )
    if lk is not None and not checked.errors:
        result.new_customers = len(lk.new_customers)
        result.new_products = len(lk.new_products)
        result.new_categories = len(lk.new_categories)
    if checked.errors or dry_run or not checked.lines:
        return result
    _create_master_data(lk)
    facts = _facts(checked.lines)
    record_facts(facts, counted=_counted_orders(facts))
    result.created = len(checked.lines)
    return result
