"""Small helpers for the API tests: clients signed in by token or session, and the error body check."""

import json

from django.test import Client

from salesdept.accounts import services as account_services

API = "/api/v1"


class ApiClient:
    """A Django test client that talks JSON to /api/v1 (full middleware stack, real URLs)."""

    def __init__(self, client: Client | None = None, **headers):
        self.client = client or Client()
        self.headers = headers

    def _send(self, method: str, path: str, body=None, headers=None, **kwargs):
        call = getattr(self.client, method)
        all_headers = {**self.headers, **(headers or {})}
        if method in ("get", "head"):
            return call(API + path, body or {}, headers=all_headers, **kwargs)
        data = body if isinstance(body, str | bytes) else json.dumps(body if body is not None else {})
        return call(API + path, data, content_type="application/json", headers=all_headers, **kwargs)

    def get(self, path, query=None, **kw):
        return self._send("get", path, query, **kw)

    def post(self, path, body=None, **kw):
        return self._send("post", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self._send("patch", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self._send("put", path, body, **kw)

    def delete(self, path, **kw):
        return self._send("delete", path, None, **kw)


def bearer(user, **client_kwargs) -> ApiClient:
    """A client authenticated with a fresh personal API token of `user`."""
    _token, key = account_services.token_create(by=user, name="test")
    return ApiClient(Client(**client_kwargs), Authorization=f"Bearer {key}")


def session(user, **client_kwargs) -> ApiClient:
    """A client signed in through the session (as the browser is)."""
    client = Client(**client_kwargs)
    client.force_login(user)
    return ApiClient(client)


def assert_error(response, status: int, code: str, fields: set[str] | None = None) -> dict:
    """The one error body: {"error": {"code", "message", "fields"}} with the expected status and code."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert {"code", "message", "fields"} <= set(error), error
    assert error["code"] == code, error
    assert isinstance(error["message"], str) and error["message"], error
    assert isinstance(error["fields"], dict), error
    if fields is not None:
        assert fields <= set(error["fields"]), error["fields"]
        assert all(isinstance(m, str) and m for m in error["fields"].values()), error["fields"]
    return error
