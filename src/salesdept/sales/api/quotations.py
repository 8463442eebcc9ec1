"""API of quotations: /api/v1/quotations."""

from ninja import Router

router = Router(tags=["quotations"])
