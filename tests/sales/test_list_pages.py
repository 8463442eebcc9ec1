"""The four sales lists share core.listing.list_page: each renders for a reader, exports CSV and
XLSX of the same rows, and needs its view permission."""

import pytest
from django.urls import reverse

LISTS = [
    ("sales:inquiry_list", "inquiries"),
    ("sales:quotation_list", "quotations"),
    ("sales:contract_list", "contracts"),
    ("sales:order_list", "orders"),
]


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize(("url_name", "export_name"), LISTS)
def test_list_renders_and_exports(client, org, url_name, export_name):
    client.force_login(org.director)
    page = client.get(reverse(url_name))
    assert page.status_code == 200
    assert page.context["page_obj"].number == 1
    csv = client.get(reverse(url_name), {"format": "csv"})
    assert csv.status_code == 200
    assert _body(csv).startswith(b"\xef\xbb\xbf")  # Excel reads the UTF-8 BOM
    assert export_name in csv["Content-Disposition"]
    xlsx = client.get(reverse(url_name), {"format": "xlsx"})
    assert xlsx.status_code == 200 and _body(xlsx)[:2] == b"PK"


@pytest.mark.parametrize(("url_name", "export_name"), LISTS)
def test_list_needs_the_view_permission(client, org, url_name, export_name):
    client.force_login(org.admin)
    assert client.get(reverse(url_name)).status_code == 403
    assert client.get(reverse(url_name), {"format": "csv"}).status_code == 403


def test_unknown_export_format_is_refused(client, org):
    client.force_login(org.director)
    assert client.get(reverse("sales:order_list"), {"format": "pdf"}).status_code == 400
