"""The REST API (X6): /api/v1/, OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs.

Every 4xx answers one body: {"error": {"code": …, "message": …, "fields": {…}}}, with a
translated message; that includes 401, CSRF failures, unknown URLs under /api/v1/ (404) and
methods a path does not offer (405). Authentication: a personal token
(`Authorization: Bearer sd_…`) or the browser's session, which must then carry the CSRF token.
Writes may carry an `Idempotency-Key` (core/idempotency.py)."""

from functools import wraps

from auditlog.context import auditlog_value
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.urls import re_path
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer
from ninja.security.apikey import APIKeyCookie
from ninja.utils import check_csrf

from salesdept.core.errors import DomainError
from salesdept.core.schemas import error_body

__all__ = ["api", "error_body", "install_error_handlers"]


def _json(body: dict, status: int) -> JsonResponse:
    return JsonResponse(
        body,
        status=status,
        content_type="application/json; charset=utf-8",
        json_dumps_params={"ensure_ascii": False},
    )


class InvalidToken(AuthenticationError):
    """A Bearer token was sent but is unknown, revoked or belongs to an inactive user."""


class CsrfFailed(Exception):
    """A session-authenticated write without a valid CSRF token."""


class ApiTokenAuth(HttpBearer):
    """Personal API tokens: `Authorization: Bearer sd_…`. No CSRF: a token is never sent by a
    browser on its own."""

    def authenticate(self, request, token: str):
        from salesdept.accounts.services import token_authenticate

        user = token_authenticate(token.strip())
        if user is None:
            # The client chose token auth: do not fall back to a session cookie it may also carry.
            raise InvalidToken()
        request.user = user
        if user.language:  # the session's UserLanguageMiddleware does this for the browser
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
        # AuditlogMiddleware saw an anonymous request; record the token's user as the actor.
        try:
            auditlog_value.get()["actor"] = user
        except LookupError:
            pass
        return user


class SessionAuth(APIKeyCookie):
    """The browser's Django session. Unsafe methods must carry the CSRF token (X-CSRFToken)."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request):
        # ninja checks CSRF before it knows whether there is a session; we check it only for a
        # signed-in user, so an anonymous client gets 401 rather than a CSRF refusal.
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise CsrfFailed()
        return user


class SalesdeptAPI(NinjaAPI):
    """NinjaAPI whose URLs answer in our error body even outside an operation: an unknown path
    under /api/v1/ (404), a method the path lacks (405), the bare root."""

    @property
    def urls(self):
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            pattern.callback = _json_errors(pattern.callback)
        unknown = _json_errors(_unknown_url)
        return [*patterns, re_path(r"^.*$", unknown, name="unknown")], app_name, namespace


def _unknown_url(request, *args, **kwargs):
    raise Http404


def _json_errors(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return _json(error_body("not_found", _("Not found.")), status=404)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            response = _json(
                error_body("method_not_allowed", _("This address does not accept that method.")), status=405
            )
            response["Allow"] = allowed
        return response

    wrapper.csrf_exempt = True  # ninja's views are CSRF-exempt; SessionAuth checks CSRF itself
    return wrapper


api = SalesdeptAPI(
    title="salesdept",
    version="1",
    description=(
        "salesdept REST API. Authenticate with `Authorization: Bearer <token>` (POST /api/v1/auth/token) "
        "or the browser session plus the CSRF token. Every 4xx answers "
        '{"error": {"code", "message", "fields"}}. Lists take ?page=&page_size= and answer '
        '{"items": [...], "count": N}. Writes accept an Idempotency-Key header.'
    ),
    auth=[ApiTokenAuth(), SessionAuth()],
    urls_namespace="api",
)


# pydantic error types → a translated sentence a person understands
PYDANTIC_MESSAGES = {
    "missing": lambda e: _("This field is required."),
    "extra_forbidden": lambda e: _("This field cannot be set here."),
    "string_too_long": lambda e: (
        _("Ensure this value has at most %(max)s characters.")
        % {"max": e.get("ctx", {}).get("max_length", "")}
    ),
    "string_too_short": lambda e: _("This field cannot be blank."),
    "string_pattern_mismatch": lambda e: _("Enter a valid value."),
    "too_long": lambda e: (
        _("Ensure this list has at most %(max)s items.") % {"max": e.get("ctx", {}).get("max_length", "")}
    ),
    "int_parsing": lambda e: _("Enter a whole number."),
    "int_type": lambda e: _("Enter a whole number."),
    "int_from_float": lambda e: _("Enter a whole number."),
    "decimal_parsing": lambda e: _("Enter a number."),
    "decimal_type": lambda e: _("Enter a number."),
    "decimal_max_digits": lambda e: (
        _("Ensure that there are no more than %(max)s digits in total.")
        % {"max": e.get("ctx", {}).get("max_digits", "")}
    ),
    "decimal_max_places": lambda e: (
        _("Ensure that there are no more than %(max)s decimal places.")
        % {"max": e.get("ctx", {}).get("decimal_places", "")}
    ),
    "decimal_whole_digits": lambda e: (
        _("Ensure that there are no more than %(max)s digits before the decimal point.")
        % {"max": e.get("ctx", {}).get("whole_digits", "")}
    ),
    "finite_number": lambda e: _("Enter a finite number."),
    "greater_than_equal": lambda e: (
        _("Ensure this value is greater than or equal to %(limit)s.")
        % {"limit": e.get("ctx", {}).get("ge", "")}
    ),
    "less_than_equal": lambda e: (
        _("Ensure this value is less than or equal to %(limit)s.") % {"limit": e.get("ctx", {}).get("le", "")}
    ),
    "bool_parsing": lambda e: _("Enter true or false."),
    "bool_type": lambda e: _("Enter true or false."),
    "date_from_datetime_parsing": lambda e: _("Enter a valid date."),
    "date_parsing": lambda e: _("Enter a valid date."),
    "date_type": lambda e: _("Enter a valid date."),
    "literal_error": lambda e: _("Select a valid choice."),
    "enum": lambda e: _("Select a valid choice."),
    "json_invalid": lambda e: _("The request body is not valid JSON."),
    "model_attributes_type": lambda e: _("The request body must be a JSON object."),
    "dict_type": lambda e: _("The request body must be a JSON object."),
    "list_type": lambda e: _("Enter a list."),
    "string_type": lambda e: _("Enter text."),
}

# ninja's names for where a value came from; the client knows the field by its own name
_LOCATION_PARTS = {
    "body",
    "query",
    "path",
    "header",
    "payload",
    "filters",
    "form",
    "file",
    "ninja_pagination",
}


def _field_name(loc) -> str:
    # ("body", "payload", "name") → "name"; ("query", "page") → "page"; ("file", "file") → "file"
    parts = [str(p) for p in loc if p not in _LOCATION_PARTS]
    if not parts and loc and loc[-1] == "file":
        return "file"  # a multipart upload named `file`
    return ".".join(parts) or "body"


def validation_error(request, exc: ValidationError):
    fields = {}
    for err in exc.errors:
        make = PYDANTIC_MESSAGES.get(err.get("type"))
        fields.setdefault(_field_name(err.get("loc", ())), make(err) if make else _("Enter a valid value."))
    return _json(
        error_body("validation_error", _("Please correct the fields named below."), fields), status=422
    )


def django_validation_error(request, exc: DjangoValidationError):
    fields = {}
    if hasattr(exc, "error_dict"):
        fields = {name: " ".join(str(m) for m in msgs) for name, msgs in exc.message_dict.items()}
    return _json(error_body("invalid", _("Please correct the fields named below."), fields), status=400)


def domain_error(request, exc: DomainError):
    return _json(error_body(exc.code, exc.message, exc.fields, exc.extra), status=exc.status)


def permission_denied(request, exc):
    return _json(error_body("permission_denied", _("You are not allowed to do this.")), status=403)


def not_found(request, exc):
    return _json(error_body("not_found", _("Not found.")), status=404)


def csrf_failed(request, exc):
    return _json(
        error_body("csrf_failed", _("The CSRF token is missing or wrong. Reload the page and try again.")),
        status=403,
    )


def unauthorized(request, exc: AuthenticationError):
    if isinstance(exc, InvalidToken):
        body = error_body("invalid_token", _("This API token is unknown or was revoked."))
    else:
        body = error_body("not_authenticated", _("Sign in or send a valid API token."))
    response = _json(body, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


# HttpError raised by ninja itself (bad JSON, throttling, …): a stable code and our own wording
HTTP_ERRORS = {
    400: ("bad_request", gettext_lazy("The request could not be read. Send a JSON object.")),
    403: ("permission_denied", gettext_lazy("You are not allowed to do this.")),
    404: ("not_found", gettext_lazy("Not found.")),
    405: ("method_not_allowed", gettext_lazy("This address does not accept that method.")),
    429: ("throttled", gettext_lazy("Too many requests. Try again later.")),
}


def too_large(request, exc):
    return _json(error_body("request_too_large", _("The request is too large.")), status=413)


def http_error(request, exc: HttpError):
    code, message = HTTP_ERRORS.get(exc.status_code, ("http_error", exc.message))
    return _json(error_body(code, message), status=exc.status_code)


def install_error_handlers(target: NinjaAPI) -> None:
    """Give `target` our error body for every refusal (also used by tests that build a small API)."""
    target.add_exception_handler(ValidationError, validation_error)
    target.add_exception_handler(DjangoValidationError, django_validation_error)
    target.add_exception_handler(DomainError, domain_error)
    target.add_exception_handler(PermissionDenied, permission_denied)
    target.add_exception_handler(Http404, not_found)
    target.add_exception_handler(ObjectDoesNotExist, not_found)
    target.add_exception_handler(CsrfFailed, csrf_failed)
    target.add_exception_handler(AuthenticationError, unauthorized)
    target.add_exception_handler(HttpError, http_error)
    target.add_exception_handler(RequestDataTooBig, too_large)


install_error_handlers(api)

api.add_router("/", "salesdept.accounts.api.router")
api.add_router("/", "salesdept.web.api.router")
api.add_router("/audit", "salesdept.audit.api.router")
# C1–C5: customers and relationships
api.add_router("/customers", "salesdept.crm.api.customers.router")
api.add_router("/leads", "salesdept.crm.api.leads.router")
api.add_router("/", "salesdept.crm.api.activities.router")  # /activities, /phone-calls, /reminders
api.add_router("/feedback", "salesdept.crm.api.feedback.router")
api.add_router("/letters", "salesdept.crm.api.letters.router")
api.add_router("/imports", "salesdept.crm.api.imports.router")
api.add_router("/search", "salesdept.crm.api.search.router")
api.add_router("/", "salesdept.catalog.api.products.router")  # /products, /categories, /price-lists
api.add_router("/", "salesdept.catalog.api.pricing.router")  # /price-approvals, /discount-authority
api.add_router("/inquiries", "salesdept.sales.api.inquiries.router")
api.add_router("/quotations", "salesdept.sales.api.quotations.router")
api.add_router("/contracts", "salesdept.sales.api.contracts.router")
api.add_router("/orders", "salesdept.sales.api.orders.router")
api.add_router("/fulfillment", "salesdept.sales.api.fulfillment.router")
# /warehouse/documents, /warehouse/warehouses, /warehouse/locations, /warehouse/stock-rules,
# /warehouse/sample-loans, /warehouse/received-samples
api.add_router("/warehouse", "salesdept.warehouse.api.documents.router")
api.add_router("/warehouse", "salesdept.warehouse.api.setup.router")
api.add_router("/warehouse", "salesdept.warehouse.api.samples.router")
api.add_router("/warehouse/stock", "salesdept.warehouse.api.stock.router")  # on hand, stock card
api.add_router("/warehouse/reconciliation", "salesdept.warehouse.api.reconciliation.router")
api.add_router("/warehouse/levels", "salesdept.warehouse.api.levels.router")
api.add_router("/warehouse/stocktakes", "salesdept.warehouse.api.stocktakes.router")
api.add_router("/shipments", "salesdept.shipping.api.shipments.router")
api.add_router("/returns", "salesdept.shipping.api.returns.router")
api.add_router("/invoices", "salesdept.billing.api.invoices.router")
api.add_router("/payments", "salesdept.billing.api.payments.router")
api.add_router("/receivables", "salesdept.billing.api.receivables.router")  # aging, collections
api.add_router("/ledger", "salesdept.ledger.api.ledgers.router")
api.add_router("/plans", "salesdept.planning.api.router")  # P1: sales plans and targets
api.add_router("/stats", "salesdept.stats.api.router")  # P2: sales statistics
api.add_router("/work-reports", "salesdept.workreports.api.router")  # P5: daily and weekly work reports
