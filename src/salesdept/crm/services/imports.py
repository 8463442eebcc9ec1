"""Bulk import of customers, contacts and leads from CSV or XLSX (X5).

Guarantees, for every kind:
- every row is checked first, by the same build functions the create forms use
  (customer_build, contact_build, lead_build), and every bad row is reported with its row
  number, column and reason;
- nothing is written unless every row is good, or the caller asked for only_valid=True; a dry
  run writes nothing;
- an import only ever creates records: a row that duplicates an existing customer (anyone's —
  the reason does not say whose) or another row of the file is an error, never an update;
- the import runs as `by`: their permissions and their scope apply (a salesperson imports for
  themself and attaches contacts only to customers they can see);
- one transaction: rows are written with bulk_create in batches, numbers are taken as one block
  of the yearly sequence, and the audit trail gets one "created" entry per record.
"""

import json
from contextlib import contextmanager
from dataclasses import dataclass, field

from auditlog.cid import get_cid
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connections, router, transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.models import Region
from salesdept.accounts.scope import visible
from salesdept.core.errors import ValidationFailed
from salesdept.core.imports import (
    CellError,
    Column,
    ImportResult,
    RowError,
    Table,
    choice_key,
    choice_map,
    insert_rows,
    insert_values,
    parse_bool,
    parse_date,
    parse_decimal,
    take_ids,
)
from salesdept.core.models import Sequence
from salesdept.core.numbering import format_number
from salesdept.core.permissions import require

from ..models import Contact, Customer, Lead, LeadStage, LeadStageChange, Source, Tier

BATCH = 1000
CREATE = LogEntry.Action.CREATE
CUSTOMER_PREFIX = "CUS"
LEAD_PREFIX = "LD"
KINDS = ("customers", "contacts", "leads")
PERMISSIONS = {"customers": "crm.import_customer", "contacts": "crm.import_customer", "leads": "crm.add_lead"}

# Column titles a file may use besides the template's own (English and Chinese labels are
# accepted automatically). Examples fill the template's sample row.
CUSTOMER_COLUMNS = [
    Column(
        "name",
        _("Name"),
        ("客户名称", "名称", "公司名称", "customer name", "customer"),
        True,
        "上海华强机械有限公司",
    ),
    Column(
        "name_en", _("English name"), ("英文名称", "英文名"), example="Shanghai Huaqiang Machinery Co., Ltd."
    ),
    Column("kind", _("Kind"), ("类型", "客户类型", "type"), example="company"),
    Column("tier", _("Tier"), ("等级", "客户等级", "级别", "grade"), example="A"),
    Column("region", _("Region"), ("区域", "地区", "所属区域"), example="east-sh"),
    Column("industry", _("Industry"), ("行业", "所属行业"), example="机械制造"),
    Column("source", _("Source"), ("来源", "客户来源"), example="exhibition"),
    Column("owner", _("Salesperson"), ("业务员", "销售员", "负责人", "所属业务员", "username"), example=""),
    Column("phone", _("Phone"), ("电话", "联系电话", "telephone"), example="021-5888 1234"),
    Column("email", _("Email"), ("邮箱", "电子邮件", "e-mail"), example="info@huaqiang.example"),
    Column("address", _("Address"), ("地址", "公司地址"), example="上海市浦东新区张江路 88 号"),
    Column("website", _("Website"), ("网站", "网址")),
    Column("tax_id", _("Tax ID"), ("税号", "纳税人识别号", "统一社会信用代码"), example="91310115MA1H000001"),
    Column("invoice_name", _("Invoice title"), ("开票名称", "发票抬头", "开票抬头")),
    Column("bank_name", _("Bank"), ("开户银行", "开户行")),
    Column("bank_account", _("Bank account"), ("银行账号", "开户账号")),
    Column("invoice_address", _("Invoicing address"), ("开票地址",)),
    Column("invoice_phone", _("Invoicing phone"), ("开票电话",)),
    Column("notes", _("Notes"), ("备注",)),
]
CONTACT_COLUMNS = [
    Column(
        "customer",
        _("Customer"),
        ("客户", "客户名称", "客户编号", "customer number"),
        True,
        "上海华强机械有限公司",
    ),
    Column("name", _("Name"), ("姓名", "联系人", "联系人姓名", "contact"), True, "陈志强"),
    Column("title", _("Position"), ("职务", "职位", "title"), example="采购经理"),
    Column("phone", _("Phone"), ("电话", "手机", "联系电话", "mobile"), example="138 0013 8000"),
    Column("email", _("Email"), ("邮箱", "电子邮件", "e-mail"), example="chen@huaqiang.example"),
    Column("is_primary", _("Primary contact"), ("primary", "主要联系人", "首要联系人"), example="yes"),
    Column("notes", _("Notes"), ("备注",)),
]
LEAD_COLUMNS = [
    Column(
        "name",
        _("Prospect"),
        ("name", "名称", "潜在客户", "客户名称", "公司名称"),
        True,
        "苏州恒泰电子有限公司",
    ),
    Column("contact_name", _("Contact person"), ("联系人", "contact"), example="王丽"),
    Column("phone", _("Phone"), ("电话", "手机", "联系电话"), example="0512-6666 8888"),
    Column("email", _("Email"), ("邮箱", "电子邮件", "e-mail")),
    Column("source", _("Source"), ("来源", "线索来源"), example="website"),
    Column("stage", _("Stage"), ("阶段", "stage code", "阶段代码"), example="new"),
    Column("expected_amount", _("Expected amount"), ("预计金额", "金额", "amount"), example="150000.00"),
    Column(
        "expected_on",
        _("Expected closing date"),
        ("预计成交日期", "预计日期", "expected date"),
        example="2026-12-31",
    ),
    Column("region", _("Region"), ("区域", "地区"), example="east-js"),
    Column("owner", _("Salesperson"), ("业务员", "销售员", "负责人", "username")),
    Column("notes", _("Notes"), ("备注",)),
]
COLUMNS = {"customers": CUSTOMER_COLUMNS, "contacts": CONTACT_COLUMNS, "leads": LEAD_COLUMNS}
# A build function's field names that differ from the column keys.
FIELD_TO_COLUMN = {
    "region_id": "region",
    "tier_id": "tier",
    "owner_id": "owner",
    "stage_id": "stage",
    "customer_id": "customer",
    "stage_code": "stage",
    "username": "owner",
}
TEXT_FIELDS = {
    "customers": (
        "name",
        "name_en",
        "industry",
        "phone",
        "email",
        "address",
        "website",
        "tax_id",
        "invoice_name",
        "bank_name",
        "bank_account",
        "invoice_address",
        "invoice_phone",
        "notes",
    ),
    "contacts": ("name", "title", "phone", "email", "notes"),
    "leads": ("name", "contact_name", "phone", "email", "notes"),
}


def _chunks(values, size=BATCH):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


@dataclass
class Lookups:
    """Everything the rows refer to, read once per file (not once per row). `build` is the
    build function's own lookups object (owners in scope, tiers, stages), shared by all rows."""

    build: object = None
    regions: dict = field(default_factory=dict)
    tiers: dict = field(default_factory=dict)
    stages: dict = field(default_factory=dict)
    sources: dict = field(default_factory=dict)
    kinds: dict = field(default_factory=dict)
    customers: dict = field(default_factory=dict)  # code or exact name → [visible customers]
    contacts: set = field(default_factory=set)  # (customer id, lower-case name) already on file

    @classmethod
    def load(cls, *, by, kind: str, records) -> "Lookups":
        from . import customers, leads

        lk = cls()
        lk.regions = choice_map((r, (r.code, r.name, r.name_en)) for r in Region.objects.all())
        lk.sources = choice_map((v, (v, label, *SOURCE_NAMES.get(v, ()))) for v, label in Source.choices)
        if kind == "customers":
            lk.build = customers.Lookups(by)
            lk.tiers = choice_map((t, (t.code, t.name, t.name_en)) for t in Tier.objects.all())
            lk.kinds = choice_map((v, (v, label, *KIND_NAMES[v])) for v, label in Customer.Kind.choices)
        elif kind == "leads":
            lk.build = leads.Lookups(by)
            lk.stages = choice_map(
                (s.code, (s.code, s.name, s.name_en)) for s in LeadStage.objects.filter(is_active=True)
            )
        else:
            refs = {v["customer"].strip() for _n, v in records if v["customer"].strip()}
            lk._load_customers(by=by, refs=refs)
        return lk

    def _load_customers(self, *, by, refs: set) -> None:
        # Only customers the importer can see: another's customer reads as unknown (X1).
        customers = visible(Customer.objects.active(), by).only("pk", "code", "name", "owner_id", "region_id")
        found: dict[int, Customer] = {}
        for chunk in _chunks(refs):
            found.update({c.pk: c for c in customers.filter(Q(code__in=chunk) | Q(name__in=chunk))})
        for c in found.values():
            self.customers.setdefault(c.code, []).append(c)
            if c.name != c.code:
                self.customers.setdefault(c.name, []).append(c)
        for chunk in _chunks(found):
            self.contacts.update(
                (cid, name.lower())
                for cid, name in Contact.objects.filter(customer_id__in=chunk, is_active=True).values_list(
                    "customer_id", "name"
                )
            )


# Chinese names a file may use for the choices (the catalogue's translations count as well).
KIND_NAMES = {"company": ("公司", "企业", "单位"), "person": ("个人", "自然人")}
SOURCE_NAMES = {
    "visit": ("来访", "上门", "来访接待"),
    "phone": ("电话", "来电"),
    "referral": ("介绍", "转介绍", "推荐"),
    "exhibition": ("展会", "展览会"),
    "website": ("网站", "官网"),
    "advertising": ("广告",),
    "dealer": ("经销商",),
    "other": ("其他", "其它"),
}


def _pick(mapping: dict, text: str, message, errors: list, key: str):
    """The choice `text` names; else (key, message) joins `errors` (`message` may be a function
    making it: it is needed only for a bad cell, and translating it costs as much as the row)."""
    if not text:
        return None
    value = mapping.get(choice_key(text))
    if value is None:
        errors.append((key, message() if callable(message) else message))
    return value


def _tier_message(lk: Lookups):
    codes = ", ".join(sorted({t.code for t in lk.tiers.values()}))
    return _("Unknown tier. Use one of: %(codes)s.") % {"codes": codes}


def parse_row(kind: str, values: dict, lk: Lookups, *, by) -> tuple[dict, list]:
    """The row's text as the build function's data (choices by code or by their English or
    Chinese name), or (column key, message) errors for cells that name nothing known."""
    errors: list = []
    data = {k: values[k] for k in TEXT_FIELDS[kind]}
    if kind == "contacts":
        ref = values["customer"].strip()
        matches = lk.customers.get(ref, [])
        if not ref:
            errors.append(("customer", _("This field is required.")))
        elif not matches:  # unknown and "someone else's" read the same: the file reveals nobody
            errors.append(("customer", _("No customer with this number or name is visible to you.")))
        elif len(matches) > 1:
            errors.append(("customer", _("Several customers have this name; use the customer number.")))
        else:
            data["customer"] = matches[0]
        try:
            data["is_primary"] = parse_bool(values["is_primary"])
        except CellError as exc:
            errors.append(("is_primary", exc.message))
        return data, errors
    data["source"] = _pick(lk.sources, values["source"], _("Unknown source."), errors, "source") or ""
    data["owner"] = values["owner"].strip()
    region_message = _("Unknown region. Use the region's code or name.")
    data["region"] = _pick(lk.regions, values["region"], region_message, errors, "region")
    if kind == "customers":
        data["kind"] = _pick(lk.kinds, values["kind"], _("Use company or person."), errors, "kind") or ""
        data["tier"] = _pick(lk.tiers, values["tier"], lambda: _tier_message(lk), errors, "tier")
        if data["region"] is None and not values["region"]:
            owner = lk.build.owner(data["owner"] or by)  # blank region: the salesperson's own
            data["region"] = owner.region if owner is not None else None
    else:
        data["stage"] = _pick(lk.stages, values["stage"], _("Unknown stage."), errors, "stage") or ""
        for key, parse in (("expected_amount", parse_decimal), ("expected_on", parse_date)):
            try:
                data[key] = parse(values[key])
            except CellError as exc:
                errors.append((key, exc.message))
    return data, errors


# --------------------------------------------------------------------------------------- duplicates


def _existing(model, attr: str, values: set, **flags) -> set:
    """The `values` of column `attr` present in rows of `model` whose boolean columns `flags`
    are true (`merged_into_id=None`: IS NULL). Plain SQL with large IN lists: the ORM prepares
    every value of an IN list one by one, a second per 200,000 values."""
    connection = connections[router.db_for_read(model)]
    quote = connection.ops.quote_name
    conditions = []
    for name, value in flags.items():
        if value is not None and value is not True:
            raise ValueError(f"{name}: only True or None")
        column = quote(model._meta.get_field(name).column)
        conditions.append(f"{column} IS NULL" if value is None else column)
    column = quote(model._meta.get_field(attr).column)
    table = quote(model._meta.db_table)
    found = set()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # one array parameter instead of thousands
            where = " AND ".join([*conditions, f"{column} = ANY(%s)"])
            cursor.execute(f"SELECT {column} FROM {table} WHERE {where}", [list(values)])
            return {row[0] for row in cursor.fetchall()}
        for chunk in _chunks(values, 5000):
            where = " AND ".join([*conditions, f"{column} IN ({', '.join(['%s'] * len(chunk))})"])
            cursor.execute(f"SELECT {column} FROM {table} WHERE {where}", chunk)
            found.update(row[0] for row in cursor.fetchall())
    return found


def _customer_duplicates(good: list, titles: dict) -> list[RowError]:
    """Rows that repeat an earlier row, or match an existing active customer of anyone by the
    keys of customers.customer_duplicates (normalised name, tax ID, phone — the customer's or a
    contact's). The reason says what matched, never whose customer it is."""
    keys = (
        ("name", "name_normalized", 1, _("A customer with this name already exists."),
         _("Same name as row %(row)s.")),
        ("tax_id", "tax_id", 1, _("A customer with this tax ID already exists."),
         _("Same tax ID as row %(row)s.")),
        ("phone", "phone_normalized", 6, _("A customer with this phone number already exists."),
         _("Same phone number as row %(row)s.")),
    )  # fmt: skip
    errors = []
    for column, attr, min_length, existing_message, repeat_message in keys:
        values = {v for _n, obj in good if len(v := getattr(obj, attr)) >= min_length}
        existing = _existing(Customer, attr, values, is_active=True, merged_into=None)
        if attr == "phone_normalized":
            existing |= _existing(Contact, attr, values, is_active=True)
        first: dict[str, int] = {}
        title = titles.get(column) or _label("customers", column)
        for number, obj in good:
            value = getattr(obj, attr)
            if len(value) < min_length:
                continue
            if value in existing:
                errors.append(RowError(number, title, existing_message))
            elif value in first:
                errors.append(RowError(number, title, repeat_message % {"row": first[value]}))
            else:
                first[value] = number
    return errors


def _contact_duplicates(good: list, lk: Lookups, titles: dict) -> list[RowError]:
    """A contact of the same name already on file for the customer, or twice in the file; a
    second primary contact for one customer."""
    errors = []
    first: dict = {}
    name_title = titles.get("name") or _label("contacts", "name")
    primary_title = titles.get("is_primary") or _label("contacts", "is_primary")
    ids = {o.customer_id for _n, o in good if o.is_primary}
    has_primary = _existing(Contact, "customer_id", ids, is_primary=True, is_active=True)
    primary: dict[int, int] = {}
    for number, obj in good:
        key = (obj.customer_id, obj.name.strip().lower())
        if key in lk.contacts:
            errors.append(
                RowError(number, name_title, _("This customer already has a contact of this name."))
            )
        elif key in first:
            errors.append(RowError(number, name_title, _("Same as row %(row)s.") % {"row": first[key]}))
        else:
            first[key] = number
        if not obj.is_primary:
            continue
        if obj.customer_id in has_primary:
            errors.append(RowError(number, primary_title, _("This customer already has a primary contact.")))
        elif obj.customer_id in primary:
            message = _("Row %(row)s is already the primary contact of this customer.")
            errors.append(RowError(number, primary_title, message % {"row": primary[obj.customer_id]}))
        else:
            primary[obj.customer_id] = number
    return errors


def _lead_duplicates(good: list, titles: dict) -> list[RowError]:
    """The same prospect with the same phone twice in the file."""
    errors = []
    first: dict = {}
    title = titles.get("name") or _label("leads", "name")
    for number, obj in good:
        key = (obj.name_normalized, obj.phone_normalized)
        if key in first:
            errors.append(RowError(number, title, _("Same as row %(row)s.") % {"row": first[key]}))
        else:
            first[key] = number
    return errors


def _duplicates(kind: str, good: list, lk: Lookups, titles: dict) -> list[RowError]:
    if kind == "customers":
        return _customer_duplicates(good, titles)
    if kind == "contacts":
        return _contact_duplicates(good, lk, titles)
    return _lead_duplicates(good, titles)


# --------------------------------------------------------------------------------------- running


@dataclass
class Checked:
    good: list  # [(row number, unsaved instance)]
    errors: list[RowError]
    total: int


def _label(kind: str, key: str) -> str:
    return next((str(c.label) for c in COLUMNS[kind] if c.key == key), key)


def _field_errors(kind: str, number: int, exc: ValidationFailed, titles: dict, skip=()) -> list[RowError]:
    """A build function's field errors as row errors, named by the file's own column titles
    (a column in `skip` was already reported for this row)."""
    out = []
    for name, message in (exc.fields or {"": exc.message}).items():
        key = FIELD_TO_COLUMN.get(name, name)
        if key in skip:
            continue
        out.append(RowError(number, titles.get(key) or _label(kind, key) or "—", message))
    return out


def _build(kind: str, *, by, data: dict, lk: Lookups):
    from . import customers, leads

    if kind == "customers":
        return customers.customer_build(by=by, data=data, lookups=lk.build)
    if kind == "contacts":
        customer = data.pop("customer", None)
        return customers.contact_build(by=by, customer=customer, data=data)
    return leads.lead_build(by=by, data=data, lookups=lk.build)


def check(*, by, table: Table, kind: str) -> Checked:
    """Every row through parse_row and the build function, then the duplicate rules; nothing
    is saved."""
    records, errors = table.records(COLUMNS[kind])
    if errors:  # a missing or unknown column: no row can be read reliably
        return Checked(good=[], errors=errors, total=len(records))
    titles = table.titles(COLUMNS[kind])
    lk = Lookups.load(by=by, kind=kind, records=records)
    good = []
    for number, values in records:
        data, problems = parse_row(kind, values, lk, by=by)
        errors.extend(RowError(number, titles.get(k) or _label(kind, k), m) for k, m in problems)
        # Build even a row with unreadable cells (left empty), so its other faults show too.
        reported = {k for k, _m in problems}
        for key in reported & data.keys():
            data[key] = None
        try:
            built = _build(kind, by=by, data=data, lk=lk)
        except ValidationFailed as exc:
            errors.extend(_field_errors(kind, number, exc, titles, skip=reported))
            continue
        if not problems:
            good.append((number, built))
    duplicate_errors = _duplicates(kind, good, lk, titles)
    if duplicate_errors:
        errors.extend(duplicate_errors)
        bad = {e.row for e in duplicate_errors}
        good = [(n, obj) for n, obj in good if n not in bad]
    errors.sort(key=lambda e: e.row)
    return Checked(good=good, errors=errors, total=len(records))


def take_numbers(prefix: str, count: int) -> list[str]:
    """`count` consecutive numbers of `prefix` for this year, as one block.

    Locks the sequence row exactly as core.numbering.next_number does (created without racing,
    then SELECT … FOR UPDATE), so concurrent single creations queue behind the import and the
    series stays gap-free; must run inside the transaction that saves the records."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("take_numbers() must run inside the transaction that saves the records.")
    if count <= 0:
        return []
    year = timezone.localdate().year
    Sequence.objects.bulk_create([Sequence(key=prefix, year=year)], ignore_conflicts=True)
    seq = Sequence.objects.select_for_update().get(key=prefix, year=year)
    first = seq.last + 1
    seq.last += count
    seq.save(update_fields=["last"])
    return [format_number(prefix, year, n) for n in range(first, first + count)]


AUDIT_COLUMNS = [
    *("content_type_id", "object_pk", "object_id", "object_repr", "action", "changes_text", "changes"),
    *("actor_id", "cid", "timestamp", "additional_data"),
]


def _audit(objects: list, *, by, kind: str, rows=None) -> None:
    """One "created" audit entry per record, as django-auditlog writes it ({field: ["None",
    value]}), inserted in bulk: bulk inserts send no signals, so django-auditlog would not see
    the rows otherwise. `rows`: the entries already made by _audit_row_maker."""
    if rows is None:
        rows = map(_audit_row_maker(type(objects[0]), by=by, kind=kind), objects)
    insert_values(LogEntry, AUDIT_COLUMNS, rows, batch_size=BATCH)


def _audit_row_maker(model, *, by, kind: str):
    """A function making the LogEntry row of _audit() for one saved record. Everything that may
    query the database (the content type) is read here, before: the rows are made while COPY
    sends them, and inside a COPY the connection can run no other statement.
    JSON goes in as text: what SQLite's adapter makes of it, and what COPY on PostgreSQL reads
    into a jsonb column (a Jsonb wrapper would encode each row once more)."""
    connection = connections[router.db_for_write(LogEntry)]
    content_type_id = ContentType.objects.get_for_model(model).pk
    timestamp = LogEntry._meta.get_field("timestamp").get_db_prep_save(timezone.now(), connection)
    encoder = LogEntry._meta.get_field("changes").encoder
    extra = json.dumps({"import": kind}, cls=encoder)
    cid = get_cid()
    actor_id = by.pk
    fields = [(f.name, f.attname) for f in model._meta.concrete_fields if not f.primary_key]
    # json.dumps({name: ["None", text]}) written directly, with json's own C string encoder:
    # the same text (a test compares them), without a dict and a list per field and row
    heads = [(json.dumps(name) + ': ["None", ', attname) for name, attname in fields]
    quote = json.encoder.encode_basestring_ascii

    def row(obj) -> tuple:
        values = obj.__dict__  # every concrete field is loaded on these new objects
        if encoder is None:
            changes = (
                "{"
                + ", ".join(
                    f"{head}{quote(value if type(value) is str else str(value))}]"
                    for head, attname in heads
                    if (value := values[attname]) is not None and value != "" and value is not False
                )
                + "}"
            )
        else:
            changes = json.dumps(_changes(values, fields), cls=encoder)
        return (content_type_id, str(obj.pk), obj.pk, str(obj)[:200], CREATE, "", changes, actor_id, cid,
                timestamp, extra)  # fmt: skip

    return row


def _changes(values: dict, fields) -> dict:
    """A new record's audit changes as django-auditlog records a creation."""
    return {
        name: ["None", value if type(value) is str else str(value)]
        for name, attname in fields
        if (value := values[attname]) is not None and value != "" and value is not False
    }


def _read_pks(model, objects: list) -> None:
    by_code = {o.code: o for o in objects}
    connection = connections[router.db_for_read(model)]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT id, code FROM {quote(model._meta.db_table)} WHERE code = ANY(%s)", [list(by_code)]
            )
            for pk, code in cursor.fetchall():
                by_code[code].pk = pk
            return
        for chunk in _chunks(by_code, 5000):  # plain SQL, as in _existing()
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT id, code FROM {quote(model._meta.db_table)} WHERE code IN ({marks})", chunk
            )
            for pk, code in cursor.fetchall():
                by_code[code].pk = pk


def _save(kind: str, objects: list, *, by) -> None:
    from .customers import customers_recompute_completeness

    if kind == "contacts":
        # As contact_create does: a customer's first contact is its primary one.
        with_contacts = _existing(Contact, "customer_id", {o.customer_id for o in objects}, is_active=True)
        primary = {o.customer_id for o in objects if o.is_primary}
        for obj in objects:
            if obj.customer_id not in with_contacts:
                with_contacts.add(obj.customer_id)
                if obj.customer_id not in primary:
                    obj.is_primary = True
        Contact.objects.bulk_create(objects, batch_size=BATCH)
        for chunk in _chunks(sorted({o.customer_id for o in objects})):
            customers_recompute_completeness(customer_ids=chunk)
        return
    model, prefix = (Customer, CUSTOMER_PREFIX) if kind == "customers" else (Lead, LEAD_PREFIX)
    now = timezone.now()
    for obj, code in zip(objects, take_numbers(prefix, len(objects)), strict=True):
        obj.code = code
        obj.created_by = by
        if kind == "leads":
            obj.created_at = obj.stage_changed_at = now
    insert_rows(model, objects, batch_size=BATCH)
    _read_pks(model, objects)
    if kind == "leads":  # the stage history starts with the creation (conversion rates count it)
        changes = [LeadStageChange(lead_id=o.pk, to_stage_id=o.stage_id, by=by, at=now) for o in objects]
        insert_rows(LeadStageChange, changes, batch_size=BATCH)


@contextmanager
def _large_cache():
    """Room for a bulk write on SQLite: a 64 MB page cache while the rows are written (with the
    default 2 MB each of the customer table's indexes is read and written back page by page, a
    third of the write time of 50,000 rows); the connection's own setting comes back afterwards.
    (PostgreSQL needs nothing: a bigger GIN pending list for the trigram indexes only moved the
    work to the next writer or vacuum, measured 2026-11-30.)"""
    connection = connections[router.db_for_write(Customer)]
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute("PRAGMA cache_size = -65536")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


@contextmanager
def _no_queries(connection):
    """Refuse any query: inside a COPY the connection would wait for it forever."""

    def refuse(execute, sql, params, many, context):
        raise RuntimeError("An import row may not query the database while its rows are sent.")

    with connection.execute_wrapper(refuse):
        yield


def _write_clean_customers(*, by, table: Table) -> ImportResult | None:
    """The whole import of a file whose every row is good, in one pass: each row is checked
    and built (with its audit entry) while the rows before it are being written (COPY on
    PostgreSQL), so the database stores while Python checks instead of one waiting for the
    other. Duplicates of another row of the file are caught as the rows go by; duplicates of
    existing customers by one query over the written rows afterwards. The first bad row of any
    kind undoes what was written (a savepoint) and returns None: the caller then checks the
    file row by row as before, to report every error (a file with errors costs that second
    pass)."""
    from .customers import customer_build

    records, errors = table.records(CUSTOMER_COLUMNS)
    if errors or not records:
        return None
    lk = Lookups.load(by=by, kind="customers", records=records)
    lk.build.load()
    audit_row = _audit_row_maker(Customer, by=by, kind="customers")
    connection = connections[router.db_for_write(Customer)]
    objects: list = []
    audit_rows: list = []
    names: set = set()
    tax_ids: set = set()
    phones: set = set()
    clean = True

    def built(numbers, ids):
        nonlocal clean
        for (_number, values), code, pk in zip(records, numbers, ids, strict=True):
            with _no_queries(connection):
                data, problems = parse_row("customers", values, lk, by=by)
                try:
                    obj = None if problems else customer_build(by=by, data=data, lookups=lk.build)
                except ValidationFailed:
                    obj = None
            phone = obj.phone_normalized if obj is not None else ""
            if (
                obj is None
                or obj.name_normalized in names
                or (obj.tax_id and obj.tax_id in tax_ids)
                or (len(phone) >= 6 and phone in phones)
            ):
                clean = False
                return  # ends the COPY; the savepoint below undoes the rows sent
            names.add(obj.name_normalized)
            if obj.tax_id:
                tax_ids.add(obj.tax_id)
            if len(phone) >= 6:
                phones.add(phone)
            obj.pk, obj.code, obj.created_by = pk, code, by
            objects.append(obj)
            yield obj
            # resumed once the row is made (search key, timestamps): its audit entry
            audit_rows.append(audit_row(obj))

    with transaction.atomic():  # a savepoint
        numbers = take_numbers(CUSTOMER_PREFIX, len(records))
        ids = take_ids(Customer, len(records))
        with _large_cache():
            insert_rows(Customer, built(numbers, ids), batch_size=BATCH, with_pk=True)
            clean = clean and not _duplicates_of_existing(objects)
            if clean:
                _audit(objects, by=by, kind="customers", rows=audit_rows)
        if not clean:
            transaction.set_rollback(True)  # back to the savepoint: no row, no number taken
            return None
    return ImportResult(created=len(objects), errors=[], skipped=0, dry_run=False, total=len(records))


def _duplicates_of_existing(objects: list) -> bool:
    """Whether a just-written customer shares its normalised name, tax ID or phone (the keys
    of _customer_duplicates) with another active customer or an active contact. Rows of the
    file were already compared with each other, so any other row found is an existing one."""
    first, last = min(o.pk for o in objects), max(o.pk for o in objects)

    def other_customer(key):
        return Customer.objects.filter(**{key: OuterRef(key)}, is_active=True, merged_into=None).exclude(
            pk=OuterRef("pk")
        )

    contact = Contact.objects.filter(phone_normalized=OuterRef("phone_normalized"), is_active=True)
    return (
        Customer.objects.filter(pk__range=(first, last))
        .alias(phone_digits=Length("phone_normalized"))
        .filter(
            Exists(other_customer("name_normalized"))
            | (~Q(tax_id="") & Exists(other_customer("tax_id")))
            | (Q(phone_digits__gte=6) & (Exists(other_customer("phone_normalized")) | Exists(contact)))
        )
        .exists()
    )


def _run(*, by, table: Table, kind: str, only_valid: bool, dry_run: bool) -> ImportResult:
    require(by, PERMISSIONS[kind])
    if kind == "customers" and not dry_run:
        written = _write_clean_customers(by=by, table=table)
        if written is not None:
            return written
    checked = check(by=by, table=table, kind=kind)
    created = 0
    if checked.good and not dry_run and (only_valid or not checked.errors):
        objects = [obj for _number, obj in checked.good]
        with _large_cache():
            _save(kind, objects, by=by)
            _audit(objects, by=by, kind=kind)
        created = len(objects)
    return ImportResult(
        created=created,
        errors=checked.errors,
        skipped=len({e.row for e in checked.errors}),
        dry_run=dry_run,
        total=checked.total,
    )


@transaction.atomic
def import_customers(*, by, table: Table, only_valid: bool = False, dry_run: bool = False) -> ImportResult:
    """Create the customers of `table` as `by` (see the module's guarantees). Duplicates of an
    existing customer (normalised name, tax ID, phone) or of another row are row errors."""
    return _run(by=by, table=table, kind="customers", only_valid=only_valid, dry_run=dry_run)


@transaction.atomic
def import_contacts(*, by, table: Table, only_valid: bool = False, dry_run: bool = False) -> ImportResult:
    """Create the contacts of `table`, each attached to a customer `by` can see (by number or
    exact name). A contact of the same name already on file for that customer is a row error."""
    return _run(by=by, table=table, kind="contacts", only_valid=only_valid, dry_run=dry_run)


@transaction.atomic
def import_leads(*, by, table: Table, only_valid: bool = False, dry_run: bool = False) -> ImportResult:
    """Create the leads of `table` as `by`, each entering its stage (default: the first open
    one) as the first step of its history. The same prospect and phone twice is a row error."""
    return _run(by=by, table=table, kind="leads", only_valid=only_valid, dry_run=dry_run)


IMPORTERS = {"customers": import_customers, "contacts": import_contacts, "leads": import_leads}


def run_import(
    *, by, kind: str, table: Table, only_valid: bool = False, dry_run: bool = False
) -> ImportResult:
    """The importer of `kind` (customers, contacts, leads)."""
    if kind not in IMPORTERS:
        raise ValidationFailed({"kind": _("Choose customers, contacts or leads.")})
    return IMPORTERS[kind](by=by, table=table, only_valid=only_valid, dry_run=dry_run)
