from django.urls import path

from . import views

app_name = "web"
urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    # issue 7: a dashboard panel loaded after the page (htmx)
    path("dashboard/panels/<slug:key>/", views.dashboard_panel_view, name="dashboard_panel"),
    path("healthz", views.health_view, name="health"),
]
