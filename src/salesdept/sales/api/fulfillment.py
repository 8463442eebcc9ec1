"""API of fulfillment: /api/v1/fulfillment."""

from ninja import Router

router = Router(tags=["fulfillment"])
