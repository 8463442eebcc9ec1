"""API of products, categories and price lists (S1): /api/v1/products, /api/v1/price-lists."""

from ninja import Router

router = Router(tags=["products"])
