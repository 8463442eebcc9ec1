"""Shapes every API module shares: the error body, strict input schemas and Decimal amounts (X6).

`Money` and `Quantity` are Decimal end to end. A float field would accept NaN and Infinity (JSON
`1e999` parses to infinity), so amounts are never floats; these types refuse NaN, ±Infinity and
numbers with more digits than the database column holds."""

from decimal import Decimal
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import ConfigDict

__all__ = ["ErrorOut", "ErrorDetail", "Money", "Quantity", "StrictIn", "error_body"]

# Same precision as the DecimalFields that store them (max_digits, decimal_places).
Money = Annotated[Decimal, Field(max_digits=14, decimal_places=2, allow_inf_nan=False)]
Quantity = Annotated[Decimal, Field(max_digits=14, decimal_places=3, allow_inf_nan=False)]


class StrictIn(Schema):
    """Base of every input schema: an unknown field (status, owner, approver, totals …) is
    refused with 422 naming it, never silently dropped."""

    model_config = ConfigDict(extra="forbid")


class ErrorDetail(Schema):
    code: str = Field(..., description="Stable, for scripts: validation_error, not_found, own_document …")
    message: str = Field(..., description="For people, in the user's language")
    fields: dict[str, str] = Field(..., description="Field at fault → what is wrong with it")
    extra: dict[str, Any] | None = Field(None, description="Facts some refusals add, e.g. current_version")


class ErrorOut(Schema):
    """The one body of every 4xx answer: {"error": {"code", "message", "fields"}}."""

    error: ErrorDetail


def error_body(code: str, message, fields: dict | None = None, extra: dict | None = None) -> dict[str, Any]:
    """The error body as a dict; `message` and field messages may be lazy translations."""
    body: dict[str, Any] = {
        "code": code,
        "message": str(message),
        "fields": {str(k): str(v) for k, v in (fields or {}).items()},
    }
    if extra:
        body["extra"] = extra
    return {"error": body}
