"""Customer archive services (C1): create/update with versions, duplicates, completeness,
contacts, documents with re-verification, transfer and merge keeping all history."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone

from salesdept.core.errors import DomainError, ValidationFailed
from salesdept.crm.models import (
    Activity,
    Contact,
    Customer,
    CustomerDocument,
    CustomerMerge,
    CustomerTransfer,
    Feedback,
    Lead,
    Letter,
    PhoneCall,
    Tier,
    Visit,
)
from salesdept.crm.selectors import customers as selectors
from salesdept.crm.services import customers as services


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def full_data(org, **overrides) -> dict:
    """Every required field of a company except the contact."""
    return {
        "name": "上海华强机械有限公司",
        "region": org.regions["east-sh"],
        "tier": "A",
        "industry": "机械制造",
        "source": "exhibition",
        "phone": "021-5555 1234",
        "address": "上海市浦东新区张江路 100 号",
        "tax_id": "91310000MA1K4AB12X",
        "invoice_name": "上海华强机械有限公司",
        "bank_name": "招商银行上海分行",
        "bank_account": "6225 8801 2345 6789",
        **overrides,
    }


def upload(name="licence.pdf", content=b"%PDF-1.4 licence v1"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


# --- create ----------------------------------------------------------------------------------


def test_create_numbers_normalises_and_scores_the_customer(org):
    # when sales1 creates a company with every field but a contact
    customer = services.customer_create(by=org.sales1, data=full_data(org))
    # then it is numbered, owned by sales1 and its search keys are filled
    assert customer.code.startswith(f"CUS-{timezone.localdate().year}-")
    assert customer.owner == org.sales1 and customer.created_by == org.sales1
    assert customer.name_normalized == "上海华强机械"
    assert "huaqiangjixie" in customer.name_pinyin and "shhqjx" in customer.name_pinyin
    assert customer.phone_normalized == "02155551234"
    assert customer.tax_id == "91310000MA1K4AB12X"
    # 12 of the 13 required facts of a company (no contact yet): 92 %
    assert customer.completeness == 12 * 100 // 13
    assert services.customer_missing_fields(customer) == ["contacts"]


def test_completeness_reaches_100_with_a_contact_and_drops_when_it_goes(org):
    customer = services.customer_create(by=org.sales1, data=full_data(org))
    contact = services.contact_create(by=org.sales1, customer_id=customer.pk, data={"name": "王经理"})
    customer.refresh_from_db()
    assert customer.completeness == 100
    assert Contact.objects.get(pk=contact.pk).is_primary  # the first contact is the primary one
    services.contact_deactivate(by=org.sales1, contact_id=contact.pk)
    customer.refresh_from_db()
    assert customer.completeness == 92


@pytest.mark.parametrize(
    "data, expected",
    [
        # a person needs the 8 common facts only; name, region, owner given: 3 of 8
        ({"kind": "person", "name": "李四"}, 3 * 100 // 8),
        # a company with name, region, owner: 3 of 13
        ({"name": "空壳公司"}, 3 * 100 // 13),
        # a company with the 8 common facts: 8 of 13
        (
            {
                "name": "八项公司",
                "tier": "B",
                "industry": "x",
                "source": "phone",
                "phone": "13800000001",
                "address": "y",
            },
            8 * 100 // 13,
        ),
    ],
)
def test_completeness_is_the_share_of_required_facts_present(org, data, expected):
    customer = services.customer_create(by=org.sales1, data={"region": org.regions["east"], **data})
    assert customer.completeness == expected


def test_salesperson_cannot_create_for_a_colleague(org):
    with pytest.raises(ValidationFailed) as refused:
        services.customer_create(by=org.sales1, data=full_data(org, owner=org.sales2.pk))
    assert set(refused.value.fields) == {"owner"}
    assert not Customer.objects.exists()


def test_manager_creates_for_a_team_member_but_not_for_another_team(org):
    customer = services.customer_create(by=org.manager1, data=full_data(org, owner=org.sales2.pk))
    assert customer.owner == org.sales2
    with pytest.raises(ValidationFailed) as refused:
        services.customer_create(by=org.manager1, data=full_data(org, name="别家公司", owner="sales3"))
    assert set(refused.value.fields) == {"owner"}


@pytest.mark.parametrize(
    "data, field",
    [
        ({"name": ""}, "name"),
        ({"name": "！！！"}, "name"),
        ({"region": None}, "region"),
        ({"region": "atlantis"}, "region"),
        ({"tier": "Z"}, "tier"),
        ({"source": "telepathy"}, "source"),
        ({"kind": "robot"}, "kind"),
        ({"tax_id": "12345"}, "tax_id"),
        ({"tax_id": "上海华强机械有限公司税号号码"}, "tax_id"),
        ({"phone": "123"}, "phone"),
        ({"email": "not-an-address"}, "email"),
        ({"name": "x" * 201}, "name"),
        ({"status": "vip"}, "status"),
    ],
)
def test_create_with_bad_input_names_the_field_and_writes_nothing(org, data, field):
    with pytest.raises(ValidationFailed) as refused:
        services.customer_create(by=org.sales1, data=full_data(org, **data))
    assert field in refused.value.fields
    assert refused.value.status == 400
    assert not Customer.objects.exists()


@pytest.mark.parametrize("persona", ["auditor", "finance", "keeper", "admin"])
def test_roles_without_add_permission_cannot_create(org, persona):
    with pytest.raises(PermissionDenied):
        services.customer_create(by=getattr(org, persona), data=full_data(org))


# --- duplicates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "second",
    [
        {"name": "上海 华强机械"},  # same name once spaces and the legal form are gone
        {"name": "华强（上海）", "tax_id": "91310000ma1k4ab12x"},  # same tax ID, lower case
        {"name": "另一家", "phone": "+86 138-0013-8000"},  # same mobile number, written differently
    ],
)
def test_duplicate_by_name_tax_id_or_phone_is_refused_with_the_match(org, second):
    first = services.customer_create(
        by=org.sales3, data=full_data(org, region=org.regions["south-gd"], phone="13800138000")
    )
    data = {"name": second["name"], "region": org.regions["east"], **second}
    with pytest.raises(DomainError) as refused:
        services.customer_create(by=org.sales1, data=data)
    assert refused.value.code == "duplicate_customer" and refused.value.status == 409
    (match,) = refused.value.extra["duplicates"]
    assert match["id"] == first.pk and match["code"] == first.code and match["name"] == first.name
    # sales1 may not see sales3's customer: its owner is not revealed
    assert match["visible"] is False and match["owner"] is None
    assert Customer.objects.count() == 1
    # and "create anyway" creates it
    services.customer_create(by=org.sales1, data=data, allow_duplicate=True)
    assert Customer.objects.count() == 2


def test_duplicate_check_on_update_only_when_name_tax_id_or_phone_change(org, make_customer):
    make_customer(owner=org.sales2, name="北京远大科技有限公司")
    mine = services.customer_create(by=org.sales1, data={"name": "远达科技", "region": org.regions["east"]})
    # an unrelated change passes
    mine = services.customer_update(by=org.sales1, customer_id=mine.pk, data={"industry": "软件"})
    # a rename onto the colleague's name is refused
    with pytest.raises(DomainError) as refused:
        services.customer_update(by=org.sales1, customer_id=mine.pk, data={"name": "北京 远大科技"})
    assert refused.value.code == "duplicate_customer"
    mine.refresh_from_db()
    assert mine.name == "远达科技"


def test_duplicates_ignore_merged_and_deactivated_customers(org, make_customer):
    make_customer(name="旧公司有限公司", is_active=False)
    assert services.customer_duplicates(name="旧公司") == []


def test_contact_phone_counts_as_a_duplicate(org):
    customer = services.customer_create(by=org.sales1, data=full_data(org, phone=""))
    services.contact_create(
        by=org.sales1, customer_id=customer.pk, data={"name": "王", "phone": "139 1111 2222"}
    )
    assert services.customer_duplicates(phone="+8613911112222") == [customer]


# --- update ----------------------------------------------------------------------------------


def test_update_with_the_loaded_version_saves_and_bumps_it(org):
    customer = services.customer_create(by=org.sales1, data=full_data(org))
    updated = services.customer_update(
        by=org.sales1,
        customer_id=customer.pk,
        data={"industry": "汽车零部件", "phone": "021 6666 0000"},
        version=1,
    )
    assert updated.version == 2 and updated.industry == "汽车零部件"
    assert updated.phone_normalized == "02166660000"


def test_update_with_a_stale_version_is_refused_and_changes_nothing(org):
    customer = services.customer_create(by=org.sales1, data=full_data(org))
    services.customer_update(by=org.sales1, customer_id=customer.pk, data={"industry": "A"}, version=1)
    with pytest.raises(DomainError) as refused:
        services.customer_update(by=org.sales1, customer_id=customer.pk, data={"industry": "B"}, version=1)
    assert refused.value.code == "stale_version" and refused.value.status == 409
    assert refused.value.extra == {"current_version": 2}
    customer.refresh_from_db()
    assert customer.industry == "A"


def test_update_cannot_change_the_owner(org):
    customer = services.customer_create(by=org.manager1, data=full_data(org, owner=org.sales1.pk))
    with pytest.raises(ValidationFailed) as refused:
        services.customer_update(by=org.manager1, customer_id=customer.pk, data={"owner": org.sales2.pk})
    assert set(refused.value.fields) == {"owner"}


def test_update_of_someone_elses_customer_is_not_found(org, make_customer):
    theirs = make_customer(owner=org.sales3)
    with pytest.raises(Http404):
        services.customer_update(by=org.sales1, customer_id=theirs.pk, data={"industry": "x"})


def test_deactivate_and_reactivate(org, make_customer):
    customer = make_customer()
    services.customer_deactivate(by=org.sales1, customer_id=customer.pk, version=1)
    assert list(selectors.customer_list(user=org.sales1)) == []
    assert list(selectors.customer_list(user=org.sales1, filters={"active": "0"})) == [customer]
    services.customer_reactivate(by=org.sales1, customer_id=customer.pk)
    assert list(selectors.customer_list(user=org.sales1)) == [customer]


def test_touch_last_contact_keeps_the_latest_day(org, make_customer):
    customer = make_customer()
    day = datetime.date(2026, 3, 1)
    services.touch_last_contact(customer_id=customer.pk, day=day)
    services.touch_last_contact(customer_id=customer.pk, day=day - datetime.timedelta(days=5))
    customer.refresh_from_db()
    assert customer.last_contact_on == day


# --- documents -------------------------------------------------------------------------------


def test_document_upload_keeps_the_hash_and_waits_for_verification(org, make_customer):
    customer = make_customer()
    doc = services.document_upload(
        by=org.sales1,
        customer_id=customer.pk,
        kind="licence",
        file=upload(),
        number="91310000",
        expires_on=None,
    )
    assert len(doc.file_sha256) == 64 and doc.verified_at is None
    with pytest.raises(PermissionDenied):  # a salesperson does not verify
        services.document_verify(by=org.sales1, document_id=doc.pk)
    doc = services.document_verify(by=org.clerk, document_id=doc.pk)
    assert doc.verified_by == org.clerk and doc.verified_at is not None


def test_replacing_the_file_clears_the_verification(org, make_customer):
    customer = make_customer()
    doc = services.document_upload(by=org.sales1, customer_id=customer.pk, kind="licence", file=upload())
    services.document_verify(by=org.clerk, document_id=doc.pk)
    # the same file again: still verified
    same = services.document_update(by=org.sales1, document_id=doc.pk, file=upload())
    assert same.verified_at is not None
    # a different file: verification cleared, the clerk must look again
    changed = services.document_update(by=org.sales1, document_id=doc.pk, file=upload(content=b"%PDF v2"))
    assert changed.verified_by is None and changed.verified_at is None
    assert changed.file_sha256 != same.file_sha256
    services.document_verify(by=org.clerk, document_id=doc.pk)
    # a new expiry date also needs a new check
    later = services.document_update(by=org.sales1, document_id=doc.pk, expires_on=datetime.date(2030, 1, 1))
    assert later.verified_at is None


@pytest.mark.parametrize(
    "file, field",
    [(None, "file"), ("virus.exe", "file"), ("empty.pdf", "file")],
)
def test_document_upload_with_bad_file_names_the_field(org, make_customer, file, field):
    customer = make_customer()
    uploaded = None if file is None else SimpleUploadedFile(file, b"" if "empty" in file else b"MZ")
    with pytest.raises(ValidationFailed) as refused:
        services.document_upload(by=org.sales1, customer_id=customer.pk, kind="licence", file=uploaded)
    assert field in refused.value.fields
    assert not CustomerDocument.objects.exists()


# --- transfer --------------------------------------------------------------------------------


def test_manager_transfers_within_the_team_and_history_is_kept(org, make_customer, make_lead):
    customer = make_customer(owner=org.sales1)
    planned = Activity.objects.create(
        customer=customer, region=customer.region, subject="回访", due_on=timezone.localdate(),
        owner=org.sales1, created_by=org.sales1,
    )  # fmt: skip
    lead = make_lead(owner=org.sales1, customer=customer)
    services.customer_transfer(
        by=org.manager1, customer_id=customer.pk, to_owner_id=org.sales2.pk, reason="离职交接"
    )
    customer.refresh_from_db()
    assert customer.owner == org.sales2 and customer.version == 2
    (transfer,) = CustomerTransfer.objects.filter(customer=customer)
    assert (transfer.from_owner, transfer.to_owner, transfer.by, transfer.reason) == (
        org.sales1, org.sales2, org.manager1, "离职交接"
    )  # fmt: skip
    # the open work went with the customer
    assert Activity.objects.get(pk=planned.pk).owner == org.sales2
    assert Lead.objects.get(pk=lead.pk).owner == org.sales2
    # sales1 no longer sees it, sales2 does
    assert not selectors.customer_list(user=org.sales1).exists()
    assert list(selectors.customer_list(user=org.sales2)) == [customer]


def test_salesperson_cannot_transfer(org, make_customer):
    customer = make_customer(owner=org.sales1)
    with pytest.raises(PermissionDenied):
        services.customer_transfer(
            by=org.sales1, customer_id=customer.pk, to_owner_id=org.sales2.pk, reason="x"
        )
    assert not CustomerTransfer.objects.exists()


def test_manager_cannot_transfer_to_another_team_or_a_customer_outside_it(org, make_customer):
    mine, theirs = make_customer(owner=org.sales1), make_customer(owner=org.sales3)
    with pytest.raises(ValidationFailed) as refused:
        services.customer_transfer(
            by=org.manager1, customer_id=mine.pk, to_owner_id=org.sales3.pk, reason="x"
        )
    assert set(refused.value.fields) == {"to_owner"}
    with pytest.raises(Http404):
        services.customer_transfer(
            by=org.manager1, customer_id=theirs.pk, to_owner_id=org.sales1.pk, reason="x"
        )
    assert not CustomerTransfer.objects.exists()


def test_transfer_needs_a_reason_and_a_new_owner(org, make_customer):
    customer = make_customer(owner=org.sales1)
    with pytest.raises(ValidationFailed) as refused:
        services.customer_transfer(
            by=org.manager1, customer_id=customer.pk, to_owner_id=org.sales1.pk, reason=" "
        )
    assert set(refused.value.fields) == {"to_owner", "reason"}


def test_transfer_to_an_auditor_is_refused(org, make_customer):
    customer = make_customer(owner=org.sales1)
    with pytest.raises(ValidationFailed):
        services.customer_transfer(
            by=org.director, customer_id=customer.pk, to_owner_id=org.auditor.pk, reason="x"
        )


# --- merge -----------------------------------------------------------------------------------


def _history(customer, org, make_lead):
    """One record of every kind that belongs to a customer."""
    today = timezone.localdate()
    Contact.objects.create(customer=customer, name="联系人")
    CustomerDocument.objects.create(
        customer=customer, kind="licence", file="crm/x.pdf", file_sha256="0" * 64,
        uploaded_by=org.sales2, uploaded_at=timezone.now(),
    )  # fmt: skip
    make_lead(owner=org.sales2, customer=customer)
    Visit.objects.create(
        visited_at=timezone.now(), visitor_name="访客", purpose="看样品", received_by=org.sales2,
        customer=customer, created_by=org.sales2,
    )  # fmt: skip
    Activity.objects.create(
        customer=customer, region=customer.region, subject="拜访", due_on=today, owner=org.sales2,
        created_by=org.sales2, status="done", done_at=timezone.now(), result="谈妥",
    )  # fmt: skip
    PhoneCall.objects.create(
        called_at=timezone.now(), caller="来电人", customer=customer, topic="询价", taken_by=org.clerk
    )
    Feedback.objects.create(
        number=f"FB-{customer.pk}", customer=customer, subject="投诉", description="d", received_on=today,
        department="quality", deadline=today, created_by=org.sales2,
    )  # fmt: skip
    Letter.objects.create(
        number=f"LT-{customer.pk}", direction="in", date=today, counterpart="c", customer=customer,
        subject="来函", handler=org.sales2, created_by=org.sales2,
    )  # fmt: skip
    CustomerTransfer.objects.create(
        customer=customer, from_owner=org.sales1, to_owner=org.sales2, by=org.manager1
    )


def test_merge_moves_every_record_and_keeps_the_merged_one_readable(org, make_customer, make_lead):
    kept = make_customer(owner=org.sales1, name="华强机械有限公司", phone="")
    duplicate = make_customer(
        owner=org.sales2, name="上海华强机械", phone="13800138000", tax_id="91310000MA1K4AB12X",
        last_contact_on=datetime.date(2026, 2, 1),
    )  # fmt: skip
    _history(duplicate, org, make_lead)
    merge = services.customer_merge(by=org.manager1, kept_id=kept.pk, merged_id=duplicate.pk)
    # every record moved and was counted
    assert merge.moved == {
        "contacts": 1, "documents": 1, "leads": 1, "visits": 1, "activities": 1, "phone_calls": 1,
        "feedback": 1, "letters": 1, "transfers": 1, "merged_customers": 0,
    }  # fmt: skip
    for model in (
        Contact,
        CustomerDocument,
        Lead,
        Visit,
        Activity,
        PhoneCall,
        Feedback,
        Letter,
        CustomerTransfer,
    ):
        assert model.objects.filter(customer=kept).count() == 1, model
        assert not model.objects.filter(customer=duplicate).exists(), model
    # empty fields were filled from the duplicate
    kept.refresh_from_db()
    assert kept.phone == "13800138000" and kept.phone_normalized == "13800138000"
    assert kept.tax_id == "91310000MA1K4AB12X" and kept.last_contact_on == datetime.date(2026, 2, 1)
    # the duplicate is off the list but still readable, pointing to the kept one
    duplicate.refresh_from_db()
    assert duplicate.merged_into == kept and not duplicate.is_active
    assert duplicate not in selectors.customer_list(user=org.manager1, filters={"active": "all"})
    assert selectors.customer_get(user=org.manager1, customer_id=duplicate.pk) == duplicate
    assert CustomerMerge.objects.get().by == org.manager1


def test_merge_into_itself_or_an_already_merged_customer_is_refused(org, make_customer):
    a, b, c = make_customer(), make_customer(), make_customer()
    with pytest.raises(ValidationFailed):
        services.customer_merge(by=org.clerk, kept_id=a.pk, merged_id=a.pk)
    services.customer_merge(by=org.clerk, kept_id=a.pk, merged_id=b.pk)
    with pytest.raises(DomainError) as refused:
        services.customer_merge(by=org.clerk, kept_id=b.pk, merged_id=c.pk)
    assert refused.value.code == "customer_merged"
    with pytest.raises(DomainError):
        services.customer_merge(by=org.clerk, kept_id=c.pk, merged_id=b.pk)
    assert CustomerMerge.objects.count() == 1


def test_merge_needs_both_customers_in_scope_and_the_permission(org, make_customer):
    mine, theirs = make_customer(owner=org.sales1), make_customer(owner=org.sales3)
    with pytest.raises(Http404):
        services.customer_merge(by=org.manager1, kept_id=mine.pk, merged_id=theirs.pk)
    with pytest.raises(PermissionDenied):
        services.customer_merge(by=org.sales1, kept_id=mine.pk, merged_id=make_customer(owner=org.sales1).pk)
    assert not CustomerMerge.objects.exists()


def test_tier_lookup_accepts_code_id_and_object(org):
    tier = Tier.objects.get(code="C")
    for value in ("c", tier.pk, tier, str(tier.pk)):
        assert services.Lookups(org.sales1).tier(value) == tier


# --- concurrency -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_people_creating_the_same_customer_at_once_make_one(org):
    """Each on its own connection, at a barrier: the CUS number lock queues them, so the second
    one's duplicate check sees the first customer."""
    import threading

    from django.db import connections

    barrier, outcome = threading.Barrier(2), []

    def work(person) -> None:
        try:
            barrier.wait(timeout=30)
            services.customer_create(
                by=person, data={"name": "同时公司有限公司", "region": org.regions["east"]}
            )
            outcome.append("ok")
        except DomainError as exc:
            outcome.append(exc.code)
        except Exception as exc:  # surfaced by the assertion below
            outcome.append(repr(exc))
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work, args=(p,)) for p in (org.sales1, org.sales2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
    assert sorted(outcome) == ["duplicate_customer", "ok"]
    assert Customer.objects.count() == 1
