"""Demo warehouse (W1–W6): two warehouses — 华东总仓 in Shanghai and 华南分仓 in Guangzhou — with
their bins (定置管理: every product has its fixed bin, A-01-01 …), a samples and materials area and
the quarantine location; a year of receipts, issues for sales, transfers between bins and to
Guangzhou, customer returns, cars received and sold by VIN, sample and material loans to the
salespeople (returned, consumed, some overdue), samples received from customers (登记、查收、核实),
stock rules (some products under their minimum, a few slow movers) and counts: cycle and full
counts approved by finance with their variances posted, and two recent counts with real
differences not posted yet, so the reconciliation (帐、物、卡) has something to find.

The year is replayed in date order through the warehouse services as the demo people: the keeper
receives, issues, transfers, counts and inspects; finance approves count variances (双人复核,
never the counter); the clerk verifies received samples. Receipts older than a month came in
inspected (合格); the recent ones come in pending (待检) and are inspected at the end — mostly
accepted, a few partly rejected into quarantine, one still waiting. Needs the organisation,
customers (demo/crm.py) and products (demo/catalog.py) loaded before."""

import datetime
import random
from collections import defaultdict
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from salesdept.catalog.models import Category, Product
from salesdept.catalog.services import products as catalog_services
from salesdept.crm.models import Customer
from salesdept.warehouse.models import (
    Location,
    Quality,
    SampleLoan,
    StockDocument,
    StockDocumentLine,
    StockLot,
    Warehouse,
)
from salesdept.warehouse.services import documents, samples, setup, stocktakes

WAREHOUSES = [
    # code, Chinese, English, region, address, cycle days
    ("SH", "华东总仓", "Shanghai main warehouse", "east", "上海市嘉定区兴贤路 1180 号", 60),
    ("GZ", "华南分仓", "Guangzhou warehouse", "south", "广州市黄埔区开创大道 2566 号", 90),
]
# the bins of each warehouse: code, name
BINS = {
    "SH": [
        ("A-01-01", "泵类货架 A 排 1 列 1 层"),
        ("A-01-02", "泵类货架 A 排 1 列 2 层"),
        ("A-02-01", "泵类货架 A 排 2 列 1 层"),
        ("B-01-01", "阀门货架 B 排 1 列 1 层"),
        ("B-01-02", "阀门货架 B 排 1 列 2 层"),
        ("B-02-01", "阀门货架 B 排 2 列 1 层"),
        ("C-01-01", "电机区 C 排 1 列"),
        ("C-01-02", "电机区 C 排 2 列"),
        ("D-01-01", "备件货架 D 排 1 列 1 层"),
        ("D-01-02", "备件货架 D 排 1 列 2 层"),
        ("P-01", "整车停放区"),
    ],
    "GZ": [
        ("A-01-01", "泵阀货架 A 排 1 列"),
        ("A-01-02", "泵阀货架 A 排 2 列"),
        ("B-01-01", "电机区 B 排 1 列"),
        ("D-01-01", "备件货架 D 排 1 列"),
        ("P-01", "整车停放区"),
        ("P-02", "新能源车停放区"),
    ],
}
SAMPLES_BIN = ("YP-01", "样品及销售资料区")
# sales materials 销售资料 kept as stock: code, Chinese, English, unit, cost
MATERIALS = [
    ("MAT-BROCHURE", "产品宣传册（2026 版）", "Product brochure (2026)", "本", "12.00"),
    ("MAT-CATALOG", "产品选型样本", "Product selection catalogue", "本", "35.00"),
    ("MAT-CARD", "名片（盒装）", "Business cards (box)", "盒", "40.00"),
    ("MAT-GIFT-TEA", "企业礼品 茶叶礼盒", "Corporate gift: tea box", "盒", "168.00"),
    ("MAT-DEMO-VALVE", "球阀剖面演示样品", "Cut-away ball valve demo sample", "件", "260.00"),
]
SUPPLIERS = [
    "上海东方泵业有限公司",
    "浙江精工阀门有限公司",
    "江苏大中电机股份有限公司",
    "广州华南轴承有限公司",
    "无锡宏达密封件厂",
]
CAR_SUPPLIER = "华驰汽车销售服务有限公司"
VIN_PREFIX = {"CAR-HC": "LHC", "CAR-YH": "LYH", "CAR-ZT": "LZT"}
ZERO = Decimal("0")


def load(ctx) -> None:
    rng = random.Random(ctx.rng.random())
    if Warehouse.objects.exists():
        ctx.say("Warehouses exist already: the warehouse demo data is not loaded again.")
        return
    goods = list(Product.objects.filter(kind=Product.Kind.GOODS, is_active=True).order_by("code"))
    cars = list(Product.objects.filter(kind=Product.Kind.SERIAL, is_active=True).order_by("code"))
    customers = list(Customer.objects.active().order_by("pk"))
    if not goods or not customers:
        ctx.say("No products or customers: no warehouse demo data loaded.")
        return
    world = _World(
        rng=rng, org=ctx.org, today=timezone.localdate(), goods=goods, cars=cars, customers=customers
    )
    world.set_up()
    world.replay_year()
    world.finish()
    ctx.counts.update(
        warehouses=Warehouse.objects.count(),
        stock_documents=StockDocument.objects.count(),
        sample_loans=SampleLoan.objects.count(),
    )
    ctx.say(
        "Warehouse: {warehouses} warehouses, {stock_documents} stock documents, "
        "{sample_loans} sample loans.".format(**ctx.counts)
    )


class _World:
    def __init__(self, *, rng, org, today, goods, cars, customers):
        self.rng, self.org, self.today = rng, org, today
        self.keeper, self.finance, self.clerk = org.keeper, org.finance, org.clerk
        self.goods, self.cars, self.customers = goods, cars, customers
        self.start = today - datetime.timedelta(days=364)
        self.warehouses: dict[str, Warehouse] = {}
        self.bins: dict[str, dict[str, Location]] = {}
        self.home: dict[tuple[str, int], Location] = {}  # (warehouse code, product) → its bin
        self.materials: list[Product] = []
        # a few goods only come in (at the start) and never go out: the slow-moving list
        self.slow = {p.pk for p in rng.sample(goods, min(3, len(goods)))}
        self.vins: dict[str, list[tuple[int, str]]] = defaultdict(list)  # warehouse → cars in stock
        self.vin_count = 0
        self.kept_out: set[int] = set()  # sample loans that stay out past their return date
        self.salespeople = [org.people[name] for name in ("sales1", "sales2", "sales3", "sales4", "sales5")]
        self.regional_customers = {
            "SH": [c for c in customers if c.region_id in self._regions(org, "east")] or customers,
            "GZ": [c for c in customers if c.region_id in self._regions(org, "south")] or customers,
        }

    @staticmethod
    def _regions(org, code: str) -> set[int]:
        top = org.regions[code]
        return {r.pk for r in org.regions.values() if r.pk == top.pk or r.parent_id == top.pk}

    # --- set-up ------------------------------------------------------------------------------

    def set_up(self) -> None:
        for code, name, name_en, region, address, cycle in WAREHOUSES:
            warehouse = setup.warehouse_create(
                by=self.keeper,
                data={
                    "code": code,
                    "name": name,
                    "name_en": name_en,
                    "region": self.org.regions[region].pk,
                    "keeper": self.keeper.pk,
                    "address": address,
                    "cycle_days": cycle,
                },
            )
            self.warehouses[code] = warehouse
            self.bins[code] = {}
            for bin_code, bin_name in BINS[code]:
                self.bins[code][bin_code] = setup.location_create(
                    by=self.keeper, data={"warehouse": warehouse.pk, "code": bin_code, "name": bin_name}
                )
            self.bins[code][SAMPLES_BIN[0]] = setup.location_create(
                by=self.keeper,
                data={
                    "warehouse": warehouse.pk,
                    "code": SAMPLES_BIN[0],
                    "name": SAMPLES_BIN[1],
                    "kind": "samples",
                },
            )
        # 定置管理: each product has its fixed bin, chosen by its category
        for code in self.warehouses:
            for product in self.goods:
                self.home[(code, product.pk)] = self._bin_for(code, product)
            for product in self.cars:
                nev = product.code.startswith("CAR-ZT") and code == "GZ"
                self.home[(code, product.pk)] = self.bins[code]["P-02" if nev else "P-01"]
        self._materials()

    def _bin_for(self, code: str, product: Product) -> Location:
        prefix = product.code.split("-")[0]
        bins = self.bins[code]
        if code == "SH":
            choices = {
                "PUMP": ["A-01-01", "A-01-02", "A-02-01"],
                "VALVE": ["B-01-01", "B-01-02", "B-02-01"],
                "MOTOR": ["C-01-01", "C-01-02"],
            }.get(prefix, ["D-01-01", "D-01-02"])
        else:
            choices = {"PUMP": ["A-01-01"], "VALVE": ["A-01-02"], "MOTOR": ["B-01-01"]}.get(
                prefix, ["D-01-01"]
            )
        return bins[choices[product.pk % len(choices)]]

    def _materials(self) -> None:
        category = Category.objects.filter(code="MAT").first() or catalog_services.category_create(
            by=self.clerk,
            code="MAT",
            name="销售资料及样品",
            name_en="Sales materials and samples",
            sort_order=90,
        )
        for code, name, name_en, uom, cost in MATERIALS:
            product = Product.objects.filter(code=code).first() or catalog_services.product_create(
                by=self.clerk,
                code=code,
                name=name,
                name_en=name_en,
                kind=Product.Kind.GOODS,
                category_id=category.pk,
                uom=uom,
                list_price=Decimal(cost),
                tax_rate=Decimal("13.00"),
            )
            self.materials.append(product)
            for wh in self.warehouses:
                self.home[(wh, product.pk)] = self.bins[wh][SAMPLES_BIN[0]]

    # --- helpers -----------------------------------------------------------------------------

    def post(
        self, code: str, day: datetime.date, kind: str, lines: list[dict], **header
    ) -> StockDocument | None:
        if not lines:
            return None
        data = {
            "kind": kind,
            "warehouse": self.warehouses[code].pk,
            "moved_on": day,
            "lines": lines,
            **header,
        }
        return documents.post_document(by=self.keeper, data=data)

    def available(self, product: Product, location: Location, lot: str = "") -> Decimal:
        return (
            StockLot.objects.filter(
                product=product, location=location, lot=lot, quality=Quality.ACCEPTED
            ).aggregate(q=Sum("quantity"))["q"]
            or ZERO
        )

    def quantity(self, product: Product, low: int = 1) -> int:
        price = product.list_price
        if price >= 10000:
            return self.rng.randint(low, 6)
        if price >= 2000:
            return self.rng.randint(max(low, 2), 15)
        if price >= 500:
            return self.rng.randint(max(low, 5), 40)
        return self.rng.randint(max(low, 10), 120)

    def unit_cost(self, product: Product) -> str:
        share = Decimal(self.rng.randint(56, 66)) / 100
        return str((product.list_price * share).quantize(Decimal("0.01")))

    def vin(self, product: Product) -> str:
        self.vin_count += 1
        prefix = next((v for k, v in VIN_PREFIX.items() if product.code.startswith(k)), "LDM")
        return f"{prefix}{self.rng.randint(10**9, 10**10 - 1)}{self.vin_count:04d}"[:17]

    # --- the year ----------------------------------------------------------------------------

    def replay_year(self) -> None:
        """One week at a time, in date order, so every card reads in date order."""
        self.opening()
        week = 1
        day = self.start + datetime.timedelta(days=7)
        while day < self.today - datetime.timedelta(days=3):
            self.week(week, day)
            week += 1
            day += datetime.timedelta(days=7)

    def opening(self) -> None:
        """Opening receipts: goods into both warehouses, materials and demo samples, a few cars."""
        day = self.start
        for code in self.warehouses:
            share = 1.0 if code == "SH" else 0.6
            lines = [
                {
                    "product": p.pk,
                    "location": self.home[(code, p.pk)].pk,
                    "quantity": str(self.quantity(p, 3) * 2),
                    "unit_cost": self.unit_cost(p),
                    "quality": Quality.ACCEPTED,
                }
                for p in self.goods
                if self.rng.random() < share
            ]
            self.post(code, day, "receipt", lines, supplier=self.rng.choice(SUPPLIERS), reference="期初入库",
                      notes="期初库存 opening stock")  # fmt: skip
            self.post(
                code,
                day,
                "receipt",
                [
                    {
                        "product": m.pk,
                        "location": self.home[(code, m.pk)].pk,
                        "quantity": "200" if m.list_price < 50 else "20",
                        "unit_cost": str(m.list_price),
                        "quality": Quality.ACCEPTED,
                    }
                    for m in self.materials
                ],
                supplier="上海彩虹印务有限公司",
                reference="资料入库",
            )
            self.receive_cars(code, day, 3)

    def week(self, week: int, day: datetime.date) -> None:
        recent = day >= self.today - datetime.timedelta(days=30)
        rng = self.rng
        if week % 2 == 0:
            self.receive("SH", day, recent)
        if week % 2 == 1:
            self.receive("GZ", day, recent)
        for code in self.warehouses:
            self.issue(code, day + datetime.timedelta(days=1))
            if rng.random() < 0.5:
                self.issue(code, day + datetime.timedelta(days=3))
        if week % 4 == 1:
            self.receive_cars("GZ" if week % 8 == 1 else "SH", day, rng.randint(2, 3))
        if week % 2 == 1:
            self.sell_car(rng.choice(list(self.warehouses)), day + datetime.timedelta(days=2))
        if week % 5 == 0:
            self.move_bins("SH", day + datetime.timedelta(days=2))
        if week % 6 == 3:
            self.replenish_guangzhou(day + datetime.timedelta(days=2))
        if week % 7 == 4:
            self.customer_return(rng.choice(list(self.warehouses)), day + datetime.timedelta(days=4))
        if week % 3 == 1:
            self.lend_samples(day + datetime.timedelta(days=1))
        if week % 4 == 2:
            self.settle_samples(day + datetime.timedelta(days=3))
        if week in (12, 25, 38):
            self.count("SH", "cycle", day + datetime.timedelta(days=4), variance=week != 25)
        if week == 44:
            self.count("GZ", "full", day + datetime.timedelta(days=4), variance=True)
        if week == 20:
            self.reversed_receipt(day + datetime.timedelta(days=1))

    def receive(self, code: str, day: datetime.date, recent: bool) -> None:
        picks = [p for p in self.goods if p.pk not in self.slow]
        lines = []
        for product in self.rng.sample(picks, min(len(picks), self.rng.randint(5, 8))):
            line = {
                "product": product.pk,
                "location": self.home[(code, product.pk)].pk,
                "quantity": str(self.quantity(product)),
                "unit_cost": self.unit_cost(product),
            }
            if not recent:  # inspected at the door (合格); recent receipts wait for inspection
                line["quality"] = Quality.ACCEPTED
            lines.append(line)
        self.post(
            code, day, "receipt", lines, supplier=self.rng.choice(SUPPLIERS),
            reference=f"PO-{day:%Y%m%d}-{self.rng.randint(100, 999)}",
        )  # fmt: skip

    def issue(self, code: str, day: datetime.date) -> None:
        lines = []
        for product in self.rng.sample(self.goods, min(len(self.goods), 8)):
            if product.pk in self.slow:
                continue
            location = self.home[(code, product.pk)]
            have = int(self.available(product, location))
            if have <= 0:
                continue
            lines.append(
                {
                    "product": product.pk,
                    "location": location.pk,
                    "quantity": str(min(have, max(1, self.quantity(product) // 2))),
                }
            )
            if len(lines) >= self.rng.randint(1, 4):
                break
        customer = self.rng.choice(self.regional_customers[code])
        self.post(
            code, day, "issue", lines, purpose="sale", customer=customer.pk,
            reference=f"SO-{day:%Y%m%d}-{self.rng.randint(100, 999)}",
        )  # fmt: skip

    def receive_cars(self, code: str, day: datetime.date, count: int) -> None:
        if not self.cars:
            return
        lines = []
        for _ in range(count):
            product = self.rng.choice(self.cars)
            vin = self.vin(product)
            self.vins[code].append((product.pk, vin))
            lines.append(
                {
                    "product": product.pk,
                    "location": self.home[(code, product.pk)].pk,
                    "lot": vin,
                    "quantity": "1",
                    "unit_cost": self.unit_cost(product),
                    "quality": Quality.ACCEPTED,
                }
            )
        self.post(code, day, "receipt", lines, supplier=CAR_SUPPLIER, reference=f"整车到货 {day:%m%d}")

    def sell_car(self, code: str, day: datetime.date) -> None:
        if len(self.vins[code]) < 2:
            return
        product_id, vin = self.vins[code].pop(0)
        location = self.home[(code, product_id)]
        customer = self.rng.choice(self.regional_customers[code])
        line = {"product": product_id, "location": location.pk, "lot": vin, "quantity": "1"}
        self.post(
            code, day, "issue", [line], purpose="sale", customer=customer.pk, reference=f"车辆交付 {vin[-6:]}"
        )

    def move_bins(self, code: str, day: datetime.date) -> None:
        """移库: a product moves to the neighbouring bin of its rack, and back another time."""
        for product in self.rng.sample(self.goods, 3):
            source = self.home[(code, product.pk)]
            have = int(self.available(product, source))
            if have < 2 or product.pk in self.slow:
                continue
            others = [b for c, b in self.bins[code].items() if c[0] == source.code[0] and b.pk != source.pk]
            if not others:
                continue
            target = self.rng.choice(others)
            line = {
                "product": product.pk,
                "location": source.pk,
                "to_location": target.pk,
                "quantity": str(have),
            }
            self.post(code, day, "transfer", [line], notes="货位调整 (定置管理)")
            self.home[(code, product.pk)] = target
            return

    def replenish_guangzhou(self, day: datetime.date) -> None:
        """Shanghai sends Guangzhou what it runs short of (a transfer between warehouses)."""
        lines = []
        for product in self.goods:
            if product.pk in self.slow:
                continue
            there = self.available(product, self.home[("GZ", product.pk)])
            here = int(self.available(product, self.home[("SH", product.pk)]))
            if there < 3 and here >= 6:
                lines.append(
                    {
                        "product": product.pk,
                        "location": self.home[("SH", product.pk)].pk,
                        "to_location": self.home[("GZ", product.pk)].pk,
                        "quantity": str(here // 3),
                    }
                )
            if len(lines) == 4:
                break
        self.post(
            "SH", day, "transfer", lines, reference=f"调拨 SH→GZ {day:%m%d}", notes="华东总仓调拨华南分仓"
        )

    def customer_return(self, code: str, day: datetime.date) -> None:
        issued = (
            StockDocumentLine.objects.filter(
                document__kind="issue", document__purpose="sale", document__warehouse=self.warehouses[code],
                document__status="posted", lot="", quantity__gte=2,
            )
            .select_related("document", "product")
            .order_by("-pk")[:10]
        )  # fmt: skip
        issued = list(issued)
        if not issued:
            return
        line = self.rng.choice(issued)
        returned = {
            "product": line.product_id,
            "location": self.home[(code, line.product_id)].pk,
            "quantity": "1",
            "quality": Quality.ACCEPTED,
            "notes": "客户退货，外观完好，检验合格",
        }
        self.post(
            code, day, "return", [returned], purpose="customer_return", customer=line.document.customer_id,
            reference=f"退货 {line.document.number}",
        )  # fmt: skip

    def lend_samples(self, day: datetime.date) -> None:
        """A salesperson takes brochures, a gift or the demo sample for customer visits."""
        person = self.rng.choice(self.salespeople)
        code = "GZ" if person.region and person.region.code.startswith("south") else "SH"
        lines = []
        for material in self.rng.sample(self.materials, 2):
            location = self.home[(code, material.pk)]
            have = int(self.available(material, location))
            quantity = 1 if material.list_price >= 100 else self.rng.choice([5, 10, 20])
            if have >= quantity:
                lines.append(
                    {
                        "product": material.pk,
                        "location": location.pk,
                        "quantity": str(quantity),
                        "due_back": day + datetime.timedelta(days=self.rng.choice([14, 30, 45])),
                        "notes": "客户拜访用",
                    }
                )
        self.post(
            code,
            day,
            "issue",
            lines,
            purpose="sample",
            holder=person.pk,
            notes=f"样品借出 {person.display_name}",
        )

    def settle_samples(self, day: datetime.date) -> None:
        """Old loans come back (part of the brochures are given away) or are recorded consumed;
        some stay out past their return date (overdue)."""
        due = list(
            SampleLoan.objects.filter(status=SampleLoan.Status.OUT, due_back__lt=day)
            .select_related("issue_line__document", "issue_line__location")
            .exclude(pk__in=self.kept_out)
            .order_by("due_back", "pk")[:3]
        )
        for i, loan in enumerate(due):
            if loan.pk % 4 == 0:
                self.kept_out.add(loan.pk)  # never comes back in time: overdue
                continue
            document = loan.issue_line.document
            code = document.warehouse.code
            if loan.quantity >= 5 and i % 2 == 0:
                given = (loan.outstanding / 2).quantize(Decimal("1"))
                samples.loan_consume(by=self.keeper, loan_id=loan.pk, quantity=given, note="拜访客户时发放")
                loan.refresh_from_db()
            if loan.outstanding > 0:
                self.post(
                    code, day, "return",
                    [{"product": loan.product_id, "location": loan.issue_line.location_id,
                      "quantity": str(loan.outstanding), "loan": loan.pk, "quality": Quality.ACCEPTED}],
                    purpose="sample_return", holder=loan.holder_id, reference=f"样品归还 {document.number}",
                )  # fmt: skip

    def count(self, code: str, kind: str, day: datetime.date, *, variance: bool, stage: str = "approved"):
        """A count by the keeper on `day`: the lines counted as found (a couple off when
        `variance`); then, by `stage`, left a draft, submitted, or approved by finance (the
        variance posted as an adjustment)."""
        warehouse = self.warehouses[code]
        products = None
        if kind in ("cycle", "spot"):
            with_stock = sorted(
                {
                    s.product_id
                    for s in StockLot.objects.filter(location__warehouse=warehouse, quantity__gt=0, lot="")
                }
            )
            products = self.rng.sample(with_stock, 1 if kind == "spot" else min(8, len(with_stock)))
        stocktake = stocktakes.stocktake_create(
            by=self.keeper, kind=kind, warehouse_id=warehouse.pk, product_ids=products, counted_on=day,
            notes={"cycle": "循环盘点", "full": "月末全盘", "spot": "抽查"}[kind],
        )  # fmt: skip
        lines = list(stocktake.lines.order_by("pk"))
        off = set(self.rng.sample(range(len(lines)), min(2, len(lines)))) if variance else set()
        counts = []
        for i, line in enumerate(lines):
            found = line.book_quantity
            note = ""
            if i in off and line.lot == "":
                delta = Decimal(-1 if i % 2 == 0 else 1) * (1 if found < 20 else 2)
                found = max(ZERO, found + delta)
                note = "实盘短少" if delta < 0 else "实盘多出"
            counts.append({"line": line.pk, "counted_quantity": found, "note": note})
        stocktakes.stocktake_count(by=self.keeper, stocktake_id=stocktake.pk, counts=counts)
        if stage == "draft":
            return stocktake
        stocktakes.stocktake_submit(by=self.keeper, stocktake_id=stocktake.pk, note="盘点完成")
        if stage == "approved":
            stocktakes.stocktake_approve(
                by=self.finance, stocktake_id=stocktake.pk, note="差异已核实，同意调整"
            )
        return stocktake

    def reversed_receipt(self, day: datetime.date) -> None:
        """A receipt posted to the wrong warehouse, reversed the same day and posted again."""
        product = next(p for p in self.goods if p.pk not in self.slow)
        wrong = self.post(
            "GZ", day, "receipt",
            [{"product": product.pk, "location": self.home[("GZ", product.pk)].pk, "quantity": "5",
              "unit_cost": self.unit_cost(product), "quality": Quality.ACCEPTED}],
            supplier=SUPPLIERS[0], reference="PO-误入华南仓",
        )  # fmt: skip
        documents.document_reverse(document_id=wrong.pk, by=self.keeper, note="应入华东总仓，冲销后重新入库")
        self.post(
            "SH", day, "receipt",
            [{"product": product.pk, "location": self.home[("SH", product.pk)].pk, "quantity": "5",
              "unit_cost": self.unit_cost(product), "quality": Quality.ACCEPTED}],
            supplier=SUPPLIERS[0], reference="PO-误入华南仓 重新入库",
        )  # fmt: skip

    # --- the last days -----------------------------------------------------------------------

    def finish(self) -> None:
        self.inspect()
        day = self.today - datetime.timedelta(days=2)
        # two recent counts with real differences, not posted: one waits for finance, one is still a draft
        self.count("SH", "cycle", day, variance=True, stage="submitted")
        self.count("GZ", "spot", self.today - datetime.timedelta(days=1), variance=True, stage="draft")
        self.draft_receipt()
        self.rules()
        self.received_samples()
        self.open_loans_overdue()
        self.held_write_off()

    def inspect(self) -> None:
        """Recent receipts came in pending (待检): most lines accepted, a few partly rejected into
        quarantine, the newest receipt still waiting."""
        pending = list(
            StockDocumentLine.objects.filter(
                document__kind="receipt", document__status="posted", quality=Quality.PENDING
            ).order_by("document__moved_on", "pk")
        )
        if not pending:
            return
        newest = max(line.document_id for line in pending)
        rejected = 0
        for line in pending:
            if line.document_id == newest:
                continue
            if rejected < 2 and line.quantity >= 4 and self.rng.random() < 0.3:
                bad = max(Decimal("1"), (line.quantity / 10).quantize(Decimal("1")))
                documents.quality_inspect(
                    line_id=line.pk, by=self.keeper, accepted=line.quantity - bad, rejected=bad,
                    notes="外观划伤，判不合格，移入不合格品区",
                )  # fmt: skip
                rejected += 1
            else:
                documents.quality_inspect(
                    line_id=line.pk, by=self.keeper, accepted=line.quantity, rejected=0, notes="抽检合格"
                )

    def held_write_off(self) -> None:
        """A write-off of damaged goods waiting for finance (双人复核): the two pieces are
        reserved for it (I5), so the stock list shows them held and nobody issues them."""
        for product in self.goods:
            location = self.home[("SH", product.pk)]
            if self.available(product, location) >= 5:
                break
        else:
            return
        adjustment = documents.document_create(
            by=self.keeper,
            data={
                "kind": "adjustment",
                "warehouse": self.warehouses["SH"].pk,
                "notes": "搬运中外包装破损，报损待财务复核",
                "lines": [{"product": product.pk, "location": location.pk, "quantity": "-2"}],
            },
        )
        documents.document_submit(document_id=adjustment.pk, by=self.keeper, note="报损两件")

    def draft_receipt(self) -> None:
        """A receipt being prepared (draft): the delivery arrives tomorrow."""
        product = self.rng.choice([p for p in self.goods if p.pk not in self.slow])
        documents.document_create(
            by=self.keeper,
            data={
                "kind": "receipt",
                "warehouse": self.warehouses["SH"].pk,
                "moved_on": self.today,
                "supplier": SUPPLIERS[1],
                "reference": "到货预报",
                "lines": [
                    {
                        "product": product.pk,
                        "location": self.home[("SH", product.pk)].pk,
                        "quantity": "20",
                        "unit_cost": self.unit_cost(product),
                    }
                ],
            },
        )

    def rules(self) -> None:
        """Minimum and maximum per product and warehouse; a few set above what is there now
        (under minimum: to reorder), the slow movers far below."""
        for warehouse in self.warehouses.values():
            on_hand = dict(
                StockLot.objects.filter(location__warehouse=warehouse)
                .values_list("product_id")
                .annotate(q=Sum("quantity"))
            )
            for i, product in enumerate(self.goods + self.materials):
                have = int(on_hand.get(product.pk) or 0)
                if i % 5 == 2 and product.pk not in self.slow:
                    low = have + self.rng.randint(2, 10)  # under minimum
                else:
                    low = max(1, have // 3)
                setup.stock_rule_set(
                    by=self.keeper,
                    data={"product": product.pk, "warehouse": warehouse.pk, "min_quantity": low,
                          "max_quantity": low * 3 + 5},
                )  # fmt: skip

    def received_samples(self) -> None:
        """样品的登记、查收、核实: samples customers and suppliers sent in."""
        sh_samples = self.bins["SH"][SAMPLES_BIN[0]]
        plans = [
            ("verified", 40, "上海申通机械有限公司", "客户送检叶轮样品（磨损分析）", 2),
            ("verified", 25, "浙江精工阀门有限公司", "新型号密封圈样品", 10),
            ("checked", 12, "江苏华能水务集团", "现场故障阀芯", 1),
            ("returned", 60, "上海东方泵业有限公司", "样机试用完毕", 1),
            ("registered", 1, "广州黄埔造纸厂", "客户提供的轴承样品，待查收", 4),
        ]
        customers = self.regional_customers["SH"]
        for status, days_ago, sender, description, quantity in plans:
            sample = samples.received_register(
                by=self.keeper,
                data={
                    "received_on": self.today - datetime.timedelta(days=days_ago),
                    "sender": sender,
                    "customer": self.rng.choice(customers).pk,
                    "description": description,
                    "quantity": str(quantity),
                    "location": sh_samples.pk,
                },
            )
            if status == "registered":
                continue
            samples.received_check(by=self.keeper, sample_id=sample.pk, note="实物与来函相符")
            if status == "verified":
                samples.received_verify(by=self.clerk, sample_id=sample.pk, note="已核实")
            if status == "returned":
                samples.received_return(by=self.keeper, sample_id=sample.pk, note="快递退回 SF1234567890")

    def open_loans_overdue(self) -> None:
        """Make sure the overdue list shows something: a brochure loan past its return date."""
        if SampleLoan.objects.filter(status=SampleLoan.Status.OUT, due_back__lt=self.today).exists():
            return
        self.lend_samples(self.today - datetime.timedelta(days=50))
