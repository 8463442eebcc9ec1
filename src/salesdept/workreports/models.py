"""Work reports 工作日报 / 周报 (P5; the salesperson's weekly report of the seed's 8.2.9 and the
dealership manager's daily report to the general manager: "前一日工作和当日工作安排").

A report is written by one person for one period: a daily report for a day D (what was done on
D − 1, what is planned for D) or a weekly report for the week starting on Monday M (what was done
from M to M + 6, what is planned for the next week). Its figures — visits, calls, quotations,
orders, shipments, collections — are filled in from the records when the report is drafted (a
JSON snapshot, `figures`), and stay as they were when it is submitted. The author writes the
text (done, plan, problems 需协调事项), submits it to the manager, who comments 批注.

Scope (X1): SCOPE = own → author, team → team, region → region, where team and region are the
author's when the report was drafted, so a team lead sees the reports of their team, a regional
manager those of their region and below, the director all of them."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

User = settings.AUTH_USER_MODEL


class Kind(models.TextChoices):
    DAILY = "daily", _("Daily report")  # 工作日报
    WEEKLY = "weekly", _("Weekly report")  # 周报


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")  # being written; the author may change it
    SUBMITTED = "submitted", _("Submitted")  # sent to the manager; fixed
    REVIEWED = "reviewed", _("Reviewed")  # the manager commented on it 已批注


class WorkReport(models.Model):
    """One daily or weekly work report of one person (unique per author, kind and period)."""

    SCOPE = {"own": "author", "team": "team", "region": "region"}
    STATUS_COLOURS = {ReportStatus.SUBMITTED: "primary", ReportStatus.REVIEWED: "success"}
    EVENT_LABELS = {
        "submit": pgettext_lazy("document event", "Submitted to the manager"),
        "comment": pgettext_lazy("document event", "Commented"),
    }
    review_round = 0  # never sent back: core.events.log and the status badge read it

    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    author = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="work_reports", verbose_name=_("author")
    )
    # The author's team and region when the report was drafted: they carry the scope.
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("team"),
    )
    region = models.ForeignKey(
        "accounts.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region"),
    )
    period_start = models.DateField(_("period"), help_text=_("The day, or the Monday of the week."))
    status = models.CharField(_("status"), max_length=20, choices=ReportStatus, default=ReportStatus.DRAFT)
    figures = models.JSONField(_("figures"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    done = models.TextField(_("work done"), blank=True)
    plan = models.TextField(_("work planned"), blank=True)
    problems = models.TextField(_("problems and help needed"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-period_start", "kind", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "kind", "period_start"], name="workreport_one_per_period"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["daily", "weekly"]), name="workreport_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft", submitted_at__isnull=True)
                | models.Q(status__in=["submitted", "reviewed"], submitted_at__isnull=False),
                name="workreport_submitted_at_with_status",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "period_start", "team"], name="workreport_period_team_idx"),
            models.Index(fields=["author", "status"], name="workreport_author_status_idx"),
        ]
        permissions = [("comment_workreport", _("Can comment on work reports"))]
        verbose_name = _("work report")
        verbose_name_plural = _("work reports")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period_start:%Y-%m-%d} {self.author}"

    def get_absolute_url(self) -> str:
        return reverse("workreports:report_detail", args=[self.pk])


class WorkReportComment(models.Model):
    """A manager's comment 批注 on a submitted report (never the author's own)."""

    SCOPE = {"own": "report__author", "team": "report__team", "region": "report__region"}

    report = models.ForeignKey(
        WorkReport, on_delete=models.PROTECT, related_name="comments", verbose_name=_("work report")
    )
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("work report comment")
        verbose_name_plural = _("work report comments")

    def __str__(self) -> str:
        return f"{self.report_id}: {self.author_id}"
