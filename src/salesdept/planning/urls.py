"""Pages of sales plans (P1), under the `planning:` namespace."""

from . import views

app_name = "planning"
urlpatterns = views.urlpatterns
