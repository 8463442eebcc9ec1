"""Demo order to cash (F1–F5): a year of shipments, invoices, payments, a few returns and credit
notes, and overdue receivables, consistent with the orders already in the demo.

The confirmed orders are replayed in date order through the services as the demo people: the
clerk prepares each shipment from the order (the lines default to what is open, taken from the
stock free in the Shanghai warehouse; what is missing is received first, as the keeper) and
finance or the director approves it (双人复核, never the clerk); the clerk invoices what was
shipped and finance approves with the invoice number 发票号码; finance records the customers'
payments (回款), most in full and on time, some late, some partial, the recent ones not yet — so
the aging 帐龄 has every bucket. A few shipments come back (退货, approved by the director) and
their invoices are corrected by credit notes (红字发票). Left open on purpose: a shipment waiting
for the second person, a draft, late shipments (promised date passed, not delivered), orders not
shipped yet (with their stock there, for the browser tour), collection tasks for what is overdue,
and the months older than three closed (结帐).

Orders of services or unique units (apartments) are not shipped here: they carry no stock in the
demo warehouses. Needs the orders (demo/sales_contracts.py) and the warehouses (demo/warehouse.py)."""

import datetime
import itertools
import random
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from salesdept.billing.models import Invoice
from salesdept.billing.services import collections, credit_notes, invoices, payments
from salesdept.catalog.models import Product
from salesdept.core.errors import DomainError
from salesdept.crm.models import Customer
from salesdept.ledger.services import period_close
from salesdept.sales.models import Contract, ContractStatus, OrderStatus, SalesOrder
from salesdept.sales.services import orders
from salesdept.shipping.models import Shipment, ShippingMethod
from salesdept.shipping.services import returns, shipments
from salesdept.warehouse.models import Location, Quality, StockLot, Warehouse
from salesdept.warehouse.services.documents import post_document

SHIPPABLE = {Product.Kind.GOODS, Product.Kind.SERIAL}
CARRIERS = ["顺丰速运", "德邦物流", "中通快运", "安能物流"]
RECEIVERS = ["王工", "李经理", "仓库 陈师傅", "张主任", "采购部 刘女士"]
OPEN_ORDERS = 6  # shippable orders left open with their stock there (the browser tour ships one)


def load(ctx) -> None:
    rng = random.Random(ctx.rng.random())
    if Shipment.objects.exists():
        ctx.say("Shipments exist already: the order-to-cash demo data is not loaded again.")
        return
    warehouse = Warehouse.objects.filter(code="SH").first()
    if warehouse is None:
        ctx.say("No warehouse: no shipments loaded.")
        return
    world = _World(rng=rng, org=ctx.org, warehouse=warehouse, today=timezone.localdate())
    world.replay()
    world.finish()
    ctx.counts.update(
        shipments=Shipment.objects.count(),
        invoices=Invoice.objects.count(),
    )
    ctx.say(
        "Order to cash: {shipments} shipments, {invoices} invoices and credit notes.".format(**ctx.counts)
    )


class _World:
    def __init__(self, *, rng, org, warehouse, today):
        self.rng, self.org, self.warehouse, self.today = rng, org, warehouse, today
        self.clerk, self.finance, self.keeper = org.clerk, org.finance, org.keeper
        self.invoice_numbers = itertools.count(31_000_001)
        self.references = itertools.count(1)
        self.vins = itertools.count(1)
        self.bins = list(
            Location.objects.filter(warehouse=warehouse, is_active=True, kind=Location.Kind.STORAGE).order_by(
                "code"
            )
        )
        self.shipped: list[Shipment] = []
        self.open_orders: list[SalesOrder] = []

    # --- helpers -----------------------------------------------------------------------------

    def later(self, day: datetime.date, low: int, high: int) -> datetime.date:
        return min(self.today, day + datetime.timedelta(days=self.rng.randint(low, high)))

    def home(self, product: Product) -> Location:
        """Where the product lies in Shanghai (its fixed bin), else a bin for it."""
        found = (
            StockLot.objects.filter(
                product=product, location__warehouse=self.warehouse, location__kind=Location.Kind.STORAGE
            )
            .order_by("-quantity", "location__code")
            .values_list("location_id", flat=True)
            .first()
        )
        if found:
            return Location.objects.get(pk=found)
        return self.bins[product.pk % len(self.bins)]

    def stock_up(self, order: SalesOrder, day: datetime.date) -> None:
        """Receive what the order needs and is not free in Shanghai (as the keeper, the day before)."""
        lines, taken = [], {}
        for line in order.lines.select_related("product"):
            product = line.product
            wanted = line.quantity - line.shipped_quantity
            sources = shipments.suggest_sources(self.warehouse.pk, product, wanted, taken)
            missing = wanted - sum(q for _l, _lot, q in sources)
            if missing <= 0:
                continue
            cost = str((line.unit_price * Decimal("0.6")).quantize(Decimal("0.01")))
            location = self.home(product)
            if product.kind == Product.Kind.SERIAL:
                for _ in range(int(missing)):
                    vin = f"LFVDEMO{next(self.vins):010d}"
                    lines.append(
                        {"product": product.pk, "location": location.pk, "lot": vin, "quantity": "1",
                         "unit_cost": cost, "quality": Quality.ACCEPTED}
                    )  # fmt: skip
            else:
                lines.append(
                    {"product": product.pk, "location": location.pk, "quantity": str(missing + 5),
                     "unit_cost": cost, "quality": Quality.ACCEPTED}
                )  # fmt: skip
        if lines:
            post_document(
                by=self.keeper,
                data={
                    "kind": "receipt",
                    "purpose": "purchase",
                    "warehouse": self.warehouse.pk,
                    "moved_on": (day - datetime.timedelta(days=1)).isoformat(),
                    "supplier": "上海申江泵阀制造有限公司",
                    "reference": f"PO-{order.number}",
                    "lines": lines,
                },
            )

    def approver(self):
        return self.rng.choice([self.finance, self.finance, self.org.director])

    # --- the year ----------------------------------------------------------------------------

    def orders(self) -> list[SalesOrder]:
        unshippable = Q(lines__product__kind__in=[Product.Kind.SERVICE, Product.Kind.UNIT])
        return list(
            SalesOrder.objects.filter(status=OrderStatus.CONFIRMED)
            .exclude(unshippable)
            .select_related("customer", "owner")
            .order_by("ordered_on", "pk")
            .distinct()
        )

    def more_orders(self) -> None:
        """The contract orders are few: through the year the salespeople also take small direct
        orders of goods (零星销售, one to three lines), confirmed on the day."""
        goods = list(
            Product.objects.filter(kind=Product.Kind.GOODS, is_active=True, list_price__lt=20000).order_by(
                "code"
            )
        )
        customers = [
            c for c in Customer.objects.active().select_related("owner").order_by("pk")
            if c.owner.is_active and "salesperson" in c.owner.role_names
        ]  # fmt: skip
        if not goods or not customers:
            return
        day = self.today - datetime.timedelta(days=360)
        while day < self.today - datetime.timedelta(days=3):
            customer = self.rng.choice(customers)
            lines = [
                {
                    "product_id": p.pk,
                    "quantity": Decimal(self.rng.choice([2, 5, 10, 20])),
                    "discount": Decimal("0"),
                }
                for p in self.rng.sample(goods, self.rng.randint(1, 3))
            ]
            try:
                order = orders.order_create(
                    by=customer.owner, customer_id=customer.pk, lines=lines, ordered_on=day, notes="零星销售"
                )
                orders.order_confirm(by=customer.owner, order_id=order.pk)
            except DomainError:
                pass  # beyond the seller's price authority: left as a draft
            day += datetime.timedelta(days=self.rng.randint(3, 7))

    def contract_orders(self) -> None:
        """Signed contracts of goods that nobody ordered against yet get their order: every
        planned delivery, ordered by the contract's salesperson after signing."""
        signed = (
            Contract.objects.filter(status=ContractStatus.SIGNED, orders__isnull=True)
            .exclude(lines__product__kind__in=[Product.Kind.SERVICE, Product.Kind.UNIT])
            .select_related("owner")
            .order_by("signed_on", "pk")
            .distinct()
        )
        for contract in signed:
            deliveries = list(contract.deliveries.values_list("pk", flat=True))
            if not deliveries:
                continue
            day = min(
                self.today,
                (contract.signed_on or self.today) + datetime.timedelta(days=self.rng.randint(1, 10)),
            )
            try:
                order = orders.order_create_from_contract(
                    by=contract.owner, contract_id=contract.pk, delivery_ids=deliveries, ordered_on=day
                )
                orders.order_confirm(by=contract.owner, order_id=order.pk)
            except DomainError:
                continue

    def replay(self) -> None:
        self.contract_orders()
        self.more_orders()
        confirmed = self.orders()
        # the latest orders stay open, two of them from contracts (the tour ships one of those)
        keep_open = confirmed[-(OPEN_ORDERS - 2) :] if len(confirmed) > OPEN_ORDERS else []
        keep_open += [o for o in confirmed if o.contract_id and o not in keep_open][-2:]
        self.open_orders = keep_open
        for order in confirmed:
            if order in keep_open:
                self.stock_up(order, self.today)  # stock there for whoever ships it
                continue
            ship_day = self.later(order.ordered_on, 2, 20)
            self.stock_up(order, ship_day)
            shipment = self.ship(order, ship_day)
            if shipment is None or shipment.status not in ("shipped", "delivered"):
                continue
            self.shipped.append(shipment)
            if self.rng.random() < 0.9:
                self.invoice_and_collect(order, shipment)

    def ship(self, order: SalesOrder, day: datetime.date) -> Shipment | None:
        method = self.rng.choice(list(ShippingMethod.values))
        header = {
            "promised_on": self.later(day, 1, 7).isoformat(),
            "method": method,
            "warehouse": self.warehouse.pk,
        }
        if method == ShippingMethod.CARRIER:
            header.update(
                carrier=self.rng.choice(CARRIERS), tracking_number=f"SF{self.rng.randint(10**11, 10**12)}"
            )
        shipment = shipments.shipment_create(by=self.clerk, order_id=order.pk, data=header)
        fate = self.rng.random()
        if fate < 0.02:
            return shipment  # a draft the clerk is still preparing
        shipments.shipment_submit(by=self.clerk, shipment_id=shipment.pk)
        if fate < 0.04:
            return shipment  # waiting for the second person (双人复核)
        shipments.shipment_approve(by=self.approver(), shipment_id=shipment.pk, on=day)
        shipment.refresh_from_db()
        delivered = self.later(day, 1, 6)
        if self.rng.random() < 0.9 and delivered < self.today:
            shipments.shipment_deliver(
                by=self.clerk,
                shipment_id=shipment.pk,
                delivered_on=delivered,
                received_by=self.rng.choice(RECEIVERS),
            )
        shipment.refresh_from_db()
        return shipment

    def invoice_and_collect(self, order: SalesOrder, shipment: Shipment) -> None:
        invoiced_on = self.later(shipment.shipped_on, 0, 10)
        invoice = invoices.invoice_create(by=self.clerk, order_id=order.pk, data={"invoiced_on": invoiced_on})
        invoices.invoice_submit(by=self.clerk, invoice_id=invoice.pk)
        invoices.invoice_approve(
            by=self.finance, invoice_id=invoice.pk, invoice_no=f"{next(self.invoice_numbers):08d}"
        )
        invoice.refresh_from_db()
        fate = self.rng.random()
        if fate < 0.2:
            return  # not paid (yet): the aging report's overdue buckets
        amount = invoice.total_amount
        if fate < 0.3:
            amount = (amount * Decimal(self.rng.choice(["0.3", "0.5", "0.7"]))).quantize(Decimal("0.01"))
        late = self.rng.random() < 0.25
        paid_on = self.later(invoice.due_on or invoiced_on, 5, 60) if late else self.later(invoiced_on, 3, 28)
        if paid_on >= self.today:
            return
        payments.payment_record(
            by=self.finance,
            data={
                "customer": order.customer_id,
                "received_on": paid_on.isoformat(),
                "amount": str(amount),
                "method": self.rng.choice(["bank", "bank", "bank", "acceptance"]),
                "reference": f"BANK-{paid_on:%Y%m%d}-{next(self.references):05d}",
            },
        )

    def returns(self) -> None:
        """Three shipments come back in part: approved by the director, credited by finance."""
        for shipment in self.rng.sample(self.shipped, min(3, len(self.shipped))):
            line = shipment.lines.filter(is_gift=False).order_by("position").first()
            if line is None:
                continue
            quantity = Decimal("1")
            authorisation = returns.return_create(
                by=self.clerk,
                shipment_id=shipment.pk,
                data={
                    "reason": "到货检验外观划伤，客户要求退货",
                    "lines": [{"shipment_line": line.pk, "quantity": quantity}],
                },
            )
            returns.return_submit(by=self.clerk, return_id=authorisation.pk)
            returns.return_approve(by=self.org.director, return_id=authorisation.pk)
            # 红字发票 for what was invoiced of it (paid already: back to the customer's credit)
            for note in credit_notes.credit_note_from_return(by=self.clerk, return_id=authorisation.pk):
                invoices.invoice_submit(by=self.clerk, invoice_id=note.pk)
                invoices.invoice_approve(
                    by=self.finance, invoice_id=note.pk, invoice_no=f"{next(self.invoice_numbers):08d}"
                )

    def waiting(self) -> None:
        """One order of those left open is shipped as far as the second person (双人复核)."""
        for order in self.open_orders:
            if not order.contract_id:
                shipment = shipments.shipment_create(
                    by=self.clerk, order_id=order.pk, data={"warehouse": self.warehouse.pk}
                )
                shipments.shipment_submit(by=self.clerk, shipment_id=shipment.pk)
                return

    def finish(self) -> None:
        self.returns()
        self.waiting()
        collections.collections_run(today=self.today, by=self.finance)
        # 结帐: the nine months before the last three are closed (corrections go to an open month)
        month = self.today.replace(day=1)
        for _ in range(3):
            month = (month - datetime.timedelta(days=1)).replace(day=1)
        for _ in range(9):
            month = (month - datetime.timedelta(days=1)).replace(day=1)
            period_close(year=month.year, month=month.month, by=self.finance)
