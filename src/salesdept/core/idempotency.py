"""Idempotency-Key for API writes (I9): a request sent with the header takes effect once.

A client that may retry a write (a timeout, a dropped connection) sends a key it chose, for
instance a UUID, in an `Idempotency-Key` header. For POST, PUT, PATCH and DELETE under /api/:

- the first request with a key claims it (a row per user and key, committed before the request
  runs), runs, and the answer (status and body) is stored;
- a retry with the same key and the same request (method, path, body) gets the stored answer
  again, with the header `Idempotent-Replayed: true`, and nothing runs a second time;
- the same key with a different request is refused: 409 `idempotency_key_reused`;
- a retry while the first request still runs is refused: 409 `idempotency_in_progress`;
- a 5xx answer is not kept: the claim is released so that a retry runs again;
- an answer marked `Cache-Control: no-store` (it holds a secret shown once, such as a new API
  token's key) is not written down: a retry gets 409 `idempotency_not_replayable` instead.

Keys belong to the signed-in user (session or Bearer token); requests without a user pass
through untouched, and the API answers them 401 itself. Keys are remembered for
settings.SALESDEPT["IDEMPOTENCY_TTL_HOURS"]. The mechanism knows nothing about the endpoints, so
every later write endpoint gets it for free.
"""

import functools
import hashlib
import json
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from .models import IdempotencyRecord
from .schemas import error_body

__all__ = ["IdempotencyMiddleware", "fingerprint", "idempotency_purge"]

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = IdempotencyRecord._meta.get_field("key").max_length
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PATH_PREFIX = "/api/"
# A claim whose request never finished (the worker died) stops blocking its key after this long;
# no request runs that long, since the WSGI server times out well before.
ABANDONED_AFTER = timedelta(minutes=10)
JSON = "application/json; charset=utf-8"


def fingerprint(request) -> str:
    """sha256 of method, path (with query string) and body; each part length-prefixed."""
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.get_full_path().encode(), request.body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _ttl() -> timedelta:
    return timedelta(hours=settings.SALESDEPT["IDEMPOTENCY_TTL_HOURS"])


def idempotency_purge(*, now=None) -> int:
    """Forget keys older than the TTL; returns how many were removed."""
    now = now or timezone.now()
    deleted, _detail = IdempotencyRecord.objects.filter(created_at__lt=now - _ttl()).delete()
    return deleted


@functools.cache
def _token_user_resolver():
    # core sits below accounts, so the token lookup is named in settings rather than imported.
    path = settings.SALESDEPT.get("TOKEN_AUTHENTICATE")
    return import_string(path) if path else None


def _user(request):
    """The user the API will act for: the Bearer token's, else the session's; or None."""
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        resolve = _token_user_resolver()
        token = token.strip()
        return resolve(token) if resolve and token else None
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _refusal(status: int, code: str, message, fields: dict | None = None) -> JsonResponse:
    return JsonResponse(
        error_body(code, message, fields),
        status=status,
        content_type=JSON,
        json_dumps_params={"ensure_ascii": False},
    )


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(record.response_body, status=record.status_code, content_type=JSON)
    response[REPLAYED_HEADER] = "true"
    return response


def _claim(user, key: str, fp: str) -> tuple[IdempotencyRecord | None, HttpResponse | None]:
    """Claim `key` for this request, or return the answer a repeated key gets instead."""
    for _attempt in range(3):
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(user=user, key=key, fingerprint=fp), None
        except IntegrityError:
            pass  # the key is taken: look at the request that took it
        earlier = IdempotencyRecord.objects.filter(user=user, key=key).first()
        if earlier is None:
            continue  # released meanwhile (its request failed): claim it again
        now = timezone.now()
        expired = earlier.created_at < now - _ttl()
        abandoned = earlier.status_code is None and earlier.created_at < now - ABANDONED_AFTER
        if expired or abandoned:
            IdempotencyRecord.objects.filter(pk=earlier.pk, created_at=earlier.created_at).delete()
            continue
        if earlier.fingerprint != fp:
            return None, _refusal(
                409,
                "idempotency_key_reused",
                _("This Idempotency-Key was already used for a different request. Use a new key."),
            )
        if earlier.status_code is None:
            break
        return None, _replay(earlier)
    return None, _refusal(
        409,
        "idempotency_in_progress",
        _("A request with this Idempotency-Key is still being processed. Try again shortly."),
    )


def _keep(record: IdempotencyRecord, response) -> None:
    """Store the answer for retries, or release the key when the answer must not be replayed."""
    storable = (
        response.status_code < 500
        and not response.streaming
        and (response.status_code == 204 or response.get("Content-Type", "").startswith("application/json"))
    )
    body = None
    if storable:
        try:
            body = response.content.decode(response.charset or "utf-8")
        except UnicodeDecodeError:
            body = None
    if body is None:
        IdempotencyRecord.objects.filter(pk=record.pk).delete()
        return
    status = response.status_code
    if "no-store" in response.get("Cache-Control", ""):
        # The answer holds a secret shown once (a new API token's key): it is not written to the
        # database in clear. A retry learns that the request took effect, not the secret.
        message = _("The request with this Idempotency-Key took effect; its answer is shown only once.")
        status = 409
        body = json.dumps(error_body("idempotency_not_replayable", message), ensure_ascii=False)
    IdempotencyRecord.objects.filter(pk=record.pk).update(status_code=status, response_body=body)


class IdempotencyMiddleware:
    """I9 for every API write; place it after AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.headers.get(HEADER)
        if (
            key is None
            or request.method not in WRITE_METHODS
            or not request.path_info.startswith(PATH_PREFIX)
        ):
            return self.get_response(request)
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            message = _("Send an Idempotency-Key of 1 to %(max)s characters.") % {"max": MAX_KEY_LENGTH}
            return _refusal(400, "invalid_idempotency_key", message, {HEADER: message})
        user = _user(request)
        if user is None:
            return self.get_response(request)
        try:
            fp = fingerprint(request)
        except RequestDataTooBig:
            return _refusal(413, "request_too_large", _("The request is too large."))
        record, answer = _claim(user, key, fp)
        if answer is not None:
            return answer
        try:
            response = self.get_response(request)
        except BaseException:
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
            raise
        _keep(record, response)
        return response
