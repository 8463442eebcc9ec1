"""Periods 会计期间 / 结帐: the closed months and, for who may close (ledger.close_period), the
"Close month" form. Closing is irreversible, so it takes two steps: the form shows what closing
means and asks again; only the confirmed POST closes (the same service as the API and the
`close_period` command)."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.core.errors import DomainError

from .. import services
from ..forms import CloseForm
from ..models import JournalEntry
from ..selectors import journal as selectors


def _suggestion() -> str:
    """The month the form offers: last month."""
    today = timezone.localdate()
    last = today.replace(day=1) - datetime.timedelta(days=1)
    return f"{last:%Y-%m}"


def _page(request, form, *, status: int = 200, confirm=None):
    periods = selectors.period_list(user=request.user)
    return render(
        request,
        "ledger/periods.html",
        {
            "periods": periods,
            "form": form,
            "can_close": request.user.has_perm("ledger.close_period"),
            "confirm": confirm,
        },
        status=status,
    )


@login_required
@permission_required("ledger.view_period", raise_exception=True)
def periods_view(request):
    if request.method != "POST":
        return _page(request, CloseForm(initial={"month": _suggestion()}))
    if not request.user.has_perm("ledger.close_period"):
        raise PermissionDenied
    form = CloseForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    year, month = form.cleaned_data["month"]
    start = datetime.date(year, month, 1)
    if request.POST.get("confirm") != "yes":
        end = services.month_end(start)
        entries = JournalEntry.objects.filter(entry_date__gte=start, entry_date__lte=end).count()
        return _page(
            request, form, confirm={"month": start, "value": f"{year:04d}-{month:02d}", "entries": entries}
        )
    try:
        services.period_close(year=year, month=month, by=request.user)
    except DomainError as exc:
        form.add_error("month", exc.message)
        return _page(request, form, status=exc.status)
    messages.success(
        request,
        _("%(month)s is closed. Nothing can be posted into it any more.")
        % {"month": services.month_label(start)},
    )
    return redirect("ledger:periods")


urlpatterns = [path("periods/", periods_view, name="periods")]
