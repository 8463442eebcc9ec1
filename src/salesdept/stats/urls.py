"""Pages of the sales statistics (P2) under the `stats:` namespace."""

from . import views

app_name = "stats"
urlpatterns = views.urlpatterns
