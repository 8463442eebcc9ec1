from django.contrib import admin
from django.urls import include, path

from .api import api

urlpatterns = [
    path("", include("salesdept.web.urls")),
    path("accounts/", include("salesdept.accounts.urls")),
    path("audit/", include("salesdept.audit.urls")),
    path("crm/", include("salesdept.crm.urls")),
    path("catalog/", include("salesdept.catalog.urls")),
    path("sales/", include("salesdept.sales.urls")),
    path("warehouse/", include("salesdept.warehouse.urls")),
    path("shipping/", include("salesdept.shipping.urls")),
    path("billing/", include("salesdept.billing.urls")),
    path("ledger/", include("salesdept.ledger.urls")),
    path("planning/", include("salesdept.planning.urls")),
    path("stats/", include("salesdept.stats.urls")),
    path("work-reports/", include("salesdept.workreports.urls")),
    path("reports/", include("salesdept.reports.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

handler404 = "salesdept.web.views.page_not_found"
handler403 = "salesdept.web.views.permission_denied"
handler500 = "salesdept.web.views.server_error"
