"""I3/I4/I5 under random use: for random sequences of receipts, inspections, issues, transfers,
adjustments (approved by a second person, or left waiting for review and so holding their
stock, then approved or rejected) and reversals, posted through the services, the stock and
what is reserved always equal a model kept here in Python, and after every step

- on hand (Stock.quantity) = Σ moves per product × location, and value = Σ move values;
- the last move's running balance = Stock.quantity (the card = the book);
- Σ StockLot = Stock.quantity; nothing is ever negative;
- reserved = what the submitted adjustments take, never more than on hand (every invariant);
- a step the model says would take more than there is (or than is not reserved), is refused and
  changes nothing.
"""

from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from salesdept.core import invariants
from salesdept.core.errors import DomainError
from salesdept.warehouse.models import Quality, Stock, StockLot, StockMove
from salesdept.warehouse.services import documents as docs

from .conftest import new_product

A, P, R = Quality.ACCEPTED, Quality.PENDING, Quality.REJECTED
qty = st.integers(min_value=1, max_value=12)
small = st.integers(min_value=1, max_value=5)
product = st.integers(min_value=0, max_value=1)
quality = st.sampled_from([A, A, P, R])
storage = st.integers(min_value=0, max_value=1)  # a1, a2
anywhere = st.integers(min_value=0, max_value=2)  # a1, a2, qc

receipt = st.tuples(st.just("receipt"), product, storage, qty, st.sampled_from([A, P]), st.integers(0, 40))
ops = st.one_of(
    receipt,
    receipt,
    st.tuples(st.just("sale"), product, storage, small),
    st.tuples(st.just("scrap"), product, anywhere, small, quality),
    st.tuples(st.just("transfer"), product, anywhere, small, quality),
    st.tuples(st.just("adjust"), product, anywhere, st.sampled_from([-6, -4, -2, -1, 1, 2, 3, 5]), quality),
    st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=30)),
    st.tuples(st.just("hold"), product, anywhere, small, quality),
    st.tuples(st.just("settle"), st.integers(min_value=0, max_value=5), st.booleans()),
    st.tuples(
        st.just("inspect"), st.integers(min_value=0, max_value=30), st.integers(0, 6), st.integers(0, 6)
    ),
)


class Model:
    """The stock as this test expects it: (product, location, quality) → quantity."""

    def __init__(self):
        self.lots = defaultdict(Decimal)
        self.reserved = defaultdict(Decimal)  # held by submitted adjustments
        self.held = []  # dicts: id, key, quantity (submitted adjustments waiting for review)
        self.documents = []  # dicts: id, moves [(key, delta)], reversible, inspectable line

    def try_apply(self, moves) -> bool:
        """Apply moves in order as the ledger does; False (and nothing changed) when one would
        take more than the lot holds and others do not hold."""
        trial = defaultdict(Decimal, self.lots)
        for key, delta in moves:
            if delta < 0 and trial[key] - self.reserved[key] < -delta:
                return False
            trial[key] += delta
        self.lots = trial
        return True


def line(p, loc, quantity, **extra):
    return {"product": p.pk, "quantity": str(quantity), "location": loc.pk, **extra}


def check_database(model, products, locations):
    """Every figure of the book, the lots and the card against the model and each other."""
    assert invariants.run() == []
    assert not StockLot.objects.filter(quantity__lt=0).exists()
    assert not Stock.objects.filter(quantity__lt=0).exists()
    actual = {
        (r["product_id"], r["location_id"], r["quality"]): r["q"]
        for r in StockLot.objects.values("product_id", "location_id", "quality")
        .annotate(q=Sum("quantity"))
        .order_by()
    }
    for (pi, li, quality), expected in model.lots.items():
        key = (products[pi].pk, locations[li].pk, quality)
        assert Decimal(str(actual.get(key, 0))) == expected, (key, actual.get(key), expected)
    reserved = defaultdict(Decimal)
    for (pi, li, _quality), held in model.reserved.items():
        reserved[(products[pi].pk, locations[li].pk)] += held
    for stock in Stock.objects.all():
        assert stock.reserved == reserved[(stock.product_id, stock.location_id)]
        moves = StockMove.objects.filter(product_id=stock.product_id, location_id=stock.location_id)
        assert Decimal(str(moves.aggregate(q=Sum("quantity"))["q"] or 0)) == stock.quantity
        last = moves.order_by("-pk").first()
        assert (last.balance if last else 0) == stock.quantity
        assert stock.value >= 0 and (stock.quantity > 0 or stock.value == 0)


def run_step(op, model, org, wh, products, locations):
    kind = op[0]
    expected_refusal = False
    if kind == "receipt":
        _, pi, li, quantity, quality, cost = op
        moves = [((pi, li, quality), Decimal(quantity))]
        data = {
            "kind": "receipt",
            "warehouse": wh.pk,
            "lines": [line(products[pi], locations[li], quantity, quality=quality, unit_cost=str(cost))],
        }
        inspectable = quality == P
    elif kind in ("sale", "scrap"):
        pi, li, quantity = op[1], op[2], op[3]
        quality = A if kind == "sale" else op[4]
        moves = [((pi, li, quality), -Decimal(quantity))]
        data = {
            "kind": "issue",
            "purpose": kind,
            "warehouse": wh.pk,
            "lines": [line(products[pi], locations[li], quantity, quality=quality)],
        }
        inspectable = False
    elif kind == "transfer":
        _, pi, li, quantity, quality = op
        to = (li + 1) % 2  # a1 → a2, a2 → a1, qc → a2
        moves = [((pi, li, quality), -Decimal(quantity)), ((pi, to, quality), Decimal(quantity))]
        data = {
            "kind": "transfer",
            "warehouse": wh.pk,
            "lines": [
                line(products[pi], locations[li], quantity, quality=quality, to_location=locations[to].pk)
            ],
        }
        inspectable = False
    elif kind == "adjust":
        _, pi, li, quantity, quality = op
        moves = [((pi, li, quality), Decimal(quantity))]
        data = {
            "kind": "adjustment",
            "warehouse": wh.pk,
            "lines": [line(products[pi], locations[li], quantity, quality=quality)],
        }
        inspectable = False
    elif kind == "reverse":
        live = [d for d in model.documents if d["reversible"]]
        if not live:
            return
        target = live[op[1] % len(live)]
        mirror = [(key, -delta) for key, delta in reversed(target["moves"])]
        ok = model.try_apply(mirror)
        try:
            reversal = docs.document_reverse(document_id=target["id"], by=org.keeper)
        except DomainError as exc:
            assert not ok and exc.code == "reversal_stock_gone", exc.code
            event("reversal refused")
            return
        event("reversal posted")
        assert ok, "reversal was expected to be refused"
        target["reversible"] = False
        target["inspectable"] = None
        model.documents.append({"id": reversal.pk, "moves": mirror, "reversible": False, "inspectable": None})
        return
    elif kind == "hold":  # an adjustment submitted and left waiting: it holds what it takes
        _, pi, li, quantity, quality = op
        key, quantity = (pi, li, quality), Decimal(quantity)
        free = model.lots[key] - model.reserved[key] >= quantity
        document = docs.document_create(
            by=org.keeper,
            data={
                "kind": "adjustment",
                "warehouse": wh.pk,
                "lines": [line(products[pi], locations[li], -quantity, quality=quality)],
            },
        )
        try:
            docs.document_submit(document_id=document.pk, by=org.keeper)
        except DomainError as exc:
            assert not free and exc.code == "insufficient_stock", exc.code
            event("hold refused")
            return
        assert free, f"{op} was expected to be refused"
        event("hold")
        model.reserved[key] += quantity
        model.held.append({"id": document.pk, "key": key, "quantity": quantity})
        return
    elif kind == "settle":  # the review of a waiting adjustment ends: approved (posted) or rejected
        if not model.held:
            return
        target = model.held.pop(op[1] % len(model.held))
        model.reserved[target["key"]] -= target["quantity"]
        if op[2]:
            moves = [(target["key"], -target["quantity"])]
            assert model.try_apply(moves)
            docs.document_approve(document_id=target["id"], by=org.finance)
            model.documents.append(
                {"id": target["id"], "moves": moves, "reversible": True, "inspectable": None}
            )
            event("held adjustment approved")
        else:
            docs.document_reject(document_id=target["id"], by=org.finance, note="退回")
            event("held adjustment rejected")
        return
    else:  # inspect
        candidates = [d for d in model.documents if d["inspectable"]]
        _, index, accepted, rejected = op
        if not candidates or accepted + rejected == 0:
            return
        target = candidates[index % len(candidates)]
        pi, li, pending_left, line_id = target["inspectable"]
        if accepted + rejected > pending_left:
            return
        moves = [((pi, li, P), -Decimal(accepted)), ((pi, li, A), Decimal(accepted))] if accepted else []
        if rejected:
            moves += [((pi, li, P), -Decimal(rejected)), ((pi, 2, R), Decimal(rejected))]
        ok = model.try_apply(moves)
        try:
            docs.quality_inspect(line_id=line_id, by=org.keeper, accepted=accepted, rejected=rejected)
        except DomainError as exc:
            assert not ok and exc.code == "insufficient_stock", exc.code
            return
        assert ok, "inspection was expected to be refused"
        event("inspection posted")
        target["moves"] += moves
        target["inspectable"] = (pi, li, pending_left - accepted - rejected, line_id)
        return

    ok = model.try_apply(moves)
    expected_refusal = not ok
    document = docs.document_create(by=org.keeper, data=data)
    try:
        if kind == "adjust":
            docs.document_submit(document_id=document.pk, by=org.keeper)
            docs.document_approve(document_id=document.pk, by=org.finance)
        else:
            docs.document_post(document_id=document.pk, by=org.keeper)
    except DomainError as exc:
        assert expected_refusal and exc.code == "insufficient_stock", exc.code
        event(f"{kind} refused")
        document.refresh_from_db()
        assert document.status in ("draft", "submitted") and not document.moves.exists()
        return
    assert not expected_refusal, f"{op} was expected to be refused"
    event(f"{kind} posted")
    line_id = document.lines.get().pk
    model.documents.append(
        {
            "id": document.pk,
            "moves": moves,
            "reversible": True,
            "inspectable": (op[1], op[2], Decimal(op[3]), line_id) if inspectable else None,
        }
    )


@pytest.mark.django_db(transaction=False)
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(ops, min_size=3, max_size=18))
def test_random_postings_keep_book_card_lots_and_reservations_equal(org, wh, steps):
    with transaction.atomic():
        products = [new_product(name="液压泵"), new_product(name="高压阀门")]
        locations = [wh.a1, wh.a2, wh.qc]
        model = Model()
        # a stock to start from: each product accepted and pending at both storage locations
        for pi in (0, 1):
            for li in (0, 1):
                for start_quality, amount in ((A, 8), (P, 6)):
                    run_step(
                        ("receipt", pi, li, amount, start_quality, 10), model, org, wh, products, locations
                    )
        for step in steps:
            run_step(step, model, org, wh, products, locations)
            check_database(model, products, locations)
        transaction.set_rollback(True)
