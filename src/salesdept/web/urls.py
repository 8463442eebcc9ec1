from django.urls import path

from . import views

app_name = "web"
urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("healthz", views.health_view, name="health"),
]
