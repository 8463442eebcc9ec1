"""Import API (X5): POST a CSV or XLSX as multipart to /api/v1/imports/{kind}; the answer lists
every bad row. Nothing is written unless every row is good, or only_valid=true; dry_run=true
only checks. GET /api/v1/imports/{kind}/template?format=csv|xlsx downloads the template."""

from typing import Literal

from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile

from salesdept.core.imports import read_table, template_response
from salesdept.core.permissions import require
from salesdept.core.schemas import ErrorOut, StrictIn
from salesdept.crm.services import imports as services

router = Router(tags=["imports"])

Kind = Literal["customers", "contacts", "leads"]
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut}


class ImportOptionsIn(StrictIn):
    only_valid: bool = False
    dry_run: bool = False


class RowErrorOut(Schema):
    row: int
    column: str
    message: str


class ImportResultOut(Schema):
    created: int
    errors: list[RowErrorOut]
    skipped: int
    dry_run: bool
    total: int
    valid: int


class TemplateQueryIn(StrictIn):
    format: Literal["csv", "xlsx"] = "csv"


@router.post("/{kind}", response={200: ImportResultOut, **ERRORS}, operation_id="import_records")
def import_records(request, kind: Kind, file: File[UploadedFile], options: Form[ImportOptionsIn]):
    """Check and import a file of customers, contacts or leads as the signed-in user (their scope
    applies). 200 with `created` and every row's errors; 400 when the file cannot be read."""
    require(request.user, services.PERMISSIONS[kind])  # before reading a file that may be large
    table = read_table(file, file.name or "")
    result = services.run_import(
        by=request.user, kind=kind, table=table, only_valid=options.only_valid, dry_run=options.dry_run
    )
    return result.as_dict()


@router.get("/{kind}/template", response={200: None, **ERRORS}, operation_id="import_template")
def import_template(request, kind: Kind, query: Query[TemplateQueryIn]):
    """The empty template of `kind`: the column titles in the user's language and one example row."""
    require(request.user, services.PERMISSIONS[kind])
    return template_response(services.COLUMNS[kind], query.format, filename=f"import-{kind}")
