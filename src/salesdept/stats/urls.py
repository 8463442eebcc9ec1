"""Pages of the sales statistics (P2) under the `stats:` namespace."""

from . import views, views_history

app_name = "stats"
urlpatterns = [*views.urlpatterns, *views_history.urlpatterns]  # history import (issue 7)
