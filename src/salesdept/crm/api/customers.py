"""API of the customer archive (C1), mounted at /api/v1/customers.

Reads go through selectors.customers (the scope rule: a customer outside your scope answers
404); writes through services.customers, which check permissions (403) and validate (400)."""

from datetime import date, datetime
from typing import Literal

from django.shortcuts import get_object_or_404
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from salesdept.accounts.scope import visible
from salesdept.core.exports import export_response
from salesdept.core.pagination import paginate
from salesdept.core.permissions import require
from salesdept.core.schemas import ErrorOut, StrictIn

from ..filters_customers import EXPORT_COLUMNS
from ..models import Contact, Customer, CustomerDocument, Source
from ..selectors import customers as selectors
from ..services import customers as services

router = Router(tags=["customers"])

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
Kind = Literal["company", "person"]
SourceCode = Literal[tuple(Source.values)]  # type: ignore[valid-type]
DocumentKind = Literal[tuple(CustomerDocument.Kind.values)]  # type: ignore[valid-type]


# --- schemas ---------------------------------------------------------------------------------


class CustomerFilterIn(Schema):
    """The filters of the customer page (crm/filters_customers.py)."""

    q: str | None = Field(
        None, max_length=100, description="Name, English name, pinyin, number, tax ID or phone"
    )
    kind: Kind | None = None
    tier: int | None = Field(None, ge=1, description="Tier id")
    region: int | None = Field(None, ge=1, description="Region id; includes the regions below it")
    owner: int | None = Field(None, ge=1, description="Salesperson id")
    source: SourceCode | None = None
    industry: str | None = Field(None, max_length=100)
    incomplete: bool | None = Field(None, description="Only files below 100 % completeness")
    active: Literal["1", "0", "all"] | None = Field(
        None, description="1 (default) active, 0 deactivated, all"
    )
    sort: str | None = Field(
        None, max_length=20, description="name, code, tier, owner, completeness, …; -desc"
    )


class CustomerOut(Schema):
    id: int
    code: str
    kind: str
    name: str
    name_en: str
    tier_id: int | None
    tier: str | None = Field(None, alias="tier.code")
    region_id: int
    region: str = Field(..., alias="region.code")
    owner_id: int
    owner: str
    industry: str
    source: str
    phone: str
    email: str
    address: str
    website: str
    tax_id: str
    invoice_name: str
    bank_name: str
    bank_account: str
    invoice_address: str
    invoice_phone: str
    notes: str
    is_active: bool
    merged_into_id: int | None
    completeness: int
    last_contact_on: date | None
    version: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_owner(obj) -> str:
        return str(obj.owner)


class CustomerDetailOut(CustomerOut):
    missing_fields: list[str]

    @staticmethod
    def resolve_missing_fields(obj) -> list[str]:
        return services.customer_missing_fields(obj)


class CustomerIn(StrictIn):
    kind: Kind = "company"
    name: str = Field(..., min_length=1, max_length=200)
    name_en: str = Field("", max_length=200)
    tier_id: int | None = None
    region_id: int
    owner_id: int | None = Field(None, description="Default: you")
    industry: str = Field("", max_length=100)
    source: SourceCode | Literal[""] = ""
    phone: str = Field("", max_length=50)
    email: str = Field("", max_length=254)
    address: str = Field("", max_length=300)
    website: str = Field("", max_length=200)
    tax_id: str = Field("", max_length=30)
    invoice_name: str = Field("", max_length=200)
    bank_name: str = Field("", max_length=200)
    bank_account: str = Field("", max_length=60)
    invoice_address: str = Field("", max_length=300)
    invoice_phone: str = Field("", max_length=50)
    notes: str = Field("", max_length=10000)
    allow_duplicate: bool = Field(False, description="Create although a duplicate was found")


class CustomerPatch(StrictIn):
    """Fields left out stay unchanged; `version` is the one you loaded (stale → 409)."""

    version: int = Field(..., ge=1)
    allow_duplicate: bool = False
    kind: Kind = None
    name: str = Field(None, min_length=1, max_length=200)
    name_en: str = Field(None, max_length=200)
    tier_id: int | None = None
    region_id: int = None
    industry: str = Field(None, max_length=100)
    source: SourceCode | Literal[""] = None
    phone: str = Field(None, max_length=50)
    email: str = Field(None, max_length=254)
    address: str = Field(None, max_length=300)
    website: str = Field(None, max_length=200)
    tax_id: str = Field(None, max_length=30)
    invoice_name: str = Field(None, max_length=200)
    bank_name: str = Field(None, max_length=200)
    bank_account: str = Field(None, max_length=60)
    invoice_address: str = Field(None, max_length=300)
    invoice_phone: str = Field(None, max_length=50)
    notes: str = Field(None, max_length=10000)


class VersionIn(StrictIn):
    version: int | None = Field(None, ge=1)


class TransferIn(StrictIn):
    to_owner_id: int
    reason: str = Field(..., max_length=300)
    version: int | None = Field(None, ge=1)


class MergeIn(StrictIn):
    merged_id: int = Field(..., description="The duplicate that is merged into this customer")


class MergeOut(Schema):
    kept_id: int
    merged_id: int
    moved: dict[str, int]


class DuplicateOut(Schema):
    id: int
    code: str
    name: str
    visible: bool
    owner: str | None


class TransferOut(Schema):
    id: int
    from_owner_id: int
    to_owner_id: int
    reason: str
    by_id: int
    at: datetime


class ContactOut(Schema):
    id: int
    customer_id: int
    name: str
    title: str
    phone: str
    email: str
    is_primary: bool
    notes: str
    is_active: bool


class ContactIn(StrictIn):
    name: str = Field(..., min_length=1, max_length=100)
    title: str = Field("", max_length=100)
    phone: str = Field("", max_length=50)
    email: str = Field("", max_length=254)
    is_primary: bool = False
    notes: str = Field("", max_length=5000)


class ContactPatch(StrictIn):
    name: str = Field(None, min_length=1, max_length=100)
    title: str = Field(None, max_length=100)
    phone: str = Field(None, max_length=50)
    email: str = Field(None, max_length=254)
    is_primary: bool = None
    notes: str = Field(None, max_length=5000)


class DocumentOut(Schema):
    id: int
    customer_id: int
    kind: str
    number: str
    expires_on: date | None
    file_name: str
    file_sha256: str
    notes: str
    uploaded_by_id: int
    uploaded_at: datetime
    verified_by_id: int | None
    verified_at: datetime | None

    @staticmethod
    def resolve_file_name(obj) -> str:
        return obj.file.name.rsplit("/", 1)[-1]


class DocumentIn(StrictIn):
    kind: DocumentKind
    number: str = Field("", max_length=100)
    expires_on: date | None = None
    notes: str = Field("", max_length=300)


class DocumentPatch(StrictIn):
    kind: DocumentKind = None
    number: str = Field(None, max_length=100)
    expires_on: date | None = None
    notes: str = Field(None, max_length=300)


class IncompleteOut(Schema):
    owner_id: int
    owner: str
    count: int
    average: int


# --- customers -------------------------------------------------------------------------------


def _get(request, customer_id: int) -> Customer:
    return selectors.customer_get(user=request.user, customer_id=customer_id)


@router.get("", response={200: list[CustomerOut], 400: ErrorOut})
@paginate
def list_customers(request, filters: Query[CustomerFilterIn]):
    """Customers I may see (X1): active and not merged unless `active` says otherwise."""
    return selectors.customer_list(user=request.user, filters=filters.model_dump(exclude_none=True))


@router.get("/duplicates", response={200: list[DuplicateOut], 400: ErrorOut})
def check_customer_duplicates(
    request,
    name: str = Query("", max_length=200),
    tax_id: str = Query("", max_length=30),
    phone: str = Query("", max_length=50),
    exclude_id: int | None = None,
):
    """Active customers with the same normalised name, tax ID or phone, also outside my scope
    (shown by number and name only; the owner only when I may see the customer)."""
    require(request.user, "crm.view_customer")
    found = services.customer_duplicates(name=name, tax_id=tax_id, phone=phone, exclude_id=exclude_id)
    return services.duplicates_extra(found, request.user)


@router.get("/export", response={200: None, 400: ErrorOut, 403: ErrorOut})
def export_customers(request, filters: Query[CustomerFilterIn], format: Literal["csv", "xlsx"] = "csv"):
    """The filtered list as a CSV (UTF-8 with BOM) or XLSX download, scoped like the list."""
    require(request.user, "crm.export_customer")
    rows = selectors.customer_list(user=request.user, filters=filters.model_dump(exclude_none=True))
    return export_response(rows, EXPORT_COLUMNS, filename="customers", fmt=format)


@router.get("/incomplete", response=list[IncompleteOut])
def list_incomplete(request):
    """Per salesperson I may see: how many active customer files are below 100 %."""
    return [
        {"owner_id": r["owner"].pk, "owner": str(r["owner"]), "count": r["count"], "average": r["average"]}
        for r in selectors.incomplete_by_salesperson(user=request.user)
    ]


@router.get("/{customer_id}", response={200: CustomerDetailOut, 404: ErrorOut})
def get_customer(request, customer_id: int):
    return _get(request, customer_id)


@router.post("", response={201: CustomerDetailOut, **ERRORS})
def create_customer(request, payload: CustomerIn):
    """Create a customer. A duplicate (same normalised name, tax ID or phone) answers 409
    `duplicate_customer` listing the matches in `extra.duplicates`, unless `allow_duplicate`."""
    data = payload.model_dump(exclude={"allow_duplicate"})
    if data["owner_id"] is None:
        del data["owner_id"]
    customer = services.customer_create(by=request.user, data=data, allow_duplicate=payload.allow_duplicate)
    return Status(201, _get(request, customer.pk))


@router.patch("/{customer_id}", response={200: CustomerDetailOut, **ERRORS})
def update_customer(request, customer_id: int, payload: CustomerPatch):
    """Change the fields given; `version` is the one you loaded (stale → 409 stale_version)."""
    data = payload.model_dump(exclude_unset=True, exclude={"version", "allow_duplicate"})
    services.customer_update(
        by=request.user,
        customer_id=customer_id,
        data=data,
        version=payload.version,
        allow_duplicate=payload.allow_duplicate,
    )
    return _get(request, customer_id)


@router.post("/{customer_id}/transfer", response={200: CustomerDetailOut, **ERRORS})
def transfer_customer(request, customer_id: int, payload: TransferIn):
    """Hand the customer to another salesperson in my scope (managers); recorded with the reason."""
    services.customer_transfer(by=request.user, customer_id=customer_id, **payload.model_dump())
    return _get(request, customer_id)


@router.get("/{customer_id}/transfers", response={200: list[TransferOut], 404: ErrorOut})
def list_customer_transfers(request, customer_id: int):
    return list(selectors.customer_transfers(user=request.user, customer=_get(request, customer_id)))


@router.post("/{customer_id}/merge", response={200: MergeOut, **ERRORS})
def merge_customer(request, customer_id: int, payload: MergeIn):
    """Merge the duplicate `merged_id` into this customer: all its records move here, it stays
    readable (inactive, `merged_into_id` = this one)."""
    merge = services.customer_merge(by=request.user, kept_id=customer_id, merged_id=payload.merged_id)
    return {"kept_id": merge.kept_id, "merged_id": merge.merged_id, "moved": merge.moved}


@router.post("/{customer_id}/deactivate", response={200: CustomerDetailOut, **ERRORS})
def deactivate_customer(request, customer_id: int, payload: VersionIn):
    services.customer_deactivate(by=request.user, customer_id=customer_id, version=payload.version)
    return _get(request, customer_id)


@router.post("/{customer_id}/reactivate", response={200: CustomerDetailOut, **ERRORS})
def reactivate_customer(request, customer_id: int, payload: VersionIn):
    services.customer_reactivate(by=request.user, customer_id=customer_id, version=payload.version)
    return _get(request, customer_id)


# --- contacts --------------------------------------------------------------------------------


def _contact(request, customer_id: int, contact_id: int) -> Contact:
    customer = _get(request, customer_id)
    qs = selectors.customer_contacts(user=request.user, customer=customer, active_only=False)
    return get_object_or_404(qs, pk=contact_id)


@router.get("/{customer_id}/contacts", response={200: list[ContactOut], 404: ErrorOut})
def list_contacts(request, customer_id: int):
    """The customer's active contacts, the primary one first."""
    return list(selectors.customer_contacts(user=request.user, customer=_get(request, customer_id)))


@router.post("/{customer_id}/contacts", response={201: ContactOut, **ERRORS})
def create_contact(request, customer_id: int, payload: ContactIn):
    contact = services.contact_create(by=request.user, customer_id=customer_id, data=payload.model_dump())
    return Status(201, contact)


@router.patch("/{customer_id}/contacts/{contact_id}", response={200: ContactOut, **ERRORS})
def update_contact(request, customer_id: int, contact_id: int, payload: ContactPatch):
    _contact(request, customer_id, contact_id)
    return services.contact_update(
        by=request.user, contact_id=contact_id, data=payload.model_dump(exclude_unset=True)
    )


@router.post("/{customer_id}/contacts/{contact_id}/deactivate", response={200: ContactOut, **ERRORS})
def deactivate_contact(request, customer_id: int, contact_id: int):
    _contact(request, customer_id, contact_id)
    return services.contact_deactivate(by=request.user, contact_id=contact_id)


# --- documents -------------------------------------------------------------------------------


def _document(request, customer_id: int, document_id: int) -> CustomerDocument:
    customer = _get(request, customer_id)
    return get_object_or_404(
        visible(CustomerDocument.objects, request.user), pk=document_id, customer=customer
    )


@router.get("/{customer_id}/documents", response={200: list[DocumentOut], 404: ErrorOut})
def list_documents(request, customer_id: int):
    return list(selectors.customer_documents(user=request.user, customer=_get(request, customer_id)))


@router.post("/{customer_id}/documents", response={201: DocumentOut, **ERRORS})
def upload_document(request, customer_id: int, payload: Form[DocumentIn], file: File[UploadedFile]):
    """Upload a document (multipart: kind, number, expires_on, notes, file). Unverified until
    the clerk verifies it."""
    doc = services.document_upload(
        by=request.user, customer_id=customer_id, file=file, **payload.model_dump()
    )
    return Status(201, doc)


@router.post("/{customer_id}/documents/{document_id}", response={200: DocumentOut, **ERRORS})
def update_document(
    request, customer_id: int, document_id: int, payload: Form[DocumentPatch], file: File[UploadedFile] = None
):
    """Replace the file and/or change the details (multipart). A new file, number or expiry
    date clears the verification."""
    _document(request, customer_id, document_id)
    data = payload.model_dump(exclude_unset=True)
    return services.document_update(by=request.user, document_id=document_id, file=file, **data)


@router.post("/{customer_id}/documents/{document_id}/verify", response={200: DocumentOut, **ERRORS})
def verify_document(request, customer_id: int, document_id: int):
    """The clerk confirms the document matches the original."""
    _document(request, customer_id, document_id)
    return services.document_verify(by=request.user, document_id=document_id)
