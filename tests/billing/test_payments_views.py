"""The payment and receivables pages: list with export and scope, record form (oldest first and
by hand), detail with allocation, aging with drill-down and XLSX of numbers, monthly
collections, collection tasks, statement of account, credit override — in both languages."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.test import Client
from django.urls import reverse

from salesdept.billing.models import CollectionTask, Payment
from salesdept.billing.services.collections import collections_run

from .fixtures_payments import customer, days, invoice, record, refresh, today

D = Decimal


def client_for(user, language=None) -> Client:
    c = Client(headers={"accept-language": language} if language else {})
    c.force_login(user)
    return c


def test_payment_list_scope_export_and_empty_state(org):
    mine, south = customer(org, org.sales1), customer(org, org.sales3)
    p1 = record(org.finance, mine, "10.00", allocation="none", reference="BK-A")
    p3 = record(org.finance, south, "20.00", allocation="none", reference="BK-B")
    page = client_for(org.sales1).get(reverse("billing:payment_list"))
    assert page.status_code == 200
    assert p1.number in page.text and p3.number not in page.text
    csv = client_for(org.sales1).get(reverse("billing:payment_list"), {"format": "csv"})
    text = b"".join(csv.streaming_content).decode("utf-8-sig")
    assert p1.number in text and p3.number not in text
    assert client_for(org.sales1).get(reverse("billing:payment_detail", args=[p3.pk])).status_code == 404
    sorted_page = client_for(org.finance).get(reverse("billing:payment_list"), {"sort": "-amount"})
    assert sorted_page.text.index(p3.number) < sorted_page.text.index(p1.number)
    empty = client_for(org.finance).get(reverse("billing:payment_list"), {"q": "nothing-like-this"})
    assert 'data-testid="empty-state"' in empty.text
    assert client_for(org.keeper).get(reverse("billing:payment_list")).status_code == 403


def test_record_payment_page_oldest_and_by_hand(org):
    cust = customer(org)
    first = invoice(org, cust, "100.00", due_on=days(-20))
    second = invoice(org, cust, "100.00", due_on=days(-10))
    c = client_for(org.finance)
    form = c.get(reverse("billing:payment_create"), {"customer": cust.pk})
    assert form.status_code == 200 and first.number in form.text and f'name="alloc-{second.pk}"' in form.text
    partial = c.get(reverse("billing:payment_open_invoices"), {"customer": cust.pk})
    assert second.number in partial.text
    data = {
        "customer": cust.pk,
        "amount": "50.00",
        "received_on": today().isoformat(),
        "method": "bank",
        "reference": "BK-PAGE",
        "allocation": "manual",
        f"alloc-{second.pk}": "50",
    }
    done = c.post(reverse("billing:payment_create"), data)
    payment = Payment.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse(
        "billing:payment_detail", args=[payment.pk]
    )
    assert refresh(second).paid_amount == D("50.00") and refresh(first).paid_amount == 0
    # the same reference again: the page says so, nothing recorded
    again = c.post(reverse("billing:payment_create"), data)
    assert again.status_code == 409 and payment.number in again.text
    bad = c.post(reverse("billing:payment_create"), {**data, "amount": "", "reference": "X"})
    assert bad.status_code == 400
    assert Payment.objects.count() == 1
    assert client_for(org.sales1).get(reverse("billing:payment_create")).status_code == 403


def test_payment_detail_allocates_the_remaining_credit(org):
    cust = customer(org)
    payment = record(org.finance, cust, "80.00", allocation="none")
    inv = invoice(org, cust, "50.00", due_on=days(3))
    c = client_for(org.finance)
    page = c.get(reverse("billing:payment_detail", args=[payment.pk]))
    assert page.status_code == 200 and 'data-testid="allocate-form"' in page.text
    done = c.post(reverse("billing:payment_allocate", args=[payment.pk]), {"allocation": "oldest"})
    assert done.status_code == 302
    assert refresh(inv).paid_amount == D("50.00") and refresh(payment).unallocated == D("30.00")
    refused = c.post(reverse("billing:payment_allocate", args=[payment.pk]), {"allocation": "oldest"})
    assert refused.status_code == 409
    # a salesperson sees the payment but gets no allocation form
    view = client_for(org.sales1).get(reverse("billing:payment_detail", args=[payment.pk]))
    assert view.status_code == 200 and 'data-testid="allocate-form"' not in view.text


def test_aging_page_dimensions_drill_down_and_xlsx_numbers(org):
    from openpyxl import load_workbook

    cust = customer(org)
    inv = invoice(org, cust, "123.45", due_on=days(-95))
    c = client_for(org.finance)
    for by in ("customer", "salesperson", "region"):
        page = c.get(reverse("billing:aging"), {"by": by, "as_of": today().isoformat()})
        assert page.status_code == 200 and "123.45" in page.text
    drill = c.get(reverse("billing:aging_detail"), {"by": "customer", "key": cust.pk})
    assert inv.number in drill.text and "95" in drill.text
    xlsx = c.get(reverse("billing:aging"), {"by": "customer", "format": "xlsx"})
    sheet = load_workbook(BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == cust.name
    assert isinstance(rows[1][5], int | float | Decimal) and D(str(rows[1][5])) == D("123.45")  # over 90
    assert rows[-1][6] == rows[1][6]  # totals row
    mine = client_for(org.sales3).get(reverse("billing:aging"))
    assert cust.name not in mine.text and 'data-testid="empty-state"' in mine.text


def test_aging_page_in_chinese(org):
    invoice(org, customer(org), "10.00", due_on=days(-5))
    page = client_for(org.finance, "zh-hans").get(reverse("billing:aging"))
    assert page.status_code == 200 and 'lang="zh' in page.text


def test_collections_and_statement_pages(org):
    cust = customer(org)
    invoice(org, cust, "100.00", due_on=days(-5), invoiced_on=days(-10))
    record(org.finance, cust, "70.00", reference="BK-ST")
    c = client_for(org.regional_east)
    page = c.get(reverse("billing:collections"), {"year": today().year, "by": "salesperson"})
    assert page.status_code == 200 and "70.00" in page.text
    export = c.get(reverse("billing:collections"), {"format": "csv"})
    assert "70.00" in b"".join(export.streaming_content).decode("utf-8-sig")
    statement = client_for(org.finance).get(
        reverse("billing:customer_statement", args=[cust.pk]), {"start": days(-30).isoformat()}
    )
    assert statement.status_code == 200 and "30.00" in statement.text and "BK-ST" in statement.text
    assert (
        client_for(org.sales3).get(reverse("billing:customer_statement", args=[cust.pk])).status_code == 404
    )


def test_collection_tasks_page_mine_and_done(org):
    mine = customer(org, org.sales1)
    invoice(org, mine, "10.00", due_on=days(-5))
    invoice(org, customer(org, org.sales3), "20.00", due_on=days(-5), owner=org.sales3)
    collections_run(today=today(), by=org.finance)
    page = client_for(org.sales1).get(reverse("billing:collection_tasks"))
    assert page.status_code == 200 and page.text.count('data-testid="task-row"') == 1
    manager = client_for(org.manager1).get(reverse("billing:collection_tasks"), {"mine": "1"})
    assert 'data-testid="empty-state"' in manager.text
    task = CollectionTask.objects.get(customer=mine)
    done = client_for(org.sales1).post(
        reverse("billing:collection_task_done", args=[task.pk]), {"note": "已催"}
    )
    assert done.status_code == 302 and refresh(task).status == "done"
    other = CollectionTask.objects.exclude(pk=task.pk).get()
    client_for(org.sales1).post(reverse("billing:collection_task_done", args=[other.pk]))
    assert refresh(other).status == "open"


@pytest.mark.parametrize("user, status", [("finance", 200), ("director", 200), ("sales1", 403)])
def test_credit_override_page(org, user, status):
    from salesdept.sales.services import orders as order_services

    from .fixtures_payments import product

    cust = customer(org, org.sales1, credit_limit=D("1.00"))
    order = order_services.order_create(
        by=org.sales1, customer_id=cust.pk, lines=[{"product_id": product("50.00").pk, "quantity": D("1")}]
    )
    c = client_for(getattr(org, user))
    assert c.get(reverse("billing:credit_override", args=[order.pk])).status_code == status
    if status == 200:
        assert c.post(reverse("billing:credit_override", args=[order.pk]), {"note": "ok"}).status_code == 302
        assert c.post(reverse("billing:credit_override", args=[order.pk]), {"note": ""}).status_code == 400
