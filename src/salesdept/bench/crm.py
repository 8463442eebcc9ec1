"""Bench data and workloads for customers and relationships (C1–C5).

`seed_crm` (prepare process, Django set up) bulk-inserts 100,000 customers with contacts and
1,000,000 follow-ups over the bench people; the reads are what is measured, so the rows are
written straight (customers with `bulk_create`, contacts and follow-ups with COPY / executemany),
not through the services. The denormalised search columns (normalised name, pinyin, normalised
phone) hold what the services would store, so the searches find what they would find in
production. It also writes the XLSX file the import
workload uploads (into the bench's temporary folder).

The workloads (bench process, no Django) measure over HTTP: the customer list as the director and
as a salesperson, the search box, a salesperson's "today" list and the customer import.

`SALESDEPT_BENCH_QUICK=1` in the environment scales the data down (5,000 customers, 20,000
follow-ups, a 2,000-row import) for a smoke run."""

import datetime
import json
import os
import random
import sys
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

from .http import Client

FULL = {"customers": 100_000, "activities": 1_000_000, "own_customers": 1_000, "import_rows": 50_000}
QUICK = {"customers": 5_000, "activities": 20_000, "own_customers": 200, "import_rows": 2_000}
PAGE_SIZE = 50
SALESPERSON = "sales1"  # the salesperson whose list, searches and today list are measured
DIRECTOR = "director"
CUSTOMER_PREFIX = "CUS"  # crm/services/customers.py numbers customers next_number("CUS")
CHUNK = 5_000  # customers generated and inserted per round (with their contacts and follow-ups)
IMPORT_WARMUP_ROWS = 100

RESULTS = [
    "客户对新报价满意，下月下单",
    "已发送产品目录和报价单",
    "客户反映交货期偏长，需协调生产",
    "确认了年度采购计划",
    "客户暂无需求，三个月后再联系",
    "拜访采购经理，介绍新产品",
    "催收上月货款，客户承诺本周付款",
    "客户要求样品，已安排寄送",
]
SUBJECTS = ["电话回访", "上门拜访", "微信沟通", "年度合同洽谈", "新品推介", "售后回访", "报价跟进", "催款"]
KINDS = ["call", "visit", "message", "meeting"]


def sizes() -> dict:
    return dict(QUICK if os.environ.get("SALESDEPT_BENCH_QUICK") == "1" else FULL)


# ---------------------------------------------------------------------------- seeder (Django)


class _Names:
    """Company and person names with their pinyin keys composed from per-character pinyin: the
    same 'full initials' text crm.text.pinyin_key gives, at a fraction of the cost for 100,000
    names."""

    def __init__(self, rng: random.Random):
        from pypinyin import Style, lazy_pinyin

        from salesdept.demo import crm as vocab

        self.rng = rng
        self.vocab = vocab
        self._full: dict[str, str] = {}
        self._initials: dict[str, str] = {}
        self._lazy_pinyin, self._style = lazy_pinyin, Style.FIRST_LETTER
        self.industries = [(*i, "company") for i in vocab.MANUFACTURING * 3] + [
            (*i, "fleet") for i in vocab.FLEET
        ]

    def pinyin(self, *parts: str) -> str:
        full, initials = [], []
        for part in parts:
            if part not in self._full:
                self._full[part] = "".join(self._lazy_pinyin(part, errors="ignore")).lower()
                self._initials[part] = "".join(
                    self._lazy_pinyin(part, style=self._style, errors="ignore")
                ).lower()
            full.append(self._full[part])
            initials.append(self._initials[part])
        return f"{''.join(full)} {''.join(initials)}"

    def company(self, region_code: str) -> dict:
        rng, v = self.rng, self.vocab
        city, city_en = rng.choice(v.CITIES.get(region_code) or [c for cs in v.CITIES.values() for c in cs])
        first, second = rng.choice(v.BRAND_FIRST), rng.choice(v.BRAND_SECOND)
        industry, word, word_en, business = rng.choice(self.industries)
        suffix, suffix_en = rng.choice(v.SUFFIXES)
        name = f"{city}{first}{second}{word}{suffix}"
        brand_en = (self._full.get(first) or self.pinyin(first).split()[0]).capitalize() + (
            self._full.get(second) or self.pinyin(second).split()[0]
        )
        return {
            "name": name,
            "name_en": f"{city_en} {brand_en} {word_en} {suffix_en}" if rng.random() < 0.4 else "",
            "name_pinyin": self.pinyin(city, first, second, word, suffix),
            "industry": industry,
        }

    def person(self) -> tuple[str, str]:
        surname, given = self.rng.choice(self.vocab.SURNAMES), self.rng.choice(self.vocab.GIVEN)
        return surname + given, self.pinyin(surname, given)


def _salespeople():
    """(id, region id, leaf region code) of every salesperson; the owners of the bench customers."""
    from salesdept.accounts.models import Region, User

    regions = {r.pk: r for r in Region.objects.all()}
    parents = {r.parent_id for r in regions.values()}
    leaves_under: dict[int, list] = {}
    for region in regions.values():
        if region.pk in parents:
            continue
        node = region
        while node is not None:  # a leaf belongs to itself and to every region above it
            leaves_under.setdefault(node.pk, []).append(region)
            node = regions.get(node.parent_id)
    people = []
    for pk, region_id in User.objects.filter(groups__name="salesperson").values_list("pk", "region_id"):
        people.append((pk, leaves_under.get(region_id) or [regions[region_id]]))
    return people


def seed_crm(rng: random.Random) -> dict:
    """Customers (with contacts and invoicing data) and a year of follow-ups over the bench people:
    `own_customers` of them belong to sales1, the rest spread over every other salesperson."""
    from django.db import transaction
    from django.utils import timezone

    from salesdept.accounts.models import User
    from salesdept.core.models import Sequence
    from salesdept.crm.models import Activity, Contact, Customer, Tier
    from salesdept.crm.search_keys import contact_text
    from salesdept.crm.text import normalize_name, normalize_phone

    n = sizes()
    names = _Names(rng)
    vocab = names.vocab
    tiers = list(Tier.objects.order_by("sort_order").values_list("pk", flat=True))
    seller = User.objects.get(username=SALESPERSON)
    people = _salespeople()
    own = next(leaves for pk, leaves in people if pk == seller.pk)
    others = [p for p in people if p[0] != seller.pk]
    today = timezone.localdate()
    year = today.year
    per_customer, extra = divmod(n["activities"], n["customers"])
    samples: dict[str, list[str]] = {"name": [], "pinyin": [], "phone": []}
    used_phones: set[str] = set()
    own_planned_due = 0
    started = time.perf_counter()

    def phone() -> str:
        while (number := vocab.mobile(rng)) in used_phones:
            pass
        used_phones.add(number)
        return number

    for chunk_start in range(0, n["customers"], CHUNK):
        customers, plans = [], []
        for i in range(chunk_start, min(chunk_start + CHUNK, n["customers"])):
            mine = i < n["own_customers"]
            owner_id, leaves = (seller.pk, own) if mine else rng.choice(others)
            region = rng.choice(leaves)
            person = rng.random() < 0.15
            number = phone()
            if person:
                name, pinyin = names.person()
                data = {"kind": "person", "name": name, "name_en": "", "name_pinyin": pinyin}
                data["industry"] = rng.choice([vocab.APARTMENT_BUYER, vocab.CAR_BUYER])
            else:
                company = names.company(region.code)
                data = {k: company[k] for k in ("name", "name_en", "name_pinyin", "industry")}
                data["kind"] = "company"
                invoicing = rng.random() < 0.8
                data.update(
                    tax_id=vocab.tax_id(rng),
                    invoice_name=company["name"] if invoicing else "",
                    bank_name=f"{rng.choice(vocab.BANKS)}{region.name}支行" if invoicing else "",
                    bank_account=f"{rng.randrange(10**18):019d}" if invoicing else "",
                    invoice_address=f"{region.name}{rng.choice(vocab.ROADS)}{rng.randrange(1, 999)}号",
                    invoice_phone=f"0{rng.randrange(10, 999)}-{rng.randrange(10**7, 10**8)}"
                    if invoicing
                    else "",
                )
            # the follow-ups: done ones over the last year, the last one planned (always for sales1)
            count = per_customer + (1 if i < extra else 0)
            plan = []
            for k in range(count):
                if k == count - 1 and (mine or rng.random() < 0.5):
                    # sales1: ~1 in 6 of the planned follow-ups is due today or overdue
                    due = today + datetime.timedelta(
                        days=rng.randrange(-20, 100) if mine else rng.randrange(-30, 90)
                    )
                    own_planned_due += mine and due <= today
                    plan.append((due, None))
                else:
                    plan.append(
                        (today - datetime.timedelta(days=rng.randrange(1, 366)), 9 + rng.randrange(9))
                    )
            done = [due for due, hour in plan if hour is not None]
            customers.append(
                Customer(
                    code=f"{CUSTOMER_PREFIX}-{year}-{i + 1:06d}",
                    name_normalized=normalize_name(data["name"]),
                    phone=number,
                    phone_normalized=normalize_phone(number),
                    tier_id=rng.choice(tiers),
                    region_id=region.pk,
                    source=rng.choice(["visit", "phone", "referral", "exhibition", "website", "dealer"]),
                    owner_id=owner_id,
                    created_by_id=owner_id,
                    address=f"{region.name}{rng.choice(vocab.ROADS)}{rng.randrange(1, 999)}号",
                    completeness=100 if data.get("invoice_name") or person else 70,
                    last_contact_on=max(done) if done else None,
                    **data,
                )
            )
            plans.append(plan)
            if not person and len(samples["name"]) < 200 and rng.random() < 0.05:
                samples["name"].append(data["name"][2:6])  # a fragment, as people type it
                samples["pinyin"].append(data["name_pinyin"].split()[1][:4])
                samples["phone"].append(number)
        with transaction.atomic():
            Customer.objects.bulk_create(customers, batch_size=1000)
            if not customers[0].pk:
                raise RuntimeError("bulk_create did not return primary keys")
            contacts, activities = [], []
            for customer, plan in zip(customers, plans, strict=True):
                if customer.kind == "company":
                    for k in range(1 if rng.random() < 0.5 else 2):
                        contact_name, contact_pinyin = names.person()
                        number = phone()
                        contacts.append(
                            (
                                customer.pk,
                                contact_name,
                                contact_pinyin,
                                rng.choice(vocab.TITLES),
                                number,
                                normalize_phone(number),
                                k == 0,
                                # the search column the model fills in pre_save (crm/search_keys.py)
                                contact_text(
                                    SimpleNamespace(
                                        name=contact_name,
                                        name_pinyin=contact_pinyin,
                                        phone_normalized=normalize_phone(number),
                                    )
                                ),
                            )
                        )
                for due, hour in plan:
                    activities.append(
                        (
                            rng.choice(KINDS),
                            "planned" if hour is None else "done",
                            customer.pk,
                            customer.region_id,
                            rng.choice(SUBJECTS),
                            due,
                            hour,
                            "" if hour is None else rng.choice(RESULTS),
                            customer.owner_id,
                        )
                    )
            _insert(
                Contact,
                [
                    "customer_id",
                    "name",
                    "name_pinyin",
                    "title",
                    "phone",
                    "phone_normalized",
                    "is_primary",
                    "search_text",
                ],  # fmt: skip
                contacts,
                {"email": "", "notes": "", "is_active": True, "created_at": timezone.now()},
            )
            _insert_activities(Activity, activities)
    # contacts went in by COPY / executemany, past SearchTextField.pre_save: fill their search key
    from salesdept.crm.search_keys import refresh_search_text

    refresh_search_text(Contact)
    # the next customer created by the services (the import) continues the series (I8)
    Sequence.objects.update_or_create(key=CUSTOMER_PREFIX, year=year, defaults={"last": n["customers"]})
    seeded = time.perf_counter()
    import_file = _write_import_file(rng, names, n["import_rows"], phone)
    warmup_file = _write_import_file(rng, names, IMPORT_WARMUP_ROWS, phone)
    return {
        "crm_customers": n["customers"],
        "crm_activities": n["activities"],
        "crm_contacts": Contact.objects.count(),
        "crm_own_customers": n["own_customers"],
        "crm_own_due": own_planned_due,
        "crm_salesperson": SALESPERSON,
        "crm_director": DIRECTOR,
        "crm_searches": [q for group in zip(*samples.values(), strict=False) for q in group],
        "crm_import_file": str(import_file),
        "crm_import_warmup_file": str(warmup_file),
        "crm_import_rows": n["import_rows"],
        "crm_seed_s": round(seeded - started, 1),
        "crm_import_file_s": round(time.perf_counter() - seeded, 1),
    }


def _insert_activities(model, rows: list[tuple]) -> None:
    """Follow-ups from (kind, status, customer, region, subject, due, done hour, result, owner)."""
    from django.utils import timezone

    tz = timezone.get_current_timezone()
    done_at: dict = {}

    def when(due, hour):
        if hour is None:
            return None
        key = (due, hour)
        if key not in done_at:
            done_at[key] = datetime.datetime.combine(due, datetime.time(hour), tzinfo=tz)
        return done_at[key]

    _insert(
        model,
        [
            "kind",
            "status",
            "customer_id",
            "region_id",
            "subject",
            "due_on",
            "done_at",
            "result",
            "owner_id",
            "created_by_id",
        ],
        [(k, s, c, r, subj, due, when(due, hour), res, o, o) for k, s, c, r, subj, due, hour, res, o in rows],
        {"next_step": "", "created_at": timezone.now()},
    )


def _insert(model, fields: list[str], rows: list[tuple], constants: dict) -> None:
    """INSERT many rows of `model` in one statement stream: COPY on PostgreSQL, executemany on
    SQLite. Django's bulk_create spends most of its time preparing values one by one; a million
    follow-ups take minutes that way and seconds this way. Values are adapted per column type
    (dates and datetimes as the backend stores them), each distinct value once."""
    from django.db import connection

    constants = {**_defaults_left_out(model, [*fields, *constants]), **constants}
    names = [*fields, *constants]
    columns = [model._meta.get_field(name).column for name in names]
    table = connection.ops.quote_name(model._meta.db_table)
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    const = tuple(constants.values())
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row + const)
            return
        adapters = []
        for name in names:
            internal = model._meta.get_field(name).get_internal_type()
            if internal == "DateTimeField":
                adapters.append(_cached(connection.ops.adapt_datetimefield_value))
            elif internal == "DateField":
                adapters.append(_cached(connection.ops.adapt_datefield_value))
            else:
                adapters.append(None)
        adapted = [(i, adapt) for i, adapt in enumerate(adapters) if adapt]
        if adapted:  # only those columns: a value at a time over every column costs seconds a million rows

            def adapt_row(row: tuple) -> list:
                row = [*row, *const]
                for i, adapt in adapted:
                    row[i] = adapt(row[i])
                return row

            rows = [adapt_row(row) for row in rows]
        else:
            rows = [row + const for row in rows]
        placeholders = ", ".join(["%s"] * len(names))
        cursor.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({placeholders})", rows)


def _defaults_left_out(model, given: list[str]) -> dict:
    """What Django would store for every field the caller did not name: its default, "" for a
    text field that is not null, now for auto_now(_add) — so a field added later (a counter, a
    flag, a note) does not break a seeder that never heard of it."""
    from django.utils import timezone

    named = {model._meta.get_field(name).attname for name in given}
    left = {}
    for field in model._meta.concrete_fields:
        if field.primary_key or field.attname in named:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            left[field.attname] = (
                timezone.now() if field.get_internal_type() == "DateTimeField" else timezone.localdate()
            )
        elif field.has_default() or (field.empty_strings_allowed and not field.null):
            left[field.attname] = field.get_default()
    return left


def _cached(adapt):
    seen: dict = {}

    def cached(value):
        if value not in seen:
            seen[value] = adapt(value)
        return seen[value]

    return cached


IMPORT_COLUMNS = [
    "name",
    "name_en",
    "kind",
    "tier",
    "region",
    "industry",
    "source",
    "phone",
    "tax_id",
    "address",
]


def _write_import_file(rng: random.Random, names: _Names, rows: int, phone) -> Path:
    """A customer import file of `rows` new companies (names the seeded data does not use: a
    distinct word in every name, so no row is a duplicate), owned by the importing salesperson."""
    table = [IMPORT_COLUMNS]
    for i in range(rows):
        company = names.company("east-sh")
        # "新客户" + a running number makes each normalised name unique among all customers
        name = company["name"].replace("有限", f"新客户{i:05d}有限", 1)
        table.append(
            [
                name,
                "",
                "company",
                rng.choice("ABC"),
                "east-sh",
                company["industry"],
                "exhibition",
                phone(),
                names.vocab.tax_id(rng),
                f"上海{rng.choice(names.vocab.ROADS)}{rng.randrange(1, 999)}号",
            ]
        )
    path = Path(os.environ.get("TMPDIR") or "/tmp") / f"bench-import-{rows}-{uuid.uuid4().hex[:8]}.xlsx"
    write_xlsx(path, table)
    return path


def write_xlsx(path: Path, rows: list[list[str]]) -> None:
    """A minimal valid one-sheet XLSX of text cells (inline strings; openpyxl and spreadsheet
    programs read it). openpyxl's writer without lxml needs ~15 s for 50,000 rows; this about one."""
    import zipfile
    from xml.sax.saxutils import escape

    def column(i: int) -> str:
        name = ""
        i += 1
        while i:
            i, rem = divmod(i - 1, 26)
            name = chr(65 + rem) + name
        return name

    letters = [column(i) for i in range(max(len(r) for r in rows))]
    body = []
    for r, row in enumerate(rows, start=1):
        cells = "".join(
            f'<c r="{letters[c]}{r}" t="inlineStr"><is><t>{escape(str(v))}</t></is></c>'
            for c, v in enumerate(row)
            if v != ""
        )
        body.append(f'<row r="{r}">{cells}</row>')
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{''.join(body)}</sheetData></worksheet>"
    )
    ns = "http://schemas.openxmlformats.org"
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Types xmlns="{ns}/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{ns}/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<workbook xmlns="{ns}/spreadsheetml/2006/main" '
            f'xmlns:r="{ns}/officeDocument/2006/relationships">'
            '<sheets><sheet name="customers" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{ns}/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": sheet,
    }
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)


# ---------------------------------------------------------------------------- workloads (HTTP)


def _signed_in(host: str, port: int, params: dict, username: str) -> Client:
    from .workloads import _signed_in as sign_in  # late: workloads.py imports this module

    return sign_in(host, port, username, params["password"])


def _count_ok(response, expected: int | None) -> bool:
    if response.status != 200:
        return False
    if expected is None:
        return True
    return json.loads(response.body).get("count") == expected


def measure_customer_list_director(host: str, port: int, params: dict, n: int) -> tuple[list[float], int]:
    """GET /api/v1/customers?page=N&page_size=50 as the director (all customers), pages spread."""
    client = _signed_in(host, port, params, params["crm_director"])
    pages = -(-params["crm_customers"] // PAGE_SIZE)
    times, errors = [], 0
    for i in range(n):
        page = 1 + (i * 37) % pages
        response = client.get(f"/api/v1/customers?page={page}&page_size={PAGE_SIZE}")
        times.append(response.seconds)
        errors += not _count_ok(response, params["crm_customers"] if i == 0 else None)
    return times, errors


def measure_customer_list_director_first_pages(
    host: str, port: int, params: dict, n: int
) -> tuple[list[float], int]:
    """GET /api/v1/customers?page=N&page_size=50 as the director, pages 1–20 in turn: how the list
    is browsed (deeper pages are reached by search and filters, measured apart)."""
    client = _signed_in(host, port, params, params["crm_director"])
    pages = min(20, -(-params["crm_customers"] // PAGE_SIZE))
    times, errors = [], 0
    for i in range(n):
        response = client.get(f"/api/v1/customers?page={1 + i % pages}&page_size={PAGE_SIZE}")
        times.append(response.seconds)
        errors += not _count_ok(response, params["crm_customers"] if i == 0 else None)
    return times, errors


def measure_customer_list_salesperson(host: str, port: int, params: dict, n: int) -> tuple[list[float], int]:
    """GET /api/v1/customers?page=N&page_size=50 as sales1 (own customers only), pages spread."""
    client = _signed_in(host, port, params, params["crm_salesperson"])
    pages = -(-params["crm_own_customers"] // PAGE_SIZE)
    times, errors = [], 0
    for i in range(n):
        page = 1 + (i * 7) % pages
        response = client.get(f"/api/v1/customers?page={page}&page_size={PAGE_SIZE}")
        times.append(response.seconds)
        errors += not _count_ok(response, params["crm_own_customers"] if i == 0 else None)
    return times, errors


def measure_search(host: str, port: int, params: dict, n: int) -> tuple[list[float], int]:
    """GET /api/v1/search?q=… as the director (every customer, contact and lead), cycling through
    name fragments, pinyin initials and phone numbers of seeded customers; each must find something."""
    from urllib.parse import quote

    client = _signed_in(host, port, params, params["crm_director"])
    queries = params["crm_searches"]
    times, errors = [], 0
    for i in range(n):
        q = queries[i % len(queries)]
        response = client.get(f"/api/v1/search?q={quote(q)}")
        times.append(response.seconds)
        errors += response.status != 200 or not _found_something(response.body)
    return times, errors


def _found_something(body: bytes) -> bool:
    """A search answer ({"total": N, …}) or a page ({"count": N, "items": …}) with rows in it."""
    data = json.loads(body)
    return (data.get("total") or data.get("count") or 0) > 0


def measure_today(host: str, port: int, params: dict, n: int) -> tuple[list[float], int]:
    """GET /api/v1/activities/today as sales1 (1,000 customers, ~170 follow-ups due or overdue)."""
    client = _signed_in(host, port, params, params["crm_salesperson"])
    times, errors = [], 0
    for _ in range(n):
        response = client.get("/api/v1/activities/today")
        times.append(response.seconds)
        errors += response.status != 200 or not _found_something(response.body)
    return times, errors


def measure_import(host: str, port: int, params: dict, n: int) -> tuple[list[float], int]:
    """POST /api/v1/imports/customers (multipart XLSX) once, as sales1 with an API token.

    The warm-up call (n = 5) uploads a 100-row file; the measured call the 50,000-row one. The
    answer is spread over the rows, one share per row, so `requests` counts rows and `per_second`
    is the import throughput in rows per second (p50/p95 are then per-row milliseconds)."""
    warmup = n <= 5
    path = Path(params["crm_import_warmup_file" if warmup else "crm_import_file"])
    rows = IMPORT_WARMUP_ROWS if warmup else params["crm_import_rows"]
    client = Client(host, port, timeout=300)
    login = client.request(
        "POST",
        "/api/v1/auth/token",
        body=json.dumps({"username": params["crm_salesperson"], "password": params["password"]}).encode(),
        headers={"Content-Type": "application/json"},
    )
    if login.status != 200:
        raise RuntimeError(f"could not get an API token: HTTP {login.status} {login.body[:200]!r}")
    token = json.loads(login.body)["token"]
    boundary = uuid.uuid4().hex
    body = b"".join(
        [
            f"--{boundary}\r\n".encode(),
            f'Content-Disposition: form-data; name="file"; filename="{path.name}"\r\n'.encode(),
            b"Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n",
            path.read_bytes(),
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    headers = {
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Authorization": f"Bearer {token}",
    }
    try:
        response = client.request("POST", "/api/v1/imports/customers", body=body, headers=headers)
    except OSError as exc:  # e.g. the worker killed at gunicorn's timeout: an error, not the end of the run
        print(f"[bench] import of {rows} rows failed: {exc!r}", file=sys.stderr, flush=True)
        return [], 1
    ok = response.status in (200, 201) and _imported(response.body) == rows
    if not ok:
        print(f"[bench] import answered HTTP {response.status}: {response.body[:1000]!r}", file=sys.stderr)
    return [response.seconds / rows] * rows, 0 if ok else 1


def _imported(body: bytes) -> int | None:
    data = json.loads(body)
    for key in ("created", "imported", "written"):
        if isinstance(data.get(key), int):
            return data[key]
    return None


# (name, description, measure); workloads.py wraps them in its Workload and appends them.
CRM_WORKLOADS = [
    (
        "customer_list_director",
        "GET /api/v1/customers?page=N&page_size=50 (director, 100,000 customers, pages 1–20)",
        measure_customer_list_director_first_pages,
    ),
    (
        "customer_list_director_deep",
        "GET /api/v1/customers?page=N&page_size=50 (director, 100,000 customers, any of the 2,000 pages)",
        measure_customer_list_director,
    ),
    (
        "customer_list_salesperson",
        "GET /api/v1/customers?page=N&page_size=50 (sales1, 1,000 own customers of 100,000)",
        measure_customer_list_salesperson,
    ),
    (
        "search",
        "GET /api/v1/search?q=<name fragment | pinyin initials | phone> (director, 100,000 customers)",
        measure_search,
    ),
    (
        "today_list",
        "GET /api/v1/activities/today (sales1; 1,000,000 follow-ups in the table)",
        measure_today,
    ),
    (
        "customer_import",
        "POST /api/v1/imports/customers, 50,000-row XLSX (sales1); requests = rows, per_second = rows/s",
        measure_import,
    ),
]
