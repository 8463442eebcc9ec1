"""Demo contracts 合同 (S3) and sales orders (S4): a year of contracts in every state — draft,
in review at each step (manager, finance, director), sent back, approved, signed, registered and
archived, amended (the original superseded) and cancelled — with payment milestones and delivery
schedules; orders from the signed ones' delivery schedules, and a few direct small sales.

Everything goes through the services as the right people: the salesperson drafts and submits,
the team's manager, finance and the director review by amount, the clerk signs, registers and
archives. Dates are set afterwards (the services stamp today). Needs customers (demo/crm.py),
products (demo/catalog.py) and quotations (demo/sales_quotes.py) loaded before."""

import datetime
import random
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from salesdept.catalog.models import Product
from salesdept.core.errors import DomainError
from salesdept.crm.models import Customer
from salesdept.sales.models import (
    Contract,
    ContractReviewRule,
    ContractStatus,
    PaymentMilestone,
    Quotation,
    SalesOrder,
)
from salesdept.sales.services import contracts as services
from salesdept.sales.services import orders as order_services

FROM_SCRATCH = 36
FROM_QUOTATIONS = 14
DIRECT_ORDERS = 12
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TITLES = ["设备采购合同", "年度供货合同", "车辆销售合同", "商品房买卖合同", "备件供应合同", "工程项目合同"]
MILESTONE_PLANS = [
    [("预付款", "30", "signing", 7), ("到货款", "70", "delivery", 30)],
    [("定金", "20", "signing", 3), ("发货款", "50", "delivery", 10), ("验收款", "30", "acceptance", 30)],
    [("全款", "100", "signing", 15)],
]
# target state → weight
STATES = [
    ("draft", 4),
    ("sent_back", 2),
    ("at_manager", 3),
    ("at_finance", 2),
    ("at_director", 2),
    ("approved", 3),
    ("signed", 10),
    ("registered", 6),
    ("archived", 3),
    ("amended", 2),
    ("amending", 1),
    ("cancelled", 2),
]
REVIEWER_ROLE = {
    ContractReviewRule.Step.FINANCE.value: "finance",
    ContractReviewRule.Step.DIRECTOR.value: "director",
}


def load(ctx) -> None:
    rng = random.Random(ctx.rng.random())
    if Contract.objects.exists():
        ctx.say("Contracts exist already: the contract and order demo data is not loaded again.")
        return
    products = list(Product.objects.filter(is_active=True).order_by("code"))
    customers = [
        c
        for c in Customer.objects.active().select_related("owner", "owner__team").order_by("pk")
        if "salesperson" in c.owner.role_names and c.owner.is_active and c.owner.team_id
    ]
    if not products or not customers:
        ctx.say("No products or customers: no contracts loaded.")
        return
    world = _World(rng=rng, org=ctx.org, today=timezone.localdate(), products=products, customers=customers)
    quotations = list(
        Quotation.objects.filter(status=Quotation.Status.ACCEPTED, owner__team__isnull=False)
        .select_related("owner")
        .order_by("pk")[:FROM_QUOTATIONS]
    )
    for quotation in quotations:
        world.from_quotation(quotation)
    for _ in range(FROM_SCRATCH):
        world.from_scratch()
    for _ in range(DIRECT_ORDERS):
        world.direct_order()
    world.back_date()
    ctx.counts.update(contracts=Contract.objects.count(), orders=SalesOrder.objects.count())
    ctx.say("Contracts and orders: {contracts} contracts, {orders} sales orders.".format(**ctx.counts))


class _World:
    def __init__(self, *, rng, org, today, products, customers):
        self.rng, self.org, self.today = rng, org, today
        self.products, self.customers = products, customers
        self.dated: list[tuple] = []
        self.registered = 0

    # --- helpers -----------------------------------------------------------------------------

    def state(self) -> str:
        names, weights = zip(*STATES, strict=True)
        return self.rng.choices(names, weights=weights)[0]

    def day(self, low=5, high=360) -> datetime.date:
        return self.today - datetime.timedelta(days=self.rng.randint(low, high))

    def at(self, day: datetime.date) -> datetime.datetime:
        day = max(day, self.today.replace(month=1, day=1))  # never before the number's year (I8)
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9 + self.rng.randint(0, 8))))

    def quantity(self, product) -> Decimal:
        if product.kind == Product.Kind.UNIT:
            return Decimal("1")
        if product.list_price >= Decimal("100000"):
            return Decimal(self.rng.choice([1, 1, 2, 3]))
        return Decimal(self.rng.choice([2, 5, 10, 20, 50, 100]))

    def plan(self, contract: Contract, start: datetime.date) -> None:
        """Milestones and a delivery schedule (one or two deliveries per line)."""
        milestones = [
            {"label": label, "percent": Decimal(p), "trigger": trigger, "days": days}
            for label, p, trigger, days in self.rng.choice(MILESTONE_PLANS)
        ]
        deliveries = []
        for line in contract.lines.order_by("position"):
            first = start + datetime.timedelta(days=self.rng.randint(15, 60))
            if line.quantity >= 4 and self.rng.random() < 0.5:
                half = (line.quantity / 2).quantize(Decimal("1"))
                deliveries.append({"line": line.position, "planned_on": first, "quantity": half})
                deliveries.append(
                    {
                        "line": line.position,
                        "planned_on": first + datetime.timedelta(days=30),
                        "quantity": line.quantity - half,
                    }
                )
            else:
                deliveries.append({"line": line.position, "planned_on": first, "quantity": line.quantity})
        services.contract_update(
            by=contract.owner, contract_id=contract.pk, milestones=milestones, deliveries=deliveries
        )

    def reviewer(self, contract: Contract, permission: str):
        if permission == ContractReviewRule.Step.MANAGER.value:
            return contract.owner.team.manager
        return self.org.people[REVIEWER_ROLE[permission]]

    def review(self, contract: Contract, steps: int | None = None) -> None:
        """Approve `steps` steps of the route (all when None)."""
        contract.refresh_from_db()
        route = contract.review_route()
        for permission in route[: len(route) if steps is None else steps]:
            note = self.rng.choice(["", "同意", "价格合理，同意", "请按期交货"])
            services.contract_approve(
                by=self.reviewer(contract, permission), contract_id=contract.pk, note=note
            )

    def sign(self, contract: Contract, signed_on: datetime.date) -> None:
        services.contract_sign(
            by=self.org.clerk,
            contract_id=contract.pk,
            signed_on=self.today,
            signed_copy=ContentFile(PDF, name=f"{contract.number}-signed.pdf"),
        )
        self.dated.append(("signed", contract.pk, signed_on))

    def register(self, contract: Contract) -> None:
        self.registered += 1
        services.contract_register(
            by=self.org.clerk,
            contract_id=contract.pk,
            registration_number=f"DJ-{self.today.year}-{self.registered:04d}",
        )

    def orders(self, contract: Contract, signed_on: datetime.date) -> None:
        """Orders from the first planned deliveries; most confirmed, one in a while cancelled."""
        deliveries = list(contract.deliveries.order_by("planned_on", "pk"))
        if not deliveries:
            return
        due = [d for d in deliveries if d.planned_on <= self.today] or deliveries[:1]
        for delivery in due[: self.rng.randint(1, 3)]:
            # dated when it was placed (not back-dated afterwards: confirming records the
            # statistics' ordered facts on the order's date)
            ordered_on = min(max(signed_on, delivery.planned_on - datetime.timedelta(days=10)), self.today)
            try:
                order = order_services.order_create_from_contract(
                    by=contract.owner,
                    contract_id=contract.pk,
                    delivery_ids=[delivery.pk],
                    ordered_on=ordered_on,
                )
                roll = self.rng.random()
                if roll < 0.75:
                    order_services.order_confirm(by=contract.owner, order_id=order.pk)
                elif roll < 0.85:
                    order_services.order_cancel(
                        by=contract.owner, order_id=order.pk, note="客户推迟 Postponed"
                    )
            except DomainError:
                continue
            self.dated.append(("order", order.pk, ordered_on))

    # --- contracts -----------------------------------------------------------------------------

    def from_quotation(self, quotation: Quotation) -> None:
        start = max(quotation.quoted_on, self.today - datetime.timedelta(days=360))
        try:
            contract = services.contract_create_from_quotation(by=quotation.owner, quotation_id=quotation.pk)
            self.plan(contract, start)
        except DomainError:
            return
        self.drive(contract, start)

    def from_scratch(self) -> None:
        customer = self.rng.choice(self.customers)
        owner = customer.owner
        start = self.day()
        lines = []
        for product in self.rng.sample(self.products, self.rng.randint(1, 3)):
            lines.append(
                {
                    "product_id": product.pk,
                    "quantity": self.quantity(product),
                    "discount": Decimal(self.rng.choice([0, 0, 2, 3, 5])),
                }
            )
        try:
            contract = services.contract_create(
                by=owner,
                customer_id=customer.pk,
                title=self.rng.choice(TITLES),
                lines=lines,
                payment_terms="按合同付款节点付款。Payment by the milestones below.",
                delivery_terms="按交货计划送货至买方指定地点。Delivery by the schedule below.",
            )
            self.plan(contract, start)
        except DomainError:
            return
        self.drive(contract, start)

    def drive(self, contract: Contract, start: datetime.date) -> None:
        """Take the contract to a random state through the services."""
        self.dated.append(("created", contract.pk, start))
        target = self.state()
        owner = contract.owner
        try:
            if target == "draft":
                return
            if target == "cancelled":
                services.contract_cancel(
                    by=owner, contract_id=contract.pk, note="客户取消 Cancelled by the customer"
                )
                return
            services.contract_submit(by=owner, contract_id=contract.pk)
            route = contract.review_route()
            if target == "sent_back":
                manager = self.reviewer(contract, route[0])
                services.contract_reject(by=manager, contract_id=contract.pk, note="付款条件请重新确认")
                return
            if target in ("at_manager", "at_finance", "at_director"):
                wanted = {"at_manager": 0, "at_finance": 1, "at_director": 2}[target]
                self.review(contract, steps=min(wanted, len(route) - 1))
                return
            self.review(contract)
            if target == "approved":
                return
            signed_on = min(start + datetime.timedelta(days=self.rng.randint(3, 20)), self.today)
            self.sign(contract, signed_on)
            if target in ("registered", "archived", "amended", "amending"):
                self.register(contract)
            self.orders(contract, signed_on)
            if target == "archived":
                services.contract_archive(by=self.org.clerk, contract_id=contract.pk)
            elif target in ("amended", "amending"):
                self.amend(contract, signed_on, finish=target == "amended")
        except DomainError:
            return  # e.g. a price under the floor without an approval: stays where it stopped

    def amend(self, contract: Contract, signed_on: datetime.date, *, finish: bool) -> None:
        amendment = services.contract_amend(by=contract.owner, contract_id=contract.pk, note="增加数量")
        lines = [
            {"id": line.pk, "quantity": line.quantity + (0 if line.product.kind == Product.Kind.UNIT else 2)}
            for line in amendment.lines.select_related("product").order_by("position")
        ]
        deliveries = [
            {
                "line": line["id"],
                "planned_on": signed_on + datetime.timedelta(days=45),
                "quantity": line["quantity"],
            }
            for line in lines
        ]
        for d in deliveries:
            d["line_id"] = d.pop("line")
        services.contract_update(
            by=contract.owner, contract_id=amendment.pk, lines=lines, deliveries=deliveries
        )
        services.contract_submit(by=contract.owner, contract_id=amendment.pk)
        if not finish:
            return
        self.review(amendment)
        amended_on = min(signed_on + datetime.timedelta(days=self.rng.randint(20, 60)), self.today)
        self.sign(amendment, amended_on)
        self.dated.append(("created", amendment.pk, signed_on))

    def direct_order(self) -> None:
        customer = self.rng.choice(self.customers)
        cheap = [p for p in self.products if p.list_price < Decimal("20000")] or self.products
        product = self.rng.choice(cheap)
        try:
            order = order_services.order_create(
                by=customer.owner,
                customer_id=customer.pk,
                lines=[
                    {"product_id": product.pk, "quantity": self.quantity(product), "discount": Decimal("0")}
                ],
                notes="零星销售 Small direct sale",
            )
            if self.rng.random() < 0.7:
                order_services.order_confirm(by=customer.owner, order_id=order.pk)
        except DomainError:
            return
        self.dated.append(("order", order.pk, self.day(1, 200)))

    # --- dates -------------------------------------------------------------------------------

    def back_date(self) -> None:
        """The services stamped today; the demo history happened over the last year."""
        for kind, pk, day in self.dated:
            if kind == "created":
                Contract.objects.filter(pk=pk).update(created_at=self.at(day))
            elif kind == "signed":
                Contract.objects.filter(pk=pk).update(signed_on=day)
                for m in PaymentMilestone.objects.filter(
                    contract_id=pk, trigger=PaymentMilestone.Trigger.SIGNING
                ):
                    PaymentMilestone.objects.filter(pk=m.pk).update(
                        due_on=day + datetime.timedelta(days=m.days)
                    )
            elif kind == "order":
                SalesOrder.objects.filter(pk=pk).update(created_at=self.at(day))
        # an archived contract was archived after it was signed
        for contract in Contract.objects.filter(status=ContractStatus.ARCHIVED).only("pk", "signed_on"):
            if contract.signed_on:
                moment = self.at(min(contract.signed_on + datetime.timedelta(days=30), self.today))
                Contract.objects.filter(pk=contract.pk).update(archived_at=moment)
