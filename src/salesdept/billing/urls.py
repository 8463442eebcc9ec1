from django.urls import path  # noqa: F401

app_name = "billing"

urlpatterns: list = []

# invoices
from .views import invoices as _invoice_views  # noqa: E402

urlpatterns += _invoice_views.urlpatterns
# /invoices

# payments and receivables
from .views import payments as _payment_views  # noqa: E402
from .views import receivables as _receivable_views  # noqa: E402

urlpatterns += _payment_views.urlpatterns + _receivable_views.urlpatterns
# /payments, /receivables
