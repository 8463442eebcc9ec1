"""Reads of work reports (P5). Everything starts from the scope rule (X1): a salesperson sees
their own reports, a team lead their team's, a regional manager their region's, the director all
(WorkReport.SCOPE). The team view lists the people who write reports in the reader's scope with
their report of the day or week, or none."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from salesdept.accounts.roles import ROLES
from salesdept.accounts.scope import visible
from salesdept.core.errors import ValidationFailed
from salesdept.core.permissions import require

from .filters import WorkReportFilter
from .models import WorkReport, WorkReportComment
from .services import clean_kind, clean_period, readable

__all__ = ["WRITING_ROLES", "comments", "own_report", "report_get", "report_list", "team_status"]

# The roles whose holders write reports (those given workreports.add_workreport in roles.py).
WRITING_ROLES = tuple(
    name for name, role in ROLES.items() if "workreports.add_workreport" in role.permissions
)


def report_list(*, user, filters=None, mine: bool = False) -> QuerySet[WorkReport]:
    """Reports `user` may see (only their own with `mine`), filtered and sorted by `filters`
    (names in filters.py), newest period first. A bad filter value raises ValidationFailed
    naming the field."""
    require(user, "workreports.view_workreport")
    base = (
        readable(WorkReport.objects, user)
        .select_related("author", "team")
        .annotate(comment_count=Count("comments"))
        .order_by("-period_start", "kind", "-pk")
    )
    if mine:
        base = base.filter(author=user)
    filterset = WorkReportFilter(filters if filters is not None else {}, queryset=base)
    if not filterset.is_valid():
        raise ValidationFailed({name: " ".join(errors) for name, errors in filterset.errors.items()})
    return filterset.qs


def report_get(*, user, report_id: int) -> WorkReport:
    """One report with its author and team; 404 when unknown or not visible."""
    require(user, "workreports.view_workreport")
    qs = readable(WorkReport.objects, user).select_related("author", "team", "region")
    return get_object_or_404(qs, pk=report_id)


def own_report(*, user, kind: str, period_start) -> WorkReport | None:
    """`user`'s own report of the period, if written."""
    return WorkReport.objects.filter(author=user, kind=kind, period_start=period_start).first()


def comments(report: WorkReport) -> list[WorkReportComment]:
    return list(report.comments.select_related("author").order_by("created_at", "pk"))


def team_status(*, user, kind: str, period_start, team_id: int | None = None) -> list[dict]:
    """Each person in `user`'s scope who writes reports (not `user`), with their report of the
    period: [{"member": User, "report": WorkReport | None, "submitted": bool}], not submitted
    first, then by name. `team_id` narrows to one team."""
    require(user, "workreports.comment_workreport")
    kind = clean_kind(kind)
    period_start = clean_period(kind, period_start)
    members = (
        visible(get_user_model().objects, user)
        .filter(is_active=True, groups__name__in=WRITING_ROLES)
        .exclude(pk=user.pk)
        .select_related("team")
        .distinct()
        .order_by("username")
    )
    if team_id is not None:
        members = members.filter(team_id=team_id)
    members = list(members)
    reports = {
        r.author_id: r
        for r in readable(WorkReport.objects, user).filter(
            kind=kind, period_start=period_start, author__in=[m.pk for m in members]
        )
    }
    rows = []
    for member in members:
        report = reports.get(member.pk)
        submitted = report is not None and report.submitted_at is not None
        rows.append({"member": member, "report": report, "submitted": submitted})
    rows.sort(key=lambda r: (r["submitted"], r["member"].username))
    return rows


def today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()
