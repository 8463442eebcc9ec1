"""Fixtures shared by the catalog tests (imported explicitly)."""

from decimal import Decimal
from types import SimpleNamespace

from django.contrib.contenttypes.models import ContentType

from salesdept.catalog.models import Category, PriceApproval, Product


def make_category(code="PUMP", name="泵", name_en="Pumps") -> Category:
    return Category.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en})[0]


def make_product(code="P-100", *, list_price="1000.00", floor_price="900.00", **kw) -> Product:
    kw.setdefault("category", make_category())
    kw.setdefault("name", "离心泵")
    kw.setdefault("name_en", "Centrifugal pump")
    return Product.objects.create(
        code=code,
        list_price=Decimal(list_price),
        floor_price=Decimal(floor_price) if floor_price is not None else None,
        **kw,
    )


def line(product, discount, unit_price=None, position=1):
    from salesdept.sales.lines import net_price

    discount = Decimal(discount)
    price = Decimal(unit_price) if unit_price is not None else net_price(product.list_price, discount)
    return SimpleNamespace(position=position, product=product, discount=discount, unit_price=price)


def make_approval(
    doc, *, by, discount="0", below_floor=False, status=PriceApproval.Status.APPROVED, decided_by=None
):
    return PriceApproval.objects.create(
        content_type=ContentType.objects.get_for_model(type(doc)),
        object_id=doc.pk,
        discount=Decimal(discount),
        below_floor=below_floor,
        reason="大客户",
        status=status,
        requested_by=by,
        decided_by=decided_by,
    )


_seq = iter(range(1, 10**6))


def make_customer(owner, region=None):
    from salesdept.accounts.models import Region
    from salesdept.crm.models import Customer
    from salesdept.crm.text import normalize_name, pinyin_key

    n = next(_seq)
    name = f"目录测试客户{n:05d}有限公司"
    return Customer.objects.create(
        code=f"CT-T-{n:06d}",
        name=name,
        name_normalized=normalize_name(name),
        name_pinyin=pinyin_key(name),
        region=region or owner.region or Region.objects.get(code="east"),
        owner=owner,
        created_by=owner,
    )


def make_quotation(owner, lines):
    """A draft quotation of `owner` with `lines` = [(product, discount), …] (test set-up only)."""
    import datetime

    from salesdept.core.numbering import next_number
    from salesdept.sales.lines import line_amount, net_price
    from salesdept.sales.models import Quotation, QuotationLine

    number = next_number(Quotation.NUMBER_PREFIX)
    today = datetime.date.today()
    quotation = Quotation.objects.create(
        number=number,
        base_number=number,
        customer=make_customer(owner),
        quoted_on=today,
        valid_until=today + datetime.timedelta(days=30),
        owner=owner,
        created_by=owner,
    )
    total = Decimal("0")
    for position, (product, discount) in enumerate(lines, start=1):
        discount = Decimal(discount)
        price = net_price(product.list_price, discount)
        amount = line_amount(Decimal("1"), price)
        total += amount
        QuotationLine.objects.create(
            quotation=quotation,
            product=product,
            quantity=Decimal("1"),
            list_price=product.list_price,
            discount=discount,
            unit_price=price,
            tax_rate=product.tax_rate,
            amount=amount,
            position=position,
        )
    quotation.total_amount = total
    quotation.save(update_fields=["total_amount"])
    return quotation
