"""Stocktake pages and API (W3) in English and 简体中文: list, start, count entry, review
(the counter refused, translated), variance report, cycle proposal, count sheet PDF (blind)."""

import io
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from pypdf import PdfReader

from salesdept.core.models import Status
from salesdept.warehouse.models import StockLot, Stocktake
from salesdept.warehouse.selectors.stocktakes import variance_report
from salesdept.warehouse.services import stocktakes as st
from tests.api_helpers import assert_error, session

from .fixtures_b import URLS, count_all, new_stocktake  # noqa: F401

pytestmark = pytest.mark.urls(URLS)


def client_for(user, language="en") -> Client:
    user.language = language
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    return client


def pdf_text(data: bytes) -> str:
    return " ".join(re.sub(r"\s+", " ", p.extract_text()) for p in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def stocked(org, wh, make_product, receive):
    """Two products in stock: a = 4321 at A-01-01, b = 17 at A-01-02."""
    a, b = make_product(name="液压泵"), make_product(name="齿轮箱")
    receive(wh.a1, a, 4321, unit_cost="3.00")
    receive(wh.a2, b, 17, unit_cost="20.00")
    return a, b


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_list_and_detail_in_both_languages(org, wh, stocked, language):
    take = new_stocktake(org.keeper, wh, kind="full")
    client = client_for(org.keeper, language)
    page = client.get(reverse("warehouse:stocktake_list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert take.number in html and f'lang="{language}"' in html
    assert ("导出 CSV" in html) == (language == "zh-hans")
    detail = client.get(reverse("warehouse:stocktake_detail", args=[take.pk]))
    assert detail.status_code == 200
    assert detail.content.decode().count('data-testid="stocktake-line"') == 2


def test_list_filters_sorts_exports_and_empty_state(org, wh, stocked):
    client = client_for(org.keeper)
    empty = client.get(reverse("warehouse:stocktake_list"))
    assert 'data-testid="empty-state"' in empty.content.decode()
    take = new_stocktake(org.keeper, wh, kind="full")
    assert (
        take.number
        in client.get(
            reverse("warehouse:stocktake_list"), {"kind": "full", "sort": "-number"}
        ).content.decode()
    )
    assert (
        take.number not in client.get(reverse("warehouse:stocktake_list"), {"kind": "spot"}).content.decode()
    )
    csv = client.get(reverse("warehouse:stocktake_list"), {"format": "csv"})
    assert csv.status_code == 200 and take.number in b"".join(csv.streaming_content).decode("utf-8-sig")
    bad = client.get(
        reverse("warehouse:stocktake_list"), {"date_from": "2026-02-01", "date_to": "2026-01-01"}
    )
    assert bad.status_code == 200 and 'data-testid="empty-state"' in bad.content.decode()


def test_a_salesperson_cannot_open_stocktakes(org):
    assert client_for(org.sales1).get(reverse("warehouse:stocktake_list")).status_code == 403


def test_start_count_submit_approve_through_the_pages(org, wh, stocked):
    a, b = stocked
    keeper = client_for(org.keeper)
    # start a spot check of a
    response = keeper.post(
        reverse("warehouse:stocktake_create"),
        {"kind": "spot", "warehouse": wh.pk, "product": a.pk, "counted_on": "2026-11-30"},
    )
    take = Stocktake.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "warehouse:stocktake_count", args=[take.pk]
    )
    # the count page is blind: the book quantity is not on it
    page = keeper.get(reverse("warehouse:stocktake_count", args=[take.pk])).content.decode()
    line = take.lines.get()
    assert f'name="counted_{line.pk}"' in page and "4321" not in page
    # a bad count shows the error next to the line and saves nothing
    bad = keeper.post(
        reverse("warehouse:stocktake_count", args=[take.pk]),
        {"version": take.version, f"counted_{line.pk}": "-3"},
    )
    assert bad.status_code == 400 and "is-invalid" in bad.content.decode()
    line.refresh_from_db()
    assert line.counted_quantity is None
    # save and submit
    take.refresh_from_db()
    done = keeper.post(
        reverse("warehouse:stocktake_count", args=[take.pk]),
        {"version": take.version, f"counted_{line.pk}": "4320", "submit": "1"},
    )
    assert done.status_code == 302
    take.refresh_from_db()
    assert take.status == Status.SUBMITTED
    # the keeper counted: the approve button is not offered, and posting it is refused
    detail = keeper.get(reverse("warehouse:stocktake_detail", args=[take.pk])).content.decode()
    assert 'data-action="approve"' not in detail
    refused = keeper.post(reverse("warehouse:stocktake_action", args=[take.pk, "approve"]))
    assert refused.status_code == 409
    # finance sees the variance and approves
    finance = client_for(org.finance)
    detail = finance.get(reverse("warehouse:stocktake_detail", args=[take.pk])).content.decode()
    assert 'data-action="approve"' in detail and 'data-variance="-1"' in detail
    assert finance.post(reverse("warehouse:stocktake_action", args=[take.pk, "approve"])).status_code == 302
    take.refresh_from_db()
    assert take.status == Status.APPROVED and take.adjustment_id
    assert StockLot.objects.get(product=a, location=wh.a1).quantity == Decimal("4320")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_counter_is_refused_with_a_translated_message(org, wh, stocked, language):
    from django.contrib.auth.models import Permission

    a, _b = stocked
    take = new_stocktake(org.keeper, wh, kind="spot", products=[a])
    org.director.user_permissions.add(Permission.objects.get(codename="change_stocktake"))
    director = type(org.director).objects.get(pk=org.director.pk)
    count_all(director, take)
    st.stocktake_submit(by=org.keeper, stocktake_id=take.pk)
    client = client_for(org.director, language)
    response = client.post(reverse("warehouse:stocktake_action", args=[take.pk, "approve"]))
    assert response.status_code == 403
    html = response.content.decode()
    with translation.override(language):
        expected = str(st.OWN_COUNT)
    assert f'lang="{language}"' in html and escape(expected) in html
    # the API answers in the user's language too, and nothing was posted
    api = session(org.director)
    error = assert_error(api.post(f"/warehouse/stocktakes/{take.pk}/approve", {}), 403, "own_count")
    assert error["message"] == expected
    take.refresh_from_db()
    assert take.status == Status.SUBMITTED and take.adjustment_id is None


def test_found_goods_line_from_the_count_page(org, wh, stocked, make_product):
    a, _b = stocked
    found = make_product()
    take = new_stocktake(org.keeper, wh, kind="spot", products=[a])
    keeper = client_for(org.keeper)
    url = reverse("warehouse:stocktake_add_line", args=[take.pk])
    ok = keeper.post(
        url,
        {
            "version": take.version,
            "product": found.pk,
            "location": wh.a2.pk,
            "quality": "accepted",
            "counted_quantity": "2",
        },
    )
    assert ok.status_code == 302
    assert take.lines.filter(product=found, book_quantity=0, counted_quantity=2).exists()
    again = keeper.post(
        url, {"product": found.pk, "location": wh.a2.pk, "quality": "accepted", "counted_quantity": "1"}
    )
    assert again.status_code == 400


def test_variance_report_page_and_export(org, wh, stocked):
    a, b = stocked
    take = new_stocktake(org.keeper, wh, kind="full")
    count_all(org.keeper, take, {(a.pk, wh.a1.pk): 4320, (b.pk, wh.a2.pk): 19})
    client = client_for(org.finance, "zh-hans")
    page = client.get(reverse("warehouse:stocktake_variance", args=[take.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and html.count('data-testid="variance-row"') == 2
    # sortable: the biggest loss first, then the gain
    by_value = client.get(
        reverse("warehouse:stocktake_variance", args=[take.pk]), {"sort": "value"}
    ).content.decode()
    assert re.findall(r'data-testid="variance-row" data-product="([^"]+)"', by_value) == [a.code, b.code]
    by_value = client.get(
        reverse("warehouse:stocktake_variance", args=[take.pk]), {"sort": "-value"}
    ).content.decode()
    assert re.findall(r'data-testid="variance-row" data-product="([^"]+)"', by_value) == [b.code, a.code]
    # -1 × 3.00 + 2 × 20.00 = 37.00
    report = variance_report(user=org.finance, stocktake_id=take.pk)
    assert (report["loss"], report["gain"], report["net"]) == (
        Decimal("-3.00"),
        Decimal("40.00"),
        Decimal("37.00"),
    )
    xlsx = client.get(reverse("warehouse:stocktake_variance", args=[take.pk]), {"format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert (
        client.get(reverse("warehouse:stocktake_variance", args=[take.pk]), {"format": "doc"}).status_code
        == 400
    )


def test_cycle_proposal_page_starts_the_cycle_count(org, wh, stocked):
    client = client_for(org.keeper)
    page = client.get(reverse("warehouse:stocktake_proposal"), {"warehouse": wh.pk})
    html = page.content.decode()
    assert page.status_code == 200 and html.count('data-testid="proposal-row"') == 1  # ceil(2 × 7 / 90)
    assert client.get(reverse("warehouse:stocktake_proposal"), {"warehouse": "x"}).status_code == 400
    products = re.findall(r'name="products" value="(\d+)"', html)
    response = client.post(
        reverse("warehouse:stocktake_create"),
        {"kind": "cycle", "warehouse": wh.pk, "counted_on": "2026-11-30", "products": products},
    )
    assert response.status_code == 302
    assert [str(x.product_id) for x in Stocktake.objects.get().lines.all()] == products


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_count_sheet_is_blind_unless_the_book_is_asked_for(org, wh, stocked, language):
    take = new_stocktake(org.keeper, wh, kind="full")
    client = client_for(org.keeper)
    blind = client.get(reverse("warehouse:stocktake_sheet", args=[take.pk]), {"lang": language})
    assert blind.status_code == 200 and blind["Content-Type"] == "application/pdf"
    text = pdf_text(blind.content)
    name = "液压泵" if language == "zh-hans" else stocked[0].name_en
    assert name in text and stocked[0].code in text and take.number in text
    assert "4321" not in text and "17" not in text.replace(take.number, "")
    assert "盘点" in text or "Count sheet" in text
    with_book = pdf_text(
        client.get(
            reverse("warehouse:stocktake_sheet", args=[take.pk]), {"lang": language, "book": "1"}
        ).content
    )
    assert "4321" in with_book


# --- API -------------------------------------------------------------------------------------


def test_api_create_count_submit_approve(org, wh, stocked):
    a, b = stocked
    keeper = session(org.keeper)
    created = keeper.post("/warehouse/stocktakes", {"kind": "full", "warehouse": wh.pk})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["number"].startswith("PD-") and body["actions"][0] == "count"
    counts = [
        {
            "line": x["id"],
            "counted_quantity": str(Decimal(x["book_quantity"]) + (1 if x["product_id"] == b.pk else 0)),
        }
        for x in body["lines"]
    ]
    # a stale version is refused
    assert_error(
        keeper.post(
            f"/warehouse/stocktakes/{body['id']}/counts", {"version": body["version"] + 5, "counts": counts}
        ),
        409,
        "stale_version",
    )
    assert_error(
        keeper.post(
            f"/warehouse/stocktakes/{body['id']}/counts",
            {"counts": [{"line": counts[0]["line"], "counted_quantity": "-1"}]},
        ),
        400,
        "invalid",
        {"counts.0.counted_quantity"},
    )
    assert_error(
        keeper.post(f"/warehouse/stocktakes/{body['id']}/counts", {"counts": counts, "status": "approved"}),
        422,
        "validation_error",
    )
    counted = keeper.post(
        f"/warehouse/stocktakes/{body['id']}/counts", {"version": body["version"], "counts": counts}
    )
    assert counted.status_code == 200, counted.content
    assert keeper.post(f"/warehouse/stocktakes/{body['id']}/submit").status_code == 200
    assert_error(keeper.post(f"/warehouse/stocktakes/{body['id']}/approve"), 409, "own_document")
    variance = session(org.finance).get(f"/warehouse/stocktakes/{body['id']}/variance").json()
    assert [r["variance"] for r in variance["rows"]] == ["1.000"] or [
        Decimal(r["variance"]) for r in variance["rows"]
    ] == [1]
    approved = session(org.finance).post(f"/warehouse/stocktakes/{body['id']}/approve", {"note": "核对无误"})
    assert (
        approved.status_code == 200
        and approved.json()["status"] == "approved"
        and approved.json()["adjustment_id"]
    )
    listed = session(org.auditor).get("/warehouse/stocktakes", {"status": "approved"}).json()
    assert listed["count"] == 1 and listed["items"][0]["variance_count"] == 1


def test_api_refusals_and_scope(org, wh, stocked):
    a, _b = stocked
    assert_error(
        session(org.keeper).post(
            "/warehouse/stocktakes", {"kind": "spot", "warehouse": wh.pk, "products": []}
        ),
        400,
        "invalid",
        {"products"},
    )
    assert_error(
        session(org.sales1).post("/warehouse/stocktakes", {"kind": "full", "warehouse": wh.pk}),
        403,
        "permission_denied",
    )
    assert_error(session(org.sales1).get("/warehouse/stocktakes"), 403, "permission_denied")
    assert_error(session(org.keeper).get("/warehouse/stocktakes/999999"), 404, "not_found")
    proposal = session(org.keeper).get("/warehouse/stocktakes/proposal", {"warehouse": wh.pk}).json()
    assert proposal["total"] == 2 and proposal["share"] == 1
    sheet = session(org.keeper).get(
        f"/warehouse/stocktakes/{new_stocktake(org.keeper, wh, kind='spot', products=[a]).pk}/sheet",
        {"lang": "en"},
    )
    assert sheet.status_code == 200 and sheet["Content-Type"] == "application/pdf"


def test_list_pages_keep_a_query_budget(org, wh, stocked, django_assert_max_num_queries):
    a, b = stocked
    for _ in range(12):
        new_stocktake(org.keeper, wh, kind="full")
    client = client_for(org.keeper)
    client.get(reverse("warehouse:stocktake_list"))  # warm the session and content types
    with django_assert_max_num_queries(20):
        page = client.get(reverse("warehouse:stocktake_list"))
    assert page.content.decode().count('data-testid="stocktake-row"') == 12
    take = new_stocktake(org.keeper, wh, kind="full")
    with django_assert_max_num_queries(30):
        assert client.get(reverse("warehouse:stocktake_detail", args=[take.pk])).status_code == 200
    with django_assert_max_num_queries(30):
        assert client.get(reverse("warehouse:stocktake_count", args=[take.pk])).status_code == 200
