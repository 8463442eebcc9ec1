"""The whole order-to-cash chain (F1–F5) under random use, through the real services only: two
customers (of sales1 and sales2) order three goods whose stock the keeper receives (and receives
more of now and then); the clerk prepares shipments of a random part of what is open (submitted:
the stock reserved; approved by a second person: issued), returns of a random part of what was
shipped (approved by a second person: back pending inspection), credit notes from received
returns, and invoices of a random part of what is invoiceable (approved by finance or the
director with the invoice number); finance records payments of random amounts (sometimes more
than owed: kept as credit) allocated oldest first, and allocates credit later. Refusals are
tried too — over-shipping, over-invoicing, over-returning, a preparer approving their own
shipment, invoice or return, an invoice approved without its number, too little stock, a return
credited twice, nothing to allocate — each must answer its code and change nothing.

After every step the database is compared with an independent model kept in Python:

- per product: on hand = received − shipped + returned (accepted = received − shipped, pending
  inspection = returned), reserved = what submitted shipments hold;
- per order line: shipped (what the customer kept), returned and invoiced are the model's;
  shipped ≤ ordered, invoiced ≤ shipped + returned, shipped + returned = the shipped shipments'
  lines; per shipment line the returned quantity;
- per invoice and credit note: status, total, paid and credited; per payment what is allocated,
  and the allocations per (payment, invoice);
- per customer: the ledger receivable (1122 less the credit in 2203) = issued invoices − issued
  credit notes − payments; 1122 = Σ outstanding; 2203 = Σ unallocated.

At the end of each example the check_invariants rules report nothing. Deterministic for CI:
derandomized, no example database, no shrinking unless HYPOTHESIS_SHRINK=1.

Two service bugs the machine found have their own tests at the end: credit_note_from_return
credited goods that came back before they were invoiced, and on SQLite the money counters moved
in SQL drifted as floats (56.50000000000001), so an exactly paid invoice broke its check
constraint (now core.arithmetic.moved rounds them in the same statement)."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from salesdept.billing.models import Allocation, Invoice, InvoiceKind, InvoiceStatus, Payment
from salesdept.billing.services import credit_notes, invoices, payments
from salesdept.catalog.models import Product
from salesdept.core import invariants
from salesdept.core.errors import DomainError
from salesdept.core.models import DocumentEvent
from salesdept.ledger import codes
from salesdept.ledger.models import JournalEntry
from salesdept.ledger.selectors.balances import account_balance, customer_receivable
from salesdept.sales.models import SalesOrderLine
from salesdept.sales.services import orders
from salesdept.shipping.models import ReturnAuthorisation, Shipment, ShipmentLine, ShipmentStatus
from salesdept.shipping.services import returns, shipments
from salesdept.warehouse.models import Quality, Stock, StockLot, StockMove, StockReservation
from tests.billing.conftest import new_customer, next_invoice_no
from tests.stateful import stateful_settings
from tests.warehouse.conftest import WarehouseSet, new_product, new_warehouse, post_receipt

ZERO = Decimal("0")
CENT = Decimal("0.01")
PRICES = ("113.00", "56.50", "2000.00")  # list prices incl. 13 % VAT
BASE_STOCK = 12  # units of each product received before the run (the rest by the receive rule)
SHIPMENT_APPROVERS = ["finance", "manager1", "director"]
RETURN_APPROVERS = ["manager1", "finance", "director"]
INVOICE_APPROVERS = ["finance", "director"]
LOW_STOCK = 6  # free units of a product below which more is received
MAX_ORDERS = 5  # a few orders, so that the steps go down the chain rather than wide
PICK = st.integers(0, 999)  # which of the eligible documents (modulo their number)
PARTS = st.lists(st.integers(0, 99), min_size=3, max_size=3)  # per line: n mod (what is open + 1)
ORDER_LINES = st.lists(
    st.tuples(st.integers(0, 2), st.integers(1, 12)), min_size=1, max_size=3, unique_by=lambda t: t[0]
)
REFUSALS = [
    "over_ship",
    "over_invoice",
    "over_return",
    "clerk_approves_own_shipment",
    "clerk_approves_own_invoice",
    "credit_twice",
    "allocate_nothing",
]
LIVE = (ShipmentStatus.DRAFT, ShipmentStatus.SUBMITTED)
RETURNABLE = (ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED)
# What a run must have reached, so that a vacuous run fails.
# What every run must reach. "credit allocated" and "over_invoicing" are reached in most runs
# but not all (Hypothesis's draws vary with the database's ids), so they are not required here;
# tests/billing/test_payments_* and test_invoices_* cover them directly.
MUST_SEE = [
    *("shipped", "returned", "invoice issued", "credit note issued", "paid more than owed"),
    "paid back to credit",
    *("over_shipping", "own_document", "invalid", "insufficient_stock"),
    *("already_credited", "nothing_to_allocate"),
]
SETTINGS = stateful_settings(max_examples=8, steps=25)


# --- the set-up shared by every example (rolled back to it after each) -----------------------


@dataclass
class World:
    people: dict
    customers: list[tuple[int, str]]  # (customer id, owner's username)
    products: list[Product]
    wh: WarehouseSet
    payment_step: int = 1  # cents: payments are multiples of it


def prepare(org) -> World:
    """Two customers (of sales1 and sales2), three goods and BASE_STOCK of each received by the
    keeper through the warehouse service; the machine's class gets them."""
    wh = new_warehouse(org.keeper)
    products = [new_product(name=f"全流程测试阀门{k}", price=price) for k, price in enumerate(PRICES)]
    for product in products:
        post_receipt(org.keeper, wh.a1, product, BASE_STOCK, unit_cost="40.00")
    customers = [(new_customer(org, org.people[u]).pk, u) for u in ("sales1", "sales2")]
    OrderToCash.world = World(dict(org.people), customers, products, wh)
    OrderToCash.seen = Counter()
    return OrderToCash.world


# --- the model ---------------------------------------------------------------------------------


@dataclass
class Line:
    """An order line as the rules say it should be."""

    order: int
    product: int
    price: Decimal
    quantity: Decimal
    shipped: Decimal = ZERO  # what the customer kept: shipped − returned
    returned: Decimal = ZERO
    invoiced: Decimal = ZERO  # issued invoices − issued credit notes


@dataclass
class Order:
    customer: int
    lines: list[int]  # order line ids, by position


@dataclass
class ShipmentModel:
    order: int
    status: str
    lines: dict[int, tuple[int, Decimal]]  # shipment line id → (order line id, quantity)
    returned: dict[int, Decimal] = field(default_factory=dict)  # shipment line id → returned


@dataclass
class InvoiceModel:
    customer: int
    order: int
    kind: str
    status: str
    lines: dict[int, Decimal]  # order line id → quantity (one invoice line each)
    total: Decimal
    paid: Decimal = ZERO
    credited: Decimal = ZERO
    credited_qty: dict[int, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    corrects: int | None = None

    @property
    def outstanding(self) -> Decimal:
        return self.total - self.paid - self.credited


@dataclass
class ReturnModel:
    order: int
    lines: dict[int, Decimal]  # order line id → quantity returned
    credited: bool = False


@dataclass
class PaymentModel:
    customer: int
    amount: Decimal
    allocated: Decimal = ZERO


@dataclass
class AllocationModel:
    payment: int
    invoice: int
    amount: Decimal


def choose(items, n: int):
    items = sorted(items)
    return items[n % len(items)]


def footprint() -> dict:
    """Everything a refused call could have touched: row counts and the moving figures."""
    return {
        "counts": [
            m.objects.count()
            for m in (
                Shipment,
                ShipmentLine,
                ReturnAuthorisation,
                Invoice,
                Payment,
                Allocation,
                JournalEntry,
                StockMove,
                StockReservation,
                DocumentEvent,
            )
        ],
        "order_lines": list(
            SalesOrderLine.objects.order_by("pk").values_list(
                "pk", "shipped_quantity", "returned_quantity", "invoiced_quantity"
            )
        ),
        "lots": list(StockLot.objects.order_by("pk").values_list("pk", "quantity", "reserved")),
        "shipments": list(Shipment.objects.order_by("pk").values_list("pk", "status", "version")),
        "returns": list(ReturnAuthorisation.objects.order_by("pk").values_list("pk", "status", "version")),
        "invoices": list(
            Invoice.objects.order_by("pk").values_list(
                "pk", "status", "version", "invoice_no", "paid_amount", "credited_amount"
            )
        ),
        "payments": list(Payment.objects.order_by("pk").values_list("pk", "allocated_amount")),
    }


class OrderToCash(RuleBasedStateMachine):
    world: World = None  # set by prepare()
    seen: Counter = Counter()  # what the runs exercised, so a vacuous run fails

    def __init__(self):
        super().__init__()
        # Each example runs in a savepoint that teardown() rolls back: the set-up stays.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.people = self.world.people
        self.clerk = self.people["clerk"]
        self.received = {p.pk: Decimal(BASE_STOCK) for p in self.world.products}
        self.shipped_out = {p.pk: ZERO for p in self.world.products}
        self.came_back = {p.pk: ZERO for p in self.world.products}
        self.orders: dict[int, Order] = {}
        self.lines: dict[int, Line] = {}
        self.shipments: dict[int, ShipmentModel] = {}
        self.returns: dict[int, ReturnModel] = {}
        self.invoices: dict[int, InvoiceModel] = {}
        self.payments: dict[int, PaymentModel] = {}
        self.allocations: list[AllocationModel] = []  # in the order they were made (= pk order)

    def teardown(self):
        try:
            # The check_invariants rules agree (once per example: they are slower).
            assert invariants.run() == []
        finally:
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)

    # --- what the model says ---------------------------------------------------------------------

    def held(self, order_line: int) -> Decimal:
        """What live (draft, submitted) shipments hold of an order line."""
        return sum(
            (
                q
                for s in self.shipments.values()
                if s.status in LIVE
                for ol, q in s.lines.values()
                if ol == order_line
            ),
            ZERO,
        )

    def open_qty(self, order_line: int) -> Decimal:
        line = self.lines[order_line]
        return line.quantity - line.shipped - self.held(order_line)

    def invoiceable(self, order_line: int) -> Decimal:
        line = self.lines[order_line]
        return max(line.shipped - line.invoiced, ZERO)

    def reserved(self, product: int) -> Decimal:
        return sum(
            (
                q
                for s in self.shipments.values()
                if s.status == ShipmentStatus.SUBMITTED
                for ol, q in s.lines.values()
                if self.lines[ol].product == product
            ),
            ZERO,
        )

    def free_stock(self, product: int) -> Decimal:
        return self.received[product] - self.shipped_out[product] - self.reserved(product)

    def orders_with(self, quantity) -> list[int]:
        return [pk for pk, o in self.orders.items() if any(quantity(ol) > 0 for ol in o.lines)]

    def part_of(self, order: int, quantity, parts: list[int]) -> dict[int, Decimal]:
        """A random part of `quantity` per line of `order` (at least one unit of one line)."""
        lines = [ol for ol in self.orders[order].lines if quantity(ol) > 0]
        out = {}
        for ol, n in zip(lines, parts, strict=False):
            q = Decimal(n % (int(quantity(ol)) + 1))
            if q:
                out[ol] = q
        return out or {lines[0]: quantity(lines[0])}

    def open_invoices(self, customer: int) -> list[int]:
        """The customer's issued invoices with something outstanding, oldest due first (all are
        invoiced today with the same terms: by id)."""
        return sorted(
            pk
            for pk, i in self.invoices.items()
            if i.customer == customer
            and i.kind == InvoiceKind.INVOICE
            and i.status == InvoiceStatus.ISSUED
            and i.outstanding > 0
        )

    def owed(self, customer: int) -> Decimal:
        return sum((self.invoices[pk].outstanding for pk in self.open_invoices(customer)), ZERO)

    def allocate(self, payment: int, available: Decimal) -> Decimal:
        """Oldest first, as the model of payment_record / payment_allocate; the amount allocated."""
        p, left = self.payments[payment], available
        for pk in self.open_invoices(p.customer):
            if left <= 0:
                break
            invoice = self.invoices[pk]
            amount = min(left, invoice.outstanding)
            invoice.paid += amount
            self.allocations.append(AllocationModel(payment, pk, amount))
            left -= amount
        p.allocated += available - left
        return available - left

    def expected_credit_notes(self, ret: ReturnModel) -> list[tuple[int, dict[int, Decimal]]]:
        """What credit_note_from_return drafts, by its documented rule: per issued invoice of the
        order, newest first, the returned quantity of each order line it invoiced and has not
        credited yet, never more than the line is invoiced beyond what the customer kept (direct
        orders: shipped net of returns)."""
        left = {
            ol: min(q, max(ZERO, self.lines[ol].invoiced - self.lines[ol].shipped))
            for ol, q in ret.lines.items()
        }
        out = []
        for pk in sorted(self.invoices, reverse=True):
            invoice = self.invoices[pk]
            if (
                invoice.order != ret.order
                or invoice.kind != InvoiceKind.INVOICE
                or invoice.status != InvoiceStatus.ISSUED
            ):
                continue
            rows = {}
            for ol, quantity in invoice.lines.items():
                take = min(left.get(ol, ZERO), quantity - invoice.credited_qty[ol])
                if take > 0:
                    rows[ol] = take
                    left[ol] -= take
            if rows:
                out.append((pk, rows))
        return out

    # --- running an action that must be refused ---------------------------------------------------

    def refused(self, code: str, action, *, field_name: str | None = None, **kwargs) -> None:
        """`action(**kwargs)` must raise DomainError `code` (naming `field_name`) and change nothing."""
        before = footprint()
        with pytest.raises(DomainError) as refusal:
            action(**kwargs)
        assert refusal.value.code == code, (action.__name__, refusal.value.code, refusal.value.fields)
        if field_name is not None:
            assert field_name in refusal.value.fields, (action.__name__, refusal.value.fields)
        assert footprint() == before, f"{action.__name__} was refused ({code}) but changed something"
        self.seen[code] += 1

    # --- orders and stock --------------------------------------------------------------------------

    @initialize(
        first=ORDER_LINES,
        second=ORDER_LINES,
        parts=st.lists(PARTS, min_size=2, max_size=2),
        advance=st.integers(1, 500_000),
    )
    def two_orders_shipped_in_part(self, first, second, parts, advance):
        """Each run starts inside the chain: an order per customer, a random part of each
        shipped (or left a draft when the stock is short), what shipped of the first invoiced,
        and an advance payment 预收 of the second customer (their credit, nothing owed yet)."""
        self.new_order(0, first)
        self.new_order(1, second)
        for pick, part in enumerate(parts):
            self.ship(pick, part, "shipped", SHIPMENT_APPROVERS[pick])
        if self.orders_with(self.invoiceable):
            self.invoice(0, parts[0], 0, "issued", 1, INVOICE_APPROVERS[0])
        self.pay(3, "more", advance)  # who=3: the customer owing less — the second, owing nothing

    @precondition(lambda self: len(self.orders) < MAX_ORDERS)
    @rule(customer=st.integers(0, 1), lines=ORDER_LINES)
    def new_order(self, customer, lines):
        customer_id, owner = self.world.customers[customer]
        by = self.people[owner]
        rows = [{"product_id": self.world.products[i].pk, "quantity": str(q)} for i, q in lines]
        order = orders.order_create(by=by, customer_id=customer_id, lines=rows)
        orders.order_confirm(by=by, order_id=order.pk)
        made = list(
            order.lines.order_by("position").values_list("pk", "product_id", "unit_price", "quantity")
        )
        assert [(p, q) for _pk, p, _price, q in made] == [
            (r["product_id"], Decimal(r["quantity"])) for r in rows
        ]
        self.orders[order.pk] = Order(customer_id, [pk for pk, *_rest in made])
        for pk, product, price, quantity in made:
            assert price == Product.objects.get(pk=product).list_price  # no discount: no approval
            self.lines[pk] = Line(order.pk, product, price, quantity)

    @precondition(lambda self: min(map(self.free_stock, self.received)) < LOW_STOCK)
    @rule(product=st.integers(0, 2), quantity=st.integers(1, 15))
    def receive_stock(self, product, quantity):
        """The keeper receives more of a product (when one runs low)."""
        product = self.world.products[product]
        post_receipt(self.people["keeper"], self.world.wh.a1, product, quantity, unit_cost="40.00")
        self.received[product.pk] += quantity

    # --- shipments ---------------------------------------------------------------------------------

    def live_shipments(self, *states) -> list[int]:
        return [pk for pk, s in self.shipments.items() if s.status in states]

    @precondition(lambda self: self.orders_with(self.open_qty))
    @rule(
        pick=PICK,
        parts=PARTS,
        stage=st.sampled_from(["shipped", "shipped", "shipped", "submitted", "draft"]),
        approver=st.sampled_from(SHIPMENT_APPROVERS),
    )
    def ship(self, pick, parts, stage, approver):
        """The clerk prepares a shipment of a random part of what is open on an order; it is
        left a draft, submitted, or also approved by a second person."""
        order = choose(self.orders_with(self.open_qty), pick)
        wanted = self.part_of(order, self.open_qty, parts)
        a1 = self.world.wh.a1
        shipment = shipments.shipment_create(
            by=self.clerk,
            order_id=order,
            data={
                "warehouse": self.world.wh.pk,
                "lines": [
                    {"order_line": ol, "quantity": str(q), "location": a1.pk} for ol, q in wanted.items()
                ],
            },
        )
        made = dict(shipment.lines.values_list("order_line_id", "pk"))
        self.shipments[shipment.pk] = ShipmentModel(
            order, ShipmentStatus.DRAFT, {made[ol]: (ol, q) for ol, q in wanted.items()}
        )
        if stage != "draft":
            self.submit_shipment(shipment.pk)
        if stage == "shipped" and self.shipments[shipment.pk].status == ShipmentStatus.SUBMITTED:
            self.approve_shipment(shipment.pk, approver)

    def submit_shipment(self, pk: int) -> None:
        s = self.shipments[pk]
        if any(q > self.free_stock(self.lines[ol].product) for ol, q in s.lines.values()):
            self.refused("insufficient_stock", shipments.shipment_submit, by=self.clerk, shipment_id=pk)
            return
        shipments.shipment_submit(by=self.clerk, shipment_id=pk)
        s.status = ShipmentStatus.SUBMITTED

    def approve_shipment(self, pk: int, approver: str) -> None:
        s = self.shipments[pk]
        shipments.shipment_approve(by=self.people[approver], shipment_id=pk)
        s.status = ShipmentStatus.SHIPPED
        for ol, q in s.lines.values():
            self.lines[ol].shipped += q
            self.shipped_out[self.lines[ol].product] += q
        self.seen["shipped"] += 1

    @precondition(lambda self: self.live_shipments(*LIVE, ShipmentStatus.SHIPPED))
    @rule(pick=PICK, approver=st.sampled_from(SHIPMENT_APPROVERS))
    def advance_a_shipment(self, pick, approver):
        """A shipment takes its next step: a draft is submitted, a submitted one approved by a
        second person, a shipped one's delivery confirmed."""
        pk = choose(self.live_shipments(*LIVE, ShipmentStatus.SHIPPED), pick)
        status = self.shipments[pk].status
        if status == ShipmentStatus.DRAFT:
            self.submit_shipment(pk)
        elif status == ShipmentStatus.SUBMITTED:
            self.approve_shipment(pk, approver)
        else:
            shipments.shipment_deliver(
                by=self.clerk, shipment_id=pk, delivered_on=timezone.localdate(), received_by="收货人"
            )
            self.shipments[pk].status = ShipmentStatus.DELIVERED

    @precondition(lambda self: self.live_shipments(*LIVE))
    @rule(pick=PICK)
    def cancel_a_shipment(self, pick):
        pk = choose(self.live_shipments(*LIVE), pick)
        shipments.shipment_cancel(by=self.clerk, shipment_id=pk, note="客户改期")
        self.shipments[pk].status = ShipmentStatus.CANCELLED

    def clerk_approves_own_shipment(self, pick, which, extra) -> bool:
        if not self.live_shipments(ShipmentStatus.SUBMITTED):
            return False
        pk = choose(self.live_shipments(ShipmentStatus.SUBMITTED), pick)
        self.refused("own_document", shipments.shipment_approve, by=self.clerk, shipment_id=pk)
        return True

    def over_ship(self, pick, which, extra) -> bool:
        """One unit (or a few) more than is open on an order line: refused, nothing written."""
        order = choose(self.orders, pick)
        ol = self.orders[order].lines[which % len(self.orders[order].lines)]
        self.refused(
            "over_shipping",
            shipments.shipment_create,
            by=self.clerk,
            order_id=order,
            data={
                "warehouse": self.world.wh.pk,
                "lines": [
                    {
                        "order_line": ol,
                        "quantity": str(self.open_qty(ol) + extra),
                        "location": self.world.wh.a1.pk,
                    }
                ],
            },
        )
        return True

    # --- returns and credit notes -------------------------------------------------------------------

    def returnable(self, shipment: int) -> dict[int, Decimal]:
        s = self.shipments[shipment]
        return {sl: q - s.returned.get(sl, ZERO) for sl, (_ol, q) in s.lines.items()}

    def returnable_shipments(self) -> list[int]:
        return [
            pk
            for pk, s in self.shipments.items()
            if s.status in RETURNABLE and any(q > 0 for q in self.returnable(pk).values())
        ]

    @precondition(lambda self: self.returnable_shipments())
    @rule(
        pick=PICK,
        parts=PARTS,
        approver=st.sampled_from(RETURN_APPROVERS),
        clerk_tries_first=st.integers(0, 3),
        credit_now=st.integers(0, 2),
    )
    def return_goods(self, pick, parts, approver, clerk_tries_first, credit_now=0):
        """Part of a shipped shipment comes back: the clerk drafts and submits the return, a
        second person approves it (the clerk may try first: refused); mostly it is credited at
        once (credit_a_return), else later."""
        pk = choose(self.returnable_shipments(), pick)
        s = self.shipments[pk]
        free = self.returnable(pk)
        candidates = [sl for sl in sorted(free) if free[sl] > 0]
        wanted = {}
        for sl, n in zip(candidates, parts, strict=False):
            if q := Decimal(n % (int(free[sl]) + 1)):
                wanted[sl] = q
        wanted = wanted or {candidates[0]: free[candidates[0]]}
        ra = returns.return_create(
            by=self.clerk,
            shipment_id=pk,
            data={
                "reason": "客户退货: 包装破损",
                "lines": [{"shipment_line": sl, "quantity": str(q)} for sl, q in wanted.items()],
            },
        )
        assert ra.amount == sum((q * self.lines[s.lines[sl][0]].price for sl, q in wanted.items()), ZERO)
        returns.return_submit(by=self.clerk, return_id=ra.pk)
        if clerk_tries_first == 0:
            self.refused("own_document", returns.return_approve, by=self.clerk, return_id=ra.pk)
        returns.return_approve(by=self.people[approver], return_id=ra.pk)
        by_line = {}
        for sl, q in wanted.items():
            ol = s.lines[sl][0]
            s.returned[sl] = s.returned.get(sl, ZERO) + q
            line = self.lines[ol]
            line.shipped -= q
            line.returned += q
            self.came_back[line.product] += q
            by_line[ol] = q
        self.returns[ra.pk] = ReturnModel(s.order, by_line)
        self.seen["returned"] += 1
        if credit_now:
            self.credit(ra.pk, INVOICE_APPROVERS[credit_now % 2])

    def over_return(self, pick, which, extra) -> bool:
        """More than is still returnable of a shipment line: refused naming the line."""
        if not any(s.status in RETURNABLE for s in self.shipments.values()):
            return False
        pk = choose([pk for pk, s in self.shipments.items() if s.status in RETURNABLE], pick)
        free = self.returnable(pk)
        sl = sorted(free)[which % len(free)]
        self.refused(
            "invalid",
            returns.return_create,
            field_name="lines.1.quantity",
            by=self.clerk,
            shipment_id=pk,
            data={"reason": "超量退货", "lines": [{"shipment_line": sl, "quantity": str(free[sl] + extra)}]},
        )
        return True

    def uncredited_returns(self) -> list[int]:
        return [pk for pk, r in self.returns.items() if not r.credited]

    @precondition(lambda self: self.uncredited_returns())
    @rule(pick=PICK, approver=st.sampled_from(INVOICE_APPROVERS))
    def credit_a_return(self, pick, approver):
        """The clerk drafts the credit notes of a received return not credited yet; each is
        submitted and approved (the paid part of the invoice beyond what it still owes goes back
        to the customer's credit)."""
        self.credit(choose(self.uncredited_returns(), pick), approver)

    def credit_twice(self, pick, which, extra) -> bool:
        """A return that has its credit notes is not credited again."""
        done = [pk for pk, r in self.returns.items() if r.credited]
        if not done:
            return False
        self.refused(
            "already_credited",
            credit_notes.credit_note_from_return,
            by=self.clerk,
            return_id=choose(done, pick),
        )
        return True

    def credit(self, pk: int, approver: str) -> None:
        """credit_note_from_return of return `pk` (drafts compared with the model), then each
        draft submitted by the clerk and approved by `approver`."""
        ret = self.returns[pk]
        expected = self.expected_credit_notes(ret)
        taken = defaultdict(Decimal)
        for _invoice, rows in expected:
            for ol, q in rows.items():
                taken[ol] += q
        # a credit note never takes invoiced below what the customer kept
        assert all(self.lines[ol].invoiced - q >= self.lines[ol].shipped for ol, q in taken.items())
        notes = credit_notes.credit_note_from_return(by=self.clerk, return_id=pk)
        made = [(n.corrects_id, dict(n.lines.values_list("order_line_id", "quantity"))) for n in notes]
        assert made == expected, (made, expected)
        for note, (original, rows) in zip(notes, expected, strict=True):
            total = sum((q * self.lines[ol].price for ol, q in rows.items()), ZERO)
            assert note.total_amount == total and note.kind == InvoiceKind.CREDIT_NOTE
            self.invoices[note.pk] = InvoiceModel(
                self.invoices[original].customer,
                ret.order,
                InvoiceKind.CREDIT_NOTE,
                InvoiceStatus.DRAFT,
                rows,
                total,
                corrects=original,
            )
            invoices.invoice_submit(by=self.clerk, invoice_id=note.pk)
            invoices.invoice_approve(
                by=self.people[approver], invoice_id=note.pk, invoice_no=next_invoice_no()
            )
            self.issue_credit_note(note.pk)
        ret.credited = bool(notes)  # none drafted (nothing invoiced yet): it can be credited later

    def issue_credit_note(self, pk: int) -> None:
        """The model of a credit note's approval: what was paid on the invoice beyond what it
        still owes goes back to the payments (newest allocation first), then it is credited."""
        note = self.invoices[pk]
        original = self.invoices[note.corrects]
        if note.total > original.outstanding:
            release = min(note.total - original.outstanding, original.paid)
            left = release
            for allocation in reversed(self.allocations):  # newest first (all allocated today)
                if allocation.invoice == note.corrects and left > 0:
                    take = min(left, allocation.amount)
                    allocation.amount -= take
                    self.payments[allocation.payment].allocated -= take
                    left -= take
            self.allocations = [a for a in self.allocations if a.amount > 0]
            original.paid -= release
            if release:
                self.seen["paid back to credit"] += 1
        original.credited += note.total
        for ol, q in note.lines.items():
            original.credited_qty[ol] += q
            self.lines[ol].invoiced -= q
        note.status = InvoiceStatus.ISSUED
        self.seen["credit note issued"] += 1

    # --- invoices -------------------------------------------------------------------------------------

    def waiting_invoices(self) -> list[int]:
        return [
            pk
            for pk, i in self.invoices.items()
            if i.kind == InvoiceKind.INVOICE and i.status == InvoiceStatus.SUBMITTED
        ]

    @precondition(lambda self: self.orders_with(self.invoiceable))
    @rule(
        pick=PICK,
        parts=PARTS,
        everything=st.integers(0, 3),
        stage=st.sampled_from(["issued", "issued", "issued", "waiting"]),
        without_number_first=st.integers(0, 3),
        approver=st.sampled_from(INVOICE_APPROVERS),
        use_credit=st.integers(0, 2),
    )
    def invoice(self, pick, parts, everything, stage, without_number_first, approver, use_credit=False):
        """The clerk prepares an invoice of a random part of what is invoiceable (or, by default,
        all of it) and submits it; finance or the director approves it with the invoice number —
        or it waits. Once issued, finance may use the customer's credit on it at once."""
        order = choose(self.orders_with(self.invoiceable), pick)
        if everything == 0:
            wanted = {ol: self.invoiceable(ol) for ol in self.orders[order].lines if self.invoiceable(ol) > 0}
            data = {}
        else:
            wanted = self.part_of(order, self.invoiceable, parts)
            data = {"lines": [{"order_line_id": ol, "quantity": str(q)} for ol, q in wanted.items()]}
        invoice = invoices.invoice_create(by=self.clerk, order_id=order, data=data)
        assert dict(invoice.lines.values_list("order_line_id", "quantity")) == wanted
        total = sum((q * self.lines[ol].price for ol, q in wanted.items()), ZERO)
        assert invoice.total_amount == total
        self.invoices[invoice.pk] = InvoiceModel(
            self.orders[order].customer, order, InvoiceKind.INVOICE, InvoiceStatus.DRAFT, wanted, total
        )
        invoices.invoice_submit(by=self.clerk, invoice_id=invoice.pk)
        self.invoices[invoice.pk].status = InvoiceStatus.SUBMITTED
        if stage == "waiting":
            return
        if without_number_first == 0:
            self.refused(
                "invalid",
                invoices.invoice_approve,
                field_name="invoice_no",
                by=self.people[approver],
                invoice_id=invoice.pk,
            )
        self.approve_invoice(invoice.pk, approver)
        customer = self.orders[order].customer
        if use_credit and (
            mine := [pk for pk in self.allocatable() if self.payments[pk].customer == customer]
        ):
            self.allocate_credit(pick, among=mine)

    def approve_invoice(self, pk: int, approver: str) -> None:
        """Approve a submitted invoice: refused (over_invoicing) when a return or another invoice
        left less invoiceable than it asks — then sent back and cancelled."""
        invoice = self.invoices[pk]
        by = self.people[approver]
        if any(q > self.invoiceable(ol) for ol, q in invoice.lines.items()):
            self.refused(
                "over_invoicing", invoices.invoice_approve, by=by, invoice_id=pk, invoice_no=next_invoice_no()
            )
            invoices.invoice_reject(by=by, invoice_id=pk, note="可开票数量不足")
            invoices.invoice_cancel(by=self.clerk, invoice_id=pk)
            invoice.status = InvoiceStatus.CANCELLED
            return
        invoices.invoice_approve(by=by, invoice_id=pk, invoice_no=next_invoice_no())
        invoice.status = InvoiceStatus.ISSUED
        for ol, q in invoice.lines.items():
            self.lines[ol].invoiced += q
        self.seen["invoice issued"] += 1

    @precondition(lambda self: self.waiting_invoices())
    @rule(pick=PICK, approver=st.sampled_from(INVOICE_APPROVERS))
    def approve_a_waiting_invoice(self, pick, approver):
        self.approve_invoice(choose(self.waiting_invoices(), pick), approver)

    def clerk_approves_own_invoice(self, pick, which, extra) -> bool:
        if not self.waiting_invoices():
            return False
        pk = choose(self.waiting_invoices(), pick)
        self.refused(
            "own_document",
            invoices.invoice_approve,
            by=self.clerk,
            invoice_id=pk,
            invoice_no=next_invoice_no(),
        )
        return True

    def over_invoice(self, pick, which, extra) -> bool:
        order = choose(self.orders, pick)
        ol = self.orders[order].lines[which % len(self.orders[order].lines)]
        self.refused(
            "over_invoicing",
            invoices.invoice_create,
            by=self.clerk,
            order_id=order,
            data={"lines": [{"order_line_id": ol, "quantity": str(self.invoiceable(ol) + extra)}]},
        )
        return True

    @rule(what=st.sampled_from(REFUSALS), pick=PICK, which=st.integers(0, 2), extra=st.integers(1, 5))
    def something_refused(self, what, pick, which, extra):
        """One of the actions that must be refused (each changes nothing): the one drawn, else
        the next that has something to work on (over-shipping always has)."""
        start = REFUSALS.index(what)
        for name in REFUSALS[start:] + REFUSALS[:start]:
            if getattr(self, name)(pick, which, extra):
                return

    # --- payments -------------------------------------------------------------------------------------

    @precondition(lambda self: any(i.status == InvoiceStatus.ISSUED for i in self.invoices.values()))
    @rule(
        who=st.integers(0, 3),
        how=st.sampled_from(["part", "exact", "more"]),
        cents=st.integers(1, 2_000_000),
    )
    def pay(self, who, how, cents):
        """Finance records a payment — mostly from the customer owing more (who < 3): part of
        what is owed, exactly it, or more (kept as credit); allocated oldest first."""
        ids = sorted((c for c, _owner in self.world.customers), key=lambda c: (-self.owed(c), c))
        customer_id = ids[1] if who == 3 else ids[0]
        owed = self.owed(customer_id)
        step = self.world.payment_step
        below = (int(owed * 100) - 1) // step  # how many steps fit strictly below what is owed
        if how == "part" and below >= 1:
            amount = Decimal(step * (1 + cents % below)) * CENT
        elif how == "exact" and owed > 0:
            amount = owed
        else:
            amount = owed + Decimal(max(step, cents - cents % step)) * CENT
        payment = payments.payment_record(
            by=self.people["finance"],
            data={
                "customer": customer_id,
                "received_on": timezone.localdate().isoformat(),
                "amount": str(amount),
            },
        )
        self.payments[payment.pk] = PaymentModel(customer_id, amount)
        self.allocate(payment.pk, amount)
        if amount > owed:
            self.seen["paid more than owed"] += 1

    def allocatable(self, *, yes: bool = True) -> list[int]:
        """Payments with credit left whose customer has an open invoice (yes=False: the others)."""
        return [
            pk
            for pk, p in self.payments.items()
            if (p.amount > p.allocated and bool(self.open_invoices(p.customer))) == yes
        ]

    @precondition(lambda self: self.allocatable())
    @rule(pick=PICK)
    def allocate_credit(self, pick, among=None):
        """Finance allocates what is left of a payment (the customer's credit), oldest first."""
        pk = choose(among or self.allocatable(), pick)
        p = self.payments[pk]
        payments.payment_allocate(by=self.people["finance"], payment_id=pk)
        self.allocate(pk, p.amount - p.allocated)
        self.seen["credit allocated"] += 1

    def allocate_nothing(self, pick, which, extra) -> bool:
        """A payment fully allocated, or of a customer with nothing open: nothing to allocate."""
        if not self.allocatable(yes=False):
            return False
        self.refused(
            "nothing_to_allocate",
            payments.payment_allocate,
            by=self.people["finance"],
            payment_id=choose(self.allocatable(yes=False), pick),
        )
        return True

    # --- what must hold after every step ---------------------------------------------------------------

    def differences(self) -> list[str]:
        """Where the database and the model disagree (empty: they agree)."""
        found: list[str] = []

        def same(what: str, model, database) -> None:
            if model != database:
                found.append(f"{what}: model {model}, database {database}")

        # per order line: the counters, their bounds, and the shipments they follow from
        rows = SalesOrderLine.objects.filter(pk__in=list(self.lines)).values_list(
            "pk", "quantity", "shipped_quantity", "returned_quantity", "invoiced_quantity"
        )
        same("order lines", sorted(self.lines), sorted(pk for pk, *_rest in rows))
        for pk, quantity, shipped, returned, invoiced in rows:
            line = self.lines[pk]
            same(f"order line {pk} shipped", line.shipped, shipped)
            same(f"order line {pk} returned", line.returned, returned)
            same(f"order line {pk} invoiced", line.invoiced, invoiced)
            if not (ZERO <= shipped <= quantity and ZERO <= invoiced <= shipped + returned):
                found.append(f"order line {pk}: shipped {shipped}, invoiced {invoiced} of {quantity}")
        went = defaultdict(Decimal)
        for ol, q in ShipmentLine.objects.filter(
            shipment__in=list(self.shipments), shipment__status__in=RETURNABLE
        ).values_list("order_line_id", "quantity"):
            went[ol] += q
        for pk, line in self.lines.items():
            same(
                f"order line {pk} shipped + returned = shipped shipments",
                line.shipped + line.returned,
                went[pk],
            )
        # shipments and their lines
        db_shipments = dict(Shipment.objects.filter(order__in=list(self.orders)).values_list("pk", "status"))
        same("shipments", {pk: s.status for pk, s in self.shipments.items()}, db_shipments)
        back = dict(
            ShipmentLine.objects.filter(shipment__in=list(self.shipments)).values_list(
                "pk", "returned_quantity"
            )
        )
        for s in self.shipments.values():
            for sl in s.lines:
                same(f"shipment line {sl} returned", s.returned.get(sl, ZERO), back.get(sl))
        # per product: on hand, by quality, reserved
        by_quality = defaultdict(Decimal)
        for product, quality, quantity in StockLot.objects.filter(
            product__in=list(self.received), quantity__gt=0
        ).values_list("product_id", "quality", "quantity"):
            by_quality[product, quality] += quantity
        stock = defaultdict(lambda: [ZERO, ZERO])
        for product, quantity, reserved in Stock.objects.filter(product__in=list(self.received)).values_list(
            "product_id", "quantity", "reserved"
        ):
            stock[product][0] += quantity
            stock[product][1] += reserved
        for p, received in self.received.items():
            on_hand = received - self.shipped_out[p] + self.came_back[p]
            same(f"product {p} on hand (received − shipped + returned)", on_hand, stock[p][0])
            same(f"product {p} accepted", received - self.shipped_out[p], by_quality[p, Quality.ACCEPTED])
            same(f"product {p} pending inspection", self.came_back[p], by_quality[p, Quality.PENDING])
            same(f"product {p} reserved", self.reserved(p), stock[p][1])
        # invoices, credit notes, payments, allocations
        db_invoices = {
            pk: rest
            for pk, *rest in Invoice.objects.filter(order__in=list(self.orders)).values_list(
                "pk", "kind", "status", "total_amount", "paid_amount", "credited_amount"
            )
        }
        same(
            "invoices",
            {pk: [i.kind, i.status, i.total, i.paid, i.credited] for pk, i in self.invoices.items()},
            db_invoices,
        )
        db_payments = dict(Payment.objects.values_list("pk", "allocated_amount"))
        same("payments allocated", {pk: p.allocated for pk, p in self.payments.items()}, db_payments)
        expected, actual = defaultdict(Decimal), defaultdict(Decimal)
        for a in self.allocations:
            expected[a.payment, a.invoice] += a.amount
        for payment, invoice, amount in Allocation.objects.values_list("payment_id", "invoice_id", "amount"):
            actual[payment, invoice] += amount
        same("allocations", dict(expected), dict(actual))
        # per customer: the ledger
        for customer, _owner in self.world.customers:
            issued = [
                i
                for i in self.invoices.values()
                if i.customer == customer and i.status == InvoiceStatus.ISSUED
            ]
            invoiced = sum((i.total for i in issued if i.kind == InvoiceKind.INVOICE), ZERO)
            credited = sum((i.total for i in issued if i.kind == InvoiceKind.CREDIT_NOTE), ZERO)
            paid = sum((p.amount for p in self.payments.values() if p.customer == customer), ZERO)
            credit = sum(
                (p.amount - p.allocated for p in self.payments.values() if p.customer == customer), ZERO
            )
            same(
                f"customer {customer} receivable (invoiced − credited − paid)",
                invoiced - credited - paid,
                customer_receivable(customer),
            )
            same(
                f"customer {customer} account 1122 (Σ outstanding)",
                sum((i.outstanding for i in issued if i.kind == InvoiceKind.INVOICE), ZERO),
                account_balance(codes.RECEIVABLE, customer_id=customer),
            )
            same(
                f"customer {customer} account 2203 (Σ unallocated)",
                -credit,
                account_balance(codes.CUSTOMER_ADVANCES, customer_id=customer),
            )
        return found

    @invariant()
    def books_match_the_model(self):
        found = self.differences()
        assert not found, "\n".join(found)


# --- the tests -----------------------------------------------------------------------------------------


def test_order_to_cash_keeps_the_books_under_random_use(org):
    prepare(org)
    run_state_machine_as_test(OrderToCash, settings=SETTINGS)
    # The runs must have reached what they guard, not only refusals.
    missing = [what for what in MUST_SEE if not OrderToCash.seen[what]]
    assert not missing, f"the random runs never reached {missing}; seen: {dict(OrderToCash.seen)}"


def test_the_comparison_reports_a_model_that_is_wrong(org):
    """The invariant can fail: one wrong figure in the model is reported, naming it."""
    world = prepare(org)
    machine = OrderToCash()
    try:
        machine.new_order(0, [(0, 6), (1, 4)])
        machine.ship(pick=0, parts=[6, 4, 0], stage="shipped", approver="finance")  # all of it
        machine.invoice(pick=0, parts=[99, 99, 99], everything=0, stage="issued", without_number_first=1,
                        approver="finance")  # fmt: skip
        machine.pay(who=0, how="part", cents=10_000)
        machine.books_match_the_model()  # agrees
        first_line = machine.orders[min(machine.orders)].lines[0]
        product = world.products[0].pk
        customer = world.customers[0][0]
        payment = next(iter(machine.payments.values()))
        wrong = [
            (machine.lines[first_line], "shipped", f"order line {first_line} shipped"),
            (machine.lines[first_line], "invoiced", f"order line {first_line} invoiced"),
            (payment, "amount", f"customer {customer} receivable"),
        ]
        for obj, name, reported in wrong:
            right = getattr(obj, name)
            setattr(obj, name, right + 1)
            assert any(d.startswith(reported) for d in machine.differences()), (name, machine.differences())
            with pytest.raises(AssertionError, match=reported):
                machine.books_match_the_model()
            setattr(obj, name, right)
        machine.received[product] -= 1
        assert any(d.startswith(f"product {product} on hand") for d in machine.differences())
        machine.received[product] += 1
        assert machine.differences() == []
    finally:
        machine.teardown()


def test_a_return_received_before_its_invoice_is_not_credited(org):
    """Shipped 6, 2 come back, then the invoice covers the 4 kept: nothing of it is for the
    returned goods, so the return has nothing to credit (found by the machine: the service used
    to draft a credit note for 2, taking invoiced to 2 while the customer kept 4)."""
    world = prepare(org)
    machine = OrderToCash()
    try:
        machine.new_order(0, [(0, 6)])
        machine.ship(pick=0, parts=[6, 0, 0], stage="shipped", approver="finance")
        machine.return_goods(pick=0, parts=[2, 0, 0], approver="manager1", clerk_tries_first=1)
        machine.invoice(pick=0, parts=[0, 0, 0], everything=0, stage="issued", without_number_first=1,
                        approver="finance")  # fmt: skip
        (line,) = machine.lines.values()
        assert (line.shipped, line.returned, line.invoiced) == (4, 2, 4)
        (ret,) = machine.returns
        notes = credit_notes.credit_note_from_return(by=world.people["clerk"], return_id=ret)
        assert [n.total_amount for n in notes] == []
    finally:
        machine.teardown()


def test_an_invoice_paid_in_three_parts(org):
    """An invoice of 56.50 paid 0.57 + 54.09 + 1.84: all three are recorded and it is paid (on
    SQLite, paid_amount + 1.84 summed as a float used to give 56.50000000000001, which the check
    constraint invoice_outstanding_not_negative refused: an IntegrityError, a 500)."""
    world = prepare(org)
    machine = OrderToCash()
    try:
        machine.new_order(0, [(1, 1)])  # one unit at 56.50
        machine.ship(pick=0, parts=[1, 0, 0], stage="shipped", approver="finance")
        machine.invoice(pick=0, parts=[1, 0, 0], everything=0, stage="issued", without_number_first=1,
                        approver="finance")  # fmt: skip
        customer = world.customers[0][0]
        for amount in ("0.57", "54.09", "1.84"):
            payments.payment_record(
                by=world.people["finance"],
                data={
                    "customer": customer,
                    "received_on": timezone.localdate().isoformat(),
                    "amount": amount,
                },
            )
        (invoice,) = Invoice.objects.filter(customer_id=customer)
        assert invoice.paid_amount == Decimal("56.50") and invoice.outstanding == 0
        assert invariants.run({"I7"}) == []
    finally:
        machine.teardown()


def test_an_invoice_paid_and_credited_to_the_cent(org):
    """Settled to the cent is settled: on SQLite paid + credited is a binary float, 0.01 + 0.06 =
    0.06999999999999999 (below 0.07: the invoice looked open) and 0.02 + 0.28 =
    0.30000000000000004 (above 0.30: the check constraint refused settling it). The open-invoice
    condition and the constraint compare to half a cent, so neither is fooled on either database;
    a cent too much is still refused."""
    from salesdept.billing.models import OPEN, SETTLED

    world = prepare(org)
    machine = OrderToCash()
    try:
        machine.new_order(0, [(1, 1)])
        machine.ship(pick=0, parts=[1, 0, 0], stage="shipped", approver="finance")
        machine.invoice(pick=0, parts=[1, 0, 0], everything=0, stage="issued", without_number_first=1,
                        approver="finance")  # fmt: skip
        (invoice,) = Invoice.objects.filter(customer_id=world.customers[0][0])
        amounts = Invoice.objects.filter(pk=invoice.pk)

        def book(total, paid, credited):
            amounts.update(
                total_amount=Decimal(total), paid_amount=Decimal(paid), credited_amount=Decimal(credited)
            )

        for total, paid, credited in (("0.07", "0.01", "0.06"), ("0.30", "0.02", "0.28")):
            book(total, paid, credited)
            assert not amounts.filter(OPEN).exists() and amounts.filter(SETTLED).exists(), (total, paid)
        book("0.30", "0.02", "0.27")
        assert amounts.filter(OPEN).exists() and not amounts.filter(SETTLED).exists()
        with pytest.raises(IntegrityError), transaction.atomic():
            book("0.30", "0.03", "0.28")
        book(str(invoice.total_amount), "0", "0")  # as the books say, for the invariants
    finally:
        machine.teardown()
