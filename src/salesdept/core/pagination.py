"""Paginated API lists: `?page=&page_size=` → {"items": [...], "count": N}, with a hard cap."""

from typing import Any

from django.conf import settings
from ninja import Field, Schema
from ninja.pagination import PaginationBase

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
        items = queryset[start : start + pagination.page_size]
        count = len(queryset) if isinstance(queryset, list) else self._items_count(queryset)
        return {"items": list(items), "count": count}
