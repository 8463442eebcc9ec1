"""I12 for the fulfillment statistics: the rule holds on real data and reports a report that
leaves a contract out."""

import datetime
from decimal import Decimal

from salesdept.core import invariants
from salesdept.sales import invariants as sales_invariants
from salesdept.sales.selectors import fulfillment as ff

from .fixtures_fulfillment import make_contract, make_product


def _contracts(org):
    product = make_product(price=Decimal("1000.00"))
    for owner, day in ((org.sales1, datetime.date(2025, 5, 3)), (org.sales3, datetime.date(2026, 2, 1))):
        make_contract(owner=owner, signed_on=day, lines=[(product, Decimal("2"), Decimal("1000.00"))])
    make_contract(owner=org.sales1, status="draft", lines=[(product, Decimal("1"), Decimal("1000.00"))])


def test_statistics_rule_holds(org):
    _contracts(org)
    assert invariants.run({"I12"}) == []


def test_statistics_rule_reports_a_missing_contract(org, monkeypatch):
    _contracts(org)
    real = ff.statistics_of

    def drops_a_row(*args, **kwargs):
        report = real(*args, **kwargs)
        report.rows = report.rows[1:]
        return report

    monkeypatch.setattr(ff, "statistics_of", drops_a_row)
    try:
        found = sales_invariants.fulfillment_statistics_add_up()
    finally:
        monkeypatch.setattr(ff, "statistics_of", real)  # the org fixture's teardown checks again
    assert found and "None but the contracts give (1, 2000" in found[0]
