"""Pages of work reports (P5), under the `workreports:` namespace."""

from . import views

app_name = "workreports"
urlpatterns = views.urlpatterns
