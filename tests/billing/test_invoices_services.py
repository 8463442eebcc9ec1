"""Invoices 开票 (F2) through the services: defaults from what was shipped (or ordered), the
automatic check, two-person approval, the ledger entry, the invoice number registry, refusals."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.test import override_settings
from django.utils import timezone

from salesdept.billing.models import Invoice, InvoiceLine
from salesdept.billing.selectors import invoices as selectors
from salesdept.billing.services import invoices as services
from salesdept.core.errors import DomainError, ValidationFailed
from salesdept.ledger.models import JournalEntry, JournalLine
from salesdept.ledger.services import period_close
from salesdept.sales.models import PaymentMilestone, SalesOrderLine

from .conftest import days, next_invoice_no, refresh


def refused(func, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as exc:
        func(**kwargs)
    return exc.value


def lines_of(order):
    return list(order.lines.order_by("position"))


def balance(code, **filters):
    qs = JournalLine.objects.filter(account__code=code, **filters).aggregate(d=Sum("debit"), c=Sum("credit"))
    return (qs["d"] or Decimal("0")) - (qs["c"] or Decimal("0"))


def test_create_defaults_to_what_was_shipped(org, shipped_order, ship):
    order = shipped_order(fraction="0.5")  # 5 of 10, 2 of 4, 1 of 2
    invoice = services.invoice_create(by=org.clerk, order_id=order.pk, data={})
    rows = list(invoice.lines.order_by("position"))
    assert [r.quantity for r in rows] == [Decimal("5"), Decimal("2"), Decimal("1")]
    first = rows[0]
    assert first.unit_price == Decimal("1130.00") and first.tax_rate == Decimal("13")
    assert first.amount == Decimal("5650.00") and first.tax_amount == Decimal("650.00")
    assert invoice.total_amount == Decimal("5650.00") + Decimal("113.00") + Decimal("2000.00")
    assert invoice.net_amount == invoice.total_amount - invoice.tax_amount
    assert invoice.status == "draft" and invoice.number.startswith("IV-") and invoice.invoice_no == ""
    assert invoice.invoiced_on == timezone.localdate()
    assert invoice.due_on == timezone.localdate() + datetime.timedelta(days=30)
    assert invoice.customer_id == order.customer_id


def test_due_date_from_settings_and_contract_milestone(org, make_order, ship):
    with override_settings(SALESDEPT={"PAYMENT_DAYS": 45}):
        order = make_order()
        ship(order, {lines_of(order)[0]: 1})
        invoice = services.invoice_create(by=org.clerk, order_id=order.pk, data={"invoiced_on": "2026-03-01"})
    assert invoice.due_on == datetime.date(2026, 4, 15)
    order2 = make_order(invoice_on_order=True)
    PaymentMilestone.objects.create(
        contract=order2.contract,
        label="到货款",
        percent=70,
        amount=0,
        trigger="delivery",
        days=60,
        position=2,
    )
    invoice2 = services.invoice_create(by=org.clerk, order_id=order2.pk, data={"invoiced_on": "2026-03-01"})
    assert invoice2.due_on == datetime.date(2026, 4, 30)


def test_invoice_on_order_takes_the_ordered_quantity(org, make_order):
    order = make_order(invoice_on_order=True)  # nothing shipped
    invoice = services.invoice_create(by=org.clerk, order_id=order.pk, data={})
    assert [x.quantity for x in invoice.lines.order_by("position")] == [
        Decimal("10"),
        Decimal("4"),
        Decimal("2"),
    ]
    plain = make_order()
    exc = refused(services.invoice_create, by=org.clerk, order_id=plain.pk, data={})
    assert exc.code == "nothing_to_invoice" and Invoice.objects.filter(order=plain).count() == 0


def test_over_invoicing_refused_at_create_update_submit_and_approve(org, shipped_order, issue_invoice):
    order = shipped_order(fraction="0.5")
    first = lines_of(order)[0]
    exc = refused(
        services.invoice_create,
        by=org.clerk,
        order_id=order.pk,
        data={"lines": [{"order_line_id": first.pk, "quantity": "6"}]},
    )
    assert exc.code == "over_invoicing" and exc.status == 409 and "1" in str(exc.message)
    assert "lines.1.quantity" in exc.fields
    draft = services.invoice_create(
        by=org.clerk, order_id=order.pk, data={"lines": [{"order_line_id": first.pk, "quantity": "5"}]}
    )
    exc = refused(
        services.invoice_update,
        by=org.clerk,
        invoice_id=draft.pk,
        data={"lines": [{"order_line_id": first.pk, "quantity": "5.001"}]},
    )
    assert exc.code == "over_invoicing"
    other = services.invoice_create(
        by=org.clerk, order_id=order.pk, data={"lines": [{"order_line_id": first.pk, "quantity": "3"}]}
    )
    services.invoice_submit(by=org.clerk, invoice_id=other.pk)
    # the first draft is issued meanwhile: 5 of 5 are invoiced
    services.invoice_submit(by=org.clerk, invoice_id=draft.pk)
    services.invoice_approve(by=org.finance, invoice_id=draft.pk, invoice_no=next_invoice_no())
    exc = refused(services.invoice_approve, by=org.finance, invoice_id=other.pk, invoice_no=next_invoice_no())
    assert exc.code == "over_invoicing" and exc.extra["mismatches"][0]["field"] == "quantity"
    assert refresh(other).status == "submitted" and refresh(other).invoice_no == ""
    third = services.invoice_create(
        by=org.clerk, order_id=order.pk, data={"lines": [{"order_line_id": lines_of(order)[1].pk}]}
    )
    issue_invoice(order, lines=[{"order_line_id": lines_of(order)[1].pk}])
    exc = refused(services.invoice_submit, by=org.clerk, invoice_id=third.pk)
    assert exc.code == "over_invoicing" and refresh(third).status == "draft"
    assert refresh(lines_of(order)[0]).invoiced_quantity == Decimal("5")


@pytest.mark.parametrize("change", ["unit_price", "product"])
def test_a_mismatch_blocks_approval_line_by_line(org, shipped_order, make_order, change):
    order = shipped_order()
    rows = [{"order_line_id": x.pk} for x in lines_of(order)]
    if change == "unit_price":
        rows[1]["unit_price"] = "50.00"
    else:
        rows[1]["product_id"] = lines_of(order)[2].product_id
    invoice = services.invoice_create(by=org.clerk, order_id=order.pk, data={"lines": rows})
    checks = selectors.invoice_check(invoice)
    assert [c.ok for c in checks] == [True, False, True]
    services.invoice_submit(by=org.clerk, invoice_id=invoice.pk)
    exc = refused(
        services.invoice_approve, by=org.finance, invoice_id=invoice.pk, invoice_no=next_invoice_no()
    )
    assert exc.code == "invoice_mismatch" and exc.status == 409
    assert [m["line"] for m in exc.extra["mismatches"]] == [2]
    assert exc.extra["mismatches"][0]["field"] == change
    assert "2" in str(exc.message)
    invoice = refresh(invoice)
    assert invoice.status == "submitted" and invoice.issued_at is None
    assert JournalEntry.objects.filter(source_type="billing.invoice").count() == 0
    assert all(x.invoiced_quantity == 0 for x in lines_of(order))


def test_preparer_cannot_approve(org, shipped_order):
    order = shipped_order()
    invoice = services.invoice_create(by=org.finance, order_id=order.pk, data={})
    services.invoice_submit(by=org.finance, invoice_id=invoice.pk)
    exc = refused(services.invoice_approve, by=org.finance, invoice_id=invoice.pk, invoice_no="1")
    assert exc.code == "own_document"
    with pytest.raises(PermissionDenied):
        services.invoice_create(by=org.sales1, order_id=order.pk, data={})
    exc = refused(services.invoice_approve, by=org.clerk, invoice_id=invoice.pk, invoice_no="1")
    assert exc.code == "not_your_step" and exc.status == 403
    assert refresh(invoice).status == "submitted"


def test_approval_posts_the_balanced_entry_and_moves_invoiced(org, shipped_order):
    order = shipped_order()
    invoice = services.invoice_create(by=org.clerk, order_id=order.pk, data={})
    services.invoice_submit(by=org.clerk, invoice_id=invoice.pk)
    number = next_invoice_no()
    services.invoice_approve(by=org.finance, invoice_id=invoice.pk, invoice_no=number)
    invoice = refresh(invoice)
    assert invoice.status == "issued" and invoice.invoice_no == number and invoice.issued_at
    total = Decimal("11300.00") + Decimal("226.00") + Decimal("4000.00")
    assert invoice.total_amount == total and invoice.outstanding == total
    entry = JournalEntry.objects.get(source_type="billing.invoice", source_id=invoice.pk)
    assert entry.entry_date == invoice.invoiced_on
    assert balance("1122", entry=entry) == total
    assert balance("6001", entry=entry) == -invoice.net_amount
    assert balance("2221", entry=entry) == -invoice.tax_amount
    assert invoice.tax_amount == Decimal("1300.00") + Decimal("26.00") + Decimal("460.18")
    assert balance("1122", customer_id=order.customer_id) == total
    per_product = {
        x.product_id: -balance("6001", entry=entry, product_id=x.product_id) for x in lines_of(order)
    }
    assert per_product[lines_of(order)[0].product_id] == Decimal("10000.00")
    assert [x.invoiced_quantity for x in lines_of(order)] == [x.shipped_quantity for x in lines_of(order)]


def test_invoice_number_missing_or_duplicate(org, shipped_order, issue_invoice):
    order = shipped_order()
    issued = issue_invoice(order, lines=[{"order_line_id": lines_of(order)[0].pk}])
    invoice = services.invoice_create(by=org.clerk, order_id=order.pk, data={})
    services.invoice_submit(by=org.clerk, invoice_id=invoice.pk)
    with pytest.raises(ValidationFailed) as exc:
        services.invoice_approve(by=org.finance, invoice_id=invoice.pk, invoice_no="  ")
    assert exc.value.status == 400 and "invoice_no" in exc.value.fields
    exc = refused(
        services.invoice_approve, by=org.finance, invoice_id=invoice.pk, invoice_no=issued.invoice_no
    )
    assert exc.code == "duplicate_invoice_no" and issued.invoice_no in str(exc.message)
    assert refresh(invoice).status == "submitted"
    # a number given at draft is used; a duplicate at draft is refused at once
    exc = refused(services.invoice_update, by=org.clerk, invoice_id=invoice.pk, data={"invoice_no": "x"})
    assert exc.code == "read_only"
    services.invoice_approve(by=org.finance, invoice_id=invoice.pk, invoice_no="  04400099  ")
    assert refresh(invoice).invoice_no == "04400099"


def test_closed_period_refuses_approval_and_changes_nothing(org, shipped_order):
    order = shipped_order()
    last_month = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    invoice = services.invoice_create(by=org.clerk, order_id=order.pk, data={"invoiced_on": last_month})
    services.invoice_submit(by=org.clerk, invoice_id=invoice.pk)
    period_close(year=last_month.year, month=last_month.month, by=org.finance)
    exc = refused(
        services.invoice_approve, by=org.finance, invoice_id=invoice.pk, invoice_no=next_invoice_no()
    )
    assert exc.code == "period_closed"
    invoice = refresh(invoice)
    assert invoice.status == "submitted" and invoice.invoice_no == "" and invoice.version == 1
    assert JournalEntry.objects.filter(source_type="billing.invoice").count() == 0
    assert all(x.invoiced_quantity == 0 for x in lines_of(order))
    # corrected into the open month it goes through
    services.invoice_reject(by=org.finance, invoice_id=invoice.pk, note="date it this month")
    services.invoice_update(by=org.clerk, invoice_id=invoice.pk, data={"invoiced_on": timezone.localdate()})
    services.invoice_submit(by=org.clerk, invoice_id=invoice.pk)
    services.invoice_approve(by=org.finance, invoice_id=invoice.pk, invoice_no=next_invoice_no())
    assert refresh(invoice).status == "issued"


def test_bad_input_names_the_field_and_writes_nothing(org, shipped_order):
    order = shipped_order()
    first = lines_of(order)[0]
    cases = [
        ({"lines": [{"order_line_id": first.pk, "quantity": "abc"}]}, "lines.1.quantity"),
        ({"lines": [{"order_line_id": first.pk, "quantity": "-1"}]}, "lines.1.quantity"),
        ({"lines": [{"order_line_id": first.pk, "unit_price": "1.001"}]}, "lines.1.unit_price"),
        ({"lines": [{"order_line_id": 999999}]}, "lines.1.order_line"),
        ({"lines": [{"order_line_id": first.pk}, {"order_line_id": first.pk}]}, "lines.2.order_line"),
        ({"lines": []}, "lines"),
        ({"invoiced_on": "31.12.2026"}, "invoiced_on"),
        ({"invoiced_on": "2026-03-10", "due_on": "2026-03-01"}, "due_on"),
        ({"status": "issued"}, "status"),
    ]
    for data, name in cases:
        with pytest.raises(ValidationFailed) as exc:
            services.invoice_create(by=org.clerk, order_id=order.pk, data=data)
        assert name in exc.value.fields, (data, exc.value.fields)
    assert Invoice.objects.count() == 0 and InvoiceLine.objects.count() == 0


def test_reject_cancel_and_edit(org, shipped_order):
    order = shipped_order()
    invoice = services.invoice_create(by=org.clerk, order_id=order.pk, data={"notes": "首批"})
    exc = refused(
        services.invoice_update, by=org.clerk, invoice_id=invoice.pk, version=7, data={"notes": "x"}
    )
    assert exc.code == "stale_version"
    services.invoice_update(
        by=org.clerk,
        invoice_id=invoice.pk,
        version=1,
        data={"lines": [{"order_line_id": lines_of(order)[0].pk, "quantity": "2"}], "due_on": days(10)},
    )
    invoice = refresh(invoice)
    assert invoice.total_amount == Decimal("2260.00") and invoice.version == 2 and invoice.due_on == days(10)
    services.invoice_submit(by=org.clerk, invoice_id=invoice.pk)
    exc = refused(services.invoice_reject, by=org.finance, invoice_id=invoice.pk, note="")
    assert exc.code == "reason_required"
    services.invoice_reject(by=org.finance, invoice_id=invoice.pk, note="价格待确认")
    assert refresh(invoice).status == "draft"
    services.invoice_cancel(by=org.clerk, invoice_id=invoice.pk)
    assert refresh(invoice).status == "cancelled"
    exc = refused(services.invoice_submit, by=org.clerk, invoice_id=invoice.pk)
    assert exc.code == "invalid_transition"


def test_invoiced_quantity_moves_only_on_issue(org, shipped_order, issue_invoice):
    order = shipped_order()
    services.invoice_create(by=org.clerk, order_id=order.pk, data={})
    assert SalesOrderLine.objects.filter(order=order, invoiced_quantity__gt=0).count() == 0
    issue_invoice(order, lines=[{"order_line_id": lines_of(order)[0].pk, "quantity": "4"}])
    assert lines_of(order)[0].invoiced_quantity == Decimal("4")
    left = {r.line.pk: r.quantity for r in selectors.invoiceable_lines(order)}
    assert left[lines_of(order)[0].pk] == Decimal("6")
