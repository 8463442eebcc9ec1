"""Pages of fulfillment."""

urlpatterns: list = []
