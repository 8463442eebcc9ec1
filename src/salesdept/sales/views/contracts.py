"""Pages of contracts."""

urlpatterns: list = []
