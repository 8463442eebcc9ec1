"""The user's dashboard and to-dos as API: GET /dashboard (my panels), GET /reviews/waiting
(documents waiting for my review step)."""

import datetime as dt
from datetime import datetime
from decimal import Decimal

from django.db.models import Model
from django.utils.functional import Promise
from ninja import Router, Schema

from salesdept.core.pagination import paginate
from salesdept.core.schemas import ErrorOut

from . import dashboards, selectors

router = Router(tags=["reviews"])


class ReviewItemOut(Schema):
    type: str  # app_label.model, e.g. "sales.contract"
    id: int
    number: str
    status: str
    prepared_by: str
    submitted_at: datetime | None
    actions: list[str]  # review moves open to me: approve, reject

    @staticmethod
    def resolve_type(doc) -> str:
        return doc._meta.label_lower

    @staticmethod
    def resolve_prepared_by(doc) -> str:
        return str(doc.prepared_by)

    @staticmethod
    def resolve_actions(doc) -> list[str]:
        return review_actions(doc)


def review_actions(doc) -> list[str]:
    """The review moves (approve, reject) open to me on a listed document.

    The selector lists exactly the documents on which review.refusal finds nothing against me,
    and for a review transition that is the engine's whole rule besides the state; so the
    transitions table answers here without a query per document."""
    return [name for name, t in doc.TRANSITIONS.items() if t.review and doc.status in t.source]


@router.get("/reviews/waiting", response=list[ReviewItemOut])
@paginate
def list_reviews_waiting(request):
    """Submitted documents whose next review step is mine (the dashboard's list), oldest first."""
    return selectors.reviews_waiting(user=request.user)


# --- GET /dashboard -------------------------------------------------------------------------------


def _contract(c) -> dict:
    return {
        "id": c.pk,
        "number": c.number,
        "customer": str(c.customer),
        "total_amount": c.total_amount,
        "submitted_at": c.submitted_at,
    }


def _stock_rule(r) -> dict:
    return {
        "id": r.pk,
        "product_code": r.product.code,
        "product": str(r.product),
        "warehouse": str(r.warehouse),
        "on_hand": r.on_hand,
        "min_quantity": r.min_quantity,
        "to_order": r.to_order,
    }


def _stocktake(s) -> dict:
    return {
        "id": s.pk,
        "number": s.number,
        "warehouse": str(s.warehouse),
        "status": s.status,
        "counted_on": s.counted_on,
    }


# The records some panels list, as the fields their table shows.
RECORDS = {
    ("contracts_waiting", "oldest"): _contract,
    ("under_min", "rows"): _stock_rule,
    ("counts_due", "open"): _stocktake,
}


def _plain(value):
    """A panel's value as JSON: Decimal as a string (as every amount of the API), dates ISO,
    translated labels as text; the chart specs (presentation) are left out."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items() if k != "chart"}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):  # datetime too
        return value.isoformat()
    if isinstance(value, Model):  # a cycle count's warehouse
        return {"id": value.pk, "label": str(value)}
    if isinstance(value, Promise):
        return str(value)
    return value


def dashboard_body(panels: dict) -> dict:
    out = {}
    for key, panel in panels.items():
        panel = dict(panel)
        for (panel_key, field), convert in RECORDS.items():
            if panel_key == key and field in panel:
                panel[field] = [convert(r) for r in panel[field]]
        out[key] = _plain(panel)
    return out


class DashboardOut(Schema):
    panels: dict = {}  # panel key → its figures, in the page's order


@router.get("/dashboard", response={200: DashboardOut, 401: ErrorOut}, tags=["dashboard"])
def get_dashboard(request):
    """My dashboard's panels, as the page shows them: the company panels (sales against the plan,
    12-month trend, region ranking, receivables aging, contracts waiting) for a user who sees
    every row, "my" panels (my target, my sales, my overdue receivables) for one who sees part,
    the stock panels for a keeper. Every panel is computed (the page loads the aging after
    itself); amounts are Decimal strings; each figure carries the `url` of the page listing it."""
    return {"panels": dashboard_body(dashboards.dashboard(request.user))}
