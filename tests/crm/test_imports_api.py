"""Import API (X5): POST /api/v1/imports/{kind} as multipart (file, only_valid, dry_run) answers
{"created", "errors": [{"row", "column", "message"}], "dry_run", …}; an unreadable file is a
400 error body; GET /api/v1/imports/{kind}/template?format=csv|xlsx downloads the template."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from salesdept.core.imports import read_table
from salesdept.crm.models import Contact, Customer
from tests.api_helpers import API, assert_error, bearer


def csv_file(rows, name="file.csv") -> SimpleUploadedFile:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode("utf-8"), content_type="text/csv")


def post_file(api, kind, rows, **fields):
    return api.client.post(f"{API}/imports/{kind}", {"file": csv_file(rows), **fields}, headers=api.headers)


ROWS = [
    ["name", "tier", "region"],
    ["上海华强机械有限公司", "A", "east-sh"],
    ["上海宏达有限公司", "Z", "east-sh"],
]


def test_import_with_errors_answers_every_row_and_writes_nothing(org):
    response = post_file(bearer(org.sales1), "customers", ROWS)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["created"] == 0
    assert body["dry_run"] is False
    assert body["errors"] == [{"row": 3, "column": "tier", "message": "Unknown tier. Use one of: A, B, C."}]
    assert (body["total"], body["valid"], body["skipped"]) == (2, 1, 1)
    assert not Customer.objects.exists()


def test_import_only_valid_writes_the_good_rows(org):
    response = post_file(bearer(org.sales1), "customers", ROWS, only_valid="true")
    assert response.json()["created"] == 1
    assert list(Customer.objects.values_list("name", flat=True)) == ["上海华强机械有限公司"]


def test_import_dry_run_writes_nothing(org):
    response = post_file(bearer(org.sales1), "customers", ROWS[:2], dry_run="true")
    body = response.json()
    assert (body["created"], body["dry_run"], body["valid"], body["errors"]) == (0, True, 1, [])
    assert not Customer.objects.exists()


def test_import_errors_answer_in_the_users_language(org):
    org.sales1.language = "zh-hans"
    org.sales1.save()
    response = post_file(bearer(org.sales1), "customers", [["名称", "区域"], ["", "east-sh"]])
    assert response.json()["errors"][0]["column"] == "名称"


def test_unreadable_file_is_a_400_error_body(org):
    api = bearer(org.sales1)
    bad = SimpleUploadedFile("x.xlsx", b"PK\x03\x04 broken", content_type="application/octet-stream")
    response = api.client.post(f"{API}/imports/customers", {"file": bad}, headers=api.headers)
    assert_error(response, 400, "unreadable_file", {"file"})


def test_missing_file_is_refused(org):
    api = bearer(org.sales1)
    response = api.client.post(f"{API}/imports/customers", {}, headers=api.headers)
    error = assert_error(response, 422, "validation_error")
    assert any(name.startswith("file") for name in error["fields"]), error


def test_unknown_kind_is_refused(org):
    response = post_file(bearer(org.sales1), "invoices", ROWS)
    assert response.status_code in (404, 422)
    assert not Customer.objects.exists()


@pytest.mark.parametrize("persona", ["auditor", "finance"])
def test_import_without_permission_is_403(org, persona):
    response = post_file(bearer(getattr(org, persona)), "customers", ROWS)
    assert_error(response, 403, "permission_denied")


def test_contacts_for_another_salespersons_customer_are_row_errors(org, make_customer):
    theirs = make_customer(owner=org.sales3, name="广州南方贸易有限公司")
    response = post_file(bearer(org.sales1), "contacts", [["customer", "name"], [theirs.code, "陈志强"]])
    body = response.json()
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(2, "customer")]
    assert "sales3" not in body["errors"][0]["message"]
    assert not Contact.objects.exists()


def test_session_import_needs_the_csrf_token(org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.sales1)
    response = client.post(f"{API}/imports/customers", {"file": csv_file(ROWS)})
    assert_error(response, 403, "csrf_failed")
    assert not Customer.objects.exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_template_downloads_and_parses_back(org, fmt):
    api = bearer(org.sales1)
    response = api.get("/imports/leads/template", {"format": fmt})
    assert response.status_code == 200
    table = read_table(response.content, f"template.{fmt}")
    assert table.rows[0].cells[0] == "苏州恒泰电子有限公司"


def test_template_in_another_format_is_refused(org):
    response = bearer(org.sales1).get("/imports/leads/template", {"format": "pdf"})
    assert_error(response, 422, "validation_error", {"format"})
