"""The one entry point for demo data: `load_demo()`.

The demo company is deterministic: every loader draws from the same seeded `random.Random`, in
the order of `LOADERS`, so two fresh databases get the same records. It is bilingual: names are
Chinese with an English form (华东 East).

How a later capability adds its demo records: write `salesdept/demo/<capability>.py` with a
function `load(ctx: DemoContext) -> None` that creates its records through the capability's
services (as the people in `ctx.org`), then append it to `LOADERS` below. Loaders run in list
order inside one transaction, so a loader may rely on everything loaded before it (customers
before contracts, contracts before shipments). `demo` sits above every business app in the
import-linter layers, so it may import any of them; the apps never import `demo`.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction

from . import catalog as catalog_module
from . import crm as crm_module
from . import fulfillment as fulfillment_module
from . import history as history_module
from . import org as org_module
from . import plans as plans_module
from . import sales_contracts as sales_contracts_module
from . import sales_quotes as sales_quotes_module
from . import warehouse as warehouse_module

SEED = 20261127


@dataclass
class DemoContext:
    """What a loader gets: the seeded random source, the organisation (set by the first loader)
    and a `say()` for one progress line."""

    rng: random.Random
    org: org_module.Org | None = None
    say: Callable[[str], None] = print
    counts: dict[str, int] = field(default_factory=dict)


def load_org(ctx: DemoContext) -> None:
    """Regions 华东/华南/华北, three teams and one login per role (password demo1234)."""
    ctx.org = org_module.build_org()
    ctx.counts["users"] = len(ctx.org.people)


# Each capability appends its loader here (keep the order: later loaders use earlier records).
LOADERS: list[Callable[[DemoContext], None]] = [
    load_org,
    crm_module.load,  # C1–C5: customers, leads, follow-ups, phone log, complaints, letters
    catalog_module.load,  # S1: categories, products of the three industries, price lists
    sales_quotes_module.load,  # S2: a year of inquiries and quotations (revisions, expired ones)
    sales_contracts_module.load,  # S3/S4: contracts in every state (reviews, amendments), orders
    warehouse_module.load,  # W1–W6: two warehouses, a year of stock documents, counts, samples
    fulfillment_module.load,  # F1–F5: a year of shipments, invoices, payments, returns, closed months
    history_module.load,  # issue 7: last year's sales, imported as a department's history
    plans_module.load,  # P1: this year's approved plan, from the demo's own orders and payments
]


@transaction.atomic
def load_demo(*, seed: int = SEED, say: Callable[[str], None] | None = None) -> DemoContext:
    """Load the whole demo company into the configured (migrated) database.

    Safe to call twice: loaders reuse what exists (the organisation is get-or-create). The
    `salesdept demo` command calls it once per data folder and remembers that with a marker."""
    ctx = DemoContext(rng=random.Random(seed), say=say or (lambda message: None))
    for loader in LOADERS:
        loader(ctx)
    return ctx
