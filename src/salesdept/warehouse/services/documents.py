"""Writes of stock documents (W1, W5, W6): receipts 入库, issues 出库, returns 退库, transfers
移库 and adjustments 调整, their posting through `ledger.post_moves()`, reversal, and quality
inspection of what came in pending (待检 → 合格 / 不合格).

Rules kept here (the ledger keeps the stock rules: no negative stock, one piece per serial):
- receipts and returns come in `pending` unless the line says otherwise; issues for sale,
  internal use or samples take only `accepted` stock; returns to the supplier and scrap take any;
- a rejected inspection moves the quantity to the warehouse's quarantine location;
- a sample issue opens a SampleLoan per line (holder or customer required); a sample return
  line names its loan and reduces it, never beyond what is outstanding;
- receipts, issues, returns and transfers are posted by the keeper (`post`); an adjustment is
  submitted and posted by the approval of a second person (双人复核); while it waits, what it
  takes out is reserved (I5: nobody issues it meanwhile), given back when it is rejected;
- a posted document is corrected only by reversing it: the mirror moves are posted as a new
  document and the original becomes `reversed` (refused when the stock has left meanwhile);
- services carry no stock; a serial-tracked item needs its serial number and quantity 1 per line.

Every function is one transaction; the document row is locked with select_for_update before
anything is checked, the ledger locks the stock rows."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.catalog.models import Product
from salesdept.core import workflow
from salesdept.core.errors import DomainError, ValidationFailed
from salesdept.core.events import log
from salesdept.core.numbering import next_number
from salesdept.core.permissions import require
from salesdept.crm.models import Customer

from ..ledger import Change, Hold, post_moves, release, reserve
from ..models import (
    DocumentKind,
    Location,
    MoveKind,
    Purpose,
    Quality,
    QualityCheck,
    SampleLoan,
    StockDocument,
    StockDocumentLine,
    StockDocumentStatus,
    Warehouse,
)
from . import inputs
from .setup import quarantine_of

__all__ = [
    "DEFAULT_PURPOSE",
    "PURPOSES",
    "document_allowed_actions",
    "document_approve",
    "document_cancel",
    "document_create",
    "document_for_update",
    "document_post",
    "document_reject",
    "document_reverse",
    "document_submit",
    "document_update",
    "pending_quantity",
    "post_document",
    "quality_inspect",
]

ZERO = Decimal("0")
CENT = Decimal("0.01")
MILLI = Decimal("0.001")

# Which purposes each kind of document may have; the first is the default.
PURPOSES: dict[str, tuple[str, ...]] = {
    DocumentKind.RECEIPT: (Purpose.PURCHASE,),
    DocumentKind.ISSUE: (
        Purpose.SALE,
        Purpose.INTERNAL,
        Purpose.SAMPLE,
        Purpose.GIFT,  # 随车赠品 with a shipment
        Purpose.SUPPLIER_RETURN,
        Purpose.SCRAP,
    ),
    DocumentKind.RETURN: (Purpose.CUSTOMER_RETURN, Purpose.SAMPLE_RETURN),
    DocumentKind.TRANSFER: (Purpose.MOVE,),
    DocumentKind.ADJUSTMENT: (Purpose.CORRECTION, Purpose.COUNT),
}
DEFAULT_PURPOSE = {kind: purposes[0] for kind, purposes in PURPOSES.items()}
# Issues for these purposes take only accepted stock (W6).
ACCEPTED_ONLY = {Purpose.SALE, Purpose.INTERNAL, Purpose.SAMPLE, Purpose.GIFT}
INCOMING = {DocumentKind.RECEIPT, DocumentKind.RETURN}
HEADER_FIELDS = {
    "kind",
    "purpose",
    "warehouse",
    "moved_on",
    "customer",
    "supplier",
    "holder",
    "reference",
    "notes",
    "lines",
}
LINE_FIELDS = {
    "id",
    "product",
    "lot",
    "quantity",
    "location",
    "to_location",
    "quality",
    "unit_cost",
    "due_back",
    "loan",
    "notes",
}
ONE_PER_SERIAL = {Product.Kind.SERIAL, Product.Kind.UNIT}


class _Errors:
    """Collects field errors so a form shows all of them at once."""

    def __init__(self):
        self.fields: dict = {}

    def run(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ValidationFailed as exc:
            self.fields.update(exc.fields)
            return None

    def add(self, field: str, message) -> None:
        self.fields.setdefault(field, message)

    def raise_any(self) -> None:
        if self.fields:
            raise ValidationFailed(self.fields)


# --- reading and locking ---------------------------------------------------------------------


def document_for_update(*, document_id: int) -> StockDocument:
    """The document, locked for this transaction."""
    return get_object_or_404(
        StockDocument.objects.select_for_update(of=("self",)).select_related("warehouse"), pk=document_id
    )


def document_allowed_actions(document: StockDocument, user) -> list[str]:
    """What `user` may do next: `edit`, `post` (not adjustments), `submit`/`approve`/`reject`
    (adjustments only), `cancel`, `reverse` (not a reversal itself), `inspect` (pending lines)."""
    if not (user.is_active and user.has_perm("warehouse.view_stockdocument")):
        return []
    actions = workflow.allowed_actions(document, user)
    if document.kind == DocumentKind.ADJUSTMENT:
        actions = [a for a in actions if a != "post"]
    else:
        actions = [a for a in actions if a not in {"submit", "approve", "reject"}]
    if document.reverses_id:
        actions = [a for a in actions if a != "reverse"]
    if document.status in document.EDITABLE_STATES and user.has_perm("warehouse.change_stockdocument"):
        actions.insert(0, "edit")
    if (
        document.status == StockDocumentStatus.POSTED
        and document.kind in INCOMING
        and not document.reverses_id
        and user.has_perm("warehouse.inspect_stock")
        and _has_pending(document)
    ):
        actions.append("inspect")
    return actions


def _has_pending(document: StockDocument) -> bool:
    """Whether a line of the document still waits for inspection (one query)."""
    done = Coalesce(Sum("checks__accepted"), ZERO) + Coalesce(Sum("checks__rejected"), ZERO)
    return (
        StockDocumentLine.objects.filter(document=document, quality=Quality.PENDING)
        .annotate(done=done)
        .filter(quantity__gt=F("done"))
        .exists()
    )


def pending_quantity(line: StockDocumentLine) -> Decimal:
    """What of a posted incoming line still waits for inspection."""
    if line.quality != Quality.PENDING:
        return ZERO
    checks = getattr(line, "_prefetched_objects_cache", {}).get("checks")
    if checks is None:
        checks = list(line.checks.all())
    return line.quantity - sum((c.accepted + c.rejected for c in checks), ZERO)


def _only_accepted(position: int, quality: str):
    return _(
        "Line %(pos)s: only accepted stock (合格) is issued for this purpose; this line takes %(quality)s."
    ) % {"pos": position, "quality": Quality(quality).label}


# --- validating input ------------------------------------------------------------------------


def _header(document: StockDocument, data: dict, errors: _Errors, *, creating: bool) -> None:
    if creating:
        document.kind = errors.run(inputs.choice, data.get("kind"), "kind", DocumentKind)
    elif "kind" in data and data["kind"] != document.kind:
        errors.add("kind", _("The kind of a document cannot change; cancel it and start a new one."))
    kind = document.kind
    if creating or "purpose" in data:
        purpose = data.get("purpose") or (DEFAULT_PURPOSE.get(kind) if kind else None)
        if kind and purpose not in PURPOSES[kind]:
            errors.add("purpose", _("This purpose does not fit this kind of document."))
        else:
            document.purpose = purpose
    if creating or "warehouse" in data:
        warehouse_id = errors.run(inputs.ident, data.get("warehouse"), "warehouse")
        if warehouse_id is not None:
            warehouse = Warehouse.objects.filter(pk=warehouse_id, is_active=True).first()
            if warehouse is None:
                errors.add("warehouse", _("Choose an active warehouse."))
            else:
                document.warehouse = warehouse
    if creating or "moved_on" in data:
        moved_on = errors.run(inputs.date, data.get("moved_on"), "moved_on", required=False)
        document.moved_on = moved_on or document.moved_on or timezone.localdate()
        if moved_on and moved_on > timezone.localdate() + datetime.timedelta(days=1):
            errors.add("moved_on", _("Stock cannot move in the future."))
    if "customer" in data:
        customer_id = errors.run(inputs.ident, data.get("customer"), "customer", required=False)
        if customer_id is not None and not Customer.objects.filter(pk=customer_id).exists():
            errors.add("customer", _("Select a valid choice."))
        else:
            document.customer_id = customer_id
    if "holder" in data:
        holder_id = errors.run(inputs.ident, data.get("holder"), "holder", required=False)
        if (
            holder_id is not None
            and not get_user_model().objects.filter(pk=holder_id, is_active=True).exists()
        ):
            errors.add("holder", _("Select a valid choice."))
        else:
            document.holder_id = holder_id
    for field, length in (("supplier", 200), ("reference", 100), ("notes", 5000)):
        if field in data:
            value = errors.run(inputs.text, data, field, max_length=length)
            if value is not None:
                setattr(document, field, value)
    if document.purpose == Purpose.SAMPLE and not (document.holder_id or document.customer_id):
        errors.add("holder", _("A sample is lent to a salesperson or a customer: choose one."))


def _line(document: StockDocument, row, index: int, errors: _Errors, products: dict, locations: dict):
    """One unsaved line from `row`, or None when it has errors (collected in `errors`)."""
    p = f"lines.{index}"
    if not isinstance(row, dict):
        errors.add(p, _("Enter a line."))
        return None
    before = len(errors.fields)
    for name in sorted(set(row) - LINE_FIELDS):
        errors.add(f"{p}.{name}", _("This field cannot be set here."))
    kind = document.kind
    line = StockDocumentLine(document=document, position=index)

    product = None
    product_id = errors.run(inputs.ident, row.get("product"), f"{p}.product")
    if product_id is not None:
        product = products.get(product_id)
        if product is None:
            errors.add(f"{p}.product", _("Select a valid choice."))
        elif product.kind == Product.Kind.SERVICE:
            errors.add(
                f"{p}.product",
                _("Line %(pos)s: %(product)s is a service and carries no stock.")
                % {"pos": index, "product": product.name},
            )
            product = None
        else:
            line.product = product
    line.lot = errors.run(inputs.text, row, f"{p}.lot", max_length=60, key="lot") or ""
    quantity = errors.run(
        inputs.decimal,
        row.get("quantity"),
        f"{p}.quantity",
        positive=True,
        signed=kind == DocumentKind.ADJUSTMENT,
    )
    if quantity is not None:
        line.quantity = quantity
    if product is not None and product.kind in ONE_PER_SERIAL:
        if not line.lot:
            errors.add(
                f"{p}.lot",
                _("Line %(pos)s: %(product)s is tracked by serial number; enter it.")
                % {"pos": index, "product": product.name},
            )
        if quantity is not None and abs(quantity) != 1:
            errors.add(
                f"{p}.quantity",
                _("Line %(pos)s: one serial number is one piece; the quantity is 1.") % {"pos": index},
            )

    location_id = errors.run(inputs.ident, row.get("location"), f"{p}.location")
    if location_id is not None:
        location = locations.get(location_id)
        warehouse_id = getattr(document, "warehouse_id", None)
        if (
            location is None
            or not location.is_active
            or (warehouse_id and location.warehouse_id != warehouse_id)
        ):
            errors.add(f"{p}.location", _("Choose an active location of this warehouse."))
        else:
            line.location = location
    to_location_id = errors.run(
        inputs.ident, row.get("to_location"), f"{p}.to_location", required=kind == DocumentKind.TRANSFER
    )
    if to_location_id is not None:
        if kind != DocumentKind.TRANSFER:
            errors.add(f"{p}.to_location", _("Only a transfer has a destination location."))
        else:
            to_location = locations.get(to_location_id)
            if to_location is None or not to_location.is_active:
                errors.add(f"{p}.to_location", _("Choose an active location."))
            elif to_location_id == location_id:
                errors.add(f"{p}.to_location", _("Choose a location other than the source."))
            else:
                line.to_location = to_location

    default_quality = Quality.PENDING if kind in INCOMING else Quality.ACCEPTED
    quality = errors.run(inputs.choice, row.get("quality"), f"{p}.quality", Quality, default=default_quality)
    if quality is not None:
        line.quality = quality
        if kind == DocumentKind.ISSUE and document.purpose in ACCEPTED_ONLY and quality != Quality.ACCEPTED:
            errors.add(
                f"{p}.quality",
                _only_accepted(index, quality),
            )
    unit_cost = errors.run(
        inputs.decimal, row.get("unit_cost"), f"{p}.unit_cost", required=False, places="0.01"
    )
    if unit_cost is not None:
        if kind not in INCOMING and kind != DocumentKind.ADJUSTMENT:
            errors.add(
                f"{p}.unit_cost", _("Stock going out is valued at its average cost; leave the cost empty.")
            )
        else:
            line.unit_cost = unit_cost
    due_back = errors.run(inputs.date, row.get("due_back"), f"{p}.due_back", required=False)
    if due_back is not None:
        if document.purpose != Purpose.SAMPLE:
            errors.add(f"{p}.due_back", _("Only samples lent out have an expected return date."))
        elif due_back < (document.moved_on or timezone.localdate()):
            errors.add(f"{p}.due_back", _("The expected return cannot be before the issue."))
        else:
            line.due_back = due_back
    loan_id = errors.run(
        inputs.ident, row.get("loan"), f"{p}.loan", required=document.purpose == Purpose.SAMPLE_RETURN
    )
    if loan_id is not None:
        if document.purpose != Purpose.SAMPLE_RETURN:
            errors.add(f"{p}.loan", _("Only a sample return names a sample loan."))
        else:
            loan = SampleLoan.objects.filter(pk=loan_id).first()
            if loan is None or loan.status != SampleLoan.Status.OUT:
                errors.add(f"{p}.loan", _("Choose a sample loan that is still out."))
            elif product is not None and loan.product_id != product.pk:
                errors.add(f"{p}.loan", _("This loan is of another product."))
            elif quantity is not None and quantity > loan.outstanding:
                errors.add(
                    f"{p}.quantity",
                    _("Line %(pos)s: only %(left)s of this sample are still out.")
                    % {"pos": index, "left": loan.outstanding.normalize()},
                )
            else:
                line.loan = loan
    line.notes = errors.run(inputs.text, row, f"{p}.notes", max_length=200, key="notes") or ""
    return line if len(errors.fields) == before else None


def _lines(document: StockDocument, rows, errors: _Errors) -> list[StockDocumentLine]:
    if not isinstance(rows, list | tuple) or not rows:
        errors.add("lines", _("A stock document needs at least one line."))
        return []
    if len(rows) > 500:
        errors.add("lines", _("At most 500 lines per document."))
        return []
    product_ids, location_ids = set(), set()
    for row in rows:
        if isinstance(row, dict):
            for key, bucket in (
                ("product", product_ids),
                ("location", location_ids),
                ("to_location", location_ids),
            ):
                value = row.get(key)
                if isinstance(value, int) and not isinstance(value, bool):
                    bucket.add(value)
                elif isinstance(value, str) and value.strip().isdigit():
                    bucket.add(int(value))
    products = Product.objects.in_bulk(product_ids)
    locations = Location.objects.select_related("warehouse").in_bulk(location_ids)
    built = [
        _line(document, row, index, errors, products, locations) for index, row in enumerate(rows, start=1)
    ]
    return [line for line in built if line is not None]


def _write(document: StockDocument, data: dict, *, creating: bool) -> list[StockDocumentLine] | None:
    """Check `data` and save the document and, when given, its lines (returned, products and
    locations loaded; None when the lines were not touched)."""
    if not isinstance(data, dict):
        raise ValidationFailed({"data": _("Send an object of fields.")})
    errors = _Errors()
    for name in sorted(set(data) - HEADER_FIELDS):
        errors.add(name, _("This field cannot be set here."))
    _header(document, data, errors, creating=creating)
    lines = None
    if (creating or "lines" in data) and document.kind:
        lines = _lines(document, data.get("lines"), errors)
    elif creating:
        errors.add("lines", _("A stock document needs at least one line."))
    errors.raise_any()
    if creating:
        document.number = next_number(StockDocument.NUMBER_PREFIX)
    else:
        document.version += 1
    document.save()
    if lines is not None:
        if not creating:
            document.lines.all().delete()
        StockDocumentLine.objects.bulk_create(lines)
    return lines


# --- create, edit ----------------------------------------------------------------------------


@transaction.atomic
def document_create(*, by, data: dict) -> StockDocument:
    """A draft stock document with its lines (see the module docstring for the fields)."""
    require(by, "warehouse.add_stockdocument")
    document = StockDocument(prepared_by=by)
    _write(document, data, creating=True)
    log(document, "create", by=by)
    return document


@transaction.atomic
def document_update(*, document_id: int, by, data: dict, version: int | None = None) -> StockDocument:
    """Change a draft: the header fields given and, when `lines` is given, all its lines. A stale
    `version` answers 409 stale_version and changes nothing."""
    require(by, "warehouse.change_stockdocument")
    document = document_for_update(document_id=document_id)
    workflow.check_editable(document, by=by, version=version)
    _write(document, data, creating=False)
    log(document, "edit", by=by)
    return document


# --- posting ---------------------------------------------------------------------------------


def _value_of(line: StockDocumentLine) -> Decimal | None:
    if line.unit_cost is None:
        return None
    return (line.unit_cost * line.quantity).quantize(CENT)


def _changes(document: StockDocument, lines: list[StockDocumentLine]) -> list[Change]:
    kind = document.kind
    changes = []
    for line in lines:
        if kind == DocumentKind.RECEIPT:
            changes.append(Change(line, line.quantity, MoveKind.RECEIPT, value=_value_of(line)))
        elif kind == DocumentKind.RETURN:
            value = _value_of(line)
            if value is None and line.loan_id and line.loan.issue_line.quantity:
                issued = line.loan.issue_line
                value = (issued.value * line.quantity / issued.quantity).quantize(CENT)
            changes.append(Change(line, line.quantity, MoveKind.RETURN, value=value))
        elif kind == DocumentKind.ISSUE:
            changes.append(Change(line, -line.quantity, MoveKind.ISSUE))
        elif kind == DocumentKind.TRANSFER:
            changes.append(
                Change(
                    line,
                    line.quantity,
                    MoveKind.TRANSFER_OUT,
                    to_location_id=line.to_location_id,
                    in_kind=MoveKind.TRANSFER_IN,
                )
            )
        else:
            value = _value_of(line) if line.quantity > 0 else None
            changes.append(Change(line, line.quantity, MoveKind.ADJUSTMENT, value=value))
    return changes


def _check_before_posting(document: StockDocument, lines: list[StockDocumentLine]) -> None:
    """The rules that depend on the moment of posting (the input was checked when saved)."""
    if not lines:
        raise ValidationFailed({"lines": _("A stock document needs at least one line.")})
    errors = _Errors()
    if not document.warehouse.is_active:
        errors.add("warehouse", _("Choose an active warehouse."))
    for line in lines:
        p = f"lines.{line.position}"
        if line.product.kind == Product.Kind.SERVICE:
            errors.add(
                f"{p}.product",
                _("Line %(pos)s: %(product)s is a service and carries no stock.")
                % {"pos": line.position, "product": line.product.name},
            )
        for loc, field in ((line.location, "location"), (line.to_location, "to_location")):
            if loc is not None and not loc.is_active:
                errors.add(f"{p}.{field}", _("Choose an active location."))
        if (
            document.kind == DocumentKind.ISSUE
            and document.purpose in ACCEPTED_ONLY
            and line.quality != Quality.ACCEPTED
        ):
            errors.add(
                f"{p}.quality",
                _only_accepted(line.position, line.quality),
            )
    if document.purpose == Purpose.SAMPLE and not (document.holder_id or document.customer_id):
        errors.add("holder", _("A sample is lent to a salesperson or a customer: choose one."))
    errors.raise_any()


def _close_loans(document: StockDocument, lines: list[StockDocumentLine]) -> None:
    """A sample return reduces its loans (locked in id order), never beyond what is out."""
    wanted: dict[int, Decimal] = defaultdict(Decimal)
    first_line: dict[int, StockDocumentLine] = {}
    for line in lines:
        if line.loan_id is None:
            raise ValidationFailed(
                {f"lines.{line.position}.loan": _("Choose a sample loan that is still out.")}
            )
        wanted[line.loan_id] += line.quantity
        first_line.setdefault(line.loan_id, line)
    loans = SampleLoan.objects.select_for_update().filter(pk__in=list(wanted)).order_by("pk")
    for loan in loans:
        line = first_line[loan.pk]
        if loan.status != SampleLoan.Status.OUT or wanted[loan.pk] > loan.outstanding:
            message = _("Line %(pos)s: only %(left)s of this sample are still out.") % {
                "pos": line.position,
                "left": loan.outstanding.normalize() if loan.status == SampleLoan.Status.OUT else 0,
            }
            raise DomainError("loan_exceeded", message, fields={f"lines.{line.position}.quantity": message})
        if loan.product_id != line.product_id:
            raise ValidationFailed({f"lines.{line.position}.loan": _("This loan is of another product.")})
        loan.returned += wanted[loan.pk]
        if loan.outstanding == 0:
            loan.status = SampleLoan.Status.CLOSED
        loan.save(update_fields=["returned", "status"])


def _open_loans(document: StockDocument, lines: list[StockDocumentLine]) -> None:
    SampleLoan.objects.bulk_create(
        [
            SampleLoan(
                issue_line=line,
                product_id=line.product_id,
                holder_id=document.holder_id,
                customer_id=document.customer_id,
                quantity=line.quantity,
                issued_on=document.moved_on,
                due_back=line.due_back,
                notes=line.notes,
            )
            for line in lines
        ]
    )


def _set(document: StockDocument, values: dict) -> None:
    for name, value in values.items():
        setattr(document, name, value)


def _posted(document: StockDocument, *, by) -> dict:
    """Who posted `document` and when: the fields its posting sets beside the status."""
    return {"posted_at": timezone.now(), "posted_by": by, "version": document.version + 1}


def _post(document: StockDocument, *, by, lines: list[StockDocumentLine] | None = None) -> None:
    """Write the moves of `document` (locked, its status and _posted() fields already saved) and
    what posting opens or closes: sample loans. `lines`: the document's lines just saved, with
    their products and locations (read here when not given)."""
    if lines is None:
        related = ["product", "location"]  # and only what this kind of document needs
        if document.kind == DocumentKind.TRANSFER:
            related.append("to_location")
        if document.purpose == Purpose.SAMPLE_RETURN:
            related.append("loan__issue_line")
        lines = list(document.lines.select_related(*related).order_by("position", "pk"))
    _check_before_posting(document, lines)
    if document.purpose == Purpose.SAMPLE_RETURN:
        _close_loans(document, lines)
    post_moves(document, _changes(document, lines), by=by)
    if document.purpose == Purpose.SAMPLE:
        _open_loans(document, lines)


def _refuse_adjustment_post(document: StockDocument) -> None:
    if document.kind == DocumentKind.ADJUSTMENT:
        raise DomainError(
            "review_required",
            _("An adjustment is posted by the approval of a second person: submit it for review."),
        )


@transaction.atomic
def document_post(*, document_id: int, by) -> StockDocument:
    """Post a draft receipt, issue, return or transfer (draft → posted): its moves are written
    at once. Refused for adjustments (they go through review)."""
    require(by, "warehouse.post_stockdocument")
    document = document_for_update(document_id=document_id)
    _refuse_adjustment_post(document)
    workflow.apply(document, "post", by=by, also=_posted(document, by=by))
    _post(document, by=by)
    return document


@transaction.atomic
def document_submit(*, document_id: int, by, note: str = "") -> StockDocument:
    """Submit a draft adjustment for review by a second person (双人复核); the stock its negative
    lines take is reserved for it meanwhile (refused, 409 insufficient_stock, if it is not free)."""
    require(by, "warehouse.change_stockdocument")
    document = document_for_update(document_id=document_id)
    if document.kind != DocumentKind.ADJUSTMENT:
        raise DomainError(
            "post_directly", _("Only adjustments are submitted for review; post this document.")
        )
    lines = list(document.lines.select_related("product", "location", "to_location"))
    _check_before_posting(document, lines)
    workflow.apply(document, "submit", by=by, note=note)
    # what it takes out is held for it until the review ends (refused now if it is not there)
    reserve(
        document,
        [
            Hold(line.position, line.product_id, line.location_id, line.lot, line.quality, -line.quantity)
            for line in lines
            if line.quantity < 0
        ],
        by=by,
    )
    return document


@transaction.atomic
def document_approve(*, document_id: int, by, note: str = "") -> StockDocument:
    """Approve a submitted adjustment — never by its preparer; the last approval posts it."""
    document = document_for_update(document_id=document_id)
    if workflow.apply(document, "approve", by=by, note=note):
        release(document)  # what it held, it now takes
        _set(document, _posted(document, by=by))
        document.save(update_fields=["posted_at", "posted_by", "version", "updated_at"])
        _post(document, by=by)
    return document


@transaction.atomic
def document_reject(*, document_id: int, by, note: str = "") -> StockDocument:
    """Send a submitted adjustment back to draft, with a reason; what it held is free again."""
    document = document_for_update(document_id=document_id)
    workflow.apply(document, "reject", by=by, note=note)
    release(document)
    return document


@transaction.atomic
def document_cancel(*, document_id: int, by, note: str = "") -> StockDocument:
    """Cancel a draft (nothing was posted)."""
    require(by, "warehouse.change_stockdocument")
    document = document_for_update(document_id=document_id)
    workflow.apply(document, "cancel", by=by, note=note)
    return document


# --- reversal --------------------------------------------------------------------------------


def _undo_loans(original: StockDocument) -> None:
    if original.purpose == Purpose.SAMPLE:
        loans = list(
            SampleLoan.objects.select_for_update().filter(issue_line__document=original).order_by("pk")
        )
        for loan in loans:
            if loan.returned or loan.consumed or loan.return_lines.exists():
                raise DomainError(
                    "loan_in_use",
                    _("A sample of this issue was returned or consumed meanwhile; reverse that first."),
                )
        SampleLoan.objects.filter(pk__in=[loan.pk for loan in loans]).delete()
    elif original.purpose == Purpose.SAMPLE_RETURN:
        back: dict[int, Decimal] = defaultdict(Decimal)
        for line in original.lines.all():
            if line.loan_id:
                back[line.loan_id] += line.quantity
        for loan in SampleLoan.objects.select_for_update().filter(pk__in=list(back)).order_by("pk"):
            loan.returned -= back[loan.pk]
            loan.status = SampleLoan.Status.OUT
            loan.save(update_fields=["returned", "status"])


@transaction.atomic
def document_reverse(*, document_id: int, by, note: str = "") -> StockDocument:
    """Reverse a posted document: post its mirror moves (quality inspections included) as a new
    document that `reverses` it, and mark the original `reversed`. Refused when the stock it
    brought in has left meanwhile. Returns the reversal."""
    require(by, "warehouse.post_stockdocument")
    original = document_for_update(document_id=document_id)
    if original.reverses_id:
        raise DomainError("reversal_final", _("A reversal cannot be reversed; post a new document instead."))
    workflow.apply(original, "reverse", by=by, note=note)
    reversal = StockDocument.objects.create(
        number=next_number(StockDocument.NUMBER_PREFIX),
        kind=original.kind,
        purpose=original.purpose,
        warehouse=original.warehouse,
        moved_on=timezone.localdate(),
        customer=original.customer,
        supplier=original.supplier,
        holder=original.holder,
        reference=original.reference,
        notes=str(_("Reversal of %(number)s") % {"number": original.number}) + (f"\n{note}" if note else ""),
        reverses=original,
        prepared_by=by,
        posted_at=timezone.now(),
        posted_by=by,
    )
    log(reversal, "create", by=by, note=original.number)
    reversal.status = StockDocumentStatus.POSTED
    reversal.save(update_fields=["status", "updated_at"])
    log(reversal, "post", by=by, before=StockDocumentStatus.DRAFT, note=original.number)
    mapping: dict[int, StockDocumentLine] = {}
    for line in original.lines.order_by("position", "pk"):
        mapping[line.pk] = StockDocumentLine.objects.create(
            document=reversal,
            position=line.position,
            product_id=line.product_id,
            lot=line.lot,
            quantity=-line.quantity if original.kind == DocumentKind.ADJUSTMENT else line.quantity,
            location_id=line.location_id,
            to_location_id=line.to_location_id,
            quality=line.quality,
            unit_cost=line.unit_cost,
            loan_id=line.loan_id,
            notes=line.notes,
        )
    _undo_loans(original)
    changes = [
        Change(
            mapping[move.line_id],
            -move.quantity,
            move.kind,
            location_id=move.location_id,
            lot=move.lot,
            quality=move.quality,
            value=-move.value if move.quantity < 0 else None,
        )
        for move in original.moves.order_by("-pk")
    ]
    try:
        post_moves(reversal, changes, by=by)
    except DomainError as exc:
        if exc.code != "insufficient_stock":
            raise
        message = _(
            "%(number)s cannot be reversed: the stock it brought in has left meanwhile. %(detail)s"
        ) % {
            "number": original.number,
            "detail": exc.message,
        }
        raise DomainError("reversal_stock_gone", message, extra=exc.extra) from None
    original.version += 1
    original.save(update_fields=["version", "updated_at"])
    return reversal


# --- trusted posting (stocktakes, later shipments) -------------------------------------------


@transaction.atomic
def post_document(*, by, data: dict, source=None) -> StockDocument:
    """Create and post a document in one transaction. With `source` (the stocktake whose
    variance was approved, later a shipment) the caller has already checked who may do this —
    the adjustment review is skipped and the document records where it came from. Without a
    source the caller needs the keeper's permissions and adjustments are refused."""
    if source is None:
        require(by, "warehouse.add_stockdocument", "warehouse.post_stockdocument")
    # written posted at once: one INSERT, one audit entry; the events still say created, posted
    document = StockDocument(prepared_by=by, status=StockDocumentStatus.POSTED)
    _set(document, _posted(document, by=by))
    if source is not None:
        document.source_type = f"{source._meta.app_label}.{source._meta.model_name}"
        document.source_id = source.pk
    lines = _write(document, data, creating=True)
    if source is None:
        _refuse_adjustment_post(document)
    log(document, "create", by=by, note=str(source or ""), after=StockDocumentStatus.DRAFT)
    log(document, "post", by=by, before=StockDocumentStatus.DRAFT)
    # a sample return's lines need their loans' issue lines: read them with those
    _post(document, by=by, lines=None if document.purpose == Purpose.SAMPLE_RETURN else lines)
    return document


# --- quality inspection (W6) -----------------------------------------------------------------


@transaction.atomic
def quality_inspect(*, line_id: int, by, accepted, rejected, notes: str = "") -> QualityCheck:
    """Record the inspection of (part of) a posted receipt or return line that came in pending:
    `accepted` becomes 合格 where it lies, `rejected` (不合格) moves to the warehouse's
    quarantine location. Never more than is still pending on the line."""
    require(by, "warehouse.inspect_stock")
    peek = get_object_or_404(StockDocumentLine.objects.only("document_id"), pk=line_id)
    document = document_for_update(document_id=peek.document_id)
    line = StockDocumentLine.objects.select_related("product", "location").get(pk=line_id)
    if document.status != StockDocumentStatus.POSTED or document.kind not in INCOMING or document.reverses_id:
        raise DomainError("not_inspectable", _("Only posted receipts and returns are inspected."))
    if line.quality != Quality.PENDING:
        raise DomainError("not_pending", _("This line did not come in pending inspection."))
    errors = _Errors()
    accepted = errors.run(inputs.decimal, accepted if accepted not in (None, "") else "0", "accepted")
    rejected = errors.run(inputs.decimal, rejected if rejected not in (None, "") else "0", "rejected")
    text = errors.run(inputs.text, {"notes": notes}, "notes", max_length=300)
    errors.raise_any()
    accepted, rejected = accepted.quantize(MILLI), rejected.quantize(MILLI)
    pending = pending_quantity(line)
    if accepted + rejected <= 0:
        raise ValidationFailed({"accepted": _("Enter what was accepted or rejected.")})
    if accepted + rejected > pending:
        raise ValidationFailed(
            {
                "accepted": _("Only %(pending)s of this line are still pending inspection.")
                % {"pending": pending.normalize()}
            }
        )
    if line.product.kind in ONE_PER_SERIAL and (accepted % 1 or rejected % 1):
        raise ValidationFailed({"accepted": _("A serial number is one piece.")})
    changes = []
    if accepted:
        changes.append(
            Change(line, accepted, MoveKind.QUALITY, quality=Quality.PENDING, to_quality=Quality.ACCEPTED)
        )
    if rejected:
        quarantine = quarantine_of(document.warehouse_id)
        changes.append(
            Change(
                line,
                rejected,
                MoveKind.QUALITY,
                quality=Quality.PENDING,
                to_location_id=quarantine.pk,
                to_quality=Quality.REJECTED,
            )
        )
    document.moved_on = timezone.localdate()  # the inspection's moves are dated today (not saved)
    post_moves(document, changes, by=by, record_line_values=False)
    check = QualityCheck.objects.create(
        line=line, accepted=accepted, rejected=rejected, checked_by=by, notes=text
    )
    document.refresh_from_db(fields=["moved_on"])
    log(
        document,
        "inspect",
        by=by,
        note=str(
            _("Line %(pos)s: %(accepted)s accepted, %(rejected)s rejected")
            % {"pos": line.position, "accepted": accepted.normalize(), "rejected": rejected.normalize()}
        )
        + (f" — {text}" if text else ""),
    )
    return check
