"""Pages of orders."""

urlpatterns: list = []
