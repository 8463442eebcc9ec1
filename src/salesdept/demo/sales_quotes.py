"""Demo inquiries 询盘 and quotations 报价 (S2): a year of customers asking and salespeople
answering, in every state — open (some overdue), quoted, closed; quotations in draft, sent
(some expired), accepted, rejected, cancelled, and revised ones (v1 superseded by v2 …), a few
with a discount beyond the salesperson's authority that a manager approved (事前请示).

Everything goes through the services as the people in `ctx.org`; the dates are set afterwards
(the services stamp today), with one queryset .update() per record, as demo/crm.py does.
Needs the customers (demo/crm.py) and the products (demo/catalog.py) loaded before."""

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from salesdept.catalog.models import Product
from salesdept.core.errors import DomainError
from salesdept.crm.models import Customer
from salesdept.sales.models import Inquiry, Quotation
from salesdept.sales.services import inquiries as inquiry_services
from salesdept.sales.services import quotations as quotation_services

INQUIRIES = 120
DIRECT_QUOTATIONS = 20
CLOSE_REASONS = [
    "客户预算取消 Budget cancelled",
    "客户选择了其他供应商 Chose another supplier",
    "需求不明确，客户未再联系 No further contact",
    "交期无法满足 Delivery date not feasible",
]
PAYMENT_TERMS = [
    "合同签订后预付30%，发货前付清余款。30% on signing, balance before shipment.",
    "预付50%，验收合格后30日内付清。50% in advance, balance within 30 days of acceptance.",
    "货到付款。Payment on delivery.",
]
DELIVERY_TERMS = [
    "合同生效后30日内送货至买方指定地点。Delivery within 30 days to the buyer's site.",
    "卖方工厂交货，运费由买方承担。Ex works, freight paid by the buyer.",
]


def load(ctx) -> None:
    rng = random.Random(ctx.rng.random())  # one draw whether or not anything is loaded
    if Quotation.objects.exists() or Inquiry.objects.exists():
        ctx.say("Quotations exist already: the inquiry and quotation demo data is not loaded again.")
        return
    products = list(
        Product.objects.filter(is_active=True).exclude(kind=Product.Kind.SERVICE).order_by("code")
    )
    products += list(Product.objects.filter(is_active=True, kind=Product.Kind.SERVICE).order_by("code"))
    customers = [
        c
        for c in Customer.objects.active().select_related("owner").order_by("pk")
        if "salesperson" in c.owner.role_names and c.owner.is_active
    ]
    if not products or not customers:
        ctx.say("No products or customers: no inquiries and quotations loaded.")
        return
    world = _World(rng=rng, org=ctx.org, today=timezone.localdate(), products=products, customers=customers)
    for _ in range(INQUIRIES):
        world.inquiry()
    for _ in range(DIRECT_QUOTATIONS):
        world.direct_quotation()
    world.back_date()
    ctx.counts.update(inquiries=Inquiry.objects.count(), quotations=Quotation.objects.count())
    ctx.say("Inquiries and quotations: {inquiries} inquiries, {quotations} quotations.".format(**ctx.counts))


class _World:
    def __init__(self, *, rng, org, today, products, customers):
        self.rng, self.org, self.today = rng, org, today
        self.products, self.customers = products, customers
        self.back_dated: list[tuple] = []

    # --- helpers -----------------------------------------------------------------------------

    def day(self) -> datetime.date:
        return self.today - datetime.timedelta(days=self.rng.randint(0, 360))

    def pick_products(self, n: int) -> list[Product]:
        # products of one industry together: a neighbourhood in code order
        start = self.rng.randrange(len(self.products))
        window = self.products[start : start + 8] or self.products[-8:]
        return self.rng.sample(window, min(n, len(window)))

    def quantity(self, product: Product) -> Decimal:
        if product.kind in (Product.Kind.UNIT, Product.Kind.SERIAL):
            return Decimal(1 if product.kind == Product.Kind.UNIT else self.rng.choice([1, 1, 2, 3, 5]))
        return Decimal(self.rng.choice([1, 2, 3, 5, 10, 20, 50, 100]))

    def manager_of(self, user):
        for manager in ("manager1", "manager2", "manager3"):
            candidate = self.org.people[manager]
            if candidate.team_id and candidate.team_id == user.team_id:
                return candidate
        return self.org.people["director"]

    # --- inquiries ---------------------------------------------------------------------------

    def inquiry(self) -> None:
        rng = self.rng
        customer = rng.choice(self.customers)
        seller = customer.owner
        received = self.day()
        products = self.pick_products(rng.randint(1, 4))
        lines = [{"product_id": p.pk, "quantity": self.quantity(p)} for p in products]
        age = (self.today - received).days
        fate = rng.random()
        unquotable = fate < 0.08 or (age < 10 and fate < 0.3)
        if unquotable:  # something not in the catalog yet
            lines.append(
                {
                    "description": rng.choice(
                        ["非标定制件 Custom part", "安装调试服务 Installation", "备品备件包 Spare parts kit"]
                    ),
                    "quantity": Decimal(1),
                }
            )
        inquiry = inquiry_services.inquiry_create(
            by=seller,
            customer_id=customer.pk,
            lines=lines,
            contact_name=rng.choice(["王经理", "李工", "张总", "陈采购", "刘主任", ""]),
            channel=rng.choice(["direct", "direct", "dealer", "online", "project"]),
            received_on=received,
            respond_by=received + datetime.timedelta(days=rng.choice([2, 3, 5, 7])),
            wanted_on=received + datetime.timedelta(days=rng.choice([30, 45, 60, 90])),
        )
        self.back_dated.append((Inquiry, inquiry.pk, {"created_at": self.at(received)}))
        if unquotable:
            if age > 20 and rng.random() < 0.7:
                inquiry_services.inquiry_close(
                    by=seller, inquiry_id=inquiry.pk, reason=rng.choice(CLOSE_REASONS)
                )
            return  # else stays open (overdue when old)
        if fate < 0.18:
            inquiry_services.inquiry_close(by=seller, inquiry_id=inquiry.pk, reason=rng.choice(CLOSE_REASONS))
            return
        if age < 4 and fate < 0.35:
            return  # fresh, still open
        quoted_on = min(self.today, received + datetime.timedelta(days=rng.randint(0, 4)))
        quotation = inquiry_services.inquiry_quote(
            by=seller, inquiry_id=inquiry.pk, language=rng.choice(["zh-hans", "zh-hans", "en"])
        )
        self.progress(quotation, seller, quoted_on)

    def direct_quotation(self) -> None:
        customer = self.rng.choice(self.customers)
        seller = customer.owner
        products = self.pick_products(self.rng.randint(1, 5))
        quoted_on = self.day()
        quotation = quotation_services.quotation_create(
            by=seller,
            customer_id=customer.pk,
            lines=[{"product_id": p.pk, "quantity": self.quantity(p)} for p in products],
            channel="direct",
            quoted_on=quoted_on,
            valid_until=self.today + datetime.timedelta(days=30),
            language=self.rng.choice(["zh-hans", "en"]),
        )
        self.progress(quotation, seller, quoted_on)

    # --- quotation life ----------------------------------------------------------------------

    def progress(self, quotation: Quotation, seller, quoted_on: datetime.date) -> None:
        """Discounts and terms, then send; then accepted, rejected, revised, cancelled, or left
        sent (expired when old) or draft."""
        rng = self.rng
        special = rng.random() < 0.08  # beyond a salesperson's 5 %: a manager approves it first
        lines = [
            {
                "product_id": line.product_id,
                "quantity": line.quantity,
                "discount": Decimal(rng.choice([0, 0, 1, 2, 3, 5]) if not special else rng.choice([6, 7, 8])),
            }
            for line in quotation.lines.all()
        ]
        quotation = quotation_services.quotation_update(
            by=seller,
            quotation_id=quotation.pk,
            lines=lines,
            quoted_on=quoted_on,
            valid_until=self.today + datetime.timedelta(days=30),
            payment_terms=rng.choice(PAYMENT_TERMS),
            delivery_terms=rng.choice(DELIVERY_TERMS),
        )
        self.dates(quotation, quoted_on)
        fate = rng.random()
        if fate < 0.08:
            return  # draft
        if special:
            self.approve(quotation, seller)
        if not self.send(quotation, seller):
            return
        if fate < 0.12:
            quotation_services.quotation_cancel(by=seller, quotation_id=quotation.pk)
            return
        if fate < 0.30:  # the customer asked for a better price: v2 (sometimes v3)
            for _ in range(rng.choice([1, 1, 2])):
                quotation = quotation_services.quotation_revise(by=seller, quotation_id=quotation.pk)
                quoted_on = min(self.today, quoted_on + datetime.timedelta(days=rng.randint(3, 10)))
                quotation = quotation_services.quotation_update(
                    by=seller,
                    quotation_id=quotation.pk,
                    quoted_on=quoted_on,
                    valid_until=self.today + datetime.timedelta(days=30),
                    lines=[
                        {
                            "product_id": x.product_id,
                            "quantity": x.quantity,
                            "discount": min(Decimal(5), x.discount + Decimal(rng.choice([1, 2]))),
                        }
                        for x in quotation.lines.all()
                    ],
                )
                self.dates(quotation, quoted_on)
                if not self.send(quotation, seller):
                    return
        age = (self.today - quoted_on).days
        outcome = rng.random()
        if age > 30 and outcome < 0.15:
            return  # never answered: expired
        if age <= 10 and outcome < 0.5:
            return  # waiting for the customer
        if outcome < 0.70:
            quotation_services.quotation_accept(by=seller, quotation_id=quotation.pk)
        else:
            quotation_services.quotation_reject(by=seller, quotation_id=quotation.pk)

    def approve(self, quotation: Quotation, seller) -> None:
        from salesdept.catalog.services.pricing import price_approval_decide, price_approval_request

        try:
            approval = price_approval_request(
                by=seller, doc=quotation, reason="重点客户批量采购，申请特价。Key account volume order."
            )
            price_approval_decide(
                by=self.manager_of(seller), approval_id=approval.pk, approve=True, note="同意"
            )
        except DomainError:
            pass

    def send(self, quotation: Quotation, seller) -> bool:
        try:
            quotation_services.quotation_send(by=seller, quotation_id=quotation.pk)
        except DomainError:
            return False  # e.g. a price-list price under the floor: stays a draft
        return True

    def dates(self, quotation: Quotation, quoted_on: datetime.date) -> None:
        validity = self.rng.choice([15, 30, 30, 60])
        self.back_dated.append(
            (
                Quotation,
                quotation.pk,
                {
                    "quoted_on": quoted_on,
                    "valid_until": quoted_on + datetime.timedelta(days=validity),
                    "created_at": self.at(quoted_on),
                },
            )
        )

    def at(self, day: datetime.date) -> datetime.datetime:
        # Numbers carry the year they were taken (this year); a record is never created before
        # its number's year (I8), so the creation stamp of last December's ones is 1 January.
        day = max(day, self.today.replace(month=1, day=1))
        moment = datetime.datetime.combine(
            day, datetime.time(9 + self.rng.randint(0, 8), self.rng.randint(0, 59))
        )
        return timezone.make_aware(moment)

    def back_date(self) -> None:
        """The services stamped today; the demo history happened over the last year."""
        for model, pk, values in self.back_dated:
            model.objects.filter(pk=pk).update(**values)
