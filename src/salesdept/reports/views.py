"""The report pack page 统计台账 (P2): choose monthly, quarterly or yearly and the period, see the
pack, download it as one PDF or one Excel workbook. Thin: reports/pack.py reads the figures (in
the user's scope), reports/files.py writes the files."""

from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.core.errors import ValidationFailed
from salesdept.core.pdf import pdf_response
from salesdept.stats.selectors import VIEW

from .files import FORMATS, XLSX_TYPE, filename, pack_pdf, pack_title, pack_xlsx, printed_table
from .pack import KINDS, build_pack, current_period


class PackForm(forms.Form):
    kind = forms.ChoiceField(label=_("Report"), choices=list(KINDS.items()))
    period = forms.CharField(
        label=_("Period"),
        max_length=10,
        help_text=_("A month as 2026-10, a quarter as 2026-Q3, a year as 2026."),
    )


def _printed_rows(pack):
    return [
        {"section": section, "tables": [printed_table(t) for t in section.tables]}
        for section in pack.sections
    ]


@login_required
@permission_required(VIEW, raise_exception=True)
def pack_view(request):
    """统计台账: the pack of ?kind=&period= shown on the page; &format=pdf|xlsx downloads it."""
    today = timezone.localdate()
    kind = request.GET.get("kind") or "monthly"
    if "period" not in request.GET:
        default = current_period(kind if kind in KINDS else "monthly", today)
        form = PackForm(initial={"kind": default.kind, "period": default.label})
        return render(request, "reports/pack.html", {"form": form, "pack": None})
    form = PackForm(request.GET)
    pack = None
    if form.is_valid():
        try:
            pack = build_pack(
                user=request.user,
                kind=form.cleaned_data["kind"],
                period=form.cleaned_data["period"],
                today=today,
            )
        except ValidationFailed as exc:
            for name, message in exc.fields.items():
                form.add_error(name if name in form.fields else None, message)
    fmt = request.GET.get("format")
    if pack is not None and fmt == "pdf":
        return pdf_response(pack_pdf(pack), filename(pack, "pdf"), as_attachment=True)
    if pack is not None and fmt == "xlsx":
        response = HttpResponse(pack_xlsx(pack), content_type=XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{filename(pack, "xlsx")}"'
        return response
    if fmt and fmt not in FORMATS:
        form.add_error(None, _("Choose PDF or Excel."))
        pack = None
    query = request.GET.copy()
    query.pop("format", None)
    context = {
        "form": form,
        "pack": pack,
        "title": pack_title(pack) if pack else "",
        "sections": _printed_rows(pack) if pack else [],
        "query": query.urlencode(),
    }
    return render(request, "reports/pack.html", context, status=200 if pack is not None else 400)


urlpatterns = [
    path("", pack_view, name="pack"),
]
