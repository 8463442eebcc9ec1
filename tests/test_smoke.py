from decimal import Decimal

from tests.exampleapp import services


def test_voucher_round_trip_by_two_people(org):
    v = services.voucher_create(by=org.sales1, amount=Decimal("500"))
    services.voucher_submit(by=org.sales1, voucher_id=v.pk)
    v = services.voucher_approve(by=org.manager1, voucher_id=v.pk)
    assert v.status == "approved"
    assert v.number.startswith("EX-")
