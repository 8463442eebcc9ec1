"""Pages of the report pack 统计台账 (P2), under the `reports:` namespace."""

from . import views

app_name = "reports"
urlpatterns = views.urlpatterns
