"""The history import from the page /stats/history/import/ and the API POST
/api/v1/stats/history-imports (issue 7): check only or import, every bad row listed with nothing
written, a summary of what was written, a second import of the same file adds nothing, refused
without stats.import_history; the templates (page and API, CSV and XLSX) read back through the
importer's own header check and import cleanly."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from salesdept.core.imports import read_table
from salesdept.stats.history import COLUMNS, import_history
from salesdept.stats.history_rows import check
from salesdept.stats.models import Kind, SalesFact
from tests.api_helpers import API, assert_error, bearer

from .test_history_import import csv_bytes, history_rows, snapshot

PAGE = "/stats/history/import/"


def upload(content: bytes, name="history.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def client_for(user, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def bad_file(world) -> bytes:
    rows = history_rows(world)
    rows[1]["quantity"] = "0"  # spreadsheet row 3
    rows[3]["region"] = "mars"  # row 5
    return csv_bytes(rows)


# --- the page ---------------------------------------------------------------------------------


def test_page_import_writes_the_file_and_says_what_was_written(world):
    # given the director on the import page (linked from the statistics page and the menu)
    client = client_for(world.org.director)
    report = client.get("/stats/sales/")
    assert PAGE in report.content.decode()
    page = client.get(PAGE)
    assert page.status_code == 200
    assert any(i["key"] == "history_import" for g in page.context["menu"] for i in g.get("items", []))
    # when they upload a good file with "Import"
    r = client.post(PAGE, {"file": upload(csv_bytes(history_rows(world))), "action": "import"})
    # then every line is written and the summary says lines, orders and what was created
    assert r.status_code == 200, r.content.decode()[:2000]
    summary = r.context["summary"]
    assert (summary["created"], summary["orders"]) == (5, 4)
    assert (summary["new_customers"], summary["new_products"], summary["new_categories"]) == (1, 2, 1)
    assert SalesFact.objects.filter(kind=Kind.ORDERED).count() == 5
    html = r.content.decode()
    assert 'data-testid="history-done"' in html and 'data-testid="count-orders">4<' in html


def test_page_check_only_writes_nothing_then_imports_the_checked_file(world):
    client = client_for(world.org.director)
    before = snapshot()
    # "Check only": the summary of what would be written, nothing written, an Import button
    r = client.post(PAGE, {"file": upload(csv_bytes(history_rows(world))), "action": "check"})
    assert r.status_code == 200
    assert r.context["result"].dry_run and r.context["fresh"] == 5 and r.context["summary"]["orders"] == 4
    assert snapshot() == before
    token = r.context["token"]
    assert token and f"{PAGE}{token}/" in r.content.decode()
    # "Import" on the result imports the file kept from the check, without a second upload
    done = client.post(f"{PAGE}{token}/")
    assert done.status_code == 200 and done.context["result"].created == 5
    assert SalesFact.objects.filter(kind=Kind.ORDERED).count() == 5
    # the kept file is gone: the same button again is unknown
    assert client.post(f"{PAGE}{token}/").status_code == 404
    # another session cannot use a token it was never given
    other = client_for(world.org.director)
    rows = [{**history_rows(world)[0], "order": "H-OTHER"}]
    theirs = other.post(PAGE, {"file": upload(csv_bytes(rows)), "action": "check"}).context["token"]
    assert theirs and client.post(f"{PAGE}{theirs}/").status_code == 404


def test_page_bad_rows_are_listed_and_nothing_is_written(world):
    client = client_for(world.org.director)
    before = snapshot()
    for action in ("import", "check"):
        r = client.post(PAGE, {"file": upload(bad_file(world)), "action": action})
        assert r.status_code == 400
        assert snapshot() == before
        html = r.content.decode()
        assert 'data-testid="history-refused"' in html
        rows = re.findall(r'data-testid="history-error" data-row="(\d+)"', html)
        assert rows == ["3", "5"]
        assert [(e.row, e.column) for e in r.context["errors"]] == [(3, "Quantity"), (5, "Region")]
        assert not r.context["token"]  # nothing to import


def test_page_second_import_of_the_same_file_adds_nothing(world):
    client = client_for(world.org.director)
    content = csv_bytes(history_rows(world))
    assert client.post(PAGE, {"file": upload(content), "action": "import"}).context["result"].created == 5
    before = snapshot()
    for action in ("import", "check"):
        r = client.post(PAGE, {"file": upload(content), "action": action})
        assert r.status_code == 200
        assert r.context["nothing_new"] and r.context["summary"]["created"] == 0
        assert r.context["summary"]["already_imported"] == 5 and r.context["summary"]["orders"] == 0
        assert 'data-testid="history-nothing-new"' in r.content.decode()
        assert not r.context["token"]
    assert snapshot() == before


def test_page_in_chinese(world):
    client = client_for(world.org.director, "zh-hans")
    assert client.get(PAGE).status_code == 200
    r = client.post(PAGE, {"file": upload(bad_file(world)), "action": "check"})
    assert r.status_code == 400 and r.context["errors"][0].row == 3


def test_page_refuses_a_file_it_cannot_read_or_no_action(world):
    client = client_for(world.org.director)
    r = client.post(PAGE, {"file": upload(b"x", name="history.xls"), "action": "import"})
    assert r.status_code == 400 and r.context["form"].errors["file"]
    r = client.post(PAGE, {"file": upload(b"   "), "action": "check"})
    assert r.status_code == 400 and r.context["form"].errors["file"]
    r = client.post(PAGE, {"file": upload(csv_bytes(history_rows(world)))})
    assert r.status_code == 400 and not SalesFact.objects.exists()


@pytest.mark.parametrize("persona", ["sales1", "manager1", "clerk"])
def test_page_is_refused_without_the_permission(world, persona):
    user = getattr(world.org, persona)
    client = client_for(user)
    assert client.get(PAGE).status_code == 403
    r = client.post(PAGE, {"file": upload(csv_bytes(history_rows(world))), "action": "import"})
    assert r.status_code == 403
    assert client.get(f"{PAGE}template.csv").status_code == 403
    assert not SalesFact.objects.exists()
    # and neither the menu nor the statistics page offers it
    assert PAGE not in client.get("/").content.decode()


# --- the API ----------------------------------------------------------------------------------


def post(api, content: bytes, **fields):
    return api.client.post(
        f"{API}/stats/history-imports", {"file": upload(content), **fields}, headers=api.headers
    )


def test_api_imports_and_a_second_import_adds_nothing(world):
    api = bearer(world.org.director)
    content = csv_bytes(history_rows(world))
    # a dry run: 200 with what would be written, nothing written
    r = post(api, content, dry_run="true")
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["dry_run"], body["created"], body["orders"], body["valid"]) == (True, 0, 4, 5)
    assert not SalesFact.objects.exists()
    # the import
    body = post(api, content).json()
    assert (body["created"], body["orders"], body["errors"]) == (5, 4, [])
    assert (body["new_customers"], body["new_products"], body["new_categories"]) == (1, 2, 1)
    before = snapshot()
    # the same file again: nothing new
    body = post(api, content).json()
    assert (body["created"], body["already_imported"], body["orders"]) == (0, 5, 0)
    assert snapshot() == before


def test_api_bad_rows_are_422_with_every_row_and_nothing_written(world):
    before = snapshot()
    for dry_run in ("false", "true"):
        r = post(bearer(world.org.director), bad_file(world), dry_run=dry_run)
        error = assert_error(r, 422, "import_rejected", {"file"})
        assert [(e["row"], e["column"]) for e in error["extra"]["errors"]] == [(3, "Quantity"), (5, "Region")]
        assert error["extra"]["total"] == 5 and error["extra"]["valid"] == 3
    assert snapshot() == before


def test_api_unreadable_file_is_400_and_missing_file_422(world):
    api = bearer(world.org.director)
    assert_error(post(api, b"   "), 400, "empty_file", {"file"})
    r = api.client.post(f"{API}/stats/history-imports", {"dry_run": "true"}, headers=api.headers)
    assert_error(r, 422, "validation_error", {"file"})


@pytest.mark.parametrize("persona", ["sales1", "manager1", "finance"])
def test_api_is_refused_without_the_permission(world, persona):
    api = bearer(getattr(world.org, persona))
    assert_error(post(api, csv_bytes(history_rows(world))), 403, "permission_denied")
    assert_error(api.get("/stats/history-imports/template"), 403, "permission_denied")
    assert not SalesFact.objects.exists()


# --- the templates ------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_templates_read_back_through_the_importers_own_checks(world, fmt, language):
    director = world.org.director
    page = client_for(director, language).get(f"{PAGE}template.{fmt}")
    api = bearer(director, HTTP_ACCEPT_LANGUAGE=language).get(
        "/stats/history-imports/template", {"format": fmt}
    )
    for response in (page, api):
        assert response.status_code == 200, response.content[:300]
        assert f'filename="sales-history-template.{fmt}"' in response["Content-Disposition"]
        table = read_table(response.content, f"template.{fmt}")
        # every documented column, in order, required ones marked
        assert len(table.header) == len(COLUMNS) and len(table.rows) == 1
        assert [t.startswith("* ") for t in table.header] == [c.required for c in COLUMNS]
        # the importer's header check finds every column and no problem
        _records, header_errors = table.records(COLUMNS)
        assert header_errors == []
        assert set(table.titles(COLUMNS)) == {c.key for c in COLUMNS}
        checked = check(by=director, table=table)
        assert checked.errors == [] and len(checked.lines) == 1
        # and the example row imports (a dry run)
        result = import_history(by=director, table=table, dry_run=True)
        assert result.errors == [] and result.valid == 1
    assert_error(
        bearer(director).get("/stats/history-imports/template", {"format": "pdf"}), 422, "validation_error"
    )
