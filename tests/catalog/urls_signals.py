"""The project's URLs plus the audit signals page, until the lead mounts it at
audit/urls.py (path("signals/", views.signal_list_view, name="signals"))."""

from django.urls import path

from salesdept.audit.views import signal_list_view
from salesdept.urls import urlpatterns as project_urlpatterns

urlpatterns = [path("audit/signals/", signal_list_view, name="audit_signals_test"), *project_urlpatterns]
