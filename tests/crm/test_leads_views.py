"""Lead pages (C2): list with funnel and export, detail with history, move, win, create/edit,
the visitor reception log and the conversion-rate page; scope, errors on forms, both languages."""

import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from salesdept.crm.models import Customer, Lead, LeadStageChange, Visit
from salesdept.crm.services import leads as services

pytestmark = pytest.mark.django_db


def _ids(response, name="lead") -> list[int]:
    return [
        int(i)
        for i in re.findall(rf'data-testid="{name}-row" data-{name}="(\d+)"', response.content.decode())
    ]


def _login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def mine(org):
    return services.lead_create(by=org.sales1, data={"name": "上海华强机械", "phone": "13800138000"})


@pytest.fixture
def theirs(org):
    return services.lead_create(by=org.sales3, data={"name": "广州明珠"})


# --- list --------------------------------------------------------------------------------------


def test_lead_list_shows_only_own_leads_with_funnel(client, org, mine, theirs):
    response = _login(client, org.sales1).get(reverse("crm:lead_list"))
    assert response.status_code == 200
    assert _ids(response) == [mine.pk]
    html = response.content.decode()
    assert 'data-testid="funnel-step" data-stage="new" data-count="1"' in html
    assert "广州明珠" not in html


def test_lead_list_query_budget(client, org, make_lead, django_assert_max_num_queries):
    for _ in range(60):
        make_lead(owner=org.sales1)
    client = _login(client, org.sales1)
    client.get(reverse("crm:lead_list"))  # warm caches (session, permissions)
    # session, user, permissions, roles, funnel counts, stages, page count, filter choices, rows:
    # a fixed number, whatever the number of leads
    with django_assert_max_num_queries(12):
        response = client.get(reverse("crm:lead_list"), {"sort": "name"})
    assert len(_ids(response)) == 50


def test_lead_list_bad_filter_shows_the_error(client, org, mine):
    response = _login(client, org.sales1).get(
        reverse("crm:lead_list"), {"created_from": "2025-02-01", "created_to": "2025-01-01"}
    )
    assert response.status_code == 200 and _ids(response) == []
    assert "The end date must not be before the start date." in response.content.decode()


def test_lead_list_in_chinese(client, org, mine):
    client = _login(client, org.sales1)
    response = client.get(reverse("crm:lead_list"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200 and "新线索" in response.content.decode()


def test_lead_export_csv_contains_only_visible_filtered_rows(client, org, mine, theirs):
    services.lead_create(by=org.sales1, data={"name": "Zebra Works"})
    response = _login(client, org.sales1).get(reverse("crm:lead_export"), {"format": "csv", "q": "华强"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert mine.code in text and "Zebra Works" not in text and theirs.code not in text


def test_lead_export_xlsx(client, org, mine, theirs):
    response = _login(client, org.manager1).get(reverse("crm:lead_export"), {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    codes = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert codes == [mine.code]


def test_lead_export_bad_format_goes_back_to_the_list(client, org):
    response = _login(client, org.sales1).get(reverse("crm:lead_export"), {"format": "pdf"})
    assert response.status_code == 302 and response.url == reverse("crm:lead_list")


def test_lead_pages_need_permission(client, org):
    client = _login(client, org.keeper)
    assert client.get(reverse("crm:lead_list")).status_code == 403
    assert client.get(reverse("crm:visit_list")).status_code == 403


# --- detail, move ------------------------------------------------------------------------------


def test_lead_detail_of_another_salesperson_is_404(client, org, theirs):
    client = _login(client, org.sales1)
    assert client.get(reverse("crm:lead_detail", args=[theirs.pk])).status_code == 404
    response = client.post(reverse("crm:lead_move", args=[theirs.pk]), {"stage": "contacted", "version": 1})
    assert response.status_code == 404
    assert client.get(reverse("crm:lead_win", args=[theirs.pk])).status_code == 404
    assert LeadStageChange.objects.filter(lead=theirs).count() == 1


def test_lead_detail_shows_history(client, org, mine):
    services.lead_move(by=org.sales1, lead_id=mine.pk, stage_code="contacted", note="called")
    response = _login(client, org.sales1).get(reverse("crm:lead_detail", args=[mine.pk]))
    html = response.content.decode()
    assert re.findall(r'data-testid="history-row" data-to="(\w+)"', html) == ["new", "contacted"]
    assert "called" in html


def test_move_form_moves_the_lead(client, org, mine):
    response = _login(client, org.sales1).post(
        reverse("crm:lead_move", args=[mine.pk]),
        {"stage": "qualified", "note": "needs 3 units", "version": 1},
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.stage.code == "qualified"


def test_move_to_lost_without_reason_shows_the_field_error(client, org, mine):
    response = _login(client, org.sales1).post(
        reverse("crm:lead_move", args=[mine.pk]), {"stage": "lost", "version": 1}
    )
    assert response.status_code == 400
    assert "Say why the lead was lost." in response.content.decode()
    mine.refresh_from_db()
    assert mine.stage.code == "new"


def test_move_with_stale_version_answers_409(client, org, mine):
    services.lead_move(by=org.sales1, lead_id=mine.pk, stage_code="contacted")
    response = _login(client, org.sales1).post(
        reverse("crm:lead_move", args=[mine.pk]), {"stage": "quoted", "version": 1}
    )
    assert response.status_code == 409
    assert "Someone else changed this record meanwhile." in response.content.decode()


def test_auditor_sees_the_lead_but_cannot_move_it(client, org, mine):
    client = _login(client, org.auditor)
    response = client.get(reverse("crm:lead_detail", args=[mine.pk]))
    assert response.status_code == 200 and 'data-testid="lead-move-form"' not in response.content.decode()
    assert (
        client.post(
            reverse("crm:lead_move", args=[mine.pk]), {"stage": "contacted", "version": 1}
        ).status_code
        == 403
    )


# --- create, edit ------------------------------------------------------------------------------


def test_lead_create_form(client, org):
    client = _login(client, org.sales1)
    assert client.get(reverse("crm:lead_create")).status_code == 200
    response = client.post(
        reverse("crm:lead_create"),
        {
            "name": "杭州新材料",
            "source": "exhibition",
            "stage": "new",
            "expected_amount": "80000",
            "phone": "0571-8888 1234",
        },
    )
    lead = Lead.objects.get()
    assert response.status_code == 302 and response.url == reverse("crm:lead_detail", args=[lead.pk])
    assert lead.owner == org.sales1 and lead.region == org.sales1.region and lead.source == "exhibition"


def test_lead_create_form_errors_name_the_field_and_write_nothing(client, org):
    response = _login(client, org.sales1).post(
        reverse("crm:lead_create"), {"name": "", "source": "other", "expected_amount": "-5"}
    )
    assert response.status_code == 400 and not Lead.objects.exists()
    assert response.context["form"].errors.keys() >= {"name", "expected_amount"}


def test_lead_create_for_someone_outside_scope_is_refused(client, org):
    # the owner choice lists only people in scope; a forged id is refused by the form
    response = _login(client, org.sales1).post(
        reverse("crm:lead_create"), {"name": "X", "source": "other", "owner": org.sales3.pk}
    )
    assert response.status_code == 400 and "owner" in response.context["form"].errors
    assert not Lead.objects.exists()


def test_lead_edit_with_stale_version_is_refused(client, org, mine):
    services.lead_update(by=org.sales1, lead_id=mine.pk, data={"notes": "other"})
    response = _login(client, org.sales1).post(
        reverse("crm:lead_edit", args=[mine.pk]), {"name": "新名字", "source": "other", "version": 1}
    )
    assert response.status_code == 409
    mine.refresh_from_db()
    assert mine.name == "上海华强机械"


def test_lead_edit_saves(client, org, mine):
    client = _login(client, org.sales1)
    assert client.get(reverse("crm:lead_edit", args=[mine.pk])).status_code == 200
    response = client.post(
        reverse("crm:lead_edit", args=[mine.pk]),
        {"name": "新名字", "source": "other", "version": 1, "owner": org.sales1.pk, "region": mine.region_id},
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.name == "新名字" and mine.version == 2


# --- win ---------------------------------------------------------------------------------------


def test_win_page_creates_the_customer(client, org, mine):
    client = _login(client, org.sales1)
    page = client.get(reverse("crm:lead_win", args=[mine.pk]))
    assert page.status_code == 200 and 'value="上海华强机械"' in page.content.decode()
    response = client.post(
        reverse("crm:lead_win", args=[mine.pk]),
        {
            "mode": "create",
            "name": "上海华强机械有限公司",
            "phone": "13800138000",
            "region": mine.region_id,
            "version": 1,
        },
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.stage.code == "won" and mine.customer.name == "上海华强机械有限公司"


def test_win_page_duplicate_offers_link_then_links(client, org, mine, make_customer):
    existing = make_customer(owner=org.sales1, name="上海华强机械有限公司")
    client = _login(client, org.sales1)
    # the lookalike is offered from the start
    page = client.get(reverse("crm:lead_win", args=[mine.pk]))
    assert f'name="customer" value="{existing.pk}"' in page.content.decode()
    # creating anyway without saying so is refused with the duplicates listed
    response = client.post(
        reverse("crm:lead_win", args=[mine.pk]), {"mode": "create", "name": "上海华强机械", "version": 1}
    )
    assert response.status_code == 400 and 'data-testid="win-duplicates"' in response.content.decode()
    assert Customer.objects.count() == 1
    # linking it wins the lead
    response = client.post(
        reverse("crm:lead_win", args=[mine.pk]), {"mode": "link", "customer": existing.pk, "version": 1}
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.customer == existing and mine.stage.code == "won"


def test_win_page_duplicate_of_a_colleague_does_not_reveal_the_owner(client, org, mine, make_customer):
    make_customer(owner=org.sales3, name="上海华强机械有限公司")
    response = _login(client, org.sales1).post(
        reverse("crm:lead_win", args=[mine.pk]), {"mode": "create", "name": "上海华强机械", "version": 1}
    )
    html = response.content.decode()
    assert response.status_code == 400 and "a colleague" in html and str(org.sales3) not in html
    response = _login(client, org.sales1).post(
        reverse("crm:lead_win", args=[mine.pk]),
        {"mode": "create", "name": "上海华强机械", "allow_duplicate": "on", "version": 1},
    )
    assert response.status_code == 302 and Customer.objects.count() == 2


def test_win_page_link_by_number_outside_scope_is_refused(client, org, mine, make_customer):
    theirs = make_customer(owner=org.sales3)
    response = _login(client, org.sales1).post(
        reverse("crm:lead_win", args=[mine.pk]), {"mode": "link", "customer_code": theirs.code, "version": 1}
    )
    assert response.status_code == 400 and "customer_code" in response.context["form"].errors
    mine.refresh_from_db()
    assert mine.customer is None


# --- visitor reception -------------------------------------------------------------------------


def test_visit_form_creates_a_visit_and_a_lead(client, org):
    client = _login(client, org.sales1)
    assert client.get(reverse("crm:visit_create")).status_code == 200
    response = client.post(
        reverse("crm:visit_create"),
        {
            "visited_at": "2026-03-02T10:30",
            "visitor_name": "王先生",
            "company": "苏州精工",
            "people": "2",
            "purpose": "询价",
            "create_lead": "on",
        },
    )
    visit = Visit.objects.get()
    assert response.status_code == 302 and response.url == reverse("crm:lead_detail", args=[visit.lead_id])
    assert visit.lead.name == "苏州精工" and visit.people == 2
    assert timezone.localtime(visit.visited_at).replace(tzinfo=None) == datetime.datetime(2026, 3, 2, 10, 30)


def test_visit_form_without_purpose_is_refused(client, org):
    response = _login(client, org.sales1).post(
        reverse("crm:visit_create"), {"visited_at": "2026-03-02T10:30", "visitor_name": "王", "people": "1"}
    )
    assert response.status_code == 400 and "purpose" in response.context["form"].errors
    assert not Visit.objects.exists()


def test_visit_list_and_edit_are_scoped(client, org):
    mine = services.visit_create(by=org.sales1, data={"visitor_name": "甲", "purpose": "x"})
    theirs = services.visit_create(by=org.sales3, data={"visitor_name": "丙", "purpose": "x"})
    client = _login(client, org.sales1)
    assert _ids(client.get(reverse("crm:visit_list")), "visit") == [mine.pk]
    assert client.get(reverse("crm:visit_edit", args=[theirs.pk])).status_code == 404
    response = client.get(reverse("crm:visit_export"), {"format": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "甲" in text and "丙" not in text


# --- conversion rate ---------------------------------------------------------------------------


def _cohort(org):
    start = timezone.make_aware(datetime.datetime(2025, 1, 5, 10))
    won = services.lead_create(by=org.sales1, data={"name": "A"}, at=start)
    services.lead_win(
        by=org.sales1, lead_id=won.pk, allow_duplicate=True, at=start + datetime.timedelta(days=3)
    )
    services.lead_create(by=org.sales1, data={"name": "B"}, at=start)
    services.lead_create(by=org.sales3, data={"name": "C"}, at=start)


def test_conversion_page_table_and_totals(client, org):
    _cohort(org)
    response = _login(client, org.sales1).get(
        reverse("crm:conversion_rates"),
        {"group_by": "owner", "period": "month", "start": "2025-01-01", "end": "2025-12-31"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert re.findall(r'data-testid="conversion-row" data-period="([^"]+)"', html) == ["2025-01"]
    totals = response.context["report"].totals
    assert (totals.created, totals.won, totals.rate) == (2, 1, 50)
    assert "50.0%" in html


def test_conversion_page_defaults_and_bad_input(client, org):
    client = _login(client, org.manager1)
    assert client.get(reverse("crm:conversion_rates")).status_code == 200
    response = client.get(reverse("crm:conversion_rates"), {"start": "2025-02-01", "end": "2025-01-01"})
    assert response.status_code == 400 and "end" in response.context["form"].errors


def test_conversion_export_xlsx_has_rows_and_totals(client, org):
    _cohort(org)
    client = _login(client, org.director)
    response = client.get(
        reverse("crm:conversion_rates"),
        {"group_by": "team", "period": "year", "start": "2025-01-01", "end": "2025-12-31", "format": "xlsx"},
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [r[2:] for r in rows] == [(2, 1, 0, 1, 50), (1, 0, 0, 1, 0), (3, 1, 0, 2, 33.3)]
    assert rows[-1][0] == "Total"
