"""The payments and receivables API over real HTTP (full middleware stack): Idempotency-Key
replay (I9), duplicate references, refusals as the service gives them, scope (X1)."""

from decimal import Decimal

from salesdept.billing.models import CollectionTask, Payment
from salesdept.billing.services.collections import collections_run
from tests.api_helpers import assert_error, bearer, session

from .fixtures_payments import customer, days, invoice, record, today

D = Decimal
KEY = "0b9a1f0e-7d7c-4c55-9d57-7a3e1c2f4b10"


def _body(cust, amount="100.00", **more):
    return {"customer": cust.pk, "received_on": today().isoformat(), "amount": amount, **more}


def test_same_idempotency_key_records_once_and_replays_the_first_answer(org):
    cust = customer(org)
    inv = invoice(org, cust, "150.00", due_on=days(-1))
    client = session(org.finance)
    first = client.post("/payments", _body(cust, reference="BK-IDEM"), headers={"Idempotency-Key": KEY})
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["allocated_amount"] == "100.00" and body["allocations"][0]["invoice_id"] == inv.pk
    again = client.post("/payments", _body(cust, reference="BK-IDEM"), headers={"Idempotency-Key": KEY})
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json() == body
    assert Payment.objects.count() == 1
    # the same key with a different body is refused and records nothing
    other = client.post("/payments", _body(cust, "5.00"), headers={"Idempotency-Key": KEY})
    assert_error(other, 409, "idempotency_key_reused")
    assert Payment.objects.count() == 1


def test_idempotency_with_a_token_and_without_a_reference(org):
    cust = customer(org)
    client = bearer(org.finance)
    answers = [client.post("/payments", _body(cust), headers={"Idempotency-Key": "k-1"}) for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert len({a.json()["number"] for a in answers}) == 1
    assert Payment.objects.count() == 1
    # a new key is a new payment (no reference: nothing to call a duplicate)
    assert client.post("/payments", _body(cust), headers={"Idempotency-Key": "k-2"}).status_code == 201
    assert Payment.objects.count() == 2


def test_duplicate_reference_without_a_key_is_409_naming_the_payment(org):
    cust = customer(org)
    client = bearer(org.finance)
    first = client.post("/payments", _body(cust, reference="BK-9"))
    assert first.status_code == 201
    error = assert_error(
        client.post("/payments", _body(cust, reference="BK-9")), 409, "duplicate_payment", {"reference"}
    )
    assert first.json()["number"] in error["message"]
    assert error["extra"]["number"] == first.json()["number"]


def test_bad_input_and_refusals(org):
    cust = customer(org)
    inv = invoice(org, cust, "50.00", due_on=days(-1))
    client = bearer(org.finance)
    assert_error(
        client.post("/payments", _body(cust, received_on=days(1).isoformat())),
        400,
        "invalid",
        {"received_on"},
    )
    assert_error(client.post("/payments", _body(cust, "1e999")), 422, "validation_error", {"amount"})
    assert_error(client.post("/payments", _body(cust, "0")), 422, "validation_error", {"amount"})
    assert_error(client.post("/payments", _body(cust, status="x")), 422, "validation_error", {"status"})
    over = _body(cust, "80.00", allocation="manual", allocations=[{"invoice_id": inv.pk, "amount": "60.00"}])
    assert_error(client.post("/payments", over), 409, "over_allocation", {"allocations.1.amount"})
    assert_error(bearer(org.sales1).post("/payments", _body(cust)), 403, "permission_denied")
    assert Payment.objects.count() == 0


def test_list_detail_and_allocate_respect_scope(org):
    mine, south = customer(org, org.sales1), customer(org, org.sales3)
    p1 = record(org.finance, mine, "10.00", allocation="none")
    p3 = record(org.finance, south, "20.00", allocation="none")
    listed = bearer(org.sales1).get("/payments").json()
    assert [p["id"] for p in listed["items"]] == [p1.pk] and listed["count"] == 1
    assert_error(bearer(org.sales1).get(f"/payments/{p3.pk}"), 404, "not_found")
    assert bearer(org.finance).get("/payments", {"customer": south.pk}).json()["count"] == 1
    inv = invoice(org, south, "15.00", due_on=days(5))
    client = bearer(org.finance)
    answer = client.post(f"/payments/{p3.pk}/allocate", {"allocation": "oldest"})
    assert answer.status_code == 200, answer.content
    assert answer.json()["unallocated"] == "5.00" and answer.json()["allocations"][0]["invoice_id"] == inv.pk
    assert_error(client.post(f"/payments/{p3.pk}/allocate", {}), 409, "nothing_to_allocate")
    assert_error(bearer(org.sales3).post(f"/payments/{p3.pk}/allocate", {}), 403, "permission_denied")


def test_aging_collections_and_tasks(org):
    mine, south = customer(org, org.sales1), customer(org, org.sales3)
    invoice(org, mine, "100.00", due_on=days(-45))
    invoice(org, south, "30.00", due_on=days(-2), owner=org.sales3)
    record(org.finance, mine, "40.00")
    aging = bearer(org.finance).get("/receivables/aging", {"by": "salesperson", "as_of": today().isoformat()})
    assert aging.status_code == 200, aging.content
    rows = {r["key"]: r for r in aging.json()["rows"]}
    assert rows[org.sales1.pk]["d31_60"] == "60.00" and rows[org.sales3.pk]["d1_30"] == "30.00"
    assert aging.json()["totals"]["total"] == "90.00"
    own = bearer(org.sales1).get("/receivables/aging").json()
    assert own["totals"]["total"] == "60.00" and len(own["rows"]) == 1
    assert_error(
        bearer(org.finance).get("/receivables/aging", {"by": "product"}), 422, "validation_error", {"by"}
    )
    assert_error(bearer(org.keeper).get("/receivables/aging"), 403, "permission_denied")
    collections = bearer(org.finance).get("/receivables/collections", {"year": today().year, "by": "region"})
    assert collections.json()["totals"]["total"] == "40.00"
    collections_run(today=today(), by=org.finance)
    assert CollectionTask.objects.count() == 2
    tasks = bearer(org.sales1).get("/receivables/tasks").json()
    assert tasks["count"] == 1 and tasks["items"][0]["customer_id"] == mine.pk
    task_id = tasks["items"][0]["id"]
    south_task = CollectionTask.objects.get(customer=south)
    assert_error(bearer(org.sales1).post(f"/receivables/tasks/{south_task.pk}/done", {}), 404, "not_found")
    done = bearer(org.sales1).post(f"/receivables/tasks/{task_id}/done", {"note": "已催"})
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert_error(bearer(org.sales1).post(f"/receivables/tasks/{task_id}/done", {}), 409, "invalid_transition")
    mine_only = bearer(org.manager2).get("/receivables/tasks", {"mine": True}).json()
    assert mine_only["count"] == 0


def test_credit_override_through_the_api(org):
    from salesdept.sales.services import orders as order_services

    from .fixtures_payments import product

    cust = customer(org, org.sales1, credit_limit=D("10.00"))
    item = product("500.00")
    order = order_services.order_create(
        by=org.sales1, customer_id=cust.pk, lines=[{"product_id": item.pk, "quantity": D("1")}]
    )
    confirm = bearer(org.sales1).post(f"/orders/{order.pk}/confirm", {})
    assert_error(confirm, 409, "credit_limit")
    assert_error(
        bearer(org.sales1).post(f"/receivables/credit-overrides/{order.pk}", {"note": "pls"}),
        403,
        "permission_denied",
    )
    ok = bearer(org.finance).post(f"/receivables/credit-overrides/{order.pk}", {"note": "同意"})
    assert ok.status_code == 200, ok.content
    assert bearer(org.sales1).post(f"/orders/{order.pk}/confirm", {}).status_code == 200
