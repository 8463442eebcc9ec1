"""Writing sales statistics: facts and their monthly totals, in the caller's transaction.

record_facts() is the one way facts are written — by the services that post documents and by
the history import — so the monthly totals can never miss a fact. Totals are moved by an upsert
(INSERT … ON CONFLICT DO UPDATE SET x = x + excluded.x), rounded back to the column's places
in the same statement (SQLite adds decimals as floats: see core.arithmetic), in a fixed order
(dimension, month, key) so two postings at once wait for each other instead of deadlocking."""

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db import connections, router, transaction

from salesdept.core.imports import insert_rows

from .models import DIMENSION_COLUMNS, TOTAL_MEASURES, Kind, SalesFact, SalesTotal, Source

__all__ = ["negated", "posted_fact", "record_facts", "totals_of"]

BATCH = 1000
CENT = Decimal("0.01")
MILLI = Decimal("0.001")
ZERO = Decimal("0")
_ZEROS = (Decimal("0"),) * len(TOTAL_MEASURES)
_PLACES = {
    name: SalesTotal._meta.get_field(name).decimal_places for name in TOTAL_MEASURES if name != "orders"
}


def totals_of(facts, counted=()) -> dict[tuple[str, object, str], list]:
    """The monthly totals (dimension, month, key) → measures (in TOTAL_MEASURES order) that
    `facts` add up to. An order counts once in each cell it has lines in (its number, per
    source: the facts of one order are recorded together). `counted`: the cells, as
    (dimension, month, key, source, number), whose totals already count the order (lines
    added later to an order recorded before: the history import)."""
    totals: dict = defaultdict(lambda: list(_ZEROS))
    counted = set(counted)
    uncounted = set()
    for fact in facts:
        month = fact.day.replace(day=1)
        values = fact.__dict__
        for dimension, column in DIMENSION_COLUMNS.items():
            key = values[column]
            key = "" if key is None else str(key)
            cell = totals[(dimension.value, month, key)]
            if fact.kind == Kind.ORDERED:
                cell[0] += fact.amount
                cell[1] += fact.quantity
                cell[2] += fact.cost
                order = (dimension.value, month, key, fact.source, fact.number)
                if order not in counted and fact.amount > 0:
                    counted.add(order)
                    cell[3] += 1
                elif fact.source == Source.ORDER and fact.amount < 0 and order not in uncounted:
                    # a cancelled order: its reversal lands in the cells it counted in
                    uncounted.add(order)
                    cell[3] -= 1
            elif fact.kind == Kind.SHIPPED:
                cell[4] += fact.amount
                cell[5] += fact.quantity
            elif fact.kind == Kind.INVOICED:
                cell[6] += fact.amount
            elif fact.kind == Kind.COLLECTED:
                cell[7] += fact.amount
    return totals


def _upsert_totals(totals: dict) -> None:
    if not totals:
        return
    connection = connections[router.db_for_write(SalesTotal)]
    quote = connection.ops.quote_name
    table = quote(SalesTotal._meta.db_table)
    columns = ["month", "dimension", "key", *TOTAL_MEASURES]
    moved = []
    for name in TOTAL_MEASURES:
        column = quote(name)
        total = f"{table}.{column} + excluded.{column}"
        moved.append(
            f"{column} = {total}" if name == "orders" else f"{column} = ROUND({total}, {_PLACES[name]})"
        )
    marks = "(" + ", ".join(["%s"] * len(columns)) + ")"
    month_field = SalesTotal._meta.get_field("month")
    rows = [
        (month_field.get_db_prep_save(month, connection), dimension, key, *(
            int(v) if name == "orders" else connection.ops.adapt_decimalfield_value(v)
            for name, v in zip(TOTAL_MEASURES, measures, strict=True)
        ))
        for (dimension, month, key), measures in sorted(totals.items())
        if any(measures)
    ]  # fmt: skip
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) VALUES "
                + ", ".join([marks] * len(batch))
                + f" ON CONFLICT ({quote('dimension')}, {quote('month')}, {quote('key')}) DO UPDATE SET "
                + ", ".join(moved),
                [value for row in batch for value in row],
            )


def record_facts(facts: list[SalesFact], *, counted=()) -> None:
    """Write `facts` (unsaved SalesFact objects) and add them to the monthly totals. Runs in the
    caller's transaction (the posting it counts), or in its own. `counted`: see totals_of."""
    if not facts:
        return
    for fact in facts:  # stored and summed alike: to the column's places
        fact.amount = fact.amount.quantize(CENT, ROUND_HALF_UP)
        fact.cost = fact.cost.quantize(CENT, ROUND_HALF_UP)
        fact.quantity = fact.quantity.quantize(MILLI, ROUND_HALF_UP)
    with transaction.atomic():
        insert_rows(SalesFact, facts, batch_size=BATCH)
        _upsert_totals(totals_of(facts, counted))


def posted_fact(
    *,
    kind: str,
    source: str,
    document,
    day,
    customer,
    salesperson,
    channel: str = "",
    line="",
    product=None,
    quantity=ZERO,
    amount=ZERO,
    cost=ZERO,
) -> SalesFact:
    """One fact of a posted document (`document`: its pk and number), with the dimensions as
    they are now: the customer's region, the salesperson (the order's owner) and their team,
    the product's category. Unsaved: hand a document's facts to record_facts() together."""
    return SalesFact(
        kind=kind,
        source=source,
        source_id=document.pk,
        number=document.number,
        line=str(line),
        day=day,
        region_id=customer.region_id,
        salesperson_id=salesperson.pk if salesperson is not None else None,
        team_id=salesperson.team_id if salesperson is not None else None,
        customer_id=customer.pk,
        product_id=product.pk if product is not None else None,
        category_id=product.category_id if product is not None else None,
        channel=channel or "",
        quantity=quantity,
        amount=amount,
        cost=cost,
    )


def negated(facts) -> list[SalesFact]:
    """Copies of `facts` with the opposite sign (a correction is never an edit), same day and
    dimensions, so the totals they count in go back exactly."""
    out = []
    for fact in facts:
        copy = SalesFact(**{f.attname: getattr(fact, f.attname) for f in SalesFact._meta.concrete_fields})
        copy.pk = None
        copy.quantity, copy.amount, copy.cost = -fact.quantity, -fact.amount, -fact.cost
        out.append(copy)
    return out
