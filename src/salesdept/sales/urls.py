"""Pages of the sales pipeline (S2–S5), under the `sales:` namespace."""

from .views import contracts, fulfillment, inquiries, orders, quotations

app_name = "sales"
urlpatterns = [
    *inquiries.urlpatterns,
    *quotations.urlpatterns,
    *contracts.urlpatterns,
    *orders.urlpatterns,
    *fulfillment.urlpatterns,
]
