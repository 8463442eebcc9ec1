"""I9: a request carrying an Idempotency-Key takes effect once. Real HTTP requests through the
full middleware stack; each test counts what was created."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connections
from django.test import Client
from django.utils import timezone

from salesdept.accounts import api as accounts_api
from salesdept.accounts import services as account_services
from salesdept.accounts.models import ApiToken, User
from salesdept.core.errors import DomainError
from salesdept.core.idempotency import idempotency_purge
from salesdept.core.models import IdempotencyRecord
from tests.api_helpers import ApiClient, assert_error, bearer, session

KEY = "3f7c9a52-0d5e-4d8e-9a51-6c2b1f0e8d11"
PEOPLE = 16


def _person(username="sales7", **more) -> dict:
    return {"username": username, "password": "a-Long-passphrase-7", "roles": ["salesperson"], **more}


def _create(client, body, key=KEY, **kw):
    return client.post("/users", body, headers={"Idempotency-Key": key}, **kw)


def test_retry_with_the_same_key_returns_the_first_answer_and_creates_once(org):
    client = bearer(org.admin)
    first = _create(client, _person())
    assert first.status_code == 201, first.content
    assert "Idempotent-Replayed" not in first
    second = _create(client, _person())
    assert second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert User.objects.filter(username="sales7").count() == 1
    assert User.objects.count() == PEOPLE + 1


def test_same_key_with_a_different_body_is_409_and_creates_nothing(org):
    client = bearer(org.admin)
    assert _create(client, _person()).status_code == 201
    assert_error(_create(client, _person("sales8")), 409, "idempotency_key_reused")
    assert not User.objects.filter(username="sales8").exists()


def test_same_key_on_another_path_is_409(org):
    client = bearer(org.admin)
    assert _create(client, _person()).status_code == 201
    response = client.post("/tokens", _person(), headers={"Idempotency-Key": KEY})
    assert_error(response, 409, "idempotency_key_reused")


def test_keys_belong_to_one_user(org):
    # given the admin used a key
    assert _create(bearer(org.admin), _person()).status_code == 201
    # when someone else happens to send the same key, then their request runs on its own
    response = bearer(org.sales1).post("/tokens", {"name": "mine"}, headers={"Idempotency-Key": KEY})
    assert response.status_code == 201
    assert org.sales1.api_tokens.filter(name="mine").count() == 1


def test_session_and_token_of_one_user_share_keys(org):
    assert _create(session(org.admin), _person()).status_code == 201
    replay = _create(bearer(org.admin), _person())
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"
    assert User.objects.filter(username="sales7").count() == 1


def test_without_a_key_every_request_runs(org):
    client = session(org.sales1)
    client.post("/tokens", {"name": "a"})
    client.post("/tokens", {"name": "a"})
    assert org.sales1.api_tokens.count() == 2


def test_refusals_are_replayed_too(org):
    client = bearer(org.admin)
    bad = _person(team_id=999999)
    first = _create(client, bad)
    assert_error(first, 400, "invalid", fields={"team_id"})
    second = _create(client, bad)
    assert second.status_code == 400 and second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"


def test_a_duplicate_while_the_first_still_runs_is_409_in_progress(org, monkeypatch):
    # given the first request is still running when its duplicate arrives
    client = bearer(org.admin)
    real_create = accounts_api.services.user_create
    duplicate = {}

    def slow_create(**kwargs):
        duplicate["response"] = _create(client, _person())
        return real_create(**kwargs)

    monkeypatch.setattr(accounts_api.services, "user_create", slow_create)
    first = _create(client, _person())
    # then the duplicate was refused, and the first one created the user once
    assert_error(duplicate["response"], 409, "idempotency_in_progress")
    assert first.status_code == 201
    assert User.objects.filter(username="sales7").count() == 1
    # and once the first has finished, a retry gets its answer
    monkeypatch.setattr(accounts_api.services, "user_create", real_create)
    assert _create(client, _person()).json() == first.json()


def test_a_5xx_answer_is_not_kept_so_a_retry_runs(org, monkeypatch):
    client = bearer(org.admin, raise_request_exception=False)

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(accounts_api.services, "user_create", broken)
    assert _create(client, _person()).status_code == 500
    assert not IdempotencyRecord.objects.exists()
    monkeypatch.undo()
    retry = _create(client, _person())
    assert retry.status_code == 201 and "Idempotent-Replayed" not in retry
    assert User.objects.filter(username="sales7").count() == 1


def test_a_json_5xx_answer_is_not_kept_either(org, monkeypatch):
    client = bearer(org.admin)

    def unavailable(**kwargs):
        raise DomainError("unavailable", "Try again later.", status=503)

    monkeypatch.setattr(accounts_api.services, "user_create", unavailable)
    response = _create(client, _person())
    assert response.status_code == 503 and response["Content-Type"].startswith("application/json")
    assert not IdempotencyRecord.objects.exists()
    monkeypatch.undo()
    assert _create(client, _person()).status_code == 201


def test_a_new_tokens_key_is_never_stored_nor_replayed(org):
    client = session(org.sales1)
    first = client.post("/tokens", {"name": "laptop"}, headers={"Idempotency-Key": KEY})
    assert first.status_code == 201
    key = first.json()["key"]
    assert key not in IdempotencyRecord.objects.get(user=org.sales1).response_body
    again = client.post("/tokens", {"name": "laptop"}, headers={"Idempotency-Key": KEY})
    assert_error(again, 409, "idempotency_not_replayable")
    assert key not in again.content.decode()
    assert org.sales1.api_tokens.count() == 1


def test_delete_with_a_key_is_replayed(org):
    client = session(org.sales1)
    token_id = client.post("/tokens", {"name": "laptop"}).json()["id"]
    for _attempt in range(2):
        response = client.delete(f"/tokens/{token_id}", headers={"Idempotency-Key": KEY})
        assert response.status_code == 204
    assert response["Idempotent-Replayed"] == "true"
    assert ApiToken.objects.get(pk=token_id).revoked_at is not None


@pytest.mark.parametrize("key", ["", "   ", "k" * 201])
def test_a_bad_key_is_refused_and_nothing_runs(org, key):
    response = _create(bearer(org.admin), _person(), key=key)
    error = assert_error(response, 400, "invalid_idempotency_key")
    assert "Idempotency-Key" in error["fields"]
    assert not User.objects.filter(username="sales7").exists()


def test_a_key_of_the_maximum_length_is_accepted(org):
    assert _create(bearer(org.admin), _person(), key="k" * 200).status_code == 201


def test_reads_ignore_the_key(org):
    client = bearer(org.admin)
    assert client.get("/users", headers={"Idempotency-Key": KEY}).status_code == 200
    assert not IdempotencyRecord.objects.exists()


def test_anonymous_requests_keep_no_key(db):
    response = ApiClient().post("/tokens", {"name": "x"}, headers={"Idempotency-Key": KEY})
    assert_error(response, 401, "not_authenticated")
    assert not IdempotencyRecord.objects.exists()


def test_an_expired_key_can_be_used_again(org, settings):
    client = bearer(org.admin)
    assert _create(client, _person()).status_code == 201
    old = timezone.now() - timedelta(hours=settings.SALESDEPT["IDEMPOTENCY_TTL_HOURS"], minutes=1)
    IdempotencyRecord.objects.update(created_at=old)
    response = _create(client, _person("sales8"))
    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert User.objects.filter(username="sales8").count() == 1


def test_an_abandoned_claim_stops_blocking_its_key(org):
    # given a request that claimed the key and died without an answer, long ago
    client = bearer(org.admin)
    IdempotencyRecord.objects.create(user=org.admin, key=KEY, fingerprint="0" * 64)
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=1))
    assert _create(client, _person()).status_code == 201


def test_purge_forgets_old_keys_only(org, settings):
    IdempotencyRecord.objects.create(
        user=org.admin, key="old", fingerprint="0" * 64, status_code=201, response_body="{}"
    )
    IdempotencyRecord.objects.create(
        user=org.admin, key="new", fingerprint="0" * 64, status_code=201, response_body="{}"
    )
    old = timezone.now() - timedelta(hours=settings.SALESDEPT["IDEMPOTENCY_TTL_HOURS"] + 1)
    IdempotencyRecord.objects.filter(key="old").update(created_at=old)
    assert idempotency_purge() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


def test_csrf_refusal_is_answered_before_anything_runs(org):
    # a browser session without the CSRF token gets 403, and its key created nothing
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.admin)
    response = _create(ApiClient(client), _person())
    assert_error(response, 403, "csrf_failed")
    assert not User.objects.filter(username="sales7").exists()


@pytest.mark.django_db(transaction=True)
def test_parallel_duplicates_on_real_connections_take_effect_once(org, monkeypatch):
    # given a write that takes a moment, and six clients sending it at the same instant with one key
    real_create = accounts_api.services.user_create

    def slow_create(**kwargs):
        time.sleep(0.3)
        return real_create(**kwargs)

    monkeypatch.setattr(accounts_api.services, "user_create", slow_create)
    _token, key = account_services.token_create(by=org.admin, name="parallel")
    threads, barrier, answers = 6, threading.Barrier(6), []

    def send():
        try:
            barrier.wait(timeout=30)
            client = ApiClient(Authorization=f"Bearer {key}")
            answers.append(_create(client, _person()))
        finally:
            connections.close_all()

    workers = [threading.Thread(target=send) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
    # then exactly one ran; the others were told it is in progress, or got its answer
    assert len(answers) == threads
    ran = [a for a in answers if a.status_code == 201 and "Idempotent-Replayed" not in a]
    assert len(ran) == 1
    for other in answers:
        if other is ran[0]:
            continue
        if other.status_code == 409:
            assert other.json()["error"]["code"] == "idempotency_in_progress"
        else:
            assert other.status_code == 201 and other["Idempotent-Replayed"] == "true"
    assert User.objects.filter(username="sales7").count() == 1
