"""API of the price policy (S1): /api/v1/price-approvals, /api/v1/discount-authority."""

from ninja import Router

router = Router(tags=["pricing"])
