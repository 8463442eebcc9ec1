"""The reusable page components: status badge, review actions, document history, sort headers and
pagination — generic over any core.models.Document (the example Voucher here)."""

import re
from decimal import Decimal

import pytest
from django.core.paginator import Paginator
from django.template import Context, Template
from django.test import RequestFactory

from salesdept.core.templatetags.salesdept import status_badge
from tests.exampleapp import services
from tests.exampleapp.models import Voucher

pytestmark = pytest.mark.django_db


def _render(source: str, *, user=None, path="/", **context) -> str:
    request = RequestFactory().get(path)
    request.user = user
    return Template("{% load salesdept %}" + source).render(Context({"request": request, **context}))


def _voucher(org, amount="500"):
    return services.voucher_create(by=org.sales1, amount=Decimal(amount))


# --- status badge ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("steps", "status", "colour", "label"),
    [
        ([], "draft", "secondary", "Draft"),
        (["submit"], "submitted", "warning", "Submitted"),
        (["submit", "approve"], "approved", "success", "Approved"),
        (["cancel"], "cancelled", "dark", "Cancelled"),
        (["submit", "reject"], "sent_back", "danger", "Sent back"),
    ],
)
def test_status_badge_colour_and_label_per_state(org, steps, status, colour, label):
    v = _voucher(org)
    for step in steps:
        by = org.sales1 if step in ("submit", "cancel") else org.manager1
        getattr(services, f"voucher_{step}")(by=by, voucher_id=v.pk, note="reason")
    v.refresh_from_db()
    html = str(status_badge(v))
    assert f"text-bg-{colour}" in html and f'data-status="{status}"' in html and f">{label}<" in html


def test_status_badge_is_translated(org):
    from django.utils import translation

    v = _voucher(org)
    with translation.override("zh-hans"):
        html = _render("{% status_badge doc %}", doc=v)
        # the label is the status choice's translation in the active language (草稿 once the
        # zh-Hans catalog has it)
        assert f">{translation.gettext('Draft')}<" in html


def test_status_badge_takes_a_documents_own_colours(org):
    v = _voucher(org)
    v.STATUS_COLOURS = {"draft": "info"}
    assert "text-bg-info" in str(status_badge(v))


def test_verbose_name_filter(org):
    assert _render("{{ doc|verbose_name }}", doc=_voucher(org)) == "Voucher"


# --- review actions --------------------------------------------------------------------------


def _actions(html: str) -> list[str]:
    return re.findall(r'<button class="btn [^"]*" type="(?:submit|button)"[^>]*data-action="(\w+)"', html)


def test_review_actions_are_the_users_allowed_actions(org):
    v = _voucher(org)
    # the preparer of a draft may submit or cancel it
    assert _actions(_render("{% review_actions doc %}", doc=v, user=org.sales1)) == ["submit", "cancel"]
    services.voucher_submit(by=org.sales1, voucher_id=v.pk)
    v.refresh_from_db()
    # once submitted: the manager reviews, the preparer may not approve their own document
    assert _actions(_render("{% review_actions doc %}", doc=v, user=org.manager1)) == ["approve", "reject"]
    assert _actions(_render("{% review_actions doc %}", doc=v, user=org.sales1)) == []
    assert _render("{% review_actions doc %}", doc=v, user=org.auditor).strip() == ""


def test_reject_opens_a_form_that_requires_a_reason(org):
    v = _voucher(org)
    services.voucher_submit(by=org.sales1, voucher_id=v.pk)
    v.refresh_from_db()
    html = _render("{% review_actions doc url='/vouchers/act/' %}", doc=v, user=org.manager1)
    prefix = f"exampleapp-voucher-{v.pk}"
    assert f'data-bs-target="#{prefix}-reject"' in html
    form = html[html.index(f'id="{prefix}-reject"') :]
    assert 'name="note"' in form and "required" in form[: form.index("</textarea>")]
    assert '<input type="hidden" name="action" value="reject">' in form
    assert 'action="/vouchers/act/"' in form


def test_destructive_actions_ask_for_confirmation(org):
    html = _render("{% review_actions doc %}", doc=_voucher(org), user=org.sales1)
    cancel = html[html.index('value="cancel"') - 300 : html.index('value="cancel"')]
    assert "data-confirm=" in cancel
    submit = html[html.index('value="submit"') - 300 : html.index('value="submit"')]
    assert "data-confirm=" not in submit.split("<form")[-1]


def test_action_url_follows_the_document(org):
    v = _voucher(org)
    v.get_absolute_url = lambda: f"/vouchers/{v.pk}/"
    html = _render("{% review_actions doc %}", doc=v, user=org.sales1)
    assert f'action="/vouchers/{v.pk}/submit/"' in html


# --- history ---------------------------------------------------------------------------------


def test_document_history_shows_who_when_action_comment_round_and_step(org):
    v = _voucher(org, amount="20000")  # manager, then finance
    services.voucher_submit(by=org.sales1, voucher_id=v.pk)
    services.voucher_approve(by=org.manager1, voucher_id=v.pk, note="Looks right")
    services.voucher_reject(by=org.finance, voucher_id=v.pk, note="Wrong cost centre")
    html = _render("{% document_history doc %}", doc=v)
    actions = re.findall(r'data-action="(\w+)"', html)
    assert actions == ["create", "submit", "approve_step", "reject"]
    assert "张伟 Zhang Wei" in html and "李明 Li Ming" in html and "林娜 Lin Na" in html
    assert "Looks right" in html and "Wrong cost centre" in html
    assert "Round 1" in html and "step 1" in html
    assert "Submitted → Draft" in html
    event = v.events.last()
    assert event.at.astimezone().strftime("%Y-%m-%d") in html


def test_document_history_of_a_new_document_says_so(org):
    v = Voucher(number="EX-X", prepared_by=org.sales1, amount=Decimal(1))
    v.pk = 999999
    assert "Nothing has happened to this document yet." in _render("{% document_history doc %}", doc=v)


# --- sortable, paginated tables --------------------------------------------------------------


def test_sort_header_toggles_and_keeps_filters():
    html = _render('{% sort_header "time" "Time" default="-time" %}', path="/x/?user=3&page=4")
    assert (
        'aria-sort="descending"' in html and "user=3" in html and "sort=time" in html and "page=" not in html
    )
    html = _render('{% sort_header "time" "Time" %}', path="/x/?sort=time")
    assert 'aria-sort="ascending"' in html and "sort=-time" in html
    html = _render('{% sort_header "number" "Number" %}', path="/x/?sort=time")
    assert 'aria-sort="none"' in html and "sort=number" in html


def test_pagination_shows_page_x_of_y_and_keeps_filters():
    page = Paginator(list(range(120)), 50).get_page(2)
    html = _render("{% pagination page_obj %}", page_obj=page, path="/x/?user=3&page=2")
    assert "Page 2 of 3" in html and "120 records" in html
    assert 'href="?user=3&amp;page=1" rel="prev"' in html and 'href="?user=3&amp;page=3" rel="next"' in html


def test_form_field_marks_errors_on_the_field():
    from django import forms

    class F(forms.Form):
        name = forms.CharField(label="Name")

    form = F({"name": ""})
    form.is_valid()
    html = _render("{% form_field form.name %}", form=form)
    assert 'class="form-control is-invalid"' in html and 'id="id_name-errors"' in html
