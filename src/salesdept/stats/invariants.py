"""I12 (../shared/INVARIANTS.md): a report's totals equal the sum of what it covers. The reports
read the monthly totals or the facts (stats.selectors); the monthly totals must equal the facts
for every dimension and month. (That the facts equal the posted documents is checked by the
apps that post them.)"""

from salesdept.core.invariants import rule

from .models import SalesFact, SalesTotal
from .selectors import totals_mismatches


@rule("I12", summary=True)
def monthly_totals_equal_the_facts() -> list[str]:
    if not (SalesFact.objects.exists() or SalesTotal.objects.exists()):
        return []
    return totals_mismatches()
