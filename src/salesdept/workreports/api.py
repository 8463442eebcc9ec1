"""API of work reports 工作日报 / 周报 (P5): /api/v1/work-reports.

Reads go through selectors (the reports in your scope, X1; another person's only once
submitted), writes through services (403 without the permission or not your report, 404 for a
report you may not read, 409 for a move the state does not allow — not_draft,
already_submitted, duplicate, own_report —, 400 naming the field for bad input, 422 for a
malformed body). Figures are the snapshot taken from the records: counts, and amounts as Decimal
strings."""

import datetime as dt
from typing import Literal

from ninja import Field, Query, Router, Schema, Status

from salesdept.core.pagination import paginate
from salesdept.core.permissions import require
from salesdept.core.schemas import ErrorOut, StrictIn

from . import selectors, services

router = Router(tags=["work reports"])

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
KindName = Literal["daily", "weekly"]
StatusName = Literal["draft", "submitted", "reviewed"]
SortKey = Literal[
    "period", "-period", "kind", "-kind", "status", "-status",
    "author", "-author", "submitted_at", "-submitted_at",
]  # fmt: skip
Text = Field(None, max_length=services.MAX_TEXT)


class ReportFilterIn(Schema):
    mine: bool = Field(False, description="Only your own reports")
    kind: KindName | None = None
    status: StatusName | None = None
    author: int | None = Field(None, ge=1)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sort: SortKey | None = Field(None, description="Default -period")


class CommentOut(Schema):
    id: int
    author_id: int
    author: str
    text: str
    created_at: dt.datetime

    @staticmethod
    def resolve_author(obj) -> str:
        return str(obj.author)


class ReportRowOut(Schema):
    id: int
    kind: str
    author_id: int
    author: str
    team_id: int | None
    period_start: dt.date
    status: str
    figures: dict = Field(..., description="Counts, and amounts as Decimal strings, from the records")
    submitted_at: dt.datetime | None
    created_at: dt.datetime

    @staticmethod
    def resolve_author(obj) -> str:
        return str(obj.author)


class ReportOut(ReportRowOut):
    done: str
    plan: str
    problems: str
    comments: list[CommentOut]

    @staticmethod
    def resolve_comments(obj) -> list:
        return selectors.comments(obj)


class ReportIn(StrictIn):
    kind: KindName
    period_start: dt.date = Field(..., description="The day, or the Monday of the week")
    done: str = Field("", max_length=services.MAX_TEXT)
    plan: str | None = Field(None, max_length=services.MAX_TEXT, description="Default: the suggested plan")
    problems: str = Field("", max_length=services.MAX_TEXT)


class ReportPatch(StrictIn):
    done: str | None = Text
    plan: str | None = Text
    problems: str | None = Text
    refresh_figures: bool = Field(False, description="Fill the figures in again from the records")


class CommentIn(StrictIn):
    text: str = Field(..., min_length=1, max_length=services.MAX_TEXT)


class PrefillIn(Schema):
    kind: KindName
    period_start: dt.date


class PrefillOut(Schema):
    figures: dict
    plan: str


class TeamIn(Schema):
    kind: KindName = "daily"
    period_start: dt.date
    team: int | None = Field(None, ge=1)


class TeamRowOut(Schema):
    user_id: int
    user: str
    team_id: int | None
    submitted: bool
    report_id: int | None
    status: str | None
    submitted_at: dt.datetime | None


def _fresh(request, report_id: int):
    return selectors.report_get(user=request.user, report_id=report_id)


@router.get("", response={200: list[ReportRowOut], **ERRORS})
@paginate
def list_reports(request, filters: Query[ReportFilterIn]):
    """Work reports you may read, newest period first (`mine=true`: only yours)."""
    data = filters.model_dump(exclude_none=True)
    mine = data.pop("mine", False)
    return selectors.report_list(user=request.user, filters=data, mine=mine)


@router.get("/prefill", response={200: PrefillOut, **ERRORS})
def prefill(request, query: Query[PrefillIn]):
    """What your report of the period would start with (nothing is saved)."""
    require(request.user, "workreports.add_workreport")
    return services.report_prefill(author=request.user, kind=query.kind, period_start=query.period_start)


@router.get("/team", response={200: list[TeamRowOut], **ERRORS})
def team(request, query: Query[TeamIn]):
    """Each person in your scope who writes reports, with whether they submitted the period's
    report (not submitted first)."""
    rows = selectors.team_status(
        user=request.user, kind=query.kind, period_start=query.period_start, team_id=query.team
    )
    return [
        {
            "user_id": r["member"].pk,
            "user": str(r["member"]),
            "team_id": r["member"].team_id,
            "submitted": r["submitted"],
            "report_id": r["report"].pk if r["report"] else None,
            "status": r["report"].status if r["report"] else None,
            "submitted_at": r["report"].submitted_at if r["report"] else None,
        }
        for r in rows
    ]


@router.post("", response={201: ReportOut, **ERRORS})
def create_report(request, payload: ReportIn):
    """Draft your report of the period, pre-filled from your records (one per kind and period)."""
    report = services.report_create(by=request.user, **payload.model_dump())
    return Status(201, _fresh(request, report.pk))


@router.get("/{report_id}", response={200: ReportOut, **ERRORS})
def get_report(request, report_id: int):
    """One report with its figures, text and comments."""
    return _fresh(request, report_id)


@router.patch("/{report_id}", response={200: ReportOut, **ERRORS})
def update_report(request, report_id: int, payload: ReportPatch):
    """Change your draft (fields left out stay)."""
    data = payload.model_dump(exclude_unset=True)
    refresh = data.pop("refresh_figures", False)
    services.report_update(by=request.user, report_id=report_id, refresh_figures=refresh, **data)
    return _fresh(request, report_id)


@router.post("/{report_id}/submit", response={200: ReportOut, **ERRORS})
def submit_report(request, report_id: int):
    """Submit your draft to your manager; it is fixed from then on."""
    services.report_submit(by=request.user, report_id=report_id)
    return _fresh(request, report_id)


@router.post("/{report_id}/comments", response={201: ReportOut, **ERRORS})
def comment_report(request, report_id: int, payload: CommentIn):
    """Comment (批注) on a submitted report in your scope — never your own."""
    services.report_comment(by=request.user, report_id=report_id, text=payload.text)
    return Status(201, _fresh(request, report_id))
