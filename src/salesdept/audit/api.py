"""The audit trail as API (X3): who changed which record, when, and what changed."""

from datetime import date, datetime
from typing import Any, Literal

from ninja import Field, Query, Router, Schema

from salesdept.core.pagination import paginate
from salesdept.core.schemas import ErrorOut

from . import selectors

router = Router(tags=["audit"])


class AuditFilterIn(Schema):
    """The filters of the audit page (audit/filters.py), typed for the OpenAPI document."""

    model: str | None = Field(
        None, max_length=100, description='Record type "app_label.model": accounts.user'
    )
    object_id: int | None = Field(None, ge=0, description="The record's id; needs `model`")
    user: int | None = Field(None, ge=1, description="Id of the person who made the change")
    action: Literal["create", "update", "delete"] | None = None
    date_from: date | None = Field(None, description="First day, inclusive (site time zone)")
    date_to: date | None = Field(None, description="Last day, inclusive")
    sort: Literal["-time", "time"] | None = Field(None, description="-time: newest first (default)")


class AuditEntryOut(Schema):
    id: int
    timestamp: datetime
    action: str
    model: str
    object_id: int | None
    object_pk: str
    object_repr: str
    actor_id: int | None
    actor: str | None
    changes: dict[str, Any]
    remote_addr: str | None

    @staticmethod
    def resolve_action(entry) -> str:
        return {0: "create", 1: "update", 2: "delete", 3: "access"}.get(entry.action, str(entry.action))

    @staticmethod
    def resolve_model(entry) -> str:
        return f"{entry.content_type.app_label}.{entry.content_type.model}"

    @staticmethod
    def resolve_actor(entry) -> str | None:
        return str(entry.actor) if entry.actor is not None else None

    @staticmethod
    def resolve_changes(entry) -> dict[str, Any]:
        return entry.changes_dict


@router.get("", response={200: list[AuditEntryOut], 400: ErrorOut, 403: ErrorOut})
@paginate
def list_audit_entries(request, filters: Query[AuditFilterIn]):
    """Changes to business records, newest first (auditor and director: audit.view_audit_trail)."""
    return selectors.audit_list(user=request.user, filters=filters.model_dump(exclude_none=True))


# --- anti-fraud signals (X3) ---------------------------------------------------------------


class SignalFilterIn(Schema):
    kind: Literal["under_floor", "over_authority", "own_approval"] | None = None
    user: int | None = Field(None, ge=1, description="Id of the person the signal is about")
    date_from: date | None = Field(None, description="First day, inclusive (site time zone)")
    date_to: date | None = Field(None, description="Last day, inclusive")


class SignalOut(Schema):
    id: int
    kind: str
    at: datetime
    actor_id: int
    actor: str
    document_type: str | None
    document_id: int | None
    document: str | None
    detail: str

    @staticmethod
    def resolve_actor(signal) -> str:
        return str(signal.actor)

    @staticmethod
    def resolve_document_type(signal) -> str | None:
        ct = signal.content_type
        return f"{ct.app_label}.{ct.model}" if ct is not None else None

    @staticmethod
    def resolve_document_id(signal) -> int | None:
        return signal.object_id

    @staticmethod
    def resolve_document(signal) -> str | None:
        label, _url = selectors.signal_document(signal)
        return label or None


@router.get("/signals", response={200: list[SignalOut], 400: ErrorOut, 403: ErrorOut})
@paginate
def list_signals(request, filters: Query[SignalFilterIn]):
    """Anti-fraud signals (prices under the floor, discounts over authority, attempts to approve
    one's own document), newest first (auditor and director: audit.view_signal)."""
    return selectors.signal_list(user=request.user, filters=filters.model_dump(exclude_none=True))
