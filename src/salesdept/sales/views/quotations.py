"""Pages of quotations."""

urlpatterns: list = []
