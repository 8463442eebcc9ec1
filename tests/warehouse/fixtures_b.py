"""Fixtures of the stocktake and sample tests (helper B), on top of tests/warehouse/conftest.py.

Import with `from .fixtures_b import *`. Stock comes in through the documents service (receive);
stocktakes and samples under test go through their own services.

This module is also a URLconf for the page and API tests (`@pytest.mark.urls(URLS)`): the
project's URLs, plus the stocktake and sample pages under `warehouse:` and their API routers
under /api/v1/ when the project does not mount them yet."""

import datetime
from decimal import Decimal

import pytest
from django.urls import include, path
from django.utils import timezone

from salesdept.warehouse.models import DocumentKind, Purpose, Quality
from salesdept.warehouse.services import stocktakes as st

__all__ = [
    "D",
    "URLS",
    "approve",
    "count_all",
    "lend",
    "new_stocktake",
    "today",
]

URLS = "tests.warehouse.fixtures_b"


def D(x) -> Decimal:
    return Decimal(str(x))


def new_stocktake(by, wh, *, kind="full", products=(), location=None, **kw):
    return st.stocktake_create(
        by=by,
        kind=kind,
        warehouse_id=wh.pk,
        location_id=location.pk if location is not None else None,
        product_ids=[p.pk for p in products],
        **kw,
    )


def count_all(by, stocktake, counted: dict | None = None):
    """Count every line: `counted` maps (product, location) or a line id to the quantity; the
    rest are counted at their book quantity."""
    counted = counted or {}
    counts = []
    for line in stocktake.lines.all():
        q = counted.get(line.pk, counted.get((line.product_id, line.location_id), line.book_quantity))
        counts.append({"line": line.pk, "counted_quantity": str(q)})
    stocktake.refresh_from_db()
    return st.stocktake_count(by=by, stocktake_id=stocktake.pk, counts=counts, version=stocktake.version)


def approve(by, stocktake, note=""):
    return st.stocktake_approve(by=by, stocktake_id=stocktake.pk, note=note)


def lend(by, location, product, quantity, *, holder=None, customer=None, due_back=None, moved_on=None):
    """Post a sample issue (purpose sample) of `quantity` → the SampleLoan it opened."""
    from salesdept.warehouse.services.documents import post_document

    moved_on = moved_on or timezone.localdate()
    line = {
        "product": product.pk,
        "quantity": str(quantity),
        "location": location.pk,
        "quality": Quality.ACCEPTED,
    }
    if due_back is not None:
        line["due_back"] = due_back.isoformat()
    data = {
        "kind": DocumentKind.ISSUE,
        "purpose": Purpose.SAMPLE,
        "warehouse": location.warehouse_id,
        "moved_on": moved_on.isoformat(),
        "lines": [line],
    }
    if holder is not None:
        data["holder"] = holder.pk
    if customer is not None:
        data["customer"] = customer.pk
    document = post_document(by=by, data=data)
    return document.lines.get().sample_loan


@pytest.fixture
def today() -> datetime.date:
    return timezone.localdate()


# --- URLconf for the page and API tests ------------------------------------------------------


def _routes_missing(name: str) -> bool:
    from django.urls import NoReverseMatch, reverse

    from salesdept import urls as project

    try:
        reverse(name, urlconf=project)
    except NoReverseMatch:
        return True
    return False


def _build_urlpatterns():
    from salesdept.api import api, install_error_handlers
    from salesdept.urls import urlpatterns as project
    from salesdept.warehouse.views import samples as sample_views
    from salesdept.warehouse.views import stocktakes as stocktake_views

    extra = []
    if _routes_missing("warehouse:stocktake_list"):
        try:
            from salesdept.warehouse.urls import urlpatterns as warehouse_patterns
        except ImportError:
            warehouse_patterns = []
        patterns = [*stocktake_views.urlpatterns, *sample_views.urlpatterns, *warehouse_patterns]
        extra.append(path("warehouse/", include((patterns, "warehouse"))))
    from salesdept.warehouse.api import samples as sample_api
    from salesdept.warehouse.api import stocktakes as stocktake_api

    mounted = {id(router) for _prefix, router in getattr(api, "_routers", [])}
    if id(stocktake_api.router) not in mounted:
        from salesdept.api import SalesdeptAPI

        test_api = SalesdeptAPI(urls_namespace="test-b", auth=api.auth)
        install_error_handlers(test_api)
        test_api.add_router("/warehouse/stocktakes", stocktake_api.router)
        test_api.add_router("/warehouse", sample_api.router)
        patterns, app_name, namespace = test_api.urls
        # only our operations: any other path falls through to the project's API
        patterns = [p for p in patterns if getattr(p, "name", "") != "unknown"]
        extra.append(path("api/v1/", include((patterns, app_name), namespace=namespace)))
    return [*extra, *project]


def __getattr__(name):  # the URL patterns are built on first use, not at import
    if name == "urlpatterns":
        globals()["urlpatterns"] = patterns = _build_urlpatterns()
        return patterns
    raise AttributeError(name)
