"""Pages of shipping (F1) under the `shipping:` namespace. Returns (F5) add theirs here."""

from .views import returns, shipments

app_name = "shipping"

urlpatterns: list = [*shipments.urlpatterns, *returns.urlpatterns]
