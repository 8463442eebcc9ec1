"""Pages of products and price policy (S1), under the `catalog:` namespace."""

from .views import pricing, products

app_name = "catalog"
urlpatterns = [*products.urlpatterns, *pricing.urlpatterns]
