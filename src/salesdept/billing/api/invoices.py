"""API of invoices 开票 and credit notes 红字发票 (F2): /api/v1/invoices.

An invoice is prepared from one confirmed order (by default everything shipped — or ordered,
where the contract invoices on order — and not yet invoiced), submitted, and approved by a
second person, who registers the official invoice number 发票号码. The approval runs the
automatic check first (`GET /{id}/check` shows it): any mismatch of product, unit price, tax
rate or quantity against the order and what is invoiceable answers 409 invoice_mismatch (or
over_invoicing) with the lines in `error.extra.mismatches`. The page and this API call the same
services: what one refuses, so does the other."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Field, Query, Router, Schema, Status

from salesdept.core.pagination import paginate
from salesdept.core.schemas import ErrorOut, Money, Quantity, StrictIn

from ..selectors import invoices as selectors
from ..services import credit_notes as credit_services
from ..services import invoices as services

router = Router(tags=["invoices"])

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
SortKey = Literal[
    "number", "-number", "invoice_no", "-invoice_no", "invoiced_on", "-invoiced_on", "due_on", "-due_on",
    "customer", "-customer", "total_amount", "-total_amount", "status", "-status",
]  # fmt: skip


class InvoiceFilterIn(Schema):
    q: str | None = Field(
        None, max_length=100, description="Number, invoice number 发票号码, order, customer"
    )
    status: Literal["draft", "submitted", "issued", "cancelled"] | None = None
    kind: Literal["invoice", "credit_note"] | None = None
    customer: int | None = Field(None, ge=1)
    order: int | None = Field(None, ge=1)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    overdue: bool | None = Field(None, description="Only issued invoices past due with something outstanding")
    sort: SortKey | None = Field(None, description="Default -invoiced_on")


class InvoiceLineOut(Schema):
    id: int
    position: int
    order_line_id: int
    product_id: int
    product_code: str
    product_name: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    amount: Decimal
    tax_amount: Decimal

    @staticmethod
    def resolve_product_code(obj) -> str:
        return obj.product.code

    @staticmethod
    def resolve_product_name(obj) -> str:
        return obj.product.name


class InvoiceRowOut(Schema):
    id: int
    number: str
    kind: str
    status: str
    invoice_no: str
    invoiced_on: dt.date
    due_on: dt.date | None
    customer_id: int
    customer_name: str
    order_id: int
    order_number: str
    corrects_id: int | None
    net_amount: Decimal
    tax_amount: Decimal
    total_amount: Decimal
    paid_amount: Decimal
    credited_amount: Decimal
    outstanding: Decimal

    @staticmethod
    def resolve_customer_name(obj) -> str:
        return obj.customer.name

    @staticmethod
    def resolve_order_number(obj) -> str:
        return obj.order.number


class InvoiceOut(InvoiceRowOut):
    notes: str
    prepared_by_id: int
    submitted_at: dt.datetime | None
    issued_at: dt.datetime | None
    created_at: dt.datetime
    version: int
    lines: list[InvoiceLineOut]
    actions: list[str]

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.select_related("product"))

    @staticmethod
    def resolve_actions(obj, context) -> list[str]:
        return services.invoice_allowed_actions(obj, context["request"].user)


class ProblemOut(Schema):
    code: str
    field: str
    message: str


class CheckLineOut(Schema):
    line: int
    invoice_line: int
    order_line: int
    ok: bool
    problems: list[ProblemOut]


class CheckOut(Schema):
    ok: bool
    lines: list[CheckLineOut]


class InvoiceableOut(Schema):
    order_line: int
    position: int
    product_id: int
    product_code: str
    product_name: str
    ordered: Decimal
    shipped: Decimal
    invoiced: Decimal
    invoiceable: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    amount: Decimal


class LineIn(StrictIn):
    order_line: int = Field(..., ge=1)
    quantity: Quantity | None = Field(None, gt=0, description="Default: what is invoiceable")
    unit_price: Money | None = Field(None, ge=0, description="Default: the order line's")
    product: int | None = Field(None, ge=1, description="Default: the order line's")


class InvoiceIn(StrictIn):
    order: int = Field(..., ge=1)
    lines: list[LineIn] | None = Field(None, description="Default: every invoiceable line")
    invoiced_on: dt.date | None = None
    due_on: dt.date | None = Field(None, description="Default: from the contract's payment terms")
    notes: str = Field("", max_length=5000)
    invoice_no: str = Field("", max_length=40, description="发票号码; required at approval")


class CreditLineIn(StrictIn):
    invoice_line: int = Field(..., ge=1)
    quantity: Quantity | None = Field(None, gt=0, description="Quantity taken back")
    amount: Money | None = Field(None, gt=0, description="Or: an amount-only price correction")


class CreditNoteIn(StrictIn):
    lines: list[CreditLineIn] | None = Field(None, description="Default: all that is not yet credited")
    invoiced_on: dt.date | None = None
    notes: str = Field("", max_length=5000)
    invoice_no: str = Field("", max_length=40)


class InvoicePatch(StrictIn):
    version: int | None = Field(None, ge=1)
    invoiced_on: dt.date = None
    due_on: dt.date | None = None
    notes: str = Field(None, max_length=5000)
    invoice_no: str = Field(None, max_length=40)
    lines: list[LineIn] = Field(None, description="Invoices: the whole list of lines")
    credit_lines: list[CreditLineIn] = Field(None, description="Credit notes: the whole list of lines")


class ApproveIn(StrictIn):
    invoice_no: str = Field("", max_length=40, description="发票号码 (required unless set on the draft)")
    note: str = Field("", max_length=2000)


class NoteIn(StrictIn):
    note: str = Field("", max_length=2000)


def _rows(rows) -> list[dict]:
    out = []
    for r in rows:
        row = {"order_line_id": r.order_line}
        for key, name in (("quantity", "quantity"), ("unit_price", "unit_price"), ("product", "product_id")):
            if getattr(r, key) is not None:
                row[name] = getattr(r, key)
        out.append(row)
    return out


def _credit_rows(rows) -> list[dict]:
    out = []
    for r in rows:
        row = {"invoice_line_id": r.invoice_line}
        if r.quantity is not None:
            row["quantity"] = r.quantity
        if r.amount is not None:
            row["amount"] = r.amount
        out.append(row)
    return out


def _fresh(request, invoice_id: int):
    return selectors.invoice_get(user=request.user, invoice_id=invoice_id)


@router.get("", response={200: list[InvoiceRowOut], **ERRORS})
@paginate
def list_invoices(request, filters: Query[InvoiceFilterIn]):
    """The registry 发票登记: invoices and credit notes you may see, newest first."""
    data = filters.model_dump(exclude_none=True)
    if "overdue" in data:
        data["overdue"] = "true" if data["overdue"] else "false"
    return selectors.invoice_list(user=request.user, filters=data)


@router.get("/invoiceable", response={200: list[InvoiceableOut], **ERRORS})
def invoiceable(request, order: int = Query(..., ge=1)):
    """What each line of a confirmed order still has to invoice (shipped — or ordered, where the
    contract invoices on order — less returned and already invoiced net of credit notes)."""
    _order, rows = selectors.order_invoiceable(user=request.user, order_id=order)
    return [
        {
            "order_line": r.line.pk,
            "position": r.line.position,
            "product_id": r.line.product_id,
            "product_code": r.line.product.code,
            "product_name": r.line.product.name,
            "ordered": r.line.quantity,
            "shipped": r.line.shipped_quantity,
            "invoiced": r.line.invoiced_quantity,
            "invoiceable": r.quantity,
            "unit_price": r.line.unit_price,
            "tax_rate": r.line.tax_rate,
            "amount": r.amount,
        }
        for r in rows
    ]


@router.post("", response={201: InvoiceOut, **ERRORS})
def create_invoice(request, payload: InvoiceIn):
    """A draft invoice of one confirmed order."""
    data = payload.model_dump(exclude={"order", "lines"}, exclude_none=True)
    if payload.lines is not None:
        data["lines"] = _rows(payload.lines)
    invoice = services.invoice_create(by=request.user, order_id=payload.order, data=data)
    return Status(201, _fresh(request, invoice.pk))


@router.get("/{invoice_id}", response={200: InvoiceOut, **ERRORS})
def get_invoice(request, invoice_id: int):
    return _fresh(request, invoice_id)


@router.get("/{invoice_id}/check", response={200: CheckOut, **ERRORS})
def check_invoice(request, invoice_id: int):
    """The automatic check, line by line — what the approval decides on."""
    checks = selectors.invoice_check(_fresh(request, invoice_id))
    return {
        "ok": all(c.ok for c in checks),
        "lines": [
            {
                "line": c.line.position,
                "invoice_line": c.line.pk,
                "order_line": c.line.order_line_id,
                "ok": c.ok,
                "problems": c.problems,
            }
            for c in checks
        ],
    }


@router.patch("/{invoice_id}", response={200: InvoiceOut, **ERRORS})
def update_invoice(request, invoice_id: int, payload: InvoicePatch):
    """Change a draft; a stale `version` answers 409 stale_version."""
    data = payload.model_dump(exclude_unset=True, exclude={"lines", "credit_lines", "version"})
    if payload.lines is not None:
        data["lines"] = _rows(payload.lines)
    elif payload.credit_lines is not None:
        data["lines"] = _credit_rows(payload.credit_lines)
    services.invoice_update(by=request.user, invoice_id=invoice_id, version=payload.version, data=data)
    return _fresh(request, invoice_id)


@router.post("/{invoice_id}/submit", response={200: InvoiceOut, **ERRORS})
def submit_invoice(request, invoice_id: int, payload: NoteIn | None = None):
    """draft → submitted (for a second person's approval)."""
    services.invoice_submit(by=request.user, invoice_id=invoice_id, note=payload.note if payload else "")
    return _fresh(request, invoice_id)


@router.post("/{invoice_id}/approve", response={200: InvoiceOut, **ERRORS})
def approve_invoice(request, invoice_id: int, payload: ApproveIn | None = None):
    """submitted → issued: the automatic check, the invoice number, the ledger entry."""
    services.invoice_approve(
        by=request.user,
        invoice_id=invoice_id,
        invoice_no=payload.invoice_no if payload else "",
        note=payload.note if payload else "",
    )
    return _fresh(request, invoice_id)


@router.post("/{invoice_id}/reject", response={200: InvoiceOut, **ERRORS})
def reject_invoice(request, invoice_id: int, payload: NoteIn | None = None):
    """submitted → draft, with a reason (required)."""
    services.invoice_reject(by=request.user, invoice_id=invoice_id, note=payload.note if payload else "")
    return _fresh(request, invoice_id)


@router.post("/{invoice_id}/cancel", response={200: InvoiceOut, **ERRORS})
def cancel_invoice(request, invoice_id: int, payload: NoteIn | None = None):
    """Cancel a draft."""
    services.invoice_cancel(by=request.user, invoice_id=invoice_id, note=payload.note if payload else "")
    return _fresh(request, invoice_id)


@router.post("/{invoice_id}/credit-notes", response={201: InvoiceOut, **ERRORS})
def create_credit_note(request, invoice_id: int, payload: CreditNoteIn | None = None):
    """A draft credit note 红字发票 correcting this issued invoice (reviewed like an invoice)."""
    data = {}
    if payload is not None:
        data = payload.model_dump(exclude={"lines"}, exclude_none=True)
        if payload.lines is not None:
            data["lines"] = _credit_rows(payload.lines)
    note = credit_services.credit_note_create(by=request.user, invoice_id=invoice_id, data=data)
    return Status(201, _fresh(request, note.pk))
