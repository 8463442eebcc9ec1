"""Paginated API lists: `?page=&page_size=` → {"items": [...], "count": N}, with a hard cap.

django-ninja's own page size is unlimited; here a page_size above settings.SALESDEPT["MAX_PAGE_SIZE"]
is refused with 422 (it is not quietly cut, so a client never mistakes a cut page for the whole
list). Use `@paginate` under the router decorator: the endpoint returns a queryset or a list."""

from typing import Any

from django.conf import settings
from ninja import Field, Schema
from ninja.pagination import PaginationBase
from ninja.pagination import paginate as ninja_paginate

__all__ = ["DEFAULT_PAGE_SIZE", "MAX_PAGE_SIZE", "Pages", "paginate"]

MAX_PAGE_SIZE = settings.SALESDEPT["MAX_PAGE_SIZE"]
DEFAULT_PAGE_SIZE = settings.SALESDEPT["DEFAULT_PAGE_SIZE"]


class Pages(PaginationBase):
    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)

    class Output(Schema):
        items: list[Any]
        count: int

    items_attribute = "items"

    def paginate_queryset(self, queryset, pagination: Input, **params):
        start = (pagination.page - 1) * pagination.page_size
        items = list(queryset[start : start + pagination.page_size])
        if isinstance(queryset, list):
            count = len(queryset)
        elif len(items) < pagination.page_size and (items or start == 0):
            count = start + len(items)  # the last page: no COUNT query needed
        else:
            count = self._items_count(queryset)
        return {"items": items, "count": count}


def paginate(func):
    """ninja's @paginate with our Pages."""
    return ninja_paginate(Pages)(func)
