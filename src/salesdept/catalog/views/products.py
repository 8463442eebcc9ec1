"""Pages of products, categories and price lists (S1)."""

urlpatterns: list = []
