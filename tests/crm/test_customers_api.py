"""API /api/v1/customers (C1) through the whole stack: workflow, scope matrix, refusals,
duplicates, export, contacts and documents."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from salesdept.crm.models import Contact, Customer, CustomerDocument, CustomerTransfer
from tests.api_helpers import API, assert_error, bearer, session


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def book(org, make_customer):
    """One customer per salesperson of two teams and regions."""
    return {
        "sales1": make_customer(owner=org.sales1, name="上海华强机械有限公司", phone="13800138000"),
        "sales2": make_customer(owner=org.sales2, name="江苏远大科技有限公司"),
        "sales3": make_customer(owner=org.sales3, name="广州南方贸易有限公司", tax_id="91440000MA5ABCDE1X"),
        "sales5": make_customer(owner=org.sales5, name="北京京城实业有限公司"),
    }


def _codes(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {c["name"] for c in response.json()["items"]}


def _new(org, **overrides) -> dict:
    return {"name": "杭州新星电子有限公司", "region_id": org.regions["east"].pk, "tier_id": None, **overrides}


# --- workflow --------------------------------------------------------------------------------


def test_create_get_update_with_version_and_stale_conflict(org):
    api = bearer(org.sales1)
    # create
    response = api.post("/customers", _new(org, phone="0571-8888 0000", source="website"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["code"].startswith("CUS-") and body["owner_id"] == org.sales1.pk and body["version"] == 1
    assert "contacts" in body["missing_fields"]
    # get
    assert api.get(f"/customers/{body['id']}").json()["name"] == "杭州新星电子有限公司"
    # update with the loaded version
    response = api.patch(f"/customers/{body['id']}", {"version": 1, "industry": "电子"})
    assert response.status_code == 200, response.content
    assert response.json()["industry"] == "电子" and response.json()["version"] == 2
    # a second editor still holding version 1 is refused and nothing changes
    error = assert_error(
        api.patch(f"/customers/{body['id']}", {"version": 1, "industry": "化工"}), 409, "stale_version"
    )
    assert error["extra"] == {"current_version": 2}
    assert Customer.objects.get(pk=body["id"]).industry == "电子"


def test_patch_without_version_is_refused(org, book):
    response = bearer(org.sales1).patch(f"/customers/{book['sales1'].pk}", {"industry": "x"})
    assert_error(response, 422, "validation_error", {"version"})


def test_create_duplicate_answers_409_with_matches_then_allow_duplicate_creates(org, book):
    api = bearer(org.sales1)
    response = api.post("/customers", _new(org, name="广州 南方贸易"))
    error = assert_error(response, 409, "duplicate_customer")
    assert error["extra"]["duplicates"] == [
        {
            "id": book["sales3"].pk,
            "code": book["sales3"].code,
            "name": "广州南方贸易有限公司",
            "visible": False,
            "owner": None,
        }
    ]
    response = api.post("/customers", _new(org, name="广州 南方贸易", allow_duplicate=True))
    assert response.status_code == 201


def test_duplicates_endpoint_matches_normalised_phone_and_tax_id(org, book):
    api = bearer(org.sales1)
    found = api.get("/customers/duplicates", {"phone": "+86 138-0013-8000"}).json()
    assert [d["id"] for d in found] == [book["sales1"].pk]
    assert found[0]["owner"] == str(org.sales1)
    found = api.get("/customers/duplicates", {"tax_id": "91440000ma5abcde1x"}).json()
    assert [d["id"] for d in found] == [book["sales3"].pk] and found[0]["owner"] is None
    assert api.get("/customers/duplicates", {"name": "完全不同"}).json() == []


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": ""}, "name"),
        ({"region_id": 999999}, "region"),
        ({"tier_id": 999999}, "tier"),
        ({"owner_id": 999999}, "owner"),
        ({"tax_id": "ABC"}, "tax_id"),
        ({"email": "nope"}, "email"),
        ({"phone": "12"}, "phone"),
    ],
)
def test_create_with_bad_input_is_400_naming_the_field_and_writes_nothing(org, body, field):
    response = bearer(org.sales1).post("/customers", _new(org, **body))
    if field == "name":
        assert_error(response, 422, "validation_error", {field})
    else:
        assert_error(response, 400, "invalid", {field})
    assert not Customer.objects.exists()


def test_create_with_an_unknown_field_is_refused(org):
    assert_error(bearer(org.sales1).post("/customers", _new(org, completeness=100)), 422, "validation_error")


# --- scope matrix ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona, expected",
    [
        ("sales1", {"sales1"}),
        ("sales3", {"sales3"}),
        ("manager1", {"sales1", "sales2"}),
        ("manager2", {"sales3"}),
        ("regional_east", {"sales1", "sales2"}),
        ("director", {"sales1", "sales2", "sales3", "sales5"}),
        ("clerk", {"sales1", "sales2", "sales3", "sales5"}),
        ("auditor", {"sales1", "sales2", "sales3", "sales5"}),
    ],
)
def test_list_shows_exactly_the_customers_in_scope(org, book, persona, expected):
    names = _codes(bearer(getattr(org, persona)).get("/customers"))
    assert names == {book[k].name for k in expected}


def test_regional_manager_sees_the_region_subtree(org, make_customer):
    # a customer of a Shanghai sub-region owned by someone outside the East team
    shanghai = make_customer(owner=org.sales3, region=org.regions["east-sh"], name="浦东客户")
    names = _codes(bearer(org.regional_east).get("/customers"))
    assert shanghai.name in names


def test_out_of_scope_customer_is_404_for_every_operation(org, book):
    api, theirs = bearer(org.sales1), book["sales3"].pk
    assert_error(api.get(f"/customers/{theirs}"), 404, "not_found")
    assert_error(api.patch(f"/customers/{theirs}", {"version": 1, "industry": "x"}), 404, "not_found")
    assert_error(api.get(f"/customers/{theirs}/contacts"), 404, "not_found")
    assert_error(api.post(f"/customers/{theirs}/contacts", {"name": "x"}), 404, "not_found")
    assert_error(api.get(f"/customers/{theirs}/documents"), 404, "not_found")
    assert_error(api.post(f"/customers/{theirs}/deactivate", {}), 404, "not_found")
    assert _codes(api.get("/customers", {"q": "南方"})) == set()
    # the export has sales1's own customer only
    text = b"".join(api.get("/customers/export", {"format": "csv"}).streaming_content).decode("utf-8-sig")
    assert "华强" in text and "南方" not in text
    assert Customer.objects.get(pk=theirs).version == 1


def test_owner_filter_outside_scope_is_refused(org, book):
    response = bearer(org.sales1).get("/customers", {"owner": org.sales3.pk})
    assert_error(response, 400, "invalid", {"owner"})


@pytest.mark.parametrize("persona", ["auditor", "finance"])
def test_read_only_roles_cannot_write(org, book, persona):
    api, customer = bearer(getattr(org, persona)), book["sales1"]
    assert api.get(f"/customers/{customer.pk}").status_code == 200
    assert_error(api.post("/customers", _new(org)), 403, "permission_denied")
    assert_error(
        api.patch(f"/customers/{customer.pk}", {"version": 1, "industry": "x"}), 403, "permission_denied"
    )
    assert_error(api.post(f"/customers/{customer.pk}/contacts", {"name": "x"}), 403, "permission_denied")
    assert_error(
        api.post(f"/customers/{customer.pk}/transfer", {"to_owner_id": org.sales2.pk, "reason": "x"}),
        403,
        "permission_denied",
    )
    assert Customer.objects.count() == 4 and not Contact.objects.exists()


# --- transfer and merge ----------------------------------------------------------------------


def test_transfer_only_by_a_manager_and_recorded(org, book):
    customer = book["sales1"]
    body = {"to_owner_id": org.sales2.pk, "reason": "区域调整"}
    assert_error(
        bearer(org.sales1).post(f"/customers/{customer.pk}/transfer", body), 403, "permission_denied"
    )
    response = bearer(org.manager1).post(f"/customers/{customer.pk}/transfer", body)
    assert response.status_code == 200, response.content
    assert response.json()["owner_id"] == org.sales2.pk
    history = bearer(org.manager1).get(f"/customers/{customer.pk}/transfers").json()
    assert [(t["from_owner_id"], t["to_owner_id"], t["reason"]) for t in history] == [
        (org.sales1.pk, org.sales2.pk, "区域调整")
    ]
    # the manager of another team cannot move it
    assert_error(bearer(org.manager2).post(f"/customers/{customer.pk}/transfer", body), 404, "not_found")
    assert CustomerTransfer.objects.count() == 1


def test_merge_through_the_api(org, make_customer):
    kept, dup = make_customer(owner=org.sales1), make_customer(owner=org.sales2)
    Contact.objects.create(customer=dup, name="老联系人")
    response = bearer(org.manager1).post(f"/customers/{kept.pk}/merge", {"merged_id": dup.pk})
    assert response.status_code == 200, response.content
    assert response.json()["moved"]["contacts"] == 1
    api = bearer(org.manager1)
    assert dup.name not in _codes(api.get("/customers", {"active": "all"}))
    merged = api.get(f"/customers/{dup.pk}").json()
    assert merged["merged_into_id"] == kept.pk and merged["is_active"] is False
    assert_error(api.post(f"/customers/{kept.pk}/merge", {"merged_id": kept.pk}), 400, "invalid", {"merged"})


# --- contacts and documents ------------------------------------------------------------------


def test_contacts_create_update_deactivate(org, book):
    api, customer = bearer(org.sales1), book["sales1"]
    response = api.post(f"/customers/{customer.pk}/contacts", {"name": "王经理", "phone": "139-1234-5678"})
    assert response.status_code == 201, response.content
    contact = response.json()
    assert contact["is_primary"] is True
    response = api.patch(f"/customers/{customer.pk}/contacts/{contact['id']}", {"title": "采购经理"})
    assert response.json()["title"] == "采购经理"
    bad = api.patch(f"/customers/{customer.pk}/contacts/{contact['id']}", {"email": "bad"})
    assert_error(bad, 400, "invalid", {"email"})
    assert [c["name"] for c in api.get(f"/customers/{customer.pk}/contacts").json()] == ["王经理"]
    api.post(f"/customers/{customer.pk}/contacts/{contact['id']}/deactivate")
    assert api.get(f"/customers/{customer.pk}/contacts").json() == []


def test_document_upload_verify_and_replace_through_multipart(org, book):
    customer = book["sales1"]
    client = Client()
    token = bearer(org.sales1).headers["Authorization"]
    url = f"{API}/customers/{customer.pk}/documents"
    pdf = SimpleUploadedFile("licence.pdf", b"%PDF one", content_type="application/pdf")
    response = client.post(
        url,
        {"kind": "licence", "number": "L-1", "expires_on": "2030-12-31", "file": pdf},
        headers={"Authorization": token},
    )
    assert response.status_code == 201, response.content
    doc = response.json()
    assert doc["verified_at"] is None and doc["expires_on"] == "2030-12-31"
    # a salesperson may not verify, the clerk may
    assert_error(
        bearer(org.sales1).post(f"/customers/{customer.pk}/documents/{doc['id']}/verify"),
        403,
        "permission_denied",
    )
    response = bearer(org.clerk).post(f"/customers/{customer.pk}/documents/{doc['id']}/verify")
    assert response.status_code == 200 and response.json()["verified_by_id"] == org.clerk.pk
    # a new file clears the verification
    new = SimpleUploadedFile("licence.pdf", b"%PDF two", content_type="application/pdf")
    response = client.post(f"{url}/{doc['id']}", {"file": new}, headers={"Authorization": token})
    assert response.status_code == 200, response.content
    assert response.json()["verified_at"] is None
    assert CustomerDocument.objects.get().file.read() == b"%PDF two"


def test_document_upload_of_a_program_is_refused(org, book):
    client = Client()
    token = bearer(org.sales1).headers["Authorization"]
    exe = SimpleUploadedFile("setup.exe", b"MZ", content_type="application/octet-stream")
    response = client.post(
        f"{API}/customers/{book['sales1'].pk}/documents",
        {"kind": "licence", "file": exe},
        headers={"Authorization": token},
    )
    assert_error(response, 400, "invalid", {"file"})
    assert not CustomerDocument.objects.exists()


# --- export, incomplete, query budget --------------------------------------------------------


def test_export_csv_has_bom_and_chinese_and_the_same_rows_as_the_list(org, book):
    response = bearer(org.manager1).get("/customers/export", {"format": "csv", "q": "华强"})
    assert response.status_code == 200
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][0] == "Customer number"
    assert [r[1] for r in rows[1:]] == ["上海华强机械有限公司"]


def test_export_xlsx_opens_with_openpyxl(org, book):
    response = session(org.director).get("/customers/export", {"format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    names = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert names == {c.name for c in book.values()}


def test_export_in_an_unknown_format_is_refused(org, book):
    assert_error(
        bearer(org.sales1).get("/customers/export", {"format": "pdf"}), 422, "validation_error", {"format"}
    )


def test_incomplete_counts_per_salesperson(org, book):
    rows = bearer(org.manager1).get("/customers/incomplete").json()
    assert {r["owner_id"]: r["count"] for r in rows} == {org.sales1.pk: 1, org.sales2.pk: 1}


def test_list_query_budget_does_not_grow_with_rows(org, make_customer, django_assert_max_num_queries):
    for _ in range(30):
        make_customer(owner=org.sales1)
    api = bearer(org.director)
    with django_assert_max_num_queries(8):
        response = api.get("/customers", {"page_size": 20})
    assert response.status_code == 200 and len(response.json()["items"]) == 20


def test_search_finds_by_pinyin_initials_phone_and_number(org, book):
    api = bearer(org.director)
    assert _codes(api.get("/customers", {"q": "shhqjx"})) == {"上海华强机械有限公司"}
    assert _codes(api.get("/customers", {"q": "138 0013 8000"})) == {"上海华强机械有限公司"}
    assert _codes(api.get("/customers", {"q": book["sales2"].code})) == {"江苏远大科技有限公司"}
    assert _codes(api.get("/customers", {"q": "91440000MA5ABCDE1X"})) == {"广州南方贸易有限公司"}


def test_region_filter_includes_sub_regions_and_sort(org, book):
    api = bearer(org.director)
    assert _codes(api.get("/customers", {"region": org.regions["east"].pk})) == {
        book["sales1"].name,
        book["sales2"].name,
    }
    names = [c["name"] for c in api.get("/customers", {"sort": "-code"}).json()["items"]]
    assert names == [c.name for c in sorted(book.values(), key=lambda c: c.code, reverse=True)]
