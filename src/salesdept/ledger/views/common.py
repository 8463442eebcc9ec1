"""What the report pages share: the period picker (a month or a range of dates)."""

from salesdept.core.errors import ValidationFailed

from ..forms import RangeForm
from ..selectors.balances import period_range


def read_range(request):
    """(form, start, end, valid): the period of ?month= or ?date_from=&date_to= (default this
    month); with bad input the form carries the errors and the dates are this month's."""
    form = RangeForm(request.GET or None)
    if form.is_bound:
        form.is_valid()
    try:
        start, end = period_range(request.GET)
        return form, start, end, True
    except ValidationFailed as exc:
        if not form.is_bound:
            form = RangeForm({})
            form.is_valid()
        for name, message in exc.fields.items():
            if name in form.fields and name not in form.errors:
                form.add_error(name, message)
        start, end = period_range({})
        return form, start, end, False


def page_query(request) -> str:
    """The query string without page/format (for export links and pagination)."""
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    return query.urlencode()
