"""Pages of the sales statistics report 销售统计报表 (P2): members of a dimension by month over a
year, quarter, month or custom range, with the year before (同比) and the period before (环比),
a totals row, sorting and CSV/XLSX export; and the drill-down listing the facts behind one
figure. Thin: selectors read, tables lays the figures out."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from salesdept.core.errors import DomainError, ValidationFailed
from salesdept.core.exports import export_response
from salesdept.core.pagination import Paginator

from .models import Dimension
from .selectors import MEASURES, VIEW, member_labels, report_range, sales_fact_list, sales_report
from .tables import HEADERS, MEASURE_LABELS, REPORT_MEASURES, export_columns, report_table, source_url

PAGE_SIZE = 50

QUARTERS = [(1, _("Q1")), (2, _("Q2")), (3, _("Q3")), (4, _("Q4"))]
PERIODS = [
    ("year", _("Year")),
    ("quarter", _("Quarter")),
    ("month", _("Month")),
    ("range", _("Custom range")),
]
# The fields each period reads; the others are ignored (and so are their errors), because the
# page shows every field when scripts are off.
PERIOD_FIELDS = {
    "year": {"year"},
    "quarter": {"year", "quarter"},
    "month": {"year", "month"},
    "range": {"start", "end"},
}
PERIOD_INPUTS = {"year", "quarter", "month", "start", "end"}
# sales_report's error keys that are named differently on the form
FORM_FIELD = {"measures": "measure"}


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ReportForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), choices=PERIODS)
    year = forms.IntegerField(
        label=_("Year"), required=False, help_text=_("For a year, a quarter or a month.")
    )
    quarter = forms.IntegerField(
        label=_("Quarter"),
        required=False,
        widget=forms.Select(choices=QUARTERS),
        help_text=_("When the period is a quarter."),
    )
    month = forms.IntegerField(
        label=_("Month"),
        required=False,
        widget=forms.Select(choices=list(MONTHS.items())),
        help_text=_("When the period is a month."),
    )
    start = forms.DateField(
        label=_("From"), required=False, widget=_date_input(), help_text=_("For a custom range.")
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=_date_input(), help_text=_("For a custom range.")
    )
    dimension = forms.ChoiceField(label=_("By"), choices=Dimension.choices)
    measure = forms.ChoiceField(label=_("Measure"), choices=[(m, MEASURE_LABELS[m]) for m in MEASURES])

    @staticmethod
    def defaults() -> dict:
        today = timezone.localdate()
        return {
            "period": "year",
            "year": today.year,
            "quarter": (today.month - 1) // 3 + 1,
            "month": today.month,
            "start": today.replace(month=1, day=1).isoformat(),
            "end": today.isoformat(),
            "dimension": Dimension.REGION,
            "measure": "ordered_amount",
        }

    def clean(self):
        data = super().clean()
        used = PERIOD_FIELDS.get(data.get("period"), PERIOD_INPUTS)
        for name in PERIOD_INPUTS - used:
            self._errors.pop(name, None)  # a field the period does not read cannot be wrong
            data[name] = None
        return data


@login_required
@permission_required(VIEW, raise_exception=True)
def sales_report_view(request):
    """销售统计报表: one measure of each member of a dimension by month, with totals, 同比 and
    环比; ?sort= orders the rows, ?format=xlsx|csv exports the table with its totals row, and
    ?format=pdf prints it (stats/printing.py)."""
    given = {k: v for k, v in request.GET.items() if k in ReportForm.base_fields and v}
    form = ReportForm({**ReportForm.defaults(), **given})
    table = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            start, end = report_range(
                period=data["period"],
                year=data["year"],
                quarter=data["quarter"],
                month=data["month"],
                start=data["start"],
                end=data["end"],
                today=timezone.localdate(),
            )
            measure = data["measure"]
            report = sales_report(
                request.user,
                dimension=data["dimension"],
                start=start,
                end=end,
                measures=REPORT_MEASURES.get(measure, (measure,)),
            )
            table = report_table(report, sort=request.GET.get("sort") or "-total")
        except ValidationFailed as exc:
            for name, message in exc.fields.items():
                name = FORM_FIELD.get(name, name)
                form.add_error(name if name in form.fields else None, message)
    dimension_label = Dimension(form.cleaned_data["dimension"]).label if table else ""
    if table is not None and request.GET.get("format") == "pdf":  # the same table, printed
        from salesdept.core.pdf import pdf_response

        from .printing import report_pdf, report_pdf_filename

        measure_label = MEASURE_LABELS.get(form.cleaned_data["measure"], "")
        pdf = report_pdf(
            table, dimension_label=dimension_label, measure_label=measure_label, user=request.user
        )
        return pdf_response(pdf, report_pdf_filename(table))
    if table is not None and request.GET.get("format"):
        try:
            return export_response(
                [*table.rows, table.totals],
                export_columns(table, dimension_label),
                filename=f"sales-statistics-{table.report.start:%Y%m%d}-{table.report.end:%Y%m%d}",
                fmt=request.GET.get("format"),
                title=str(_("Sales statistics")),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
    query = request.GET.copy()
    query.pop("format", None)
    return render(
        request,
        "stats/sales_report.html",
        {
            "form": form,
            "table": table,
            "dimension_label": dimension_label,
            "headers": HEADERS,
            "measure_label": MEASURE_LABELS.get(form.cleaned_data.get("measure", ""), "") if table else "",
            "export_query": query.urlencode(),
        },
        status=200 if table is not None else 400,
    )


class FactsForm(forms.Form):
    dimension = forms.ChoiceField(choices=Dimension.choices)
    key = forms.CharField(required=False, max_length=40)
    start = forms.DateField()
    end = forms.DateField()
    measure = forms.ChoiceField(
        required=False, choices=[("", "")] + [(m, MEASURE_LABELS[m]) for m in MEASURES]
    )


@login_required
@permission_required(VIEW, raise_exception=True)
def sales_facts_view(request):
    """The facts behind one figure of the report (a member, a range, a measure), in the user's
    scope, 50 a page, each with a link to the document it was posted from."""
    form = FactsForm(request.GET)
    facts = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            facts = sales_fact_list(
                request.user,
                dimension=data["dimension"],
                key=data["key"],
                start=data["start"],
                end=data["end"],
                measure=data["measure"] or None,
            )
        except ValidationFailed as exc:
            for name, message in exc.fields.items():
                form.add_error(name if name in form.fields else None, message)
    page = Paginator(facts, PAGE_SIZE).get_page(request.GET.get("page")) if facts is not None else None
    if page is not None:
        for fact in page.object_list:
            fact.url = source_url(fact)
    context = {"form": form, "page_obj": page}
    if page is not None:
        data = form.cleaned_data
        key = data["key"]
        context.update(
            dimension_label=Dimension(data["dimension"]).label,
            member_label=member_labels(data["dimension"], [key]).get(key) or _("(not set)"),
            measure_label=MEASURE_LABELS.get(data["measure"], ""),
            start=data["start"],
            end=data["end"],
            back_url=reverse("stats:sales_report")
            + "?"
            + urlencode(
                {
                    "period": "range",
                    "start": data["start"].isoformat(),
                    "end": data["end"].isoformat(),
                    "dimension": data["dimension"],
                    "measure": data["measure"] or "ordered_amount",
                }
            ),
        )
    return render(request, "stats/sales_facts.html", context, status=200 if page is not None else 400)


urlpatterns = [
    path("sales/", sales_report_view, name="sales_report"),
    path("sales/facts/", sales_facts_view, name="sales_facts"),
]
