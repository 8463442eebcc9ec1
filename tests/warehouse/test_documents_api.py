"""API of stock documents and warehouse master data over real HTTP (token and session): the
keeper receives, inspects, issues and reverses; adjustments go through a second person; bad
input answers 400 naming the line and field with nothing written; who may do what."""

from decimal import Decimal

from salesdept.warehouse.models import Location, Stock, StockDocument, StockMove, StockRule, Warehouse
from tests.api_helpers import assert_error, bearer, session


def receipt_body(wh, product, quantity="10", **line):
    return {
        "kind": "receipt",
        "warehouse": wh.pk,
        "supplier": "华东机械厂",
        "lines": [
            {"product": product.pk, "quantity": quantity, "location": wh.a1.pk, "unit_cost": "8.50", **line}
        ],
    }


def test_receive_inspect_issue_reverse(org, wh, goods):
    api = bearer(org.keeper)
    r = api.post("/warehouse/documents", receipt_body(wh, goods))
    assert r.status_code == 201, r.content
    doc = r.json()
    assert doc["status"] == "draft" and doc["number"].startswith("WH-")
    assert doc["lines"][0]["quality"] == "pending" and doc["moves"] == []
    assert set(doc["actions"]) >= {"edit", "post", "cancel"} and "submit" not in doc["actions"]
    r = api.post(f"/warehouse/documents/{doc['id']}/post")
    assert r.status_code == 200, r.content
    doc = r.json()
    assert doc["status"] == "posted" and doc["moves"][0]["balance"] == "10.000"
    assert "inspect" in doc["actions"] and doc["lines"][0]["pending"] == "10.000"
    line_id = doc["lines"][0]["id"]
    r = api.post(
        f"/warehouse/documents/{doc['id']}/lines/{line_id}/inspections", {"accepted": "9", "rejected": "1"}
    )
    assert r.status_code == 201, r.content
    assert r.json()["accepted"] == "9.000"
    r = api.post(f"/warehouse/documents/{doc['id']}/lines/{line_id}/inspections", {"accepted": "1"})
    assert_error(r, 400, "invalid", {"accepted"})
    assert Stock.objects.get(product=goods, location=wh.qc).quantity == 1

    issue = api.post(
        "/warehouse/documents",
        {
            "kind": "issue",
            "warehouse": wh.pk,
            "lines": [{"product": goods.pk, "quantity": "4", "location": wh.a1.pk}],
        },
    ).json()
    assert issue["purpose"] == "sale"
    r = api.post(f"/warehouse/documents/{issue['id']}/post")
    assert r.status_code == 200 and r.json()["lines"][0]["value"] == "34.00"
    r = api.post(f"/warehouse/documents/{issue['id']}/reverse", {"note": "客户取消"})
    assert r.status_code == 201, r.content
    reversal = r.json()
    assert reversal["reverses_id"] == issue["id"] and reversal["status"] == "posted"
    assert "reverse" not in reversal["actions"]
    assert api.get(f"/warehouse/documents/{issue['id']}").json()["status"] == "reversed"
    assert Stock.objects.get(product=goods, location=wh.a1).quantity == 9

    listed = api.get("/warehouse/documents", {"kind": "issue"}).json()
    assert listed["count"] == 2 and {d["kind"] for d in listed["items"]} == {"issue"}
    listed = api.get("/warehouse/documents", {"product": goods.pk, "status": "posted"}).json()
    assert [d["id"] for d in listed["items"]] == [reversal["id"], doc["id"]]


def test_bad_lines_answer_400_naming_line_and_field(org, wh, goods, service_product):
    api = bearer(org.keeper)
    body = receipt_body(wh, goods)
    body["lines"].append({"product": service_product.pk, "quantity": "abc", "location": 999999})
    r = api.post("/warehouse/documents", body)
    error = assert_error(r, 400, "invalid", {"lines.2.product", "lines.2.quantity", "lines.2.location"})
    assert "lines.1.quantity" not in error["fields"]
    r = api.post("/warehouse/documents", {**receipt_body(wh, goods), "warehouse": 424242})
    assert_error(r, 400, "invalid", {"warehouse"})
    r = api.post("/warehouse/documents", {**receipt_body(wh, goods), "status": "posted"})
    assert_error(r, 422, "validation_error", {"status"})
    r = api.post("/warehouse/documents", {**receipt_body(wh, goods), "kind": "gift"})
    assert_error(r, 422, "validation_error", {"kind"})
    r = api.post("/warehouse/documents", "{not json")
    assert r.status_code in (400, 422)
    assert not StockDocument.objects.exists() and not StockMove.objects.exists()


def test_issue_refused_409_naming_the_line(org, wh, goods, receive):
    receive(wh.a1, goods, 2)
    api = bearer(org.keeper)
    issue = api.post(
        "/warehouse/documents",
        {
            "kind": "issue",
            "warehouse": wh.pk,
            "lines": [{"product": goods.pk, "quantity": "3", "location": wh.a1.pk}],
        },
    ).json()
    r = api.post(f"/warehouse/documents/{issue['id']}/post")
    error = assert_error(r, 409, "insufficient_stock", {"lines.1.quantity"})
    assert error["extra"]["available"].startswith("2")
    assert api.get(f"/warehouse/documents/{issue['id']}").json()["status"] == "draft"


def test_adjustment_review_over_the_api(org, wh, goods, receive):
    receive(wh.a1, goods, 5)
    keeper, finance = bearer(org.keeper), bearer(org.finance)
    adj = keeper.post(
        "/warehouse/documents",
        {
            "kind": "adjustment",
            "warehouse": wh.pk,
            "lines": [{"product": goods.pk, "quantity": "-1", "location": wh.a1.pk}],
        },
    ).json()
    assert "post" not in adj["actions"] and "submit" in adj["actions"]
    assert_error(keeper.post(f"/warehouse/documents/{adj['id']}/post"), 409, "review_required")
    assert keeper.post(f"/warehouse/documents/{adj['id']}/submit").json()["status"] == "submitted"
    assert_error(keeper.post(f"/warehouse/documents/{adj['id']}/approve"), 409, "own_document")
    assert_error(finance.post(f"/warehouse/documents/{adj['id']}/reject"), 400, "reason_required", {"note"})
    r = finance.post(f"/warehouse/documents/{adj['id']}/approve", {"note": "核对无误"})
    assert r.status_code == 200 and r.json()["status"] == "posted"
    assert Stock.objects.get(product=goods, location=wh.a1).quantity == 4


def test_patch_with_version_and_read_only_after_posting(org, wh, goods):
    api = session(org.keeper)
    doc = api.post("/warehouse/documents", receipt_body(wh, goods)).json()
    r = api.patch(f"/warehouse/documents/{doc['id']}", {"version": doc["version"], "reference": "PO-88"})
    assert r.status_code == 200 and r.json()["reference"] == "PO-88" and r.json()["version"] == 2
    assert_error(
        api.patch(f"/warehouse/documents/{doc['id']}", {"version": 1, "reference": "x"}), 409, "stale_version"
    )
    api.post(f"/warehouse/documents/{doc['id']}/post")
    assert_error(api.patch(f"/warehouse/documents/{doc['id']}", {"reference": "y"}), 409, "read_only")


def test_who_may_read_and_write(org, wh, goods, client):
    doc = bearer(org.keeper).post("/warehouse/documents", receipt_body(wh, goods)).json()
    sales = bearer(org.sales1)
    assert_error(sales.get("/warehouse/documents"), 403, "permission_denied")
    assert_error(sales.post("/warehouse/documents", receipt_body(wh, goods)), 403, "permission_denied")
    auditor = bearer(org.auditor)
    seen = auditor.get(f"/warehouse/documents/{doc['id']}").json()
    assert seen["actions"] == []
    assert_error(auditor.post(f"/warehouse/documents/{doc['id']}/post"), 403, "permission_denied")
    assert_error(bearer(org.keeper).get("/warehouse/documents/999999"), 404, "not_found")
    r = client.get("/api/v1/warehouse/documents")
    assert r.status_code == 401
    assert StockDocument.objects.get().status == "draft"


def test_warehouses_locations_and_rules(org, goods):
    api = bearer(org.keeper)
    r = api.post("/warehouse/warehouses", {"code": "gz1", "name": "广州仓", "cycle_days": 60})
    assert r.status_code == 201, r.content
    warehouse = r.json()
    assert warehouse["code"] == "GZ1" and [loc["code"] for loc in warehouse["locations"]] == ["QC"]
    assert_error(api.post("/warehouse/warehouses", {"code": "GZ1", "name": "x"}), 400, "invalid", {"code"})
    r = api.post("/warehouse/locations", {"warehouse": warehouse["id"], "code": "b-02-01", "name": "二排"})
    assert r.status_code == 201 and r.json()["code"] == "B-02-01"
    assert_error(
        api.post("/warehouse/locations", {"warehouse": warehouse["id"], "code": "B-02-01"}),
        400,
        "invalid",
        {"code"},
    )
    r = api.patch(f"/warehouse/locations/{r.json()['id']}", {"name": "二排货架"})
    assert r.status_code == 200 and r.json()["name"] == "二排货架"
    r = api.patch(f"/warehouse/warehouses/{warehouse['id']}", {"name_en": "Guangzhou"})
    assert r.status_code == 200 and r.json()["name_en"] == "Guangzhou"
    r = api.put(
        "/warehouse/stock-rules",
        {"product": goods.pk, "warehouse": warehouse["id"], "min_quantity": "5", "max_quantity": "50"},
    )
    assert r.status_code == 200 and r.json()["max_quantity"] == "50.000"
    assert_error(
        api.put(
            "/warehouse/stock-rules",
            {"product": goods.pk, "warehouse": warehouse["id"], "min_quantity": "9", "max_quantity": "1"},
        ),
        400,
        "invalid",
        {"max_quantity"},
    )
    assert api.get("/warehouse/stock-rules", {"warehouse": warehouse["id"]}).json()["count"] == 1
    assert_error(
        bearer(org.sales1).delete(f"/warehouse/stock-rules/{r.json()['id']}"), 403, "permission_denied"
    )
    assert api.delete(f"/warehouse/stock-rules/{r.json()['id']}").status_code == 204
    assert not StockRule.objects.exists()
    assert_error(
        bearer(org.sales1).post("/warehouse/warehouses", {"code": "NO", "name": "x"}),
        403,
        "permission_denied",
    )
    assert Warehouse.objects.count() == 1 and Location.objects.count() == 2
    assert bearer(org.sales1).get("/warehouse/warehouses").json()["count"] == 1


def test_sample_issue_needs_holder(org, wh, goods, receive):
    receive(wh.samples, goods, 3)
    api = bearer(org.keeper)
    body = {
        "kind": "issue",
        "purpose": "sample",
        "warehouse": wh.pk,
        "lines": [
            {"product": goods.pk, "quantity": "1", "location": wh.samples.pk, "due_back": "2099-12-31"}
        ],
    }
    assert_error(api.post("/warehouse/documents", body), 400, "invalid", {"holder"})
    doc = api.post("/warehouse/documents", {**body, "holder": org.sales2.pk}).json()
    assert api.post(f"/warehouse/documents/{doc['id']}/post").json()["status"] == "posted"
    assert Stock.objects.get(product=goods, location=wh.samples).quantity == Decimal("2")


def test_list_and_detail_query_budget(org, wh, goods, receive, django_assert_max_num_queries):
    api = bearer(org.keeper)
    receive(wh.a1, goods, 1)
    api.get("/warehouse/documents")
    with django_assert_max_num_queries(20) as few:
        assert api.get("/warehouse/documents").json()["count"] == 1
    for _ in range(8):
        receive(wh.a1, goods, 1)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert api.get("/warehouse/documents").json()["count"] == 9
    one = receive(wh.a1, goods, 1, quality="pending")
    many = (
        bearer(org.keeper)
        .post(
            "/warehouse/documents",
            {
                "kind": "receipt",
                "warehouse": wh.pk,
                "lines": [{"product": goods.pk, "quantity": "1", "location": wh.a1.pk}] * 8,
            },
        )
        .json()
    )
    api.post(f"/warehouse/documents/{many['id']}/post")
    api.get(f"/warehouse/documents/{one.pk}")
    with django_assert_max_num_queries(40) as base:
        api.get(f"/warehouse/documents/{one.pk}")
    with django_assert_max_num_queries(len(base.captured_queries)):
        assert len(api.get(f"/warehouse/documents/{many['id']}").json()["lines"]) == 8


def test_create_and_post_in_one_request(org, wh, goods, receive):
    """`?post=true` creates and posts in one transaction: the answer is the posted document with
    its moves and both events; a refusal leaves no document behind; adjustments still need review."""
    api = bearer(org.keeper)
    r = api.post("/warehouse/documents?post=true", receipt_body(wh, goods, quality="accepted"))
    assert r.status_code == 201, r.content
    doc = r.json()
    assert doc["status"] == "posted" and doc["moves"][0]["balance"] == "10.000"
    assert doc["lines"][0]["value"] == "85.00"
    assert [(e["action"], e["from_status"], e["to_status"]) for e in doc["history"]] == [
        ("create", "draft", "draft"),
        ("post", "draft", "posted"),
    ]
    assert Stock.objects.get(product=goods, location=wh.a1).quantity == 10
    count = StockDocument.objects.count()
    too_much = {
        "kind": "issue",
        "warehouse": wh.pk,
        "lines": [{"product": goods.pk, "quantity": "11", "location": wh.a1.pk}],
    }
    assert_error(
        api.post("/warehouse/documents?post=true", too_much), 409, "insufficient_stock", {"lines.1.quantity"}
    )
    adjustment = {
        **too_much,
        "kind": "adjustment",
        "lines": [{"product": goods.pk, "quantity": "-1", "location": wh.a1.pk}],
    }
    assert_error(api.post("/warehouse/documents?post=true", adjustment), 409, "review_required")
    assert_error(
        bearer(org.sales1).post("/warehouse/documents?post=true", receipt_body(wh, goods)),
        403,
        "permission_denied",
    )
    assert StockDocument.objects.count() == count
    assert Stock.objects.get(product=goods, location=wh.a1).quantity == 10
