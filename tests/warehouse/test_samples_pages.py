"""Sample pages and API (W5) in English and 简体中文: the loan list with the overdue badge and
its scope, consuming part of a loan, the received-samples register (verify by a second person)."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from salesdept.warehouse.models import ReceivedSample, SampleLoan
from salesdept.warehouse.services import samples as svc
from tests.api_helpers import assert_error, session

from .fixtures_b import URLS, lend  # noqa: F401

pytestmark = pytest.mark.urls(URLS)


def client_for(user, language="en") -> Client:
    user.language = language
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def loans(org, wh, make_product, receive):
    """sales1 holds 5 brochures (overdue) and sales2 holds 2 gifts."""
    brochures, gifts = make_product(name="产品宣传册"), make_product(name="礼品")
    receive(wh.samples, brochures, 50, unit_cost="2.00")
    receive(wh.samples, gifts, 10, unit_cost="30.00")
    today = timezone.localdate()
    late = lend(
        org.keeper, wh.samples, brochures, 5, holder=org.sales1, due_back=today - datetime.timedelta(days=3),
        moved_on=today - datetime.timedelta(days=20),
    )  # fmt: skip
    other = lend(
        org.keeper, wh.samples, gifts, 2, holder=org.sales2, due_back=today + datetime.timedelta(days=7)
    )
    return late, other


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_keeper_sees_every_loan_with_the_overdue_badge(org, loans, language):
    late, other = loans
    page = client_for(org.keeper, language).get(reverse("warehouse:sample_list"))
    html = page.content.decode()
    assert page.status_code == 200 and f'lang="{language}"' in html
    assert html.count('data-testid="sample-row"') == 2
    assert (
        html.count('data-testid="overdue-badge"') == 1
        and f'data-loan="{late.pk}" class="table-danger"' in html
    )
    assert 'data-testid="overdue-count"' in html


def test_a_salesperson_sees_only_their_own_loans(org, loans):
    late, other = loans
    html = client_for(org.sales1).get(reverse("warehouse:sample_list")).content.decode()
    assert f'data-loan="{late.pk}"' in html and f'data-loan="{other.pk}"' not in html
    assert client_for(org.sales1).get(reverse("warehouse:sample_detail", args=[other.pk])).status_code == 404
    assert client_for(org.sales2).get(reverse("warehouse:sample_detail", args=[other.pk])).status_code == 200
    # and cannot record consumption
    assert (
        client_for(org.sales1)
        .post(reverse("warehouse:sample_consume", args=[late.pk]), {"quantity": "1"})
        .status_code
        == 403
    )
    # the API answers the same
    items = session(org.sales1).get("/warehouse/sample-loans").json()["items"]
    assert [x["id"] for x in items] == [late.pk] and items[0]["overdue"] is True
    assert_error(session(org.sales1).get(f"/warehouse/sample-loans/{other.pk}"), 404, "not_found")


def test_overdue_filter_export_and_empty_state(org, loans):
    late, _other = loans
    client = client_for(org.keeper)
    html = client.get(reverse("warehouse:sample_list"), {"status": "overdue"}).content.decode()
    assert html.count('data-testid="sample-row"') == 1
    export = client.get(reverse("warehouse:sample_list"), {"format": "csv", "status": "overdue"})
    assert export.status_code == 200 and late.issue_line.document.number in b"".join(
        export.streaming_content
    ).decode("utf-8-sig")
    closed = client_for(org.sales2).get(reverse("warehouse:sample_list"), {"status": "closed"})
    assert 'data-testid="empty-state"' in closed.content.decode()


def test_consume_through_the_page_closes_the_loan(org, loans):
    late, _other = loans
    client = client_for(org.keeper, "zh-hans")
    bad = client.post(reverse("warehouse:sample_consume", args=[late.pk]), {"quantity": "6"})
    assert bad.status_code == 400 and "invalid-feedback" in bad.content.decode()
    ok = client.post(
        reverse("warehouse:sample_consume", args=[late.pk]), {"quantity": "5", "note": "客户试用"}
    )
    assert ok.status_code == 302
    late.refresh_from_db()
    assert late.status == SampleLoan.Status.CLOSED
    html = client.get(reverse("warehouse:sample_detail", args=[late.pk])).content.decode()
    assert 'data-testid="consume-form"' not in html and "客户试用" in html


def test_api_consume(org, loans):
    late, _other = loans
    keeper = session(org.keeper)
    assert_error(
        keeper.post(f"/warehouse/sample-loans/{late.pk}/consume", {"quantity": "9"}),
        400,
        "invalid",
        {"quantity"},
    )
    assert_error(
        keeper.post(f"/warehouse/sample-loans/{late.pk}/consume", {"quantity": "1", "holder": 3}),
        422,
        "validation_error",
    )
    body = keeper.post(f"/warehouse/sample-loans/{late.pk}/consume", {"quantity": "2", "note": "展会"}).json()
    assert body["consumed"] == "2.000" and body["outstanding"] == "3.000" and body["status"] == "out"
    assert_error(
        session(org.sales1).post(f"/warehouse/sample-loans/{late.pk}/consume", {"quantity": "1"}),
        403,
        "permission_denied",
    )


# --- received samples ------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_register_check_verify_through_the_pages(org, wh, customer, language):
    keeper = client_for(org.keeper, language)
    form = keeper.get(reverse("warehouse:received_create"))
    assert form.status_code == 200 and f'lang="{language}"' in form.content.decode()
    bad = keeper.post(
        reverse("warehouse:received_create"),
        {"received_on": "2026-11-30", "sender": "", "description": "x", "quantity": "1"},
    )
    assert bad.status_code == 400
    response = keeper.post(
        reverse("warehouse:received_create"),
        {
            "received_on": timezone.localdate().isoformat(),
            "sender": "华东机械厂",
            "description": "齿轮样件",
            "quantity": "2",
            "customer": customer.pk,
            "location": wh.samples.pk,
        },
    )
    sample = ReceivedSample.objects.get()
    assert response.status_code == 302 and sample.customer == customer
    assert (
        keeper.post(
            reverse("warehouse:received_action", args=[sample.pk, "check"]), {"note": "数量相符"}
        ).status_code
        == 302
    )
    # the registrar sees no verify button, and a direct post is refused (403)
    html = keeper.get(reverse("warehouse:received_detail", args=[sample.pk])).content.decode()
    assert 'data-action="verify"' not in html and 'data-testid="own-registration"' in html
    assert keeper.post(reverse("warehouse:received_action", args=[sample.pk, "verify"])).status_code == 403
    clerk = client_for(org.clerk, language)
    assert (
        'data-action="verify"'
        in clerk.get(reverse("warehouse:received_detail", args=[sample.pk])).content.decode()
    )
    assert clerk.post(reverse("warehouse:received_action", args=[sample.pk, "verify"])).status_code == 302
    sample.refresh_from_db()
    assert (sample.status, sample.verified_by) == (ReceivedSample.Status.VERIFIED, org.clerk)
    listed = clerk.get(reverse("warehouse:received_list")).content.decode()
    assert "华东机械厂" in listed
    assert clerk.post(reverse("warehouse:received_action", args=[sample.pk, "fly"])).status_code == 404


def test_edit_only_while_registered_and_not_for_salespeople(org):
    sample = svc.received_register(by=org.clerk, data={"sender": "甲", "description": "样", "quantity": "1"})
    clerk = client_for(org.clerk)
    page = clerk.get(reverse("warehouse:received_edit", args=[sample.pk]))
    assert page.status_code == 200
    saved = clerk.post(
        reverse("warehouse:received_edit", args=[sample.pk]),
        {"received_on": sample.received_on.isoformat(), "sender": "乙", "description": "样", "quantity": "3"},
    )
    assert saved.status_code == 302
    sample.refresh_from_db()
    assert (sample.sender, sample.quantity) == ("乙", 3)
    assert client_for(org.sales1).get(reverse("warehouse:received_list")).status_code == 403
    svc.received_check(by=org.keeper, sample_id=sample.pk)
    assert clerk.get(reverse("warehouse:received_edit", args=[sample.pk])).status_code == 302


def test_api_received_samples(org, customer):
    clerk, keeper = session(org.clerk), session(org.keeper)
    assert_error(
        clerk.post("/warehouse/received-samples", {"sender": "甲", "description": "样", "quantity": "0"}),
        400,
        "invalid",
        {"quantity"},
    )
    assert_error(
        clerk.post(
            "/warehouse/received-samples",
            {"sender": "甲", "description": "样", "quantity": "1", "status": "verified"},
        ),
        422,
        "validation_error",
    )
    created = clerk.post(
        "/warehouse/received-samples",
        {"sender": "甲公司", "description": "样件", "quantity": "1", "customer": customer.pk},
    )
    assert created.status_code == 201, created.content
    sid = created.json()["id"]
    assert created.json()["actions"] == ["edit", "check", "return", "dispose"]
    assert clerk.patch(f"/warehouse/received-samples/{sid}", {"quantity": "2"}).json()["quantity"] == "2.000"
    assert clerk.post(f"/warehouse/received-samples/{sid}/check").json()["status"] == "checked"
    assert_error(clerk.post(f"/warehouse/received-samples/{sid}/verify"), 403, "own_registration")
    assert (
        keeper.post(f"/warehouse/received-samples/{sid}/verify", {"note": "已核实"}).json()["status"]
        == "verified"
    )
    assert_error(
        keeper.post(f"/warehouse/received-samples/{sid}/dispose", {"note": ""}), 400, "invalid", {"note"}
    )
    assert (
        keeper.post(f"/warehouse/received-samples/{sid}/dispose", {"note": "试验后销毁"}).json()["status"]
        == "disposed"
    )
    assert (
        session(org.auditor).get("/warehouse/received-samples", {"status": "disposed"}).json()["count"] == 1
    )
    assert_error(session(org.sales1).get("/warehouse/received-samples"), 403, "permission_denied")


def test_loan_list_keeps_a_query_budget(org, wh, make_product, receive, django_assert_max_num_queries):
    product = make_product()
    receive(wh.samples, product, 100)
    for _ in range(12):
        lend(org.keeper, wh.samples, product, 1, holder=org.sales1)
    client = client_for(org.keeper)
    client.get(reverse("warehouse:sample_list"))
    with django_assert_max_num_queries(20):
        page = client.get(reverse("warehouse:sample_list"))
    assert page.content.decode().count('data-testid="sample-row"') == 12
