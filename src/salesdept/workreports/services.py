"""Writes of work reports 工作日报 / 周报 (P5): drafted pre-filled from the records, edited by
their author while a draft, submitted once to the manager, commented 批注 by a manager who sees
the report (never by its author).

Every write is one keyword-only service in a transaction that re-checks the permission
(core.permissions.require) and the scope (accounts.scope.visible), locks the row, saves, and
appends a DocumentEvent (create, edit, submit, comment); the report and its comments are
registered with auditlog (apps.py), so each field change is kept as well.

Figures (`report_prefill`) count the author's own records — whatever the reader's scope — in
the period's local days (settings.TIME_ZONE, Asia/Shanghai by default): a date column is
compared as it is, a time column from local midnight to local midnight."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.scope import visible
from salesdept.billing.models import Payment
from salesdept.core.arithmetic import exact_sum, from_sum
from salesdept.core.errors import DomainError, ValidationFailed
from salesdept.core.events import log
from salesdept.core.permissions import require
from salesdept.crm.models import Activity, PhoneCall, Visit
from salesdept.sales.models import OrderStatus, Quotation, SalesOrder
from salesdept.shipping.models import Shipment, ShipmentStatus

from .models import Kind, ReportStatus, WorkReport, WorkReportComment

__all__ = [
    "FIGURES",
    "clean_kind",
    "clean_period",
    "MAX_TEXT",
    "periods",
    "readable",
    "report_comment",
    "report_create",
    "report_for_update",
    "report_prefill",
    "report_submit",
    "report_update",
    "week_start",
]

MAX_TEXT = 5000
TEXT_FIELDS = ("done", "plan", "problems")
MAX_PLAN_ITEMS = 50  # lines of the suggested plan text
# The figures a report carries, in the order pages show them (amounts are Decimal strings).
FIGURES = (
    "visits",
    "calls",
    "follow_ups",
    "quotations",
    "quotation_amount",
    "orders",
    "order_amount",
    "shipments",
    "shipment_amount",
    "collections",
    "follow_ups_due",
    "deliveries_due",
)
AMOUNTS = {"quotation_amount", "order_amount", "shipment_amount", "collections"}

REFUSALS = {
    "not_draft": _("Only a draft report can be changed."),
    "not_author": _("Only the author can change or submit a report."),
    "already_submitted": _("This report was already submitted."),
    "not_submitted": _("Only a submitted report can be commented on."),
    "own_report": _("You cannot comment on your own report."),
    "duplicate": _("You already have a report for this period."),
}


def _refuse(code: str, *, status: int = 409, fields: dict | None = None) -> DomainError:
    return DomainError(code, REFUSALS[code], status=status, fields=fields)


# --- periods -----------------------------------------------------------------------------------


def week_start(day: dt.date) -> dt.date:
    """The Monday of `day`'s week."""
    return day - dt.timedelta(days=day.weekday())


def periods(kind: str, period_start: dt.date) -> dict:
    """The days a report covers: `done_from`–`done_to` (what was done), `plan_from`–`plan_to`
    (what is planned). Daily report of day D: done on D − 1, planned for D. Weekly report of the
    week starting M: done M … M + 6, planned M + 7 … M + 13."""
    if kind == Kind.DAILY:
        return {
            "done_from": period_start - dt.timedelta(days=1),
            "done_to": period_start - dt.timedelta(days=1),
            "plan_from": period_start,
            "plan_to": period_start,
        }
    return {
        "done_from": period_start,
        "done_to": period_start + dt.timedelta(days=6),
        "plan_from": period_start + dt.timedelta(days=7),
        "plan_to": period_start + dt.timedelta(days=13),
    }


def _local_range(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[local midnight of `first`, local midnight after `last`) as aware datetimes."""
    tz = timezone.get_default_timezone()
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min), tz)
    end = timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min), tz)
    return start, end


def clean_kind(value) -> str:
    if value not in Kind.values:
        raise ValidationFailed({"kind": _("Choose daily or weekly.")})
    return value


def clean_period(kind: str, value) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value or "").strip())
        except ValueError:
            raise ValidationFailed({"period_start": _("Enter a valid date.")}) from None
    if not dt.date(2000, 1, 1) <= value <= dt.date(2100, 12, 31):
        raise ValidationFailed({"period_start": _("Enter a date between 2000 and 2100.")})
    if kind == Kind.WEEKLY and value.weekday() != 0:
        raise ValidationFailed({"period_start": _("A weekly report starts on a Monday.")})
    return value


def _text(value, field: str) -> str:
    text = str(value if value is not None else "").strip()
    if len(text) > MAX_TEXT:
        raise ValidationFailed(
            {field: _("Ensure this value has at most %(max)s characters.") % {"max": MAX_TEXT}}
        )
    return text


# --- pre-fill ----------------------------------------------------------------------------------


def _money(qs, field: str) -> str:
    total = qs.aggregate(total=exact_sum(field, places=2))["total"]
    return str(from_sum(total, places=2))


def _figures(author, days: dict) -> dict:
    """The author's own records in the period (see the module docstring for what counts)."""
    first, last = days["done_from"], days["done_to"]
    start, end = _local_range(first, last)
    done = Activity.objects.filter(
        owner=author, status=Activity.Status.DONE, done_at__gte=start, done_at__lt=end
    ).aggregate(
        visits=Count("pk", filter=Q(kind__in=[Activity.Kind.VISIT, Activity.Kind.MEETING])),
        calls=Count("pk", filter=Q(kind=Activity.Kind.CALL)),
        follow_ups=Count("pk"),
    )
    receptions = Visit.objects.filter(received_by=author, visited_at__gte=start, visited_at__lt=end).count()
    calls_handed = PhoneCall.objects.filter(handed_to=author, called_at__gte=start, called_at__lt=end).count()
    quotations = Quotation.objects.filter(owner=author, quoted_on__range=(first, last)).exclude(
        status__in=[Quotation.Status.DRAFT, Quotation.Status.CANCELLED]
    )
    orders = SalesOrder.objects.filter(
        owner=author, status=OrderStatus.CONFIRMED, ordered_on__range=(first, last)
    )
    shipments = Shipment.objects.filter(
        order__owner=author,
        status__in=[ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED],
        shipped_on__range=(first, last),
    )
    payments = Payment.objects.filter(customer__owner=author, received_on__range=(first, last))
    return {
        "visits": done["visits"] + receptions,
        "calls": done["calls"] + calls_handed,
        "follow_ups": done["follow_ups"],
        "quotations": quotations.count(),
        "quotation_amount": _money(quotations, "total_amount"),
        "orders": orders.count(),
        "order_amount": _money(orders, "total_amount"),
        "shipments": shipments.count(),
        "shipment_amount": _money(shipments, "amount"),
        "collections": _money(payments, "amount"),
    }


def _plan_items(author, days: dict) -> tuple[list, list]:
    """Follow-ups due by the end of the plan period (overdue ones included) and deliveries
    promised within it that are not delivered yet."""
    follow_ups = list(
        Activity.objects.filter(owner=author, status=Activity.Status.PLANNED, due_on__lte=days["plan_to"])
        .select_related("customer", "lead")
        .order_by("due_on", "pk")[:MAX_PLAN_ITEMS]
    )
    deliveries = list(
        Shipment.objects.filter(
            order__owner=author,
            status__in=[ShipmentStatus.DRAFT, ShipmentStatus.SUBMITTED, ShipmentStatus.SHIPPED],
            promised_on__range=(days["plan_from"], days["plan_to"]),
        )
        .select_related("customer")
        .order_by("promised_on", "pk")[:MAX_PLAN_ITEMS]
    )
    return follow_ups, deliveries


def _plan_text(follow_ups, deliveries) -> str:
    lines = []
    for a in follow_ups:
        who = a.customer or a.lead
        lines.append(
            _g("Follow-up %(date)s: %(who)s — %(subject)s")
            % {"date": a.due_on.isoformat(), "who": who, "subject": a.subject}
        )
    for s in deliveries:
        lines.append(
            _g("Delivery %(date)s: %(number)s to %(customer)s")
            % {"date": s.promised_on.isoformat(), "number": s.number, "customer": s.customer}
        )
    return "\n".join(f"- {line}" for line in lines)


def report_prefill(*, author, kind: str, period_start) -> dict:
    """What a new report of `author` starts with: `figures` (counts and Decimal-string amounts
    of the author's own records in the done period, plus the number of follow-ups and
    deliveries due, and the period's days) and `plan` (a suggested plan text: one line per due
    follow-up and per delivery)."""
    kind = clean_kind(kind)
    period_start = clean_period(kind, period_start)
    days = periods(kind, period_start)
    follow_ups, deliveries = _plan_items(author, days)
    figures = {
        **_figures(author, days),
        "follow_ups_due": len(follow_ups),
        "deliveries_due": len(deliveries),
        **{k: v.isoformat() for k, v in days.items()},
    }
    return {"figures": figures, "plan": _plan_text(follow_ups, deliveries)}


# --- writes ------------------------------------------------------------------------------------


def readable(qs, user):
    """The reports of `qs` that `user` may read: those in their scope (WorkReport.SCOPE), and
    of another person's only the submitted ones — a draft is its author's until submitted."""
    return visible(qs, user).filter(Q(author=user) | ~Q(status=ReportStatus.DRAFT))


def report_for_update(*, report_id: int, user) -> WorkReport:
    """The report locked for a write; 404 when unknown or not readable by `user`."""
    return get_object_or_404(readable(WorkReport.objects, user).select_for_update(of=("self",)), pk=report_id)


@transaction.atomic
def report_create(
    *, by, kind: str, period_start, done: str = "", plan: str | None = None, problems: str = ""
):
    """Draft `by`'s report of the period, pre-filled: figures from the records and, unless a
    `plan` is given, the suggested plan. One report per author, kind and period (409)."""
    require(by, "workreports.add_workreport")
    kind = clean_kind(kind)
    period_start = clean_period(kind, period_start)
    texts = {"done": _text(done, "done"), "problems": _text(problems, "problems")}
    prefill = report_prefill(author=by, kind=kind, period_start=period_start)
    texts["plan"] = _text(plan, "plan") if plan is not None else prefill["plan"]
    if WorkReport.objects.filter(author=by, kind=kind, period_start=period_start).exists():
        raise _refuse("duplicate", fields={"period_start": REFUSALS["duplicate"]})
    try:
        with transaction.atomic():
            report = WorkReport.objects.create(
                kind=kind,
                author=by,
                team_id=by.team_id,
                region_id=by.region_id,
                period_start=period_start,
                figures=prefill["figures"],
                **texts,
            )
    except IntegrityError:  # a second request for the same period got there first
        raise _refuse("duplicate", fields={"period_start": REFUSALS["duplicate"]}) from None
    log(report, "create", by=by)
    return report


def _own_draft(report: WorkReport, by) -> None:
    if report.author_id != by.pk:
        raise _refuse("not_author", status=403)
    if report.status != ReportStatus.DRAFT:
        raise _refuse("not_draft")


@transaction.atomic
def report_update(*, by, report_id: int, refresh_figures: bool = False, **texts) -> WorkReport:
    """Change the text of one's own draft (`done`, `plan`, `problems`; fields left out stay);
    `refresh_figures` fills the figures in again from the records."""
    require(by, "workreports.change_workreport")
    unknown = set(texts) - set(TEXT_FIELDS)
    if unknown:
        raise ValidationFailed({name: _("This field cannot be set here.") for name in sorted(unknown)})
    cleaned = {name: _text(value, name) for name, value in texts.items() if value is not None}
    report = report_for_update(report_id=report_id, user=by)
    _own_draft(report, by)
    changed = [name for name, value in cleaned.items() if getattr(report, name) != value]
    for name in changed:
        setattr(report, name, cleaned[name])
    if refresh_figures:
        figures = report_prefill(author=by, kind=report.kind, period_start=report.period_start)["figures"]
        if figures != report.figures:
            report.figures = figures
            changed.append("figures")
    if changed:
        report.save(update_fields=[*changed, "updated_at"])
        log(report, "edit", by=by, note=", ".join(changed))
    return report


@transaction.atomic
def report_submit(*, by, report_id: int) -> WorkReport:
    """Submit one's own draft to the manager; it is fixed from then on (once only)."""
    require(by, "workreports.change_workreport")
    report = report_for_update(report_id=report_id, user=by)
    if report.author_id != by.pk:
        raise _refuse("not_author", status=403)
    if report.status != ReportStatus.DRAFT:
        raise _refuse("already_submitted")
    report.status = ReportStatus.SUBMITTED
    report.submitted_at = timezone.now()
    report.save(update_fields=["status", "submitted_at", "updated_at"])
    log(report, "submit", by=by, before=ReportStatus.DRAFT)
    return report


@transaction.atomic
def report_comment(*, by, report_id: int, text: str) -> WorkReportComment:
    """A manager's comment 批注 on a submitted report they see (never their own); the first
    comment marks the report reviewed."""
    require(by, "workreports.comment_workreport")
    text = _text(text, "text")
    if not text:
        raise ValidationFailed({"text": _("This field is required.")})
    report = report_for_update(report_id=report_id, user=by)
    if report.author_id == by.pk:
        raise _refuse("own_report", status=403)
    if report.status == ReportStatus.DRAFT:
        raise _refuse("not_submitted")
    comment = WorkReportComment.objects.create(report=report, author=by, text=text)
    before = report.status
    if report.status == ReportStatus.SUBMITTED:
        report.status = ReportStatus.REVIEWED
        report.save(update_fields=["status", "updated_at"])
    log(report, "comment", by=by, before=before, note=text)
    return comment
