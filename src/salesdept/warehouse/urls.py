"""Pages of the warehouse (W1–W6), under the `warehouse:` namespace. Each family of pages keeps
its routes in views/<family>.py; this file only lists the families."""

from .views import documents, levels, reconciliation, samples, setup, stock, stocktakes

app_name = "warehouse"

urlpatterns = [
    *documents.urlpatterns,
    *setup.urlpatterns,
    *stock.urlpatterns,
    *reconciliation.urlpatterns,
    *levels.urlpatterns,
    *stocktakes.urlpatterns,
    *samples.urlpatterns,
]
