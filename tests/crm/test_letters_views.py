"""The correspondence register pages (C5): list, export, detail, the form with file upload, done and
reopen, and the attachment download that checks visibility."""

import csv
import datetime
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from salesdept.crm.models import Letter
from salesdept.crm.services import letters as services

DAY = datetime.timedelta(days=1)
LIST = "/crm/letters/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def register(org, today):
    def make(*, by=None, **fields):
        data = {
            "direction": "in",
            "kind": "letter",
            "date": today,
            "counterpart": "华强机械",
            "subject": "询价函",
            **fields,
        }
        return services.letter_create(by=by or org.sales1, **data)

    return make


def _numbers(response) -> list[str]:
    return re.findall(r'data-testid="letter-row" data-number="([^"]+)"', response.content.decode())


def _signed_in(client, user):
    client.force_login(user)
    return client


def test_list_is_scoped_and_highlights_overdue_follow_ups(client, org, register, today):
    late = register(date=today - 5 * DAY, follow_up_on=today - DAY)
    fresh = register(direction="out", kind="fax")
    theirs = register(by=org.sales3)
    response = _signed_in(client, org.sales1).get(LIST)
    assert response.status_code == 200
    assert set(_numbers(response)) == {late.number, fresh.number}
    html = response.content.decode()
    assert theirs.number not in html
    assert 'data-overdue="1"' in re.search(rf'data-number="{late.number}"[^>]*>', html).group(0)
    assert html.count('data-testid="overdue-badge"') == 1
    assert 'data-direction="out"' in html and 'data-direction="in"' in html
    assert _numbers(client.get(LIST, {"overdue": "on"})) == [late.number]
    assert _numbers(client.get(LIST, {"direction": "out"})) == [fresh.number]


def test_list_query_budget(client, org, register, make_customer, django_assert_max_num_queries):
    customer = make_customer(owner=org.sales1)
    for _ in range(12):
        register(customer_id=customer.pk)
    client = _signed_in(client, org.manager1)
    client.get(LIST)
    # session, user, permissions (2), roles, count, rows, the users of the handler filter
    with django_assert_max_num_queries(8):
        response = client.get(LIST)
    assert len(_numbers(response)) == 12


def test_export_is_scoped(client, org, register):
    mine = register()
    theirs = register(by=org.sales3)
    response = _signed_in(client, org.sales1).get(LIST, {"format": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    numbers = [row[0] for row in csv.reader(io.StringIO(text))][1:]
    assert numbers == [mine.number] and theirs.number not in text
    assert client.get(LIST, {"format": "xlsx"}).status_code == 200


def test_register_with_an_attachment_through_the_form(client, org, today, make_customer):
    customer = make_customer(owner=org.sales1)
    client = _signed_in(client, org.sales1)
    assert (
        f'<option value="{customer.pk}" selected>'
        in client.get("/crm/letters/new/", {"customer": customer.pk}).content.decode()
    )
    response = client.post(
        "/crm/letters/new/",
        {
            "direction": "in",
            "kind": "fax",
            "date": today.isoformat(),
            "counterpart": "华强机械",
            "subject": "传真：交货安排",
            "customer": customer.pk,
            "follow_up_on": (today + 2 * DAY).isoformat(),
            "attachment": SimpleUploadedFile("fax.pdf", b"%PDF fax"),
        },
    )
    letter = Letter.objects.get()
    assert response.status_code == 302 and response.url == f"/crm/letters/{letter.pk}/"
    assert letter.attachment and letter.customer == customer and letter.handler == org.sales1
    detail = client.get(response.url).content.decode()
    assert f'href="/crm/letters/{letter.pk}/attachment/"' in detail
    assert "/media/" not in detail  # never a public media URL


def test_form_refuses_a_bad_attachment_with_400_naming_it(client, org, today):
    response = _signed_in(client, org.sales1).post(
        "/crm/letters/new/",
        {
            "direction": "in",
            "kind": "letter",
            "date": today.isoformat(),
            "counterpart": "x",
            "subject": "y",
            "attachment": SimpleUploadedFile("virus.exe", b"MZ"),
        },
    )
    assert response.status_code == 400 and 'id="id_attachment-errors"' in response.content.decode()
    assert not Letter.objects.exists()


def test_attachment_download_checks_visibility(client, org, register):
    letter = register(attachment=SimpleUploadedFile("合同扫描.pdf", b"%PDF secret"))
    url = f"/crm/letters/{letter.pk}/attachment/"
    response = _signed_in(client, org.sales1).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF secret"
    assert (
        response["Content-Disposition"].startswith("attachment")
        and response["X-Content-Type-Options"] == "nosniff"
    )
    client.force_login(org.sales3)
    assert client.get(url).status_code == 404
    client.force_login(org.manager1)
    assert client.get(url).status_code == 200
    # a letter without an attachment has none to download
    client.force_login(org.sales1)
    assert client.get(f"/crm/letters/{register().pk}/attachment/").status_code == 404


def test_edit_done_and_reopen_through_the_pages(client, org, register, today):
    letter = register()
    client = _signed_in(client, org.sales1)
    edit = f"/crm/letters/{letter.pk}/edit/"
    assert client.get(edit).status_code == 200
    response = client.post(
        edit,
        {
            "direction": "in",
            "kind": "email",
            "date": today.isoformat(),
            "counterpart": "华强机械",
            "subject": "询价函（更正）",
            "handler": org.sales1.pk,
        },
    )
    assert response.status_code == 302
    assert Letter.objects.get(pk=letter.pk).kind == "email"
    # done without an outcome: 400 naming it
    response = client.post(f"/crm/letters/{letter.pk}/done/", {"outcome": ""})
    assert response.status_code == 400 and 'id="id_outcome-errors"' in response.content.decode()
    assert client.post(f"/crm/letters/{letter.pk}/done/", {"outcome": "已回复"}).status_code == 302
    assert Letter.objects.get(pk=letter.pk).status == "done"
    # done twice: 409; editing a done letter sends back to the detail
    assert client.post(f"/crm/letters/{letter.pk}/done/", {"outcome": "again"}).status_code == 409
    assert client.get(edit).status_code == 302
    assert client.post(f"/crm/letters/{letter.pk}/reopen/").status_code == 302
    assert Letter.objects.get(pk=letter.pk).status == "open"


def test_pages_of_an_out_of_scope_letter_are_404_and_auditor_cannot_write(client, org, register):
    theirs = register(by=org.sales3)
    client = _signed_in(client, org.sales1)
    for url in (f"/crm/letters/{theirs.pk}/", f"/crm/letters/{theirs.pk}/edit/"):
        assert client.get(url).status_code == 404
    assert client.post(f"/crm/letters/{theirs.pk}/done/", {"outcome": "x"}).status_code == 404
    client.force_login(org.auditor)
    assert client.get(f"/crm/letters/{theirs.pk}/").status_code == 200
    assert client.get("/crm/letters/new/").status_code == 403
    assert client.post(f"/crm/letters/{theirs.pk}/done/", {"outcome": "x"}).status_code == 403
    assert Letter.objects.get(pk=theirs.pk).status == "open"
