"""Import pages (X5): upload, the check page listing every bad row, import all / only the good
rows / cancel, template downloads; the file waits in MEDIA_ROOT only between check and import."""

import csv
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from salesdept.core.imports import read_table
from salesdept.crm.models import Customer, Lead


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(rows, name="customers.csv") -> SimpleUploadedFile:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode(), content_type="text/csv")


GOOD = [
    ["name", "tier", "region"],
    ["上海华强机械有限公司", "A", "east-sh"],
    ["江苏恒泰电子有限公司", "B", "east-js"],
]
MIXED = [
    ["name", "tier", "region"],
    ["上海华强机械有限公司", "A", "east-sh"],
    ["上海宏达有限公司", "Z", "east-sh"],
]


def start(client, rows, kind="customers", name="customers.csv"):
    response = client.post(reverse("crm:import_start"), {"kind": kind, "file": upload(rows, name)})
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def stored_files(settings) -> list:
    folder = settings.MEDIA_ROOT / "imports"
    return list(folder.iterdir()) if folder.exists() else []


def test_start_page_offers_the_kinds_and_templates(client, org):
    client.force_login(org.sales1)
    response = client.get(reverse("crm:import_start"))
    assert response.status_code == 200
    page = response.content.decode()
    for kind in ("customers", "contacts", "leads"):
        assert f'data-testid="template-{kind}-csv"' in page
        assert f'data-testid="template-{kind}-xlsx"' in page
    assert 'enctype="multipart/form-data"' in page


@pytest.mark.parametrize("persona", ["auditor", "finance", "keeper"])
def test_start_page_is_refused_without_an_import_permission(client, org, persona):
    client.force_login(getattr(org, persona))
    assert client.get(reverse("crm:import_start")).status_code == 403


def test_good_file_is_checked_then_imported_and_the_upload_deleted(client, org, settings):
    client.force_login(org.sales1)
    # when the file is uploaded, the check page shows the counts and "Import all"; nothing is written yet
    check_url = start(client, GOOD)
    page = client.get(check_url)
    assert page.status_code == 200
    html = page.content.decode()
    assert re.search(r'data-testid="count-valid">2<', html)
    assert 'data-testid="import-all"' in html
    assert 'data-testid="import-only-valid"' not in html
    assert not Customer.objects.exists()
    assert len(stored_files(settings)) == 1
    # and "Import all" writes them, deletes the file and goes to the customer list
    response = client.post(check_url, {"action": "all"})
    assert response.status_code == 302
    assert response["Location"] == reverse("crm:customer_list")
    assert Customer.objects.count() == 2
    assert stored_files(settings) == []
    assert client.get(check_url).status_code == 404  # the upload is gone


def test_file_with_errors_lists_each_row_and_offers_only_the_good_rows(client, org):
    client.force_login(org.sales1)
    check_url = start(client, MIXED)
    html = client.get(check_url).content.decode()
    assert re.findall(r'data-testid="import-error" data-row="(\d+)"', html) == ["3"]
    assert "Unknown tier. Use one of: A, B, C." in html
    assert 'data-testid="import-all"' not in html
    assert 'data-testid="import-only-valid"' in html
    assert "data-confirm=" in html  # importing only the good rows asks first
    # "Import all" is refused while the file has errors (400, nothing written)
    refused = client.post(check_url, {"action": "all"})
    assert refused.status_code == 400
    assert not Customer.objects.exists()
    # importing only the good rows is explicit
    response = client.post(check_url, {"action": "only_valid"})
    assert response.status_code == 302
    assert list(Customer.objects.values_list("name", flat=True)) == ["上海华强机械有限公司"]


def test_cancel_deletes_the_upload_and_writes_nothing(client, org, settings):
    client.force_login(org.sales1)
    check_url = start(client, GOOD)
    response = client.post(check_url, {"action": "cancel"})
    assert response.status_code == 302
    assert stored_files(settings) == []
    assert not Customer.objects.exists()


def test_another_users_upload_is_not_found(client, org):
    client.force_login(org.sales1)
    check_url = start(client, GOOD)
    client.force_login(org.sales2)
    assert client.get(check_url).status_code == 404
    assert client.post(check_url, {"action": "all"}).status_code == 404
    assert not Customer.objects.exists()


def test_upload_of_another_file_type_is_refused_on_the_form(client, org, settings):
    client.force_login(org.sales1)
    response = client.post(reverse("crm:import_start"), {"kind": "customers", "file": upload(GOOD, "x.pdf")})
    assert response.status_code == 400
    assert "Upload a CSV or XLSX file." in response.content.decode()
    assert stored_files(settings) == []


def test_unreadable_file_goes_back_to_the_start_with_the_reason(client, org, settings):
    client.force_login(org.sales1)
    bad = SimpleUploadedFile("x.xlsx", b"PK\x03\x04 broken", content_type="application/octet-stream")
    response = client.post(reverse("crm:import_start"), {"kind": "customers", "file": bad})
    check = client.get(response["Location"], follow=True)
    assert "This file cannot be read as CSV or XLSX." in check.content.decode()
    assert stored_files(settings) == []


def test_leads_import_through_the_pages_in_chinese(client, org):
    client.force_login(org.sales1)
    check_url = start(client, [["潜在客户", "预计金额"], ["苏州恒泰", "1000"]], kind="leads")
    response = client.post(check_url, {"action": "all"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 302
    assert Lead.objects.get().expected_amount == 1000


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_template_download_parses_back(client, org, fmt):
    client.force_login(org.sales1)
    response = client.get(reverse("crm:import_template", args=["customers", fmt]))
    assert response.status_code == 200
    assert f'import-customers.{fmt}"' in response["Content-Disposition"]
    table = read_table(response.content, f"t.{fmt}")
    assert table.rows[0].cells[0] == "上海华强机械有限公司"


def test_template_download_needs_the_permission(client, org):
    client.force_login(org.auditor)
    assert client.get(reverse("crm:import_template", args=["leads", "csv"])).status_code == 403
