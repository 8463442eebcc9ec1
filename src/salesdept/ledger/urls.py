"""Pages of the ledgers (F4), under the `ledger:` namespace."""

from .views import balances, journal, ledgers, periods

app_name = "ledger"

urlpatterns = [
    *balances.urlpatterns,
    *journal.urlpatterns,
    *ledgers.urlpatterns,
    *periods.urlpatterns,
]
