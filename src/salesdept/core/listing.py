"""One list page: filtered rows from a selector, `?format=csv|xlsx` exports the same rows, else
a page of PAGE_SIZE with the filter form, how many filters are set and the query string for the
export buttons. Views pass what differs (selector, columns, template, extra context)."""

from collections.abc import Callable, Iterable

from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from .errors import DomainError, ValidationFailed
from .exports import Column, export_response
from .pagination import Paginator

__all__ = ["PAGE_SIZE", "list_page"]

PAGE_SIZE = 50


def list_page(
    request,
    *,
    rows: Callable[[], object],
    empty,
    form,
    filters: Iterable[str],
    columns: list[Column],
    export_name: str,
    export_title: str,
    template: str,
    context: dict | None = None,
    decorate: Callable | None = None,
    page_size: int = PAGE_SIZE,
) -> HttpResponse:
    """`rows()` gives the queryset (it may raise ValidationFailed for bad filters: the page then
    shows no rows and the form its errors, and an export is refused with 400); `empty` is what
    the page lists then. `decorate(obj)` runs on each row of the page shown."""
    invalid = False
    try:
        queryset = rows()
    except ValidationFailed:
        queryset, invalid = empty, True
    if fmt := request.GET.get("format"):
        if invalid:
            return HttpResponseBadRequest(_("Please correct the filters before exporting."))
        try:
            return export_response(queryset, columns, filename=export_name, fmt=fmt, title=export_title)
        except DomainError as exc:
            return HttpResponseBadRequest(exc.message)
    page = Paginator(queryset, page_size).get_page(request.GET.get("page"))
    if decorate:
        for obj in page:
            decorate(obj)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    return render(
        request,
        template,
        {
            "form": form,
            "page_obj": page,
            "filtered": sum(1 for k in filters if request.GET.get(k)),
            "export_query": query.urlencode(),
            **(context or {}),
        },
    )
