"""Reading a history file (stats.history, issue 7): its columns, what the rows refer to (read
once per file), and every row checked and resolved into a Line. Nothing is written here: the
customers, products and categories a file lacks are only planned (Lookups.new_*)."""

import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.models import Region, User
from salesdept.accounts.scope import visible
from salesdept.catalog.models import Category, Product
from salesdept.core.errors import ValidationFailed
from salesdept.core.imports import (
    CellError,
    Column,
    RowError,
    Table,
    choice_key,
    choice_map,
    parse_date,
    parse_decimal,
)
from salesdept.crm.models import Customer
from salesdept.crm.services import customers as crm_customers
from salesdept.crm.text import normalize_name

from .models import Kind, SalesFact, Source

__all__ = [
    "COLUMNS",
    "Checked",
    "Line",
    "Lookups",
    "NewCategory",
    "NewCustomer",
    "NewProduct",
    "check",
    "chunks",
]

CENT = Decimal("0.01")
HUNDRED = Decimal("100")
CHUNK = 1000
NEW_PRODUCT_PREFIX = "HIST-"  # codes of new products named only by their name: HIST-00001 …
NUMBER_LENGTH = SalesFact._meta.get_field("number").max_length
CODE_LENGTH = Product._meta.get_field("code").max_length
NAME_LENGTH = Product._meta.get_field("name").max_length
CATEGORY_NAME_LENGTH = Category._meta.get_field("name").max_length
CATEGORY_CODE_LENGTH = Category._meta.get_field("code").max_length
MAX_PRICE = Decimal(10) ** (Product._meta.get_field("list_price").max_digits - 2)
LINE_LENGTH = SalesFact._meta.get_field("line").max_length

COLUMNS = [
    Column("order", _("Order number"), ("订单号", "订单编号", "order id", "order no"), True, "SO-2024-0001"),
    Column("line", _("Line"), ("行号", "line no", "line number"), example="1"),
    Column("order_date", _("Order date"), ("订单日期", "下单日期"), True, "2024-03-15"),
    Column("ship_date", _("Ship date"), ("发货日期", "出库日期"), example="2024-03-18"),
    Column("ship_mode", _("Ship mode"), ("运输方式", "发货方式")),
    Column("customer_code", _("Customer code"), ("客户编号", "客户代码", "customer id", "customer number")),
    Column("customer_name", _("Customer name"), ("客户名称", "客户", "customer"), example="上海华强机械"),
    Column("segment", _("Segment"), ("客户类型", "细分", "客户细分")),
    Column("region", _("Region"), ("区域", "地区", "销售区域"), example="east-sh"),
    Column("city", _("City"), ("城市",)),
    Column("salesperson", _("Salesperson"), ("业务员", "销售员", "负责人", "username"), example="sales1"),
    Column("product_code", _("Product code"), ("产品编号", "产品代码", "product id", "sku"), example="P-101"),
    Column("product_name", _("Product name"), ("产品名称", "品名", "product"), example="液压泵"),
    Column("category", _("Product category"), ("产品类别", "类别", "category"), example="工具"),
    Column("quantity", _("Quantity"), ("数量", "qty"), True, "2"),
    Column("unit_price", _("Unit price"), ("单价", "price"), example="1200.00"),
    Column("amount", _("Line amount"), ("金额", "销售额", "amount", "sales")),
    Column("discount", _("Discount"), ("折扣",), example="10%"),
    Column("cost", _("Cost"), ("成本",), example="1500.00"),
    Column("margin", _("Margin"), ("毛利", "利润", "profit")),
]  # fmt: skip
# Columns of which a file needs one (the header) and a row one filled.
EITHER = (("customer_code", "customer_name"), ("product_code", "product_name"), ("unit_price", "amount"))


# --------------------------------------------------------------------------------------- lookups


@dataclass
class NewCustomer:
    name: str
    region: Region | None
    owner: User
    code: str  # the file's customer code, kept in the notes
    saved: Customer | None = None


@dataclass
class NewCategory:
    name: str
    saved: Category | None = None


@dataclass
class NewProduct:
    code: str
    name: str
    category: object  # Category or NewCategory
    list_price: Decimal
    saved: Product | None = None


def chunks(values, size=CHUNK):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


@dataclass
class Lookups:
    """Everything the rows refer to, read once per file."""

    by: User
    regions: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)  # username / display name → User
    users_by_pk: dict = field(default_factory=dict)
    owners: set = field(default_factory=set)  # pks of those a new customer may belong to
    customers_by_code: dict = field(default_factory=dict)
    customers_by_name: dict = field(default_factory=dict)  # normalised name → [Customer]
    products_by_code: dict = field(default_factory=dict)  # lower-case code → Product
    products_by_name: dict = field(default_factory=dict)  # lower-case name → [Product]
    categories: dict = field(default_factory=dict)
    category_codes: set = field(default_factory=set)  # lower case
    new_customers: dict = field(default_factory=dict)  # normalised name → NewCustomer
    new_products: dict = field(default_factory=dict)  # ("code" | "name", lower case) → NewProduct
    new_categories: dict = field(default_factory=dict)  # choice key → NewCategory
    crm: object = None  # crm's customer Lookups: the new customers are checked by customer_build

    @classmethod
    def load(cls, *, by, records) -> "Lookups":
        lk = cls(by=by)
        lk.regions = choice_map((r, (r.code, r.name, r.name_en)) for r in Region.objects.all())
        users = list(User.objects.only("pk", "username", "display_name", "team_id", "region_id"))
        lk.users_by_pk = {u.pk: u for u in users}
        lk.users = {u.username.lower(): u for u in users}
        for u in users:
            if u.display_name:
                lk.users.setdefault(choice_key(u.display_name), u)
        lk.crm = crm_customers.Lookups(by)
        lk.owners = {u.pk for u in lk.crm.owners()}
        categories = list(Category.objects.all())
        lk.categories = choice_map((c, (c.code, c.name, c.name_en)) for c in categories)
        lk.category_codes = {c.code.lower() for c in categories}
        codes = {v["customer_code"].strip() for _n, v in records if v["customer_code"].strip()}
        names = {normalize_name(v["customer_name"]) for _n, v in records if v["customer_name"].strip()}
        lk._load_customers(codes, names - {""})
        product_codes = {v["product_code"].strip().lower() for _n, v in records if v["product_code"].strip()}
        product_names = {
            v["product_name"].strip().lower()
            for _n, v in records
            if v["product_name"].strip() and not v["product_code"].strip()
        }
        fields = ("pk", "code", "name", "category_id", "list_price")
        for chunk in chunks(product_codes):
            for p in (
                Product.objects.annotate(lower_code=Lower("code")).filter(lower_code__in=chunk).only(*fields)
            ):
                lk.products_by_code[p.code.lower()] = p
        for chunk in chunks(product_names):
            for p in (
                Product.objects.annotate(lower_name=Lower("name")).filter(lower_name__in=chunk).only(*fields)
            ):
                lk.products_by_name.setdefault(p.name.lower(), []).append(p)
        return lk

    def _load_customers(self, codes: set, names: set) -> None:
        customers = visible(Customer.objects, self.by).only(
            "pk", "code", "name_normalized", "region_id", "owner_id", "merged_into_id"
        )
        merged = {}
        for chunk in chunks(codes):
            for c in customers.filter(code__in=chunk):
                self.customers_by_code[c.code] = c
                if c.merged_into_id:
                    merged[c.code] = c.merged_into_id
        if merged:  # a merged customer's sales belong to the one it was merged into
            kept = Customer.objects.only("pk", "region_id", "owner_id").in_bulk(set(merged.values()))
            for code, pk in merged.items():
                self.customers_by_code[code] = kept[pk]
        for chunk in chunks(names):
            for c in customers.filter(name_normalized__in=chunk, is_active=True, merged_into=None):
                self.customers_by_name.setdefault(c.name_normalized, []).append(c)


# --------------------------------------------------------------------------------------- checking


@dataclass
class Line:
    """One good row, resolved: what its facts will say."""

    row: int
    order: str
    line: str
    order_date: object
    ship_date: object
    customer: object  # Customer or NewCustomer
    region: Region | None
    salesperson: User
    product: object  # Product or NewProduct
    category: object  # Category, NewCategory or None (the product's)
    quantity: Decimal
    amount: Decimal
    cost: Decimal


def _label(key: str) -> str:
    return next(str(c.label) for c in COLUMNS if c.key == key)


def _signed(text: str, **limits) -> Decimal | None:
    """parse_decimal for a value that may be negative (a margin: a line sold at a loss)."""
    cleaned = unicodedata.normalize("NFKC", text or "").strip().replace("−", "-")
    if cleaned.startswith("-"):
        value = parse_decimal(cleaned[1:], **limits)
        return None if value is None else -value
    return parse_decimal(cleaned, **limits)


def _discount(text: str) -> Decimal:
    """0.2, 20 and 20% are all 20 % (as a fraction, 0.2); a number of 1 or more is a percentage."""
    cleaned = unicodedata.normalize("NFKC", text or "").strip()
    percent = cleaned.endswith("%")
    value = parse_decimal(cleaned.rstrip("%"), max_digits=8, places=4)
    if value is None:
        return Decimal(0)
    if percent or value >= 1:
        value = value / HUNDRED
    if value > 1:
        raise CellError(_("A discount is at most 100%."))
    return value


def _numbers(values: dict, problems: list) -> tuple | None:
    """(quantity, amount, cost, unit price) of a row, or None with its problems."""
    parsed = {}
    for key, limits in (
        ("quantity", {"max_digits": 16, "places": 3}),
        ("unit_price", {"max_digits": 16, "places": 4}),
        ("amount", {"max_digits": 16, "places": 2}),
        ("cost", {"max_digits": 16, "places": 2}),
    ):
        try:
            parsed[key] = parse_decimal(values[key], **limits)
        except CellError as exc:
            problems.append((key, exc.message))
    try:
        parsed["margin"] = _signed(values["margin"], max_digits=16, places=2)
    except CellError as exc:
        problems.append(("margin", exc.message))
    try:
        discount = _discount(values["discount"])
    except CellError as exc:
        problems.append(("discount", exc.message))
        discount = Decimal(0)
    quantity = parsed.get("quantity")
    if "quantity" in parsed and quantity is None:
        problems.append(("quantity", _("This field is required.")))
    elif quantity is not None and quantity <= 0:
        problems.append(("quantity", _("The quantity must be more than 0.")))
    if problems:
        return None
    amount = parsed["amount"]
    if amount is None:
        amount = (parsed["unit_price"] * quantity * (1 - discount)).quantize(CENT, ROUND_HALF_UP)
    cost, margin = parsed["cost"], parsed["margin"]
    if margin is not None:
        from_margin = amount - margin
        if from_margin < 0:
            problems.append(("margin", _("The margin is larger than the line amount.")))
        elif cost is not None and cost != from_margin:
            problems.append(("margin", _("The cost and the margin do not add up to the line amount.")))
        cost = from_margin
    if problems:
        return None
    price = parsed["unit_price"]
    if price is None:  # a new product's list price: the line's own
        price = amount / quantity
    return quantity, amount, cost if cost is not None else Decimal(0), price


def _either(values: dict, keys: tuple, titles: dict, problems: list) -> None:
    if not values[keys[0]].strip() and not values[keys[1]].strip():
        key = keys[0] if keys[0] in titles or keys[1] not in titles else keys[1]
        message = _("Fill in %(first)s or %(second)s.") % {
            "first": _label(keys[0]),
            "second": _label(keys[1]),
        }
        problems.append((key, message))


def _customer(values: dict, region, salesperson, lk: Lookups, problems: list):
    """The row's customer: found by code, else by normalised name, else a NewCustomer (one per
    name in the file), checked by crm's customer_build."""
    code, name = values["customer_code"].strip(), values["customer_name"].strip()
    key = "customer_code" if code else "customer_name"
    if code and code in lk.customers_by_code:
        return lk.customers_by_code[code]
    if not name:
        if code:
            problems.append(
                ("customer_code", _("No customer has this code. Give the customer's name to create one."))
            )
        return None
    normalized = normalize_name(name)
    found = lk.customers_by_name.get(normalized, [])
    if len(found) > 1:
        problems.append((key, _("Several customers have this name; use the customer code.")))
        return None
    if found:
        return found[0]
    new = lk.new_customers.get(normalized)
    if new is not None:
        return new
    if not lk.by.has_perm("crm.add_customer"):
        problems.append((key, _("No customer has this code or name, and you may not create customers.")))
        return None
    owner = salesperson if salesperson is not None and salesperson.pk in lk.owners else lk.by
    if region is None:
        region = lk.crm.region((salesperson or lk.by).region_id) if (salesperson or lk.by).region_id else None
    if region is None:
        problems.append(("region", _("The customer is new: give its region.")))
        return None
    try:
        crm_customers.customer_build(
            by=lk.by, data={"name": name, "region": region, "owner": owner}, lookups=lk.crm
        )
    except ValidationFailed as exc:
        columns = {"name": "customer_name", "region": "region", "owner": "salesperson"}
        problems.extend(
            (columns.get(f, "customer_name"), m) for f, m in (exc.fields or {"": exc.message}).items()
        )
        return None
    new = lk.new_customers[normalized] = NewCustomer(name=name, region=region, owner=owner, code=code)
    return new


def _category(values: dict, lk: Lookups, problems: list):
    text = values["category"].strip()
    if not text:
        return None
    found = lk.categories.get(choice_key(text))
    if found is not None:
        return found
    key = choice_key(text)
    if key in lk.new_categories:
        return lk.new_categories[key]
    if len(text) > CATEGORY_NAME_LENGTH:
        problems.append(
            (
                "category",
                _("Ensure this value has at most %(max)s characters.") % {"max": CATEGORY_NAME_LENGTH},
            )
        )
        return None
    new = lk.new_categories[key] = NewCategory(name=text)
    return new


def _product(values: dict, category, unit_price: Decimal, lk: Lookups, problems: list):
    code, name = values["product_code"].strip(), values["product_name"].strip()
    column = "product_code" if code else "product_name"
    if code:
        found = lk.products_by_code.get(code.lower())
        key = ("code", code.lower())
    else:
        matches = lk.products_by_name.get(name.lower(), [])
        if len(matches) > 1:
            problems.append((column, _("Several products have this name; use the product code.")))
            return None
        found = matches[0] if matches else None
        key = ("name", name.lower())
    if found is not None:
        return found
    if key in lk.new_products:
        return lk.new_products[key]
    if category is None:
        problems.append(("category", _("The product is new: give its category.")))
        return None
    for key_, text, limit in (("product_code", code, CODE_LENGTH), ("product_name", name, NAME_LENGTH)):
        if len(text) > limit:
            problems.append((key_, _("Ensure this value has at most %(max)s characters.") % {"max": limit}))
            return None
    price = unit_price.quantize(CENT, ROUND_HALF_UP)
    if price >= MAX_PRICE:  # the list price column's digits (as catalog's product_create checks)
        problems.append(
            ("unit_price" if values["unit_price"].strip() else "amount", _("This number is too large."))
        )
        return None
    new = lk.new_products[key] = NewProduct(code=code, name=name or code, category=category, list_price=price)
    return new


def _line(number: int, values: dict, line: str, lk: Lookups, titles: dict, problems: list) -> Line | None:
    """The row resolved (dates, numbers, people, customer, product), or None with problems."""
    for keys in EITHER:
        _either(values, keys, titles, problems)
    dates = {}
    for key in ("order_date", "ship_date"):
        try:
            dates[key] = parse_date(values[key])
        except CellError as exc:
            problems.append((key, exc.message))
    if "order_date" in dates and dates["order_date"] is None:
        problems.append(("order_date", _("This field is required.")))
    if dates.get("order_date") and dates.get("ship_date") and dates["ship_date"] < dates["order_date"]:
        problems.append(("ship_date", _("The ship date is before the order date.")))
    numbers = _numbers(values, problems)
    region = None
    if text := values["region"].strip():
        region = lk.regions.get(choice_key(text))
        if region is None:
            problems.append(("region", _("Unknown region. Use the region's code or name.")))
    salesperson = None
    if text := values["salesperson"].strip():
        salesperson = lk.users.get(text.lower()) or lk.users.get(choice_key(text))
        if salesperson is None:
            problems.append(("salesperson", _("No user has this username or display name.")))
    if problems:
        return None
    quantity, amount, cost, unit_price = numbers
    customer = _customer(values, region, salesperson, lk, problems)
    before = len(problems)
    category = _category(values, lk, problems)
    # the product even when the customer failed (a later row naming it must not read as new),
    # not when its category did (that would be reported twice)
    product = _product(values, category, unit_price, lk, problems) if len(problems) == before else None
    if problems:
        return None
    if isinstance(customer, NewCustomer):
        region = region or customer.region
        salesperson = salesperson or customer.owner
    else:
        region = region or (lk.crm.region(customer.region_id) if customer.region_id else None)
        salesperson = salesperson or lk.users_by_pk.get(customer.owner_id) or lk.by
    return Line(
        row=number,
        order=values["order"].strip(),
        line=line,
        order_date=dates["order_date"],
        ship_date=dates["ship_date"],
        customer=customer,
        region=region,
        salesperson=salesperson,
        product=product,
        category=category,
        quantity=quantity,
        amount=amount,
        cost=cost,
    )


def _header_errors(table: Table, titles: dict) -> list[RowError]:
    errors = []
    for first, second in EITHER:
        if first not in titles and second not in titles:
            message = _("Give the column %(first)s or %(second)s.") % {
                "first": _label(first),
                "second": _label(second),
            }
            errors.append(RowError(table.header_row, _label(first), message))
    return errors


def _existing_lines(orders: set) -> set:
    """(order number, line) of the history lines already imported among `orders`."""
    found = set()
    for chunk in chunks(orders):
        found.update(
            SalesFact.objects.filter(source=Source.HISTORY, kind=Kind.ORDERED, number__in=chunk).values_list(
                "number", "line"
            )
        )
    return found


@dataclass
class Checked:
    lines: list[Line]
    errors: list[RowError]
    total: int
    already_imported: int
    lookups: Lookups | None = None


def check(*, by, table: Table) -> Checked:
    """Every row checked and resolved; nothing is written (new customers, products and
    categories are only planned: Lookups.new_*)."""
    records, errors = table.records(COLUMNS)
    titles = table.titles(COLUMNS)
    errors.extend(_header_errors(table, titles))
    if errors:  # a missing or unknown column: no row can be read reliably
        return Checked(lines=[], errors=errors, total=len(records), already_imported=0)
    position: dict = defaultdict(int)
    keyed = []
    for number, values in records:
        order = values["order"].strip()
        position[order] += 1
        keyed.append((number, values, order, values["line"].strip() or str(position[order])))
    existing = _existing_lines({order for _n, _v, order, _l in keyed if order})
    fresh = [(n, v, o, line) for n, v, o, line in keyed if (o, line) not in existing]
    lk = Lookups.load(by=by, records=[(n, v) for n, v, _o, _l in fresh])
    lines, first, order_dates = [], {}, {}
    for number, values, order, line in fresh:
        problems: list = []
        if not order:
            problems.append(("order", _("This field is required.")))
        elif len(order) > NUMBER_LENGTH:
            problems.append(
                ("order", _("Ensure this value has at most %(max)s characters.") % {"max": NUMBER_LENGTH})
            )
        if len(line) > LINE_LENGTH:
            problems.append(
                ("line", _("Ensure this value has at most %(max)s characters.") % {"max": LINE_LENGTH})
            )
        elif order and (order, line) in first:
            column = "line" if "line" in titles else "order"
            problems.append(
                (column, _("Same order number and line as row %(row)s.") % {"row": first[(order, line)]})
            )
        else:
            first.setdefault((order, line), number)
        built = _line(number, values, line, lk, titles, problems)
        if built is not None and order:  # an order has one date: its order count falls in one month
            first_date, first_row = order_dates.setdefault(order, (built.order_date, number))
            if built.order_date != first_date:
                message = _("Row %(row)s gives this order another order date.") % {"row": first_row}
                problems.append(("order_date", message))
        errors.extend(RowError(number, titles.get(k) or _label(k), m) for k, m in problems)
        if built is not None and not problems:
            lines.append(built)
    errors.sort(key=lambda e: e.row)
    return Checked(
        lines=lines, errors=errors, total=len(records), already_imported=len(keyed) - len(fresh), lookups=lk
    )
