"""The correspondence register (C5): services and selectors — registering, editing, done/reopen,
attachment checks, follow-up overdue and scope."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone

from salesdept.core.errors import DomainError, ValidationFailed
from salesdept.crm.models import Letter
from salesdept.crm.selectors import letters as selectors
from salesdept.crm.services import letters as services

DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def register(org, today):
    def make(*, by=None, **fields):
        data = {
            "direction": "in",
            "kind": "letter",
            "date": today,
            "counterpart": "上海华强机械有限公司",
            "subject": "关于价格调整的函",
            **fields,
        }
        return services.letter_create(by=by or org.sales1, **data)

    return make


def pdf(name="scan.pdf", size=None, content=b"%PDF-1.4 test"):
    if size is not None:
        content = b"x" * size
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_register_a_letter_numbers_it_and_defaults_the_handler(org, register, today, make_customer):
    customer = make_customer(owner=org.sales1)
    letter = register(customer_id=customer.pk, reference="HQ-2026-07", follow_up_on=today + 3 * DAY)
    assert letter.number.startswith(f"LT-{today.year}-") and letter.status == "open"
    assert (letter.handler, letter.created_by, letter.customer) == (org.sales1, org.sales1, customer)


def test_attachment_is_stored_and_readable(org, register, media):
    letter = register(attachment=pdf())
    letter.refresh_from_db()
    assert letter.attachment.name.startswith(f"crm/letters/{letter.date:%Y}/scan")
    with letter.attachment.open("rb") as f:
        assert f.read() == b"%PDF-1.4 test"


@pytest.mark.parametrize(
    "upload",
    [
        pytest.param(pdf("run.exe"), id="exe"),
        pytest.param(pdf("page.html"), id="html"),
        pytest.param(pdf("noextension"), id="no-extension"),
        pytest.param(pdf("scan.pdf.svg"), id="double-extension"),
        pytest.param(pdf(size=10 * 1024 * 1024 + 1), id="over-10-MB"),
        pytest.param(pdf(size=0), id="empty"),
    ],
)
def test_attachment_of_a_bad_type_or_size_is_refused_naming_attachment(org, register, media, upload):
    with pytest.raises(ValidationFailed) as refused:
        register(attachment=upload)
    assert refused.value.status == 400 and set(refused.value.fields) == {"attachment"}
    assert not Letter.objects.exists()
    assert not any(media.rglob("*.*"))  # no stray file either


@pytest.mark.parametrize("name", ["a.PDF", "b.jpeg", "c.docx", "d.xlsx", "e.txt", "f.zip", "g.png"])
def test_allowed_types_up_to_10_mb_are_accepted(org, register, name):
    assert register(attachment=pdf(name, size=10 * 1024 * 1024 if name == "a.PDF" else 5)).attachment


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"direction": "sideways"}, "direction"),
        ({"kind": "pigeon"}, "kind"),
        ({"date": None}, "date"),
        ({"counterpart": " "}, "counterpart"),
        ({"subject": ""}, "subject"),
        ({"subject": "x" * 301}, "subject"),
        ({"handler_id": 999999}, "handler"),
    ],
)
def test_bad_input_is_refused_naming_the_field(org, register, fields, field):
    with pytest.raises(ValidationFailed) as refused:
        register(**fields)
    assert set(refused.value.fields) == {field}
    assert not Letter.objects.exists()


def test_follow_up_before_the_letters_date_is_refused(org, register, today):
    with pytest.raises(ValidationFailed) as refused:
        register(date=today, follow_up_on=today - DAY)
    assert set(refused.value.fields) == {"follow_up_on"}
    assert register(date=today, follow_up_on=today).follow_up_on == today


def test_customer_out_of_scope_is_refused_naming_customer(org, register, make_customer):
    with pytest.raises(ValidationFailed) as refused:
        register(customer_id=make_customer(owner=org.sales3).pk)
    assert set(refused.value.fields) == {"customer"}


def test_handing_a_letter_out_of_ones_own_scope_is_refused(org, register):
    # a salesperson cannot file a letter for sales3: they would no longer see it
    with pytest.raises(ValidationFailed) as refused:
        register(by=org.sales1, handler_id=org.sales3.pk)
    assert set(refused.value.fields) == {"handler"}
    assert not Letter.objects.exists()
    # the clerk registers incoming mail for any salesperson
    assert register(by=org.clerk, handler_id=org.sales3.pk).handler == org.sales3


def test_update_changes_the_given_fields_and_replaces_the_attachment(org, register, today):
    letter = register(attachment=pdf("old.pdf"))
    updated = services.letter_update(
        by=org.sales1,
        letter_id=letter.pk,
        subject="新主题",
        follow_up_on=today + DAY,
        attachment=pdf("new.pdf"),
    )
    updated.refresh_from_db()
    assert updated.subject == "新主题" and updated.follow_up_on == today + DAY
    assert updated.counterpart == "上海华强机械有限公司"  # left out: unchanged
    assert "new" in updated.attachment.name
    removed = services.letter_update(by=org.sales1, letter_id=letter.pk, remove_attachment=True)
    assert not Letter.objects.get(pk=removed.pk).attachment


def test_update_refuses_unknown_fields_and_bad_values(org, register):
    letter = register()
    with pytest.raises(ValidationFailed) as unknown:
        services.letter_update(by=org.sales1, letter_id=letter.pk, status="done")
    assert set(unknown.value.fields) == {"status"}
    with pytest.raises(ValidationFailed) as bad:
        services.letter_update(by=org.sales1, letter_id=letter.pk, subject="", attachment=pdf("x.exe"))
    assert set(bad.value.fields) == {"subject"}
    assert Letter.objects.get(pk=letter.pk).subject == "关于价格调整的函"


def test_done_needs_the_outcome_and_reopen_brings_it_back(org, register):
    letter = register()
    with pytest.raises(ValidationFailed) as refused:
        services.letter_done(by=org.sales1, letter_id=letter.pk, outcome=" ")
    assert set(refused.value.fields) == {"outcome"}
    done = services.letter_done(by=org.sales1, letter_id=letter.pk, outcome="已回函确认")
    assert done.status == "done" and done.done_at and done.outcome == "已回函确认"
    # a done letter cannot be edited or done again
    with pytest.raises(DomainError) as read_only:
        services.letter_update(by=org.sales1, letter_id=letter.pk, subject="x")
    assert read_only.value.code == "read_only" and read_only.value.status == 409
    with pytest.raises(DomainError) as again:
        services.letter_done(by=org.sales1, letter_id=letter.pk, outcome="again")
    assert again.value.code == "invalid_transition" and again.value.status == 409
    assert Letter.objects.get(pk=letter.pk).outcome == "已回函确认"
    reopened = services.letter_reopen(by=org.sales1, letter_id=letter.pk)
    assert reopened.status == "open" and reopened.done_at is None
    with pytest.raises(DomainError) as twice:
        services.letter_reopen(by=org.sales1, letter_id=letter.pk)
    assert twice.value.code == "invalid_transition"


def test_follow_up_overdue_at_the_boundary(org, register, today):
    past = register(date=today - 5 * DAY, follow_up_on=today - DAY)
    due_today = register(date=today - 5 * DAY, follow_up_on=today)
    none = register()
    done = register(date=today - 5 * DAY, follow_up_on=today - DAY)
    services.letter_done(by=org.sales1, letter_id=done.pk, outcome="ok")
    rows = {x.pk: x.overdue for x in selectors.letter_list(user=org.sales1)}
    assert rows == {past.pk: True, due_today.pk: False, none.pk: False, done.pk: False}
    assert [x.pk for x in selectors.letter_list(user=org.sales1, filters={"overdue": True})] == [past.pk]
    assert selectors.follow_up_overdue(Letter.objects.get(pk=due_today.pk), today + DAY) is True


def test_scope_of_letters(org, register, make_customer):
    mine = register(by=org.sales1)
    theirs = register(by=org.sales3)
    unlinked_clerk = register(by=org.clerk)  # handled by the clerk, no customer
    east_customer_for_clerk = register(by=org.clerk, customer_id=make_customer(owner=org.sales2).pk)

    def seen(user):
        return {x.pk for x in selectors.letter_list(user=user)}

    assert seen(org.sales1) == {mine.pk}
    assert seen(org.sales3) == {theirs.pk}
    assert seen(org.manager1) == {mine.pk}
    assert seen(org.regional_east) == {east_customer_for_clerk.pk}  # the customer's region
    assert seen(org.auditor) == {mine.pk, theirs.pk, unlinked_clerk.pk, east_customer_for_clerk.pk}
    with pytest.raises(Http404):
        selectors.letter_get(user=org.sales1, letter_id=theirs.pk)
    with pytest.raises(Http404):
        services.letter_done(by=org.sales1, letter_id=theirs.pk, outcome="x")


def test_auditor_is_read_only(org, register, today):
    letter = register()
    with pytest.raises(PermissionDenied):
        services.letter_create(
            by=org.auditor, direction="in", kind="fax", date=today, counterpart="x", subject="y"
        )
    with pytest.raises(PermissionDenied):
        services.letter_update(by=org.auditor, letter_id=letter.pk, subject="z")
    with pytest.raises(PermissionDenied):
        services.letter_done(by=org.auditor, letter_id=letter.pk, outcome="z")
    assert services.letter_allowed_actions(letter, org.auditor) == []
    assert Letter.objects.get(pk=letter.pk).status == "open"


def test_list_filters_and_budget(org, register, make_customer, today, django_assert_max_num_queries):
    customer = make_customer(owner=org.sales1, name="苏州精工有限公司")
    a = register(direction="out", kind="fax", subject="报价单", customer_id=customer.pk, date=today - 2 * DAY)
    b = register(reference="REF-77", date=today - DAY)
    for _ in range(8):
        register(customer_id=customer.pk)

    def pks(**filters):
        return [x.pk for x in selectors.letter_list(user=org.sales1, filters=filters)]

    assert pks(direction="out") == [a.pk]
    assert pks(kind="fax") == [a.pk]
    assert pks(q="REF-77") == [b.pk]
    assert pks(q="苏州精工", sort="date")[0] == a.pk
    assert pks(date_from=today - DAY, date_to=today - DAY) == [b.pk]
    with pytest.raises(ValidationFailed) as bad:
        pks(direction="up")
    assert set(bad.value.fields) == {"direction"}
    list(selectors.letter_list(user=org.manager1))  # the manager's roles are read once, then cached
    with django_assert_max_num_queries(1):
        rows = list(selectors.letter_list(user=org.manager1))
        assert len({str(x.handler) for x in rows}) == 1 and [x.customer and x.customer.name for x in rows]
