"""Pages of the price policy: discount authority and price approvals 事前请示 (S1)."""

urlpatterns: list = []
