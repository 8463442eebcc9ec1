"""Credit notes 红字发票: against an issued invoice, within what each line has left and what the
invoice has outstanding; reviewed like invoices; the approval posts the reverse entry, raises the
invoice's credited amount and lowers the invoiced quantity of quantity lines."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from salesdept.billing.models import Invoice
from salesdept.billing.selectors import invoices as selectors
from salesdept.billing.services import credit_notes as credit_services
from salesdept.billing.services import invoices as services
from salesdept.core.errors import DomainError, ValidationFailed
from salesdept.ledger.models import JournalEntry, JournalLine

from .conftest import next_invoice_no, refresh


def refused(func, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as exc:
        func(**kwargs)
    return exc.value


def balance(code, **filters):
    qs = JournalLine.objects.filter(account__code=code, **filters).aggregate(d=Sum("debit"), c=Sum("credit"))
    return (qs["d"] or Decimal("0")) - (qs["c"] or Decimal("0"))


def approve(org, note):
    services.invoice_submit(by=org.clerk, invoice_id=note.pk)
    services.invoice_approve(by=org.finance, invoice_id=note.pk, invoice_no=next_invoice_no())
    return refresh(note)


def test_credit_note_flow_reverses_the_entry(org, shipped_order, issue_invoice):
    order = shipped_order()
    invoice = issue_invoice(order)
    first, second, third = invoice.lines.order_by("position")
    note = credit_services.credit_note_create(
        by=org.clerk,
        invoice_id=invoice.pk,
        data={
            "lines": [
                {"invoice_line_id": first.pk, "quantity": "3"},
                {"invoice_line_id": third.pk, "amount": "113.00"},
            ]
        },
    )
    assert note.kind == "credit_note" and note.corrects == invoice and note.status == "draft"
    assert note.number.startswith("IV-") and note.due_on is None
    assert note.total_amount == Decimal("3390.00") + Decimal("113.00")
    assert note.tax_amount == Decimal("390.00") + Decimal("13.00")
    assert all(c.ok for c in selectors.invoice_check(note))
    exc = refused(services.invoice_approve, by=org.finance, invoice_id=note.pk, invoice_no="1")
    assert exc.code == "invalid_transition"
    services.invoice_submit(by=org.clerk, invoice_id=note.pk)
    exc = refused(services.invoice_approve, by=org.clerk, invoice_id=note.pk, invoice_no="1")
    assert exc.code in ("own_document", "not_your_step")
    services.invoice_approve(by=org.finance, invoice_id=note.pk, invoice_no=next_invoice_no())
    note, invoice = refresh(note), refresh(invoice)
    assert note.status == "issued" and invoice.credited_amount == note.total_amount
    assert invoice.outstanding == invoice.total_amount - note.total_amount
    entry = JournalEntry.objects.get(source_type="billing.invoice", source_id=note.pk)
    assert balance("1122", entry=entry) == -note.total_amount
    assert balance("6001", entry=entry) == note.net_amount
    assert balance("2221", entry=entry) == note.tax_amount
    assert balance("1122") == invoice.outstanding
    # quantity lines give back the invoiced quantity; amount lines do not
    lines = list(order.lines.order_by("position"))
    assert [x.invoiced_quantity for x in lines] == [Decimal("7"), Decimal("4"), Decimal("2")]
    assert {r.line.pk: r.quantity for r in selectors.invoiceable_lines(order)} == {lines[0].pk: Decimal("3")}
    assert "credit_note" not in services.invoice_allowed_actions(note, org.clerk)
    assert "credit_note" in services.invoice_allowed_actions(invoice, org.clerk)


def test_credit_note_limits(org, shipped_order, issue_invoice):
    order = shipped_order()
    invoice = issue_invoice(order)
    first, second, third = invoice.lines.order_by("position")
    exc = refused(
        credit_services.credit_note_create,
        by=org.clerk,
        invoice_id=invoice.pk,
        data={"lines": [{"invoice_line_id": first.pk, "quantity": "10.001"}]},
    )
    assert exc.code == "over_credit" and "lines.1.quantity" in exc.fields
    exc = refused(
        credit_services.credit_note_create,
        by=org.clerk,
        invoice_id=invoice.pk,
        data={"lines": [{"invoice_line_id": second.pk, "amount": "226.01"}]},
    )
    assert exc.code == "over_credit" and "lines.1.amount" in exc.fields
    for data, name in [
        ({"lines": [{"invoice_line_id": first.pk}]}, "lines.1.quantity"),
        ({"lines": [{"invoice_line_id": first.pk, "quantity": "1", "amount": "1"}]}, "lines.1.quantity"),
        ({"lines": [{"invoice_line_id": 99999, "quantity": "1"}]}, "lines.1.invoice_line"),
        (
            {"lines": [{"invoice_line_id": first.pk, "quantity": "1", "unit_price": "0"}]},
            "lines.1.unit_price",
        ),
        ({"due_on": "2026-01-01"}, "due_on"),
    ]:
        with pytest.raises(ValidationFailed) as v:
            credit_services.credit_note_create(by=org.clerk, invoice_id=invoice.pk, data=data)
        assert name in v.value.fields
    # a credit note for everything; then nothing is left
    full = approve(org, credit_services.credit_note_create(by=org.clerk, invoice_id=invoice.pk, data={}))
    assert full.total_amount == invoice.total_amount and refresh(invoice).outstanding == 0
    exc = refused(credit_services.credit_note_create, by=org.clerk, invoice_id=invoice.pk, data={})
    assert exc.code == "nothing_to_credit"
    exc = refused(
        credit_services.credit_note_create,
        by=org.clerk,
        invoice_id=invoice.pk,
        data={"lines": [{"invoice_line_id": first.pk, "amount": "1.00"}]},
    )
    assert exc.code == "over_credit"
    assert all(x.invoiced_quantity == 0 for x in order.lines.all())
    exc = refused(credit_services.credit_note_create, by=org.clerk, invoice_id=full.pk, data={})
    assert exc.code == "not_creditable"


def test_only_issued_invoices_are_credited(org, shipped_order):
    order = shipped_order()
    draft = services.invoice_create(by=org.clerk, order_id=order.pk, data={})
    exc = refused(credit_services.credit_note_create, by=org.clerk, invoice_id=draft.pk, data={})
    assert exc.code == "not_creditable"
    assert not Invoice.objects.filter(kind="credit_note").exists()


def test_two_credit_notes_for_the_same_rest_one_is_approved(org, shipped_order, issue_invoice):
    order = shipped_order()
    invoice = issue_invoice(order)
    first = invoice.lines.order_by("position").first()
    rows = {"lines": [{"invoice_line_id": first.pk, "quantity": "6"}]}
    a = credit_services.credit_note_create(by=org.clerk, invoice_id=invoice.pk, data=rows)
    b = credit_services.credit_note_create(by=org.clerk, invoice_id=invoice.pk, data=rows)
    services.invoice_submit(by=org.clerk, invoice_id=b.pk)
    approve(org, a)
    exc = refused(services.invoice_approve, by=org.finance, invoice_id=b.pk, invoice_no=next_invoice_no())
    assert exc.code == "invoice_mismatch" and exc.extra["mismatches"][0]["code"] == "over_credit"
    assert refresh(b).status == "submitted"
    assert refresh(invoice).credited_amount == a.total_amount
    # and b's draft is refused at submit once it is beyond the rest
    services.invoice_reject(by=org.finance, invoice_id=b.pk, note="已由另一张红字发票冲销")
    assert refused(services.invoice_submit, by=org.clerk, invoice_id=b.pk).code == "over_credit"


def test_credit_note_edit_and_outstanding_after_payment(org, shipped_order, issue_invoice):
    order = shipped_order()
    invoice = issue_invoice(
        order, lines=[{"order_line_id": order.lines.order_by("position").first().pk, "quantity": "1"}]
    )
    line = invoice.lines.get()
    note = credit_services.credit_note_create(
        by=org.clerk,
        invoice_id=invoice.pk,
        data={"lines": [{"invoice_line_id": line.pk, "amount": "100.00"}]},
    )
    services.invoice_update(
        by=org.clerk, invoice_id=note.pk, data={"lines": [{"invoice_line_id": line.pk, "amount": "130.00"}]}
    )
    assert refresh(note).total_amount == Decimal("130.00")
    try:
        from salesdept.billing.services.payments import payment_record
    except ImportError:  # the payments services are another helper's
        pytest.skip("payments services not there")
    payment_record(
        by=org.finance,
        data={
            "customer": invoice.customer_id,
            "received_on": invoice.invoiced_on,
            "amount": "1100.00",
            "reference": "B-1",
        },
    )
    assert refresh(invoice).outstanding == Decimal("30.00")
    # more than it still owes: the approval gives what was paid beyond back to the customer's credit
    approve(org, note)
    invoice = refresh(invoice)
    assert invoice.outstanding == 0 and invoice.credited_amount == Decimal("130.00")
    assert invoice.paid_amount == Decimal("1000.00")
    # never beyond what the invoice has left to credit
    more = credit_services.credit_note_create(
        by=org.clerk, invoice_id=invoice.pk, data={"lines": [{"invoice_line_id": line.pk, "amount": "10.00"}]}
    )
    exc = refused(
        services.invoice_update,
        by=org.clerk,
        invoice_id=more.pk,
        data={"lines": [{"invoice_line_id": line.pk, "amount": "1000.01"}]},
    )
    assert exc.code in ("over_credit", "credit_exceeds_outstanding")
    assert refresh(more).total_amount == Decimal("10.00")
