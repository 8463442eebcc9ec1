"""API of inquiries: /api/v1/inquiries."""

from ninja import Router

router = Router(tags=["inquiries"])
