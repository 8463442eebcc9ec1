"""Pages of customers and relationships (C1–C5), all under the `crm:` namespace."""

from .views import activities, customers, feedback, imports, leads, letters, search

app_name = "crm"
urlpatterns = [
    *customers.urlpatterns,
    *leads.urlpatterns,
    *activities.urlpatterns,
    *feedback.urlpatterns,
    *letters.urlpatterns,
    *imports.urlpatterns,
    *search.urlpatterns,
]
