"""Hypothesis over random sequences of shipping, invoicing and crediting one order: invoiced ≤
shipped, the invoiced quantity is what the issued invoices less credit notes say, every entry
balances (I1), and with no payments the receivable account is invoiced − credited."""

from decimal import Decimal

from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesdept.billing.models import Invoice
from salesdept.billing.services import credit_notes as credit_services
from salesdept.billing.services import invoices as services
from salesdept.core import invariants
from salesdept.core.errors import DomainError
from salesdept.ledger.models import JournalLine

from .conftest import next_invoice_no

LINES = (("113.00", "6"), ("10.01", "5"))

step = st.one_of(
    st.tuples(st.just("ship"), st.integers(0, 1), st.integers(1, 4)),
    st.tuples(st.just("invoice"), st.integers(0, 1), st.integers(1, 5)),
    st.tuples(st.just("credit"), st.integers(0, 1), st.integers(1, 4)),
    st.tuples(st.just("price"), st.integers(0, 1), st.integers(1, 30)),
)


def _balance(code: str, **filters) -> Decimal:
    row = JournalLine.objects.filter(account__code=code, **filters).aggregate(d=Sum("debit"), c=Sum("credit"))
    return (row["d"] or Decimal("0")) - (row["c"] or Decimal("0"))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, min_size=1, max_size=8))
def test_random_ship_invoice_credit_sequences(org, make_order, ship, steps):
    order = make_order(lines=LINES)
    lines = list(order.lines.order_by("position"))
    shipped = [Decimal("0"), Decimal("0")]
    invoiced = [Decimal("0"), Decimal("0")]
    issued: list[Invoice] = []
    for action, i, n in steps:
        qty = Decimal(n)
        if action == "ship":
            if shipped[i] + qty <= lines[i].quantity:
                ship(order, {lines[i]: qty})
                shipped[i] += qty
        elif action == "invoice":
            try:
                invoice = services.invoice_create(
                    by=org.clerk,
                    order_id=order.pk,
                    data={"lines": [{"order_line_id": lines[i].pk, "quantity": qty}]},
                )
            except DomainError as exc:
                assert exc.code == "over_invoicing" and invoiced[i] + qty > shipped[i]
                continue
            assert invoiced[i] + qty <= shipped[i]
            services.invoice_submit(by=org.clerk, invoice_id=invoice.pk)
            services.invoice_approve(by=org.finance, invoice_id=invoice.pk, invoice_no=next_invoice_no())
            invoiced[i] += qty
            issued.append(invoice)
        elif action in ("credit", "price") and issued:
            invoice = issued[n % len(issued)]
            invoice.refresh_from_db()
            line = invoice.lines.get()
            row = {"invoice_line_id": line.pk}
            if action == "credit":
                row["quantity"] = qty
            else:
                row["amount"] = Decimal(n)
            try:
                note = credit_services.credit_note_create(
                    by=org.clerk, invoice_id=invoice.pk, data={"lines": [row]}
                )
            except DomainError as exc:
                assert exc.code in ("over_credit", "credit_exceeds_outstanding"), exc.code
                continue
            services.invoice_submit(by=org.clerk, invoice_id=note.pk)
            services.invoice_approve(by=org.finance, invoice_id=note.pk, invoice_no=next_invoice_no())
            if action == "credit":
                k = 0 if line.order_line_id == lines[0].pk else 1
                invoiced[k] -= qty
    for line, s, inv in zip(lines, shipped, invoiced, strict=True):
        line.refresh_from_db()
        assert line.shipped_quantity == s and line.invoiced_quantity == inv <= s
    issued_all = Invoice.objects.filter(order=order, status="issued")
    total = issued_all.filter(kind="invoice").aggregate(s=Sum("total_amount"))["s"] or Decimal("0")
    credited = issued_all.filter(kind="credit_note").aggregate(s=Sum("total_amount"))["s"] or Decimal("0")
    assert _balance("1122", customer_id=order.customer_id) == total - credited
    assert (
        JournalLine.objects.aggregate(d=Sum("debit"))["d"]
        == JournalLine.objects.aggregate(c=Sum("credit"))["c"]
    )
    assert invariants.run({"I6", "I7"}) == []
