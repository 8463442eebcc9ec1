"""API of the correspondence register (C5): /api/v1/letters — multipart create with an attachment,
patch, done/reopen, the scoped attachment download."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from salesdept.accounts import services as account_services
from salesdept.crm.models import Letter
from tests.api_helpers import API, assert_error, bearer

DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def today():
    return timezone.localdate()


class Multipart:
    """A token client that sends multipart forms (the JSON helper cannot carry files)."""

    def __init__(self, user):
        _token, key = account_services.token_create(by=user, name="test")
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {key}"}

    def post(self, path, data):
        return self.client.post(API + path, data, headers=self.headers)


def _form(today, **fields):
    return {
        "direction": "in",
        "kind": "letter",
        "date": today.isoformat(),
        "counterpart": "上海华强机械有限公司",
        "subject": "关于价格调整的函",
        **fields,
    }


def test_register_with_attachment_get_patch_done_reopen(org, today, make_customer):
    customer = make_customer(owner=org.sales1)
    created = Multipart(org.sales1).post(
        "/letters",
        _form(
            today,
            customer=customer.pk,
            follow_up_on=(today + DAY).isoformat(),
            attachment=SimpleUploadedFile("函.pdf", b"%PDF 1"),
        ),
    )
    assert created.status_code == 201, created.content
    data = created.json()
    lid = data["id"]
    assert data["number"].startswith("LT-") and data["handler_id"] == org.sales1.pk
    assert data["customer_name"] == customer.name and data["attachment_name"] == "函.pdf"
    assert data["attachment_url"] == f"/api/v1/letters/{lid}/attachment"
    assert data["actions"] == ["edit", "done"]
    api = bearer(org.sales1)
    # download
    download = api.get(f"/letters/{lid}/attachment")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF 1"
    # patch (JSON): fields left out stay; null clears the customer
    patched = api.patch(f"/letters/{lid}", {"subject": "更正", "customer": None})
    assert patched.status_code == 200, patched.content
    assert patched.json()["subject"] == "更正" and patched.json()["customer_id"] is None
    assert patched.json()["counterpart"] == "上海华强机械有限公司"
    # done, then read-only, reopen
    assert_error(api.post(f"/letters/{lid}/done", {"outcome": ""}), 400, "invalid", {"outcome"})
    assert api.post(f"/letters/{lid}/done", {"outcome": "已回函"}).json()["status"] == "done"
    assert_error(api.patch(f"/letters/{lid}", {"subject": "x"}), 409, "read_only")
    assert_error(api.post(f"/letters/{lid}/done", {"outcome": "again"}), 409, "invalid_transition")
    assert api.post(f"/letters/{lid}/reopen").json()["status"] == "open"
    assert_error(api.post(f"/letters/{lid}/reopen"), 409, "invalid_transition")


def test_create_without_attachment_and_list(org, today):
    created = Multipart(org.sales1).post("/letters", _form(today, direction="out", kind="email"))
    assert created.status_code == 201, created.content
    assert created.json()["attachment_url"] is None
    listed = bearer(org.sales1).get("/letters", {"direction": "out"}).json()
    assert [x["id"] for x in listed["items"]] == [created.json()["id"]]
    assert_error(bearer(org.sales1).get(f"/letters/{created.json()['id']}/attachment"), 404, "not_found")


@pytest.mark.parametrize(
    "upload",
    [
        pytest.param(SimpleUploadedFile("x.exe", b"MZ"), id="exe"),
        pytest.param(SimpleUploadedFile("x.svg", b"<svg/>"), id="svg"),
        pytest.param(SimpleUploadedFile("big.pdf", b"x" * (10 * 1024 * 1024 + 1)), id="over-10-MB"),
    ],
)
def test_bad_attachment_answers_400_naming_attachment(org, today, upload):
    response = Multipart(org.sales1).post("/letters", _form(today, attachment=upload))
    assert_error(response, 400, "invalid", {"attachment"})
    assert not Letter.objects.exists()


def test_replace_attachment(org, today):
    lid = Multipart(org.sales1).post("/letters", _form(today)).json()["id"]
    replaced = Multipart(org.sales1).post(
        f"/letters/{lid}/attachment", {"attachment": SimpleUploadedFile("b.png", b"PNG")}
    )
    assert replaced.status_code == 200 and replaced.json()["attachment_name"] == "b.png"
    bad = Multipart(org.sales1).post(
        f"/letters/{lid}/attachment", {"attachment": SimpleUploadedFile("b.js", b"x")}
    )
    assert_error(bad, 400, "invalid", {"attachment"})


@pytest.mark.parametrize(
    "fields, status, field",
    [
        ({"follow_up_on": "2000-01-01"}, 400, "follow_up_on"),
        ({"subject": " "}, 400, "subject"),
        ({"handler": 999999}, 400, "handler"),
        ({"status": "done"}, 422, "status"),
        ({"direction": "sideways"}, 422, "direction"),
    ],
)
def test_create_with_bad_input_names_the_field(org, today, fields, status, field):
    response = Multipart(org.sales1).post("/letters", _form(today, **fields))
    assert_error(response, status, "invalid" if status == 400 else "validation_error", {field})
    assert not Letter.objects.exists()


def test_scope_and_read_only_auditor(org, today):
    mine = (
        Multipart(org.sales1)
        .post("/letters", _form(today, attachment=SimpleUploadedFile("a.pdf", b"A")))
        .json()["id"]
    )
    theirs = (
        Multipart(org.sales3)
        .post("/letters", _form(today, attachment=SimpleUploadedFile("b.pdf", b"B")))
        .json()["id"]
    )
    sales1 = bearer(org.sales1)
    assert {x["id"] for x in sales1.get("/letters").json()["items"]} == {mine}
    assert {x["id"] for x in bearer(org.manager1).get("/letters").json()["items"]} == {mine}
    for call in (
        lambda: sales1.get(f"/letters/{theirs}"),
        lambda: sales1.get(f"/letters/{theirs}/attachment"),
        lambda: sales1.patch(f"/letters/{theirs}", {"subject": "x"}),
        lambda: sales1.post(f"/letters/{theirs}/done", {"outcome": "x"}),
    ):
        assert_error(call(), 404, "not_found")
    auditor = bearer(org.auditor)
    assert {x["id"] for x in auditor.get("/letters").json()["items"]} == {mine, theirs}
    assert auditor.get(f"/letters/{theirs}/attachment").status_code == 200
    assert_error(Multipart(org.auditor).post("/letters", _form(today)), 403, "permission_denied")
    assert_error(auditor.patch(f"/letters/{mine}", {"subject": "x"}), 403, "permission_denied")
    assert_error(auditor.post(f"/letters/{mine}/done", {"outcome": "x"}), 403, "permission_denied")
    assert Letter.objects.get(pk=mine).subject == "关于价格调整的函"


def test_list_query_budget(org, today, django_assert_max_num_queries):
    for _ in range(10):
        Multipart(org.sales1).post("/letters", _form(today))
    api = bearer(org.manager1)
    api.get("/letters")
    with django_assert_max_num_queries(10):
        response = api.get("/letters")
    assert response.json()["count"] == 10
