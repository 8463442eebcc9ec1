"""Customer pages (C1): list, detail, forms with the duplicate warning, transfer, merge,
deactivation, documents, export and incomplete files, in both languages."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from salesdept.crm.models import Contact, Customer, CustomerDocument, CustomerMerge, CustomerTransfer


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _rows(response) -> list[int]:
    return [
        int(i)
        for i in re.findall(r'data-testid="customer-row" data-customer="(\d+)"', response.content.decode())
    ]


def _form(org, **overrides) -> dict:
    return {
        "kind": "company",
        "name": "杭州新星电子有限公司",
        "region": org.regions["east"].pk,
        "owner": org.sales1.pk,
        "tier": "",
        "source": "",
        **overrides,
    }


# --- list ------------------------------------------------------------------------------------


def test_list_shows_only_my_customers(client, org, make_customer):
    mine, theirs = make_customer(owner=org.sales1), make_customer(owner=org.sales3)
    client.force_login(org.sales1)
    response = client.get(reverse("crm:customer_list"))
    assert response.status_code == 200
    assert _rows(response) == [mine.pk]
    assert theirs.name not in response.content.decode()


def test_list_search_filter_and_empty_state(client, org, make_customer):
    make_customer(owner=org.sales1, name="上海华强机械有限公司")
    other = make_customer(owner=org.sales1, name="苏州精工有限公司", tier="C")
    client.force_login(org.sales1)
    assert len(_rows(client.get(reverse("crm:customer_list"), {"q": "hqjx"}))) == 1
    assert _rows(client.get(reverse("crm:customer_list"), {"tier": other.tier_id})) == [other.pk]
    response = client.get(reverse("crm:customer_list"), {"q": "不存在的客户"})
    assert 'data-testid="empty-state"' in response.content.decode()


def test_list_page_query_budget(client, org, make_customer, django_assert_max_num_queries):
    for _ in range(60):
        make_customer(owner=org.sales1)
    client.force_login(org.manager1)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("crm:customer_list"), {"sort": "-completeness"})
    assert len(_rows(response)) == 50


def test_list_needs_the_view_permission(client, org):
    client.force_login(org.admin)
    assert client.get(reverse("crm:customer_list")).status_code == 403


# --- detail ----------------------------------------------------------------------------------


def test_detail_shows_sections_and_actions_for_a_manager(client, org, make_customer):
    customer = make_customer(owner=org.sales1, tax_id="91310000MA1K4AB12X")
    Contact.objects.create(customer=customer, name="王经理", phone="13900000000")
    client.force_login(org.manager1)
    html = client.get(reverse("crm:customer_detail", args=[customer.pk])).content.decode()
    for testid in ("invoicing", "contacts", "documents", "history-activities", "history-transfers"):
        assert f'data-testid="{testid}"' in html
    assert "王经理" in html and "91310000MA1K4AB12X" in html
    assert 'data-testid="action-transfer"' in html and 'data-testid="action-merge"' in html


def test_detail_hides_manager_actions_from_a_salesperson_and_all_writes_from_the_auditor(
    client, org, make_customer
):
    customer = make_customer(owner=org.sales1)
    client.force_login(org.sales1)
    html = client.get(reverse("crm:customer_detail", args=[customer.pk])).content.decode()
    assert "action-transfer" not in html and "action-merge" not in html and "action-deactivate" in html
    client.force_login(org.auditor)
    html = client.get(reverse("crm:customer_detail", args=[customer.pk])).content.decode()
    assert "action-" not in html
    assert reverse("crm:contact_create", args=[customer.pk]) not in html


def test_detail_of_someone_elses_customer_is_404(client, org, make_customer):
    theirs = make_customer(owner=org.sales3)
    client.force_login(org.sales1)
    assert client.get(reverse("crm:customer_detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("crm:customer_edit", args=[theirs.pk])).status_code == 404


# --- create and edit -------------------------------------------------------------------------


def test_create_through_the_form(client, org):
    client.force_login(org.sales1)
    response = client.post(reverse("crm:customer_create"), _form(org, phone="0571 8888 0000"))
    customer = Customer.objects.get()
    assert response.status_code == 302 and response.url == reverse("crm:customer_detail", args=[customer.pk])
    assert customer.owner == org.sales1 and customer.phone_normalized == "057188880000"


def test_create_form_shows_the_field_error(client, org):
    client.force_login(org.sales1)
    response = client.post(reverse("crm:customer_create"), _form(org, tax_id="123"))
    assert response.status_code == 400
    assert "is-invalid" in response.content.decode()
    assert not Customer.objects.exists()


def test_duplicate_warning_then_create_anyway(client, org, make_customer):
    existing = make_customer(owner=org.sales3, name="上海华强机械有限公司")
    client.force_login(org.sales1)
    response = client.post(reverse("crm:customer_create"), _form(org, name="上海 华强机械"))
    assert response.status_code == 409
    html = response.content.decode()
    assert 'data-testid="duplicate-warning"' in html and existing.code in html
    assert str(org.sales3) not in html  # a colleague's name is not revealed
    assert Customer.objects.count() == 1
    response = client.post(
        reverse("crm:customer_create"), _form(org, name="上海 华强机械", allow_duplicate="on")
    )
    assert response.status_code == 302
    assert Customer.objects.count() == 2


def test_edit_with_a_stale_version_is_refused(client, org, make_customer):
    customer = make_customer(owner=org.sales1, name="甲公司")
    client.force_login(org.sales1)
    url = reverse("crm:customer_edit", args=[customer.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, _form(org, name="甲公司", industry="新行业", version=1))
    assert response.status_code == 302
    response = client.post(url, _form(org, name="甲公司", industry="更旧的", version=1))
    assert response.status_code == 409
    customer.refresh_from_db()
    assert customer.industry == "新行业" and customer.version == 2


# --- transfer, merge, deactivate -------------------------------------------------------------


def test_transfer_page_is_for_managers_and_records_the_transfer(client, org, make_customer):
    customer = make_customer(owner=org.sales1)
    url = reverse("crm:customer_transfer", args=[customer.pk])
    client.force_login(org.sales1)
    assert client.get(url).status_code == 403
    client.force_login(org.manager1)
    html = client.get(url).content.decode()
    assert str(org.sales2) in html and str(org.sales3) not in html  # only the own team is offered
    response = client.post(url, {"to_owner": org.sales2.pk, "reason": "调岗", "version": 1})
    assert response.status_code == 302
    assert CustomerTransfer.objects.get().to_owner == org.sales2
    html = client.get(reverse("crm:customer_detail", args=[customer.pk])).content.decode()
    assert 'data-testid="transfer-row"' in html and "调岗" in html


def test_merge_asks_for_confirmation_showing_what_moves(client, org, make_customer):
    kept = make_customer(owner=org.sales1, name="华强机械有限公司")
    dup = make_customer(owner=org.sales2, name="上海华强机械")
    Contact.objects.create(customer=dup, name="联系人甲")
    Contact.objects.create(customer=dup, name="联系人乙")
    client.force_login(org.manager1)
    url = reverse("crm:customer_merge", args=[kept.pk])
    # step 1: the duplicate by its number
    response = client.post(url, {"code": dup.code})
    html = response.content.decode()
    assert 'data-testid="merge-confirm"' in html
    assert re.search(r"<li>Contacts: 2</li>", html)
    assert not CustomerMerge.objects.exists()
    # step 2: confirmed
    response = client.post(url, {"code": dup.code, "confirm": "1"})
    assert response.status_code == 302
    assert CustomerMerge.objects.get().moved["contacts"] == 2
    dup.refresh_from_db()
    assert dup.merged_into == kept
    html = client.get(reverse("crm:customer_detail", args=[dup.pk])).content.decode()
    assert 'data-testid="merged-banner"' in html


def test_merge_with_an_unknown_or_foreign_number_is_refused(client, org, make_customer):
    kept, foreign = make_customer(owner=org.sales1), make_customer(owner=org.sales3)
    client.force_login(org.manager1)
    response = client.post(
        reverse("crm:customer_merge", args=[kept.pk]), {"code": foreign.code, "confirm": "1"}
    )
    assert response.status_code == 400
    assert not CustomerMerge.objects.exists()


def test_deactivate_confirms_first(client, org, make_customer):
    customer = make_customer(owner=org.sales1)
    client.force_login(org.sales1)
    url = reverse("crm:customer_deactivate", args=[customer.pk])
    assert 'data-testid="deactivate-form"' in client.get(url).content.decode()
    customer.refresh_from_db()
    assert customer.is_active
    assert client.post(url, {"version": 1}).status_code == 302
    customer.refresh_from_db()
    assert not customer.is_active
    assert _rows(client.get(reverse("crm:customer_list"))) == []


# --- contacts and documents ------------------------------------------------------------------


def test_contact_add_and_edit(client, org, make_customer):
    customer = make_customer(owner=org.sales1)
    client.force_login(org.sales1)
    response = client.post(
        reverse("crm:contact_create", args=[customer.pk]), {"name": "赵", "phone": "13911112222"}
    )
    assert response.status_code == 302
    contact = Contact.objects.get()
    response = client.post(
        reverse("crm:contact_edit", args=[contact.pk]), {"name": "赵总", "phone": "13911112222"}
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.name == "赵总"


def test_document_upload_verify_and_download_only_in_scope(client, org, make_customer):
    customer = make_customer(owner=org.sales1)
    client.force_login(org.sales1)
    pdf = SimpleUploadedFile("licence.pdf", b"%PDF page", content_type="application/pdf")
    response = client.post(
        reverse("crm:customerdocument_upload", args=[customer.pk]),
        {"kind": "licence", "number": "L1", "expires_on": "2000-01-01", "file": pdf},
    )
    assert response.status_code == 302, response.content
    doc = CustomerDocument.objects.get()
    html = client.get(reverse("crm:customer_detail", args=[customer.pk])).content.decode()
    assert 'data-expiry="expired"' in html and 'data-verified="0"' in html
    client.force_login(org.clerk)
    assert client.post(reverse("crm:customerdocument_verify", args=[doc.pk])).status_code == 302
    doc.refresh_from_db()
    assert doc.verified_by == org.clerk
    file_url = reverse("crm:customerdocument_file", args=[doc.pk])
    assert b"".join(client.get(file_url).streaming_content) == b"%PDF page"
    client.force_login(org.sales3)
    assert client.get(file_url).status_code == 404


# --- export and incomplete -------------------------------------------------------------------


def test_export_from_the_page_uses_the_filters(client, org, make_customer):
    make_customer(owner=org.sales1, name="上海华强机械有限公司")
    make_customer(owner=org.sales1, name="苏州精工有限公司")
    make_customer(owner=org.sales3, name="广州南方贸易有限公司")
    client.force_login(org.sales1)
    response = client.get(reverse("crm:customer_export"), {"format": "csv", "q": "华强"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "上海华强机械有限公司" in text and "精工" not in text and "南方" not in text
    client.force_login(org.admin)
    assert client.get(reverse("crm:customer_export"), {"format": "csv"}).status_code == 403


def test_incomplete_page_lists_files_per_salesperson(client, org, make_customer):
    make_customer(owner=org.sales1)
    make_customer(owner=org.sales2)
    client.force_login(org.manager1)
    html = client.get(reverse("crm:customer_incomplete")).content.decode()
    assert f'data-owner="{org.sales1.pk}" data-count="1"' in html
    response = client.get(reverse("crm:customer_incomplete"), {"owner": org.sales2.pk})
    assert response.content.decode().count('data-testid="incomplete-row"') == 1
    assert client.get(reverse("crm:customer_incomplete"), {"owner": org.sales5.pk}).status_code == 404


# --- language --------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["list", "detail", "create", "edit", "transfer", "merge", "incomplete"])
def test_pages_render_in_chinese(client, org, make_customer, page):
    customer = make_customer(owner=org.sales1)
    org.manager1.language = "zh-hans"
    org.manager1.save(update_fields=["language"])
    client.force_login(org.manager1)
    urls = {
        "list": reverse("crm:customer_list"),
        "detail": reverse("crm:customer_detail", args=[customer.pk]),
        "create": reverse("crm:customer_create"),
        "edit": reverse("crm:customer_edit", args=[customer.pk]),
        "transfer": reverse("crm:customer_transfer", args=[customer.pk]),
        "merge": reverse("crm:customer_merge", args=[customer.pk]),
        "incomplete": reverse("crm:customer_incomplete"),
    }
    response = client.get(urls[page])
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    # the page's own headings are in Chinese
    for english in (
        "Customers</h1>",
        "Invoicing data",
        "Basic data",
        "Incomplete customer files",
        "Merge a duplicate</h1>",
    ):
        assert english not in html
