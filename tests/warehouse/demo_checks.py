"""The checks of the warehouse demo (demo/warehouse.py: loaded through the services as the demo
people, it fills every warehouse page with something true), run on the whole demo company by
tests/demo/test_demo_company.py (loaded once there; its invariants, I2–I4, I8, I10 included, are
checked there)."""

from django.db.models import F, Sum

from salesdept.demo import warehouse as demo
from salesdept.warehouse.models import (
    Location,
    QualityCheck,
    ReceivedSample,
    SampleLoan,
    Stock,
    StockDocument,
    StockLot,
    StockMove,
    StockRule,
    Stocktake,
    StocktakeLine,
    Warehouse,
)


def checks():
    """Every check, each taking the demo's DemoContext."""
    return [
        _two_warehouses_with_bins_samples_and_quarantine,
        _a_year_of_documents_of_every_kind,
        _cars_by_vin_and_quality,
        _samples_loans_and_received_samples,
        _counts_posted_and_two_real_unposted_differences,
        _stock_levels_have_something_to_show,
        _loading_again_adds_nothing,
    ]


def _two_warehouses_with_bins_samples_and_quarantine(loaded):
    assert set(Warehouse.objects.values_list("code", "name")) == {("SH", "华东总仓"), ("GZ", "华南分仓")}
    for warehouse in Warehouse.objects.all():
        kinds = set(warehouse.locations.values_list("kind", flat=True))
        assert kinds == {Location.Kind.STORAGE, Location.Kind.SAMPLES, Location.Kind.QUARANTINE}
        assert warehouse.locations.filter(code="A-01-01").exists()  # 定置管理 bin codes
        assert warehouse.keeper == loaded.org.keeper


def _a_year_of_documents_of_every_kind(loaded):
    posted = StockDocument.objects.filter(status__in=["posted", "reversed"])
    kinds = set(posted.values_list("kind", "purpose").distinct())
    for expected in [
        ("receipt", "purchase"),
        ("issue", "sale"),
        ("issue", "sample"),
        ("return", "customer_return"),
        ("return", "sample_return"),
        ("transfer", "move"),
        ("adjustment", "count"),
    ]:
        assert expected in kinds, expected
    days = posted.values_list("moved_on", flat=True)
    assert (max(days) - min(days)).days >= 330
    assert StockDocument.objects.filter(status="reversed").count() == 1
    assert StockDocument.objects.filter(status="draft").exists()
    # a write-off waits for finance and holds its two pieces (I5)
    held = StockDocument.objects.get(kind="adjustment", status="submitted")
    assert (
        Stock.objects.get(product=held.lines.get().product, location=held.lines.get().location).reserved == 2
    )
    # the keeper posted every document of the warehouse's own (a shipment's or a return's is
    # posted by its approver); nothing went negative (I4, by constraint)
    own = posted.exclude(kind="adjustment").filter(source_type="")
    assert set(own.values_list("posted_by__username", flat=True)) == {"keeper"}
    assert not Stock.objects.filter(quantity__lt=0).exists()
    # an inter-warehouse transfer (Shanghai → Guangzhou) and a bin move
    transfers = StockMove.objects.filter(kind="transfer_in")
    assert transfers.exclude(location__warehouse=F("document__warehouse")).exists()
    assert transfers.filter(location__warehouse=F("document__warehouse")).exists()


def _cars_by_vin_and_quality(loaded):
    cars = StockLot.objects.filter(product__kind="serial", quantity__gt=0)
    assert cars.exists()
    assert all(lot.lot and lot.quantity == 1 for lot in cars)
    assert StockMove.objects.filter(product__kind="serial", kind="issue").exists()  # cars sold
    # inspections: most accepted, a few partly rejected into quarantine, one receipt still pending
    checks = QualityCheck.objects.all()
    assert checks.filter(rejected=0).count() > checks.filter(rejected__gt=0).count() > 0
    assert StockLot.objects.filter(quality="rejected", location__kind="quarantine", quantity__gt=0).exists()
    assert StockLot.objects.filter(quality="pending", quantity__gt=0).exists()


def _samples_loans_and_received_samples(loaded):
    loans = SampleLoan.objects.all()
    assert loans.filter(status="closed").exists()
    assert loans.filter(consumed__gt=0).exists()
    assert loans.filter(status="out", due_back__lt=demo.timezone.localdate()).exists()  # overdue
    assert {loan.holder.username for loan in loans} <= {"sales1", "sales2", "sales3", "sales4", "sales5"}
    statuses = set(ReceivedSample.objects.values_list("status", flat=True))
    assert {"registered", "checked", "verified", "returned"} <= statuses
    verified = ReceivedSample.objects.filter(status="verified")
    assert all(s.verified_by != s.registered_by for s in verified)


def _counts_posted_and_two_real_unposted_differences(loaded):
    approved = Stocktake.objects.filter(status="approved")
    assert approved.count() >= 3
    assert all(
        s.adjustment is not None for s in approved if s.lines.exclude(counted_quantity=F("book_quantity"))
    )
    # finance approved, never the counter (I10 checked by the org fixture as well)
    for stocktake in approved:
        approvers = {e.actor.username for e in stocktake.events.filter(action="approve_step")}
        assert approvers == {"finance"}
    open_counts = Stocktake.objects.filter(status__in=["draft", "submitted"])
    assert set(open_counts.values_list("status", flat=True)) == {"draft", "submitted"}
    differences = StocktakeLine.objects.filter(stocktake__in=open_counts).exclude(
        counted_quantity=F("book_quantity")
    )
    assert differences.count() >= 2
    # the reconciliation (帐、物、卡) lists them
    from salesdept.warehouse.selectors.reconciliation import reconciliation

    found = {(r.product_id, r.location_id) for r in reconciliation(user=loaded.org.keeper)}
    assert {(d.product_id, d.location_id) for d in differences} <= found


def _stock_levels_have_something_to_show(loaded):
    assert StockRule.objects.count() > 20
    on_hand = {
        (r["product_id"], r["location__warehouse_id"]): r["q"]
        for r in StockLot.objects.values("product_id", "location__warehouse_id").annotate(q=Sum("quantity"))
    }
    under = [
        r for r in StockRule.objects.all() if on_hand.get((r.product_id, r.warehouse_id), 0) < r.min_quantity
    ]
    assert len(under) >= 3
    # slow movers: stock, but no issue in the last months
    slow = Stock.objects.filter(quantity__gt=0, last_issue_on__isnull=True, product__kind="goods")
    assert slow.exists()


def _loading_again_adds_nothing(loaded):
    before = StockDocument.objects.count(), StockMove.objects.count()
    demo.load(loaded)
    assert (StockDocument.objects.count(), StockMove.objects.count()) == before
