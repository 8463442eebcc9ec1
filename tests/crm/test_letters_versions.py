"""Optimistic locking of the correspondence register (C5): an edit, done or reopen carries the
version the user loaded; a stale one answers 409 stale_version and changes nothing, every
successful change increments the version — in the services, the API and the pages."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from salesdept.accounts import services as account_services
from salesdept.core.errors import DomainError
from salesdept.crm.models import Letter
from salesdept.crm.services import letters as services
from tests.api_helpers import API, assert_error, bearer

DAY = datetime.timedelta(days=1)
CONFLICT = "Someone else changed this record meanwhile. Reload it and try again."
CONFLICT_ZH = "在此期间其他人修改了这条记录。请刷新后重试。"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def letter(org, today):
    """An open incoming letter handled by sales1 (version 1)."""
    return services.letter_create(
        by=org.sales1, direction="in", kind="letter", date=today, counterpart="华强机械", subject="询价函"
    )


def _snapshot(letter_id: int) -> tuple:
    x = Letter.objects.get(pk=letter_id)
    return (x.version, x.status, x.subject, x.kind, x.outcome, x.done_at, x.attachment.name)


# --- services --------------------------------------------------------------------------------


def test_each_change_increments_the_version(org, letter):
    assert letter.version == 1
    assert (
        services.letter_update(
            by=org.sales1, letter_id=letter.pk, version=1, subject="询价函（更正）"
        ).version
        == 2
    )
    assert services.letter_done(by=org.sales1, letter_id=letter.pk, outcome="已回复", version=2).version == 3
    assert services.letter_reopen(by=org.sales1, letter_id=letter.pk, version=3).version == 4
    # without a version nothing is checked, but the change still counts
    services.letter_update(by=org.sales1, letter_id=letter.pk, kind="fax")
    assert Letter.objects.get(pk=letter.pk).version == 5


def test_replacing_the_attachment_increments_the_version_once(org, letter):
    services.letter_update(
        by=org.sales1, letter_id=letter.pk, version=1, attachment=SimpleUploadedFile("a.pdf", b"%PDF 1")
    )
    assert Letter.objects.get(pk=letter.pk).version == 2


@pytest.mark.parametrize(
    "action, kwargs, done_first",
    [
        ("update", {"subject": "改了"}, False),
        ("update", {"attachment": "file"}, False),
        ("done", {"outcome": "已回复"}, False),
        ("reopen", {}, True),
    ],
)
def test_stale_version_is_refused_with_409_and_changes_nothing(org, letter, action, kwargs, done_first):
    # given someone changed the letter after the user loaded version 1
    services.letter_update(by=org.sales1, letter_id=letter.pk, reference="REF-1")
    if done_first:
        services.letter_done(by=org.sales1, letter_id=letter.pk, outcome="先回复")
    if kwargs.get("attachment") == "file":
        kwargs = {"attachment": SimpleUploadedFile("b.pdf", b"%PDF 2")}
    before = _snapshot(letter.pk)
    # when the user saves with the version they loaded
    with pytest.raises(DomainError) as refused:
        getattr(services, f"letter_{action}")(by=org.sales1, letter_id=letter.pk, version=1, **kwargs)
    # then it is refused as stale, naming the current version, and nothing changed
    assert refused.value.code == "stale_version" and refused.value.status == 409
    assert refused.value.extra == {"current_version": before[0]}
    assert _snapshot(letter.pk) == before


# --- API -------------------------------------------------------------------------------------


def test_api_exposes_the_version_and_refuses_stale_changes_with_409(org, letter):
    api = bearer(org.sales1)
    assert api.get(f"/letters/{letter.pk}").json()["version"] == 1
    assert [row["version"] for row in api.get("/letters").json()["items"]] == [1]
    # a patch with the loaded version goes through and answers the next one
    patched = api.patch(f"/letters/{letter.pk}", {"subject": "询价函（更正）", "version": 1})
    assert patched.status_code == 200, patched.content
    assert patched.json()["version"] == 2
    before = _snapshot(letter.pk)
    # the old version is stale everywhere: 409 naming the current version, nothing written
    for method, path, body in [
        ("patch", "", {"subject": "又改了"}),
        ("post", "/done", {"outcome": "已回复"}),
    ]:
        response = getattr(api, method)(f"/letters/{letter.pk}{path}", {**body, "version": 1})
        assert assert_error(response, 409, "stale_version")["extra"] == {"current_version": 2}
    assert _snapshot(letter.pk) == before
    # done and reopen with the current versions go through
    assert api.post(f"/letters/{letter.pk}/done", {"outcome": "已回复", "version": 2}).json()["version"] == 3
    assert_error(api.post(f"/letters/{letter.pk}/reopen", {"version": 2}), 409, "stale_version")
    assert api.post(f"/letters/{letter.pk}/reopen", {"version": 3}).json()["version"] == 4
    # reopen still works without a body, and a null version in a patch is not checked
    assert api.post(f"/letters/{letter.pk}/done", {"outcome": "ok"}).status_code == 200
    assert api.post(f"/letters/{letter.pk}/reopen").json()["version"] == 6
    assert api.patch(f"/letters/{letter.pk}", {"kind": "fax", "version": None}).json()["version"] == 7


def test_api_attachment_replacement_checks_the_version(org, letter):
    _token, key = account_services.token_create(by=org.sales1, name="test")
    client, headers = Client(), {"Authorization": f"Bearer {key}"}
    url = f"{API}/letters/{letter.pk}/attachment"
    stale = client.post(
        url, {"attachment": SimpleUploadedFile("a.pdf", b"%PDF 1"), "version": "7"}, headers=headers
    )
    assert_error(stale, 409, "stale_version")
    assert _snapshot(letter.pk)[0] == 1 and not Letter.objects.get(pk=letter.pk).attachment
    fresh = client.post(
        url, {"attachment": SimpleUploadedFile("a.pdf", b"%PDF 1"), "version": "1"}, headers=headers
    )
    assert fresh.status_code == 200, fresh.content
    assert fresh.json()["version"] == 2 and fresh.json()["attachment_name"] == "a.pdf"


# --- pages -----------------------------------------------------------------------------------


def _edit_form(today, **fields):
    return {
        "direction": "in",
        "kind": "email",
        "date": today.isoformat(),
        "counterpart": "华强机械",
        "subject": "询价函（更正）",
        **fields,
    }


def _hidden_version(html: str) -> list[str]:
    return re.findall(r'<input type="hidden" name="version" value="(\d+)"', html)


def test_pages_carry_the_loaded_version(client, org, letter):
    client.force_login(org.sales1)
    assert _hidden_version(client.get(f"/crm/letters/{letter.pk}/edit/").content.decode()) == ["1"]
    assert _hidden_version(client.get(f"/crm/letters/{letter.pk}/").content.decode()) == ["1"]
    services.letter_done(by=org.sales1, letter_id=letter.pk, outcome="已回复")
    # the reopen form of a done letter carries the new version
    assert _hidden_version(client.get(f"/crm/letters/{letter.pk}/").content.decode()) == ["2"]


def test_stale_edit_on_the_page_is_409_with_the_message_and_changes_nothing(client, org, letter, today):
    # given sales1 opened the edit page at version 1, then someone else changed the letter
    services.letter_update(by=org.sales1, letter_id=letter.pk, reference="REF-1")
    before = _snapshot(letter.pk)
    client.force_login(org.sales1)
    # when the stale form is saved
    response = client.post(
        f"/crm/letters/{letter.pk}/edit/", _edit_form(today, handler=org.sales1.pk, version="1")
    )
    # then the form comes back with 409 and the conflict message, and nothing changed
    assert response.status_code == 409
    assert CONFLICT in response.content.decode()
    assert _snapshot(letter.pk) == before
    # with the current version the same save goes through
    response = client.post(
        f"/crm/letters/{letter.pk}/edit/", _edit_form(today, handler=org.sales1.pk, version="2")
    )
    assert response.status_code == 302
    assert _snapshot(letter.pk)[:4] == (3, "open", "询价函（更正）", "email")


def test_stale_done_and_reopen_on_the_page_are_409_with_the_message(client, org, letter):
    services.letter_update(by=org.sales1, letter_id=letter.pk, reference="REF-1")
    client.force_login(org.sales1)
    response = client.post(f"/crm/letters/{letter.pk}/done/", {"outcome": "已回复", "version": "1"})
    assert response.status_code == 409 and CONFLICT in response.content.decode()
    assert _snapshot(letter.pk)[:2] == (2, "open")
    # the page shown with the refusal carries the current version: its form now goes through
    assert _hidden_version(response.content.decode()) == ["2"]
    assert (
        client.post(f"/crm/letters/{letter.pk}/done/", {"outcome": "已回复", "version": "2"}).status_code
        == 302
    )
    response = client.post(f"/crm/letters/{letter.pk}/reopen/", {"version": "2"})
    assert response.status_code == 409 and CONFLICT in response.content.decode()
    assert _snapshot(letter.pk)[:2] == (3, "done")
    assert client.post(f"/crm/letters/{letter.pk}/reopen/", {"version": "3"}).status_code == 302
    assert _snapshot(letter.pk)[:2] == (4, "open")


def test_stale_edit_message_is_shown_in_chinese(client, org, letter, today):
    services.letter_update(by=org.sales1, letter_id=letter.pk, reference="REF-1")
    org.sales1.language = "zh-hans"
    org.sales1.save(update_fields=["language"])
    client.force_login(org.sales1)
    response = client.post(
        f"/crm/letters/{letter.pk}/edit/", _edit_form(today, handler=org.sales1.pk, version="1")
    )
    assert response.status_code == 409
    assert CONFLICT_ZH in response.content.decode()
