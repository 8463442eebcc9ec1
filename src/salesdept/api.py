"""The REST API (X6): /api/v1/, OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs.

Every 4xx answers one body: {"error": {"code": …, "message": …, "fields": {…}}}."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, django_auth

from salesdept.core.errors import DomainError


class ApiTokenAuth(HttpBearer):
    """Personal API tokens: `Authorization: Bearer sd_…`."""

    def authenticate(self, request, token: str):
        from salesdept.accounts.services import token_authenticate

        user = token_authenticate(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="salesdept",
    version="1",
    description="salesdept REST API. Errors: {\"error\": {\"code\", \"message\", \"fields\"}}.",
    auth=[ApiTokenAuth(), django_auth],
    urls_namespace="api",
)


def error_body(code: str, message, fields: dict | None = None, extra: dict | None = None) -> dict:
    body = {"code": code, "message": str(message), "fields": {k: str(v) for k, v in (fields or {}).items()}}
    if extra:
        body["extra"] = extra
    return {"error": body}


# pydantic error types → a translated sentence a person understands
PYDANTIC_MESSAGES = {
    "missing": lambda e: _("This field is required."),
    "extra_forbidden": lambda e: _("This field cannot be set here."),
    "string_too_long": lambda e: _("Ensure this value has at most %(max)s characters.")
    % {"max": e.get("ctx", {}).get("max_length", "")},
    "string_too_short": lambda e: _("This field cannot be blank."),
    "int_parsing": lambda e: _("Enter a whole number."),
    "int_type": lambda e: _("Enter a whole number."),
    "decimal_parsing": lambda e: _("Enter a number."),
    "decimal_type": lambda e: _("Enter a number."),
    "finite_number": lambda e: _("Enter a finite number."),
    "greater_than_equal": lambda e: _("Ensure this value is greater than or equal to %(limit)s.")
    % {"limit": e.get("ctx", {}).get("ge", "")},
    "less_than_equal": lambda e: _("Ensure this value is less than or equal to %(limit)s.")
    % {"limit": e.get("ctx", {}).get("le", "")},
    "bool_parsing": lambda e: _("Enter true or false."),
    "date_from_datetime_parsing": lambda e: _("Enter a valid date."),
    "date_parsing": lambda e: _("Enter a valid date."),
    "literal_error": lambda e: _("Select a valid choice."),
    "enum": lambda e: _("Select a valid choice."),
    "json_invalid": lambda e: _("The request body is not valid JSON."),
    "model_attributes_type": lambda e: _("The request body must be a JSON object."),
    "dict_type": lambda e: _("The request body must be a JSON object."),
    "list_type": lambda e: _("Enter a list."),
    "string_type": lambda e: _("Enter text."),
}


def _field_name(loc) -> str:
    # ("body", "payload", "name") → "name"; ("query", "page") → "page"
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "payload", "filters", "form")]
    return ".".join(parts) or "body"


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    fields = {}
    for err in exc.errors:
        make = PYDANTIC_MESSAGES.get(err.get("type"))
        fields.setdefault(_field_name(err.get("loc", ())), make(err) if make else _("Enter a valid value."))
    return api.create_response(
        request, error_body("validation_error", _("Please correct the fields named below."), fields), status=422
    )


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    return api.create_response(request, error_body(exc.code, exc.message, exc.fields, exc.extra), status=exc.status)


@api.exception_handler(PermissionDenied)
def permission_denied(request, exc):
    return api.create_response(request, error_body("permission_denied", _("You are not allowed to do this.")), status=403)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, error_body("not_found", _("Not found.")), status=404)


@api.exception_handler(AuthenticationError)
def unauthorized(request, exc):
    return api.create_response(
        request, error_body("not_authenticated", _("Sign in or send a valid API token.")), status=401
    )


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    return api.create_response(request, error_body("http_error", exc.message), status=exc.status_code)


api.add_router("/", "salesdept.accounts.api.router")
api.add_router("/", "salesdept.web.api.router")
api.add_router("/audit", "salesdept.audit.api.router")
