"""Stock documents through the services, as the keeper works: receive, inspect, issue,
transfer, reverse; adjustments need a second person; bad input names the field and writes
nothing."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from salesdept.core.errors import DomainError, ValidationFailed
from salesdept.core.models import DocumentEvent
from salesdept.warehouse.models import (
    DocumentKind,
    Purpose,
    Quality,
    QualityCheck,
    SampleLoan,
    Stock,
    StockDocument,
    StockDocumentStatus,
    StockLot,
    StockMove,
)
from salesdept.warehouse.services.documents import (
    document_allowed_actions,
    document_approve,
    document_cancel,
    document_create,
    document_post,
    document_reject,
    document_reverse,
    document_submit,
    document_update,
    quality_inspect,
)

from .conftest import line_data


def on_hand(product, location, quality=None, lot=None) -> Decimal:
    if quality is None and lot is None:
        stock = Stock.objects.filter(product=product, location=location).first()
        return stock.quantity if stock else Decimal("0")
    qs = StockLot.objects.filter(product=product, location=location)
    if quality is not None:
        qs = qs.filter(quality=quality)
    if lot is not None:
        qs = qs.filter(lot=lot)
    return sum((row.quantity for row in qs), Decimal("0"))


def issue_data(wh, *lines, purpose=Purpose.SALE, **header):
    return {
        "kind": DocumentKind.ISSUE,
        "purpose": purpose,
        "warehouse": wh.pk,
        "lines": list(lines),
        **header,
    }


# --- receipts, inspection, issues --------------------------------------------------------------


def test_receipt_comes_in_pending_and_is_numbered(org, wh, goods):
    doc = document_create(
        by=org.keeper,
        data={
            "kind": "receipt",
            "warehouse": wh.pk,
            "supplier": "华东机械厂",
            "lines": [line_data(goods, "10", wh.a1, unit_cost="12.50")],
        },
    )
    assert doc.number.startswith("WH-") and doc.status == StockDocumentStatus.DRAFT
    assert doc.purpose == Purpose.PURCHASE
    line = doc.lines.get()
    assert line.quality == Quality.PENDING
    assert on_hand(goods, wh.a1) == 0  # a draft moves nothing
    document_post(document_id=doc.pk, by=org.keeper)
    doc.refresh_from_db()
    assert doc.status == StockDocumentStatus.POSTED and doc.posted_by == org.keeper
    assert on_hand(goods, wh.a1, Quality.PENDING) == 10
    stock = Stock.objects.get(product=goods, location=wh.a1)
    assert stock.value == Decimal("125.00")
    move = StockMove.objects.get(document=doc)
    assert (move.kind, move.quantity, move.balance, move.quality) == ("receipt", 10, 10, Quality.PENDING)
    assert list(doc.events.values_list("action", flat=True)) == ["create", "post"]


def test_pending_stock_cannot_be_issued_for_a_sale(org, wh, goods, customer):
    receipt = document_create(
        by=org.keeper, data={"kind": "receipt", "warehouse": wh.pk, "lines": [line_data(goods, 5, wh.a1)]}
    )
    document_post(document_id=receipt.pk, by=org.keeper)
    with pytest.raises(ValidationFailed) as exc:
        document_create(by=org.keeper, data=issue_data(wh, line_data(goods, 1, wh.a1, quality="pending")))
    assert "lines.1.quality" in exc.value.fields
    assert "Line 1" in str(exc.value.fields["lines.1.quality"])
    # an accepted-stock issue finds no accepted stock: refused by the ledger, nothing written
    doc = document_create(
        by=org.keeper, data=issue_data(wh, line_data(goods, 1, wh.a1), customer=customer.pk)
    )
    with pytest.raises(DomainError) as exc:
        document_post(document_id=doc.pk, by=org.keeper)
    assert exc.value.code == "insufficient_stock"
    assert "lines.1.quantity" in exc.value.fields
    doc.refresh_from_db()
    assert doc.status == StockDocumentStatus.DRAFT
    assert on_hand(goods, wh.a1, Quality.PENDING) == 5
    # a return to the supplier may take pending stock
    back = document_create(
        by=org.keeper,
        data=issue_data(wh, line_data(goods, 1, wh.a1, quality="pending"), purpose=Purpose.SUPPLIER_RETURN),
    )
    document_post(document_id=back.pk, by=org.keeper)
    assert on_hand(goods, wh.a1, Quality.PENDING) == 4


def test_inspection_accepts_and_quarantines(org, wh, goods):
    receipt = document_create(
        by=org.keeper,
        data={"kind": "receipt", "warehouse": wh.pk, "lines": [line_data(goods, 10, wh.a1, unit_cost="10")]},
    )
    receipt = document_post(document_id=receipt.pk, by=org.keeper)
    line = receipt.lines.get()
    assert "inspect" in document_allowed_actions(receipt, org.keeper)
    quality_inspect(line_id=line.pk, by=org.keeper, accepted="7", rejected="2", notes="外观划伤")
    assert on_hand(goods, wh.a1, Quality.ACCEPTED) == 7
    assert on_hand(goods, wh.a1, Quality.PENDING) == 1
    assert on_hand(goods, wh.qc, Quality.REJECTED) == 2
    assert Stock.objects.get(product=goods, location=wh.qc).value == Decimal("20.00")
    with pytest.raises(ValidationFailed) as exc:
        quality_inspect(line_id=line.pk, by=org.keeper, accepted="2", rejected="0")
    assert "accepted" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        quality_inspect(line_id=line.pk, by=org.keeper, accepted="-1", rejected="0")
    assert "accepted" in exc.value.fields
    with pytest.raises(PermissionDenied):
        quality_inspect(line_id=line.pk, by=org.sales1, accepted="1", rejected="0")
    quality_inspect(line_id=line.pk, by=org.keeper, accepted="1", rejected="0")
    assert QualityCheck.objects.filter(line=line).count() == 2
    assert "inspect" not in document_allowed_actions(receipt, org.keeper)
    # rejected stock is never issued for a sale; only accepted
    sale = document_create(by=org.keeper, data=issue_data(wh, line_data(goods, 8, wh.a1)))
    document_post(document_id=sale.pk, by=org.keeper)
    assert on_hand(goods, wh.a1) == 0
    scrap = document_create(
        by=org.keeper,
        data=issue_data(wh, line_data(goods, 2, wh.qc, quality="rejected"), purpose=Purpose.SCRAP),
    )
    document_post(document_id=scrap.pk, by=org.keeper)
    assert on_hand(goods, wh.qc) == 0


def test_issue_takes_average_cost_and_transfer_carries_value(org, wh, goods, receive):
    receive(wh.a1, goods, 10, unit_cost="10.00")
    receive(wh.a1, goods, 10, unit_cost="20.00")
    issue = document_create(by=org.keeper, data=issue_data(wh, line_data(goods, 5, wh.a1)))
    document_post(document_id=issue.pk, by=org.keeper)
    assert issue.lines.get().value == Decimal("75.00")
    transfer = document_create(
        by=org.keeper,
        data={
            "kind": "transfer",
            "warehouse": wh.pk,
            "lines": [line_data(goods, 15, wh.a1, to_location=wh.a2)],
        },
    )
    document_post(document_id=transfer.pk, by=org.keeper)
    assert on_hand(goods, wh.a1) == 0 and on_hand(goods, wh.a2) == 15
    assert Stock.objects.get(product=goods, location=wh.a2).value == Decimal("225.00")
    assert Stock.objects.get(product=goods, location=wh.a1).value == 0


# --- reversal, cancel ------------------------------------------------------------------------


def test_reverse_restores_balances(org, wh, goods, receive):
    receipt = receive(wh.a1, goods, 10, unit_cost="5.00")
    issue = document_create(by=org.keeper, data=issue_data(wh, line_data(goods, 4, wh.a1)))
    document_post(document_id=issue.pk, by=org.keeper)
    reversal = document_reverse(document_id=issue.pk, by=org.keeper, note="发错货")
    issue.refresh_from_db()
    assert issue.status == StockDocumentStatus.REVERSED
    assert reversal.reverses == issue and reversal.status == StockDocumentStatus.POSTED
    stock = Stock.objects.get(product=goods, location=wh.a1)
    assert (stock.quantity, stock.value) == (Decimal("10"), Decimal("50.00"))
    assert "reverse" not in document_allowed_actions(reversal, org.keeper)
    with pytest.raises(DomainError):
        document_reverse(document_id=reversal.pk, by=org.keeper)
    with pytest.raises(DomainError) as exc:
        document_reverse(document_id=issue.pk, by=org.keeper)
    assert exc.value.code == "invalid_transition"
    document_reverse(document_id=receipt.pk, by=org.keeper)
    stock.refresh_from_db()
    assert (stock.quantity, stock.value) == (Decimal("0"), Decimal("0.00"))


def test_reversal_refused_when_the_stock_has_left(org, wh, goods, receive):
    receipt = receive(wh.a1, goods, 3)
    issue = document_create(by=org.keeper, data=issue_data(wh, line_data(goods, 2, wh.a1)))
    document_post(document_id=issue.pk, by=org.keeper)
    with pytest.raises(DomainError) as exc:
        document_reverse(document_id=receipt.pk, by=org.keeper)
    assert exc.value.code == "reversal_stock_gone"
    assert receipt.number in exc.value.message
    receipt.refresh_from_db()
    assert receipt.status == StockDocumentStatus.POSTED
    assert on_hand(goods, wh.a1) == 1
    assert StockDocument.objects.count() == 2


def test_reversal_undoes_inspections(org, wh, goods):
    receipt = document_create(
        by=org.keeper, data={"kind": "receipt", "warehouse": wh.pk, "lines": [line_data(goods, 6, wh.a1)]}
    )
    document_post(document_id=receipt.pk, by=org.keeper)
    quality_inspect(line_id=receipt.lines.get().pk, by=org.keeper, accepted="4", rejected="2")
    document_reverse(document_id=receipt.pk, by=org.keeper)
    assert on_hand(goods, wh.a1) == 0 and on_hand(goods, wh.qc) == 0
    assert not StockLot.objects.filter(quantity__gt=0).exists()


def test_cancel_a_draft_only(org, wh, goods, receive):
    doc = document_create(
        by=org.keeper, data={"kind": "receipt", "warehouse": wh.pk, "lines": [line_data(goods, 1, wh.a1)]}
    )
    document_cancel(document_id=doc.pk, by=org.keeper)
    doc.refresh_from_db()
    assert doc.status == StockDocumentStatus.CANCELLED
    with pytest.raises(DomainError):
        document_post(document_id=doc.pk, by=org.keeper)
    posted = receive(wh.a1, goods, 1)
    with pytest.raises(DomainError) as exc:
        document_cancel(document_id=posted.pk, by=org.keeper)
    assert exc.value.code == "invalid_transition"


# --- adjustments: two people -----------------------------------------------------------------


def test_adjustment_needs_a_second_person(org, wh, goods, receive):
    receive(wh.a1, goods, 10)
    adj = document_create(
        by=org.keeper,
        data={
            "kind": "adjustment",
            "warehouse": wh.pk,
            "lines": [line_data(goods, "-2", wh.a1, notes="破损")],
        },
    )
    assert "post" not in document_allowed_actions(adj, org.keeper)
    assert "submit" in document_allowed_actions(adj, org.keeper)
    with pytest.raises(DomainError) as exc:
        document_post(document_id=adj.pk, by=org.keeper)
    assert exc.value.code == "review_required"
    document_submit(document_id=adj.pk, by=org.keeper)
    adj.refresh_from_db()
    assert "approve" not in document_allowed_actions(adj, org.keeper)
    with pytest.raises(DomainError) as exc:
        document_approve(document_id=adj.pk, by=org.keeper)
    assert exc.value.code == "own_document"
    with pytest.raises(DomainError) as exc:
        document_approve(document_id=adj.pk, by=org.sales1)
    assert exc.value.status == 403
    assert on_hand(goods, wh.a1) == 10
    document_reject(document_id=adj.pk, by=org.finance, note="请附破损照片")
    adj.refresh_from_db()
    assert adj.status == StockDocumentStatus.DRAFT
    document_submit(document_id=adj.pk, by=org.keeper)
    document_approve(document_id=adj.pk, by=org.finance, note="同意")
    adj.refresh_from_db()
    assert adj.status == StockDocumentStatus.POSTED and adj.posted_by == org.finance
    assert on_hand(goods, wh.a1) == 8
    move = StockMove.objects.get(document=adj)
    assert (move.kind, move.quantity) == ("adjustment", Decimal("-2"))


def test_reject_needs_a_reason_and_other_kinds_are_not_submitted(org, wh, goods):
    adj = document_create(
        by=org.keeper,
        data={"kind": "adjustment", "warehouse": wh.pk, "lines": [line_data(goods, "3", wh.a1)]},
    )
    document_submit(document_id=adj.pk, by=org.keeper)
    with pytest.raises(DomainError) as exc:
        document_reject(document_id=adj.pk, by=org.finance, note="")
    assert exc.value.code == "reason_required"
    receipt = document_create(
        by=org.keeper, data={"kind": "receipt", "warehouse": wh.pk, "lines": [line_data(goods, 1, wh.a1)]}
    )
    with pytest.raises(DomainError) as exc:
        document_submit(document_id=receipt.pk, by=org.keeper)
    assert exc.value.code == "post_directly"
    assert "submit" not in document_allowed_actions(receipt, org.keeper)


# --- serials, services, samples ----------------------------------------------------------------


def test_serial_items_need_a_serial_and_one_piece(org, wh, serial_product, receive):
    with pytest.raises(ValidationFailed) as exc:
        document_create(
            by=org.keeper,
            data={"kind": "receipt", "warehouse": wh.pk, "lines": [line_data(serial_product, 2, wh.a1)]},
        )
    assert {"lines.1.lot", "lines.1.quantity"} <= set(exc.value.fields)
    receive(wh.a1, serial_product, 1, lot="SN-001")
    with pytest.raises(DomainError) as exc:
        receive(wh.a2, serial_product, 1, lot="SN-001")
    assert exc.value.code == "serial_in_stock"
    sale = document_create(
        by=org.keeper, data=issue_data(wh, line_data(serial_product, 1, wh.a1, lot="SN-002"))
    )
    with pytest.raises(DomainError) as exc:
        document_post(document_id=sale.pk, by=org.keeper)
    assert exc.value.code == "insufficient_stock"
    document_update(
        document_id=sale.pk,
        by=org.keeper,
        data={"lines": [line_data(serial_product, 1, wh.a1, lot="SN-001")]},
    )
    document_post(document_id=sale.pk, by=org.keeper)
    assert on_hand(serial_product, wh.a1) == 0


def test_services_carry_no_stock(org, wh, service_product):
    with pytest.raises(ValidationFailed) as exc:
        document_create(
            by=org.keeper,
            data={"kind": "receipt", "warehouse": wh.pk, "lines": [line_data(service_product, 1, wh.a1)]},
        )
    assert "lines.1.product" in exc.value.fields
    assert "service" in str(exc.value.fields["lines.1.product"])
    assert not StockDocument.objects.exists()


def test_sample_issue_opens_a_loan_and_the_return_closes_it(org, wh, goods, receive):
    receive(wh.samples, goods, 5)
    with pytest.raises(ValidationFailed) as exc:
        document_create(
            by=org.keeper, data=issue_data(wh, line_data(goods, 2, wh.samples), purpose=Purpose.SAMPLE)
        )
    assert "holder" in exc.value.fields
    out = document_create(
        by=org.keeper,
        data=issue_data(
            wh,
            line_data(goods, 2, wh.samples, due_back="2099-01-01"),
            purpose=Purpose.SAMPLE,
            holder=org.sales1.pk,
        ),
    )
    document_post(document_id=out.pk, by=org.keeper)
    loan = SampleLoan.objects.get()
    assert (loan.holder, loan.quantity, loan.status) == (org.sales1, 2, SampleLoan.Status.OUT)
    back_data = {
        "kind": "return",
        "purpose": Purpose.SAMPLE_RETURN,
        "warehouse": wh.pk,
        "holder": org.sales1.pk,
        "lines": [line_data(goods, 3, wh.samples, loan=loan.pk, quality="accepted")],
    }
    with pytest.raises(ValidationFailed) as exc:
        document_create(by=org.keeper, data=back_data)
    assert "lines.1.quantity" in exc.value.fields
    back_data["lines"][0]["quantity"] = "2"
    back = document_create(by=org.keeper, data=back_data)
    document_post(document_id=back.pk, by=org.keeper)
    loan.refresh_from_db()
    assert (loan.returned, loan.status) == (2, SampleLoan.Status.CLOSED)
    assert on_hand(goods, wh.samples, Quality.ACCEPTED) == 5
    # reversing the return opens the loan again; the issue cannot be reversed while returned
    with pytest.raises(DomainError) as exc:
        document_reverse(document_id=out.pk, by=org.keeper)
    assert exc.value.code == "loan_in_use"
    document_reverse(document_id=back.pk, by=org.keeper)
    loan.refresh_from_db()
    assert (loan.returned, loan.status) == (0, SampleLoan.Status.OUT)


# --- bad input, permissions, editing -----------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "gift"}, "kind"),
        ({"warehouse": "abc"}, "warehouse"),
        ({"warehouse": 999999}, "warehouse"),
        ({"purpose": "sale"}, "purpose"),
        ({"moved_on": "2026-13-45"}, "moved_on"),
        ({"lines": []}, "lines"),
        ({"lines": [{"product": "x", "quantity": "1"}]}, "lines.1.product"),
        ({"lines": "nope"}, "lines"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_header_names_the_field_and_writes_nothing(org, wh, goods, change, field):
    data = {"kind": "receipt", "warehouse": wh.pk, "lines": [line_data(goods, 1, wh.a1)], **change}
    with pytest.raises(ValidationFailed) as exc:
        document_create(by=org.keeper, data=data)
    assert field in exc.value.fields
    assert exc.value.status == 400
    assert not StockDocument.objects.exists()
    assert not DocumentEvent.objects.filter(action="create").exists()


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"quantity": "0"}, "lines.2.quantity"),
        ({"quantity": "-1"}, "lines.2.quantity"),
        ({"quantity": "abc"}, "lines.2.quantity"),
        ({"quantity": "1.0001"}, "lines.2.quantity"),
        ({"quantity": "NaN"}, "lines.2.quantity"),
        ({"location": None}, "lines.2.location"),
        ({"quality": "so-so"}, "lines.2.quality"),
        ({"unit_cost": "-3"}, "lines.2.unit_cost"),
        ({"to_location": "1"}, "lines.2.to_location"),
        ({"due_back": "2099-01-01"}, "lines.2.due_back"),
        ({"lot": "x" * 61}, "lines.2.lot"),
        ({"weight": "3"}, "lines.2.weight"),
    ],
)
def test_bad_line_names_the_line_and_field(org, wh, goods, row, field):
    bad = {**line_data(goods, 1, wh.a1), **row}
    with pytest.raises(ValidationFailed) as exc:
        document_create(
            by=org.keeper,
            data={"kind": "receipt", "warehouse": wh.pk, "lines": [line_data(goods, 1, wh.a1), bad]},
        )
    assert field in exc.value.fields
    assert not StockDocument.objects.exists()


def test_location_of_another_warehouse_is_refused(org, wh, make_wh, goods):
    other = make_wh()
    with pytest.raises(ValidationFailed) as exc:
        document_create(
            by=org.keeper,
            data={"kind": "receipt", "warehouse": wh.pk, "lines": [line_data(goods, 1, other.a1)]},
        )
    assert "lines.1.location" in exc.value.fields


def test_only_the_keeper_writes_and_posts(org, wh, goods):
    data = {"kind": "receipt", "warehouse": wh.pk, "lines": [line_data(goods, 1, wh.a1)]}
    for person in (org.sales1, org.auditor, org.finance, org.manager1):
        with pytest.raises(PermissionDenied):
            document_create(by=person, data=data)
    doc = document_create(by=org.keeper, data=data)
    for person in (org.sales1, org.finance, org.director):
        with pytest.raises(PermissionDenied):
            document_post(document_id=doc.pk, by=person)
        assert document_allowed_actions(doc, org.sales1) == []


def test_update_a_draft_with_version(org, wh, goods, receive):
    doc = document_create(
        by=org.keeper, data={"kind": "receipt", "warehouse": wh.pk, "lines": [line_data(goods, 1, wh.a1)]}
    )
    doc = document_update(
        document_id=doc.pk,
        by=org.keeper,
        version=1,
        data={"reference": "DN-778", "lines": [line_data(goods, 2, wh.a1), line_data(goods, 3, wh.a2)]},
    )
    assert doc.version == 2 and doc.reference == "DN-778"
    assert [line.quantity for line in doc.lines.all()] == [2, 3]
    with pytest.raises(DomainError) as exc:
        document_update(document_id=doc.pk, by=org.keeper, version=1, data={"reference": "old"})
    assert exc.value.code == "stale_version"
    with pytest.raises(ValidationFailed) as exc:
        document_update(document_id=doc.pk, by=org.keeper, data={"kind": "issue"})
    assert "kind" in exc.value.fields
    document_post(document_id=doc.pk, by=org.keeper)
    with pytest.raises(DomainError) as exc:
        document_update(document_id=doc.pk, by=org.keeper, data={"reference": "late"})
    assert exc.value.code == "read_only"
    assert list(doc.events.values_list("action", flat=True)) == ["create", "edit", "post"]


def test_posting_is_one_audited_change_with_its_actor(org, wh, goods):
    """The posting's status and who/when are one auditlog entry (made from the copy read under
    the lock, not by reading the row again), with the keeper as its actor."""
    from auditlog.context import set_actor
    from auditlog.models import LogEntry

    from salesdept.warehouse.services.documents import document_create, document_post

    document = document_create(
        by=org.keeper,
        data={
            "kind": "receipt",
            "warehouse": wh.pk,
            "lines": [{"product": goods.pk, "quantity": "2", "location": wh.a1.pk}],
        },
    )
    with set_actor(org.keeper):
        document_post(document_id=document.pk, by=org.keeper)
    entry = LogEntry.objects.get_for_object(document).filter(action=LogEntry.Action.UPDATE).get()
    assert entry.actor == org.keeper
    assert entry.changes_dict["status"] == ["draft", "posted"]
    assert entry.changes_dict["version"] == ["1", "2"]
    assert entry.changes_dict["posted_by"][0] == "None" and entry.changes_dict["posted_by"][1] != "None"
