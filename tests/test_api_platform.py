"""The API's platform rules (X6): authentication, CSRF, one error body for every 4xx, the
OpenAPI document and its offline docs page, sign-in tokens throttled like the login page, and
Decimal amounts that refuse NaN and Infinity."""

import json
import re
from decimal import Decimal

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from ninja import NinjaAPI
from ninja.testing import TestClient

from salesdept.accounts import services as account_services
from salesdept.api import install_error_handlers
from salesdept.core.schemas import Money, Quantity, StrictIn
from salesdept.demo.org import PASSWORD
from tests.api_helpers import API, ApiClient, assert_error, bearer, session

# --- 401: no or bad credentials ----------------------------------------------------------------


def test_no_credentials_is_401_with_error_body(org):
    response = ApiClient().get("/me")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_anonymous_write_is_401_not_a_csrf_refusal(org):
    # given a client that enforces CSRF like a browser, but with no session at all
    client = ApiClient(Client(enforce_csrf_checks=True))
    # when it writes, then it learns that it must sign in
    assert_error(client.post("/tokens", {"name": "x"}), 401, "not_authenticated")


def test_unknown_bearer_token_is_401(org):
    client = ApiClient(Authorization="Bearer sd_not-a-real-token")
    assert_error(client.get("/me"), 401, "invalid_token")


def test_revoked_token_is_401(org):
    token, key = account_services.token_create(by=org.sales1, name="laptop")
    client = ApiClient(Authorization=f"Bearer {key}")
    assert client.get("/me").status_code == 200
    account_services.token_revoke(by=org.sales1, token_id=token.pk)
    assert_error(client.get("/me"), 401, "invalid_token")


def test_token_of_deactivated_user_is_401(org):
    client = bearer(org.sales1)
    org.sales1.is_active = False
    org.sales1.save(update_fields=["is_active"])
    assert_error(client.get("/me"), 401, "invalid_token")


def test_bad_token_does_not_fall_back_to_the_session(org):
    # given a signed-in browser that also sends a revoked token
    client = session(org.sales1)
    token, key = account_services.token_create(by=org.sales1, name="old")
    account_services.token_revoke(by=org.sales1, token_id=token.pk)
    # then the explicit token decides
    assert_error(client.get("/me", headers={"Authorization": f"Bearer {key}"}), 401, "invalid_token")


def test_bearer_token_records_its_user_as_last_used(org):
    token, key = account_services.token_create(by=org.sales1, name="laptop")
    assert ApiClient(Authorization=f"Bearer {key}").get("/me").json()["username"] == "sales1"
    token.refresh_from_db()
    assert token.last_used_at is not None


# --- session auth and CSRF ---------------------------------------------------------------------


def _csrf_client(user) -> tuple[Client, str]:
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")  # a page with a form sets the CSRF cookie
    client.force_login(user)
    return client, client.cookies["csrftoken"].value


def test_session_read_needs_no_csrf_token(org):
    client, _token = _csrf_client(org.sales1)
    assert ApiClient(client).get("/me").json()["username"] == "sales1"


def test_session_write_without_csrf_token_is_refused(org):
    client, _token = _csrf_client(org.sales1)
    assert_error(ApiClient(client).post("/tokens", {"name": "laptop"}), 403, "csrf_failed")
    assert not org.sales1.api_tokens.exists()


def test_session_write_with_csrf_token_is_accepted(org):
    client, token = _csrf_client(org.sales1)
    response = ApiClient(client).post("/tokens", {"name": "laptop"}, headers={"X-CSRFToken": token})
    assert response.status_code == 201, response.content
    assert org.sales1.api_tokens.count() == 1


def test_bearer_write_needs_no_csrf_token(org):
    client = bearer(org.sales1, enforce_csrf_checks=True)
    assert client.post("/tokens", {"name": "script"}).status_code == 201


# --- one error body for every 4xx --------------------------------------------------------------


@pytest.mark.parametrize("path", ["/nothing-here", "/users/1/nothing", "/", "/v2/users"])
def test_unknown_url_under_the_api_is_json_404(org, path):
    assert_error(bearer(org.sales1).get(path), 404, "not_found")


def test_unknown_url_is_404_even_for_writes_and_anonymous_clients(db):
    assert_error(ApiClient().post("/nothing-here", {"a": 1}), 404, "not_found")


def test_method_the_path_lacks_is_json_405(org):
    response = bearer(org.sales1).put("/me", {"language": "en"})
    assert_error(response, 405, "method_not_allowed")
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "PATCH"}


@pytest.mark.parametrize("raw", ["{not json", b"\xff\xfe", "name=laptop"])
def test_body_that_is_not_json_is_400(org, raw):
    assert_error(bearer(org.sales1).post("/tokens", raw), 400, "bad_request")
    assert not org.sales1.api_tokens.filter(name="laptop").exists()


@pytest.mark.parametrize("raw", ["", "null", '"laptop"'])
def test_missing_body_is_422(org, raw):
    assert_error(bearer(org.sales1).post("/tokens", raw), 422, "validation_error", fields={"body"})


def test_body_that_is_not_an_object_is_422(org):
    assert_error(bearer(org.sales1).post("/tokens", [1, 2]), 422, "validation_error")


def test_unknown_field_is_refused_naming_it(org):
    response = bearer(org.sales1).post("/tokens", {"name": "x", "status": "approved", "owner": 3})
    assert_error(response, 422, "validation_error", fields={"status", "owner"})


def test_wrong_path_parameter_type_is_422_naming_it(org):
    assert_error(bearer(org.admin).get("/users/abc"), 422, "validation_error", fields={"user_id"})


@pytest.mark.parametrize("idempotency_key", [None, "k-1"])
def test_oversized_body_is_413(org, settings, idempotency_key):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
    response = bearer(org.sales1).post("/tokens", {"name": "x" * 2000}, headers=headers)
    assert_error(response, 413, "request_too_large")
    assert not org.sales1.api_tokens.filter(name__startswith="xx").exists()


def test_a_token_user_gets_answers_in_their_language(org):
    org.sales1.language = "zh-hans"
    org.sales1.save(update_fields=["language"])
    assert bearer(org.sales1).get("/users/999999")["Content-Language"] == "zh-hans"
    assert bearer(org.sales2).get("/users/999999")["Content-Language"] == "en"


def test_django_page_404_outside_the_api_stays_html(db):
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert "text/html" in response["Content-Type"]


# --- sign-in tokens, throttled by django-axes like the login page -----------------------------


def _sign_in(client: ApiClient, username="sales1", password=PASSWORD):
    return client.post("/auth/token", {"username": username, "password": password})


def test_sign_in_returns_a_working_token(org):
    response = _sign_in(ApiClient())
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    key = response.json()["token"]
    assert ApiClient(Authorization=f"Bearer {key}").get("/me").json()["username"] == "sales1"


def test_sign_in_with_wrong_password_is_401(org):
    assert_error(_sign_in(ApiClient(), password="wrong-password"), 401, "invalid_credentials")


def test_sign_in_without_password_is_422(org):
    response = ApiClient().post("/auth/token", {"username": "sales1"})
    assert_error(response, 422, "validation_error", fields={"password"})


def test_sign_in_is_locked_out_after_repeated_failures(org, settings):
    client = ApiClient()
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert_error(_sign_in(client, password="wrong-password"), 401, "invalid_credentials")
    # the last allowed failure locks the username out from this address …
    assert_error(_sign_in(client, password="wrong-password"), 429, "locked_out")
    # … and then even the right password is refused, with the same JSON body (not axes' HTML page)
    locked = _sign_in(client)
    assert_error(locked, 429, "locked_out")
    assert locked["Retry-After"] == "3600"
    # the lockout is the login page's lockout: one rule for both doors
    page = Client().post("/accounts/login/", {"username": "sales1", "password": PASSWORD})
    assert page.status_code == 429
    # another person is not affected
    assert _sign_in(client, username="sales2").status_code == 200


def test_successful_sign_in_clears_earlier_failures(org, settings):
    client = ApiClient()
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        _sign_in(client, password="wrong-password")
    assert _sign_in(client).status_code == 200
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert_error(_sign_in(client, password="wrong-password"), 401, "invalid_credentials")


def test_failures_at_the_login_page_count_for_the_api_too(org, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        Client().post("/accounts/login/", {"username": "sales1", "password": "wrong-password"})
    assert_error(_sign_in(ApiClient()), 429, "locked_out")


# --- OpenAPI and the offline docs page ----------------------------------------------------------


def test_openapi_document_lists_the_platform_endpoints(db):
    response = Client().get(f"{API}/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in [
        "/api/v1/auth/token",
        "/api/v1/me",
        "/api/v1/users",
        "/api/v1/users/{user_id}",
        "/api/v1/regions",
        "/api/v1/teams",
        "/api/v1/tokens",
        "/api/v1/tokens/{token_id}",
        "/api/v1/reviews/waiting",
        "/api/v1/audit",
    ]:
        assert path in paths, path
    # lists document the paginated shape and the error body
    users = paths["/api/v1/users"]
    assert {"page", "page_size", "search"} <= {p["name"] for p in users["get"]["parameters"]}
    assert "422" in users["post"]["responses"]


def test_docs_page_uses_only_local_assets(db):
    response = Client().get(f"{API}/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert "/static/ninja/swagger-ui-bundle.js" in assets
    assert "/static/ninja/swagger-ui.css" in assets
    assert all(a.startswith("/static/") for a in assets), assets
    assert "cdn" not in html.lower()
    # and the files are really shipped, so the page works without the internet
    for asset in assets:
        assert finders.find(asset.removeprefix("/static/")), asset


# --- Decimal amounts ---------------------------------------------------------------------------


class PriceIn(StrictIn):
    price: Money
    quantity: Quantity


def _amounts_api() -> TestClient:
    test_api = NinjaAPI(urls_namespace="test-amounts")
    install_error_handlers(test_api)

    @test_api.post("/price", auth=None)
    def price(request, payload: PriceIn):
        assert isinstance(payload.price, Decimal) and isinstance(payload.quantity, Decimal)
        return {"price": str(payload.price), "quantity": str(payload.quantity)}

    return TestClient(test_api)


@pytest.mark.parametrize(
    "raw_price",
    ["NaN", "Infinity", "-Infinity", "1e999", '"NaN"', '"Infinity"', '"-Infinity"', '"1e999"', '"sNaN"'],
)
def test_money_refuses_nan_and_infinity_with_422(raw_price):
    response = _amounts_api().post("/price", data=f'{{"price": {raw_price}, "quantity": "1"}}')
    assert response.status_code == 422, response.content
    error = json.loads(response.content)["error"]
    assert error["code"] == "validation_error"
    assert set(error["fields"]) == {"price"}


@pytest.mark.parametrize("raw", ['"12.345"', '"123456789012345"', "true", '"abc"', "null"])
def test_money_refuses_more_precision_than_stored_and_non_numbers(raw):
    response = _amounts_api().post("/price", data=f'{{"price": {raw}, "quantity": "1"}}')
    assert response.status_code == 422, response.content
    assert set(json.loads(response.content)["error"]["fields"]) == {"price"}


def test_money_and_quantity_stay_exact_decimals():
    response = _amounts_api().post("/price", data='{"price": 0.1, "quantity": "2.125"}')
    assert response.status_code == 200, response.content
    assert json.loads(response.content) == {"price": "0.1", "quantity": "2.125"}
    assert PriceIn.model_fields["price"].annotation is Decimal
