"""I4 under concurrency: two people issue the last unit at the same moment, each on their own
database connection — as threads of this process and as two separate processes. Exactly one
wins; the other is refused with insufficient_stock and nothing of it is written. PostgreSQL
queues them on the Stock row lock (select_for_update in id order), SQLite on its IMMEDIATE
write transactions. Two postings touching the same products in opposite line order both go
through (the ledger locks in a fixed order, so they never deadlock)."""

import os
import subprocess
import sys
import textwrap
import threading
import time
from decimal import Decimal
from functools import partial

import pytest
from django.db import connection, connections

from salesdept.core.errors import DomainError
from salesdept.warehouse import ledger
from salesdept.warehouse.models import Stock, StockDocument, StockMove
from salesdept.warehouse.services import documents as docs
from tests.concurrency import at_once

from .conftest import line_data, new_product, new_warehouse, post_receipt


@pytest.fixture
def slow_ledger(monkeypatch):
    """Widen the race: pause inside the posting after the document was checked and before the
    stock is read, so two postings without the row lock would both see the last unit."""
    lock_stock = ledger._lock_stock

    def slow(keys):
        time.sleep(0.3)
        return lock_stock(keys)

    monkeypatch.setattr(ledger, "_lock_stock", slow)


def _issue(org, wh, product, quantity="1"):
    return docs.document_create(
        by=org.keeper,
        data={"kind": "issue", "warehouse": wh.pk, "lines": [line_data(product, quantity, wh.a1)]},
    )


@pytest.mark.django_db(transaction=True)
def test_two_keepers_issue_the_last_unit_one_wins(org, slow_ledger):
    wh = new_warehouse(org.keeper)
    for _ in range(3):
        product = new_product(name="最后一台")
        post_receipt(org.keeper, wh.a1, product, 1, unit_cost="100.00")
        first, second = _issue(org, wh, product), _issue(org, wh, product)
        calls = [partial(docs.document_post, document_id=d.pk, by=org.keeper) for d in (first, second)]
        assert at_once(calls) == ["insufficient_stock", "ok"]
        stock = Stock.objects.get(product=product, location=wh.a1)
        assert (stock.quantity, stock.value) == (Decimal("0"), Decimal("0.00"))
        assert StockMove.objects.filter(product=product, kind="issue").count() == 1
        statuses = sorted(
            StockDocument.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)
        )
        assert statuses == ["draft", "posted"]


@pytest.mark.django_db(transaction=True)
def test_reversal_and_issue_race_for_the_same_stock(org, slow_ledger):
    """Reversing a receipt while its stock is being issued: one of them wins."""
    wh = new_warehouse(org.keeper)
    for _ in range(2):
        product = new_product(name="争抢")
        receipt = post_receipt(org.keeper, wh.a1, product, 2)
        issue = _issue(org, wh, product, "2")
        calls = [
            partial(docs.document_post, document_id=issue.pk, by=org.keeper),
            partial(docs.document_reverse, document_id=receipt.pk, by=org.keeper),
        ]
        outcome = at_once(calls)
        assert outcome in (["insufficient_stock", "ok"], ["ok", "reversal_stock_gone"]), outcome
        assert Stock.objects.get(product=product, location=wh.a1).quantity == 0


@pytest.mark.django_db(transaction=True)
def test_opposite_line_order_never_deadlocks(org, slow_ledger):
    wh = new_warehouse(org.keeper)
    pump, valve = new_product(name="泵"), new_product(name="阀")
    for p in (pump, valve):
        post_receipt(org.keeper, wh.a1, p, 10)
    one = docs.document_create(
        by=org.keeper,
        data={
            "kind": "issue",
            "warehouse": wh.pk,
            "lines": [line_data(pump, 1, wh.a1), line_data(valve, 1, wh.a1)],
        },
    )
    two = docs.document_create(
        by=org.keeper,
        data={
            "kind": "issue",
            "warehouse": wh.pk,
            "lines": [line_data(valve, 1, wh.a1), line_data(pump, 1, wh.a1)],
        },
    )
    calls = [partial(docs.document_post, document_id=d.pk, by=org.keeper) for d in (one, two)]
    assert at_once(calls) == ["ok", "ok"]
    assert [Stock.objects.get(product=p, location=wh.a1).quantity for p in (pump, valve)] == [8, 8]


@pytest.mark.django_db(transaction=True)
def test_documents_created_at_once_get_distinct_numbers(org):
    wh = new_warehouse(org.keeper)
    product = new_product()
    data = {"kind": "receipt", "warehouse": wh.pk, "lines": [line_data(product, 1, wh.a1)]}
    assert at_once([partial(docs.document_create, by=org.keeper, data=data) for _ in range(3)]) == ["ok"] * 3
    numbers = list(StockDocument.objects.values_list("number", flat=True))
    assert len(set(numbers)) == 3


# --- two operating-system processes ------------------------------------------------------------

SCRIPT = textwrap.dedent(
    """
    import sys, time
    import django
    django.setup()
    from django.contrib.auth import get_user_model
    from salesdept.core.errors import DomainError
    from salesdept.warehouse.services.documents import document_post
    document_id, user_id, start = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    user = get_user_model().objects.get(pk=user_id)
    time.sleep(max(0.0, start - time.time()))
    try:
        document_post(document_id=document_id, by=user)
        print("ok")
    except DomainError as exc:
        print(exc.code)
    """
)


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgresql://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_two_processes_issue_the_last_unit_one_wins(org):
    """Each process has its own interpreter and connection (SQLite: its own file handle on the
    same database; PostgreSQL: its own session)."""
    wh = new_warehouse(org.keeper)
    product = new_product(name="最后一件")
    post_receipt(org.keeper, wh.a1, product, 1)
    documents = [_issue(org, wh, product), _issue(org, wh, product)]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "salesdept.settings",
        "DATABASE_URL": _database_url(),
    }
    start = time.time() + 3.0
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", SCRIPT, str(d.pk), str(org.keeper.pk), str(start)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for d in documents
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err[-2000:]
        results.append(out.strip().splitlines()[-1])
    assert sorted(results) == ["insufficient_stock", "ok"]
    assert Stock.objects.get(product=product, location=wh.a1).quantity == 0
    assert StockMove.objects.filter(product=product, kind="issue").count() == 1


@pytest.mark.postgres_only(reason="row locks of select_for_update: SQLite serialises whole transactions")
@pytest.mark.django_db(transaction=True)
def test_posting_waits_for_the_stock_row_lock(org):
    """A posting queues on the Stock row another transaction holds, and then sees what it left."""
    from django.db import transaction

    wh = new_warehouse(org.keeper)
    product = new_product(name="锁")
    post_receipt(org.keeper, wh.a1, product, 1)
    issue = _issue(org, wh, product)
    locked, release, done = threading.Event(), threading.Event(), {}

    def holder():
        try:
            with transaction.atomic():
                stock = Stock.objects.select_for_update().get(product=product, location=wh.a1)
                locked.set()
                release.wait(timeout=30)
                stock.quantity = Decimal("0")  # someone else took it meanwhile (as a ledger would)
                stock.save(update_fields=["quantity"])
                transaction.set_rollback(True)  # … then gave it back: nothing changes for real
        finally:
            connections.close_all()

    def poster():
        try:
            docs.document_post(document_id=issue.pk, by=org.keeper)
            done["result"] = ("ok", time.monotonic())
        except DomainError as exc:
            done["result"] = (exc.code, time.monotonic())
        finally:
            connections.close_all()

    h = threading.Thread(target=holder)
    h.start()
    assert locked.wait(timeout=30)
    p = threading.Thread(target=poster)
    p.start()
    time.sleep(0.5)
    assert "result" not in done, "the posting did not wait for the row lock"
    released_at = time.monotonic()
    release.set()
    h.join(timeout=30)
    p.join(timeout=30)
    code, finished_at = done["result"]
    assert code == "ok" and finished_at >= released_at
    assert Stock.objects.get(product=product, location=wh.a1).quantity == 0
