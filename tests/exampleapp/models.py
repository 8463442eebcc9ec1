"""A small reviewed document used to prove the platform's review mechanism (X2).

Its route is chosen by amount like a contract's: manager; finance from 10,000; director from
100,000. It may still be edited while submitted, so "an editor after submission may not
approve" is exercised too."""

from decimal import Decimal

from django.db import models

from salesdept.core.models import Document, Status
from salesdept.core.workflow import standard_transitions

FINANCE_FROM = Decimal("10000")
DIRECTOR_FROM = Decimal("100000")


class Voucher(Document):
    NUMBER_PREFIX = "EX"
    TRANSITIONS = standard_transitions()
    EDITABLE_STATES = {Status.DRAFT, Status.SUBMITTED}
    SCOPE = {"own": "prepared_by", "team": "prepared_by__team", "region": "prepared_by__region"}

    amount = models.DecimalField(max_digits=14, decimal_places=2)
    memo = models.CharField(max_length=200, blank=True)

    class Meta(Document.Meta):
        permissions = [
            ("review_voucher_as_manager", "Can review vouchers as manager"),
            ("review_voucher_as_finance", "Can review vouchers as finance"),
            ("review_voucher_as_director", "Can review vouchers as director"),
        ]

    def review_route(self) -> list[str]:
        route = ["exampleapp.review_voucher_as_manager"]
        if self.amount >= FINANCE_FROM:
            route.append("exampleapp.review_voucher_as_finance")
        if self.amount >= DIRECTOR_FROM:
            route.append("exampleapp.review_voucher_as_director")
        return route
