"""Pages of inquiries."""

urlpatterns: list = []
