"""API of contracts: /api/v1/contracts."""

from ninja import Router

router = Router(tags=["contracts"])
