"""Fixtures of the work report tests: the demo personas (tests/conftest.py `org`), records of a
salesperson's day made through the services where the invariants care (orders, shipments,
quotations, payments) and straight with the models where they do not (follow-ups, receptions,
phone calls, which carry the timestamps the local-day tests need)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from salesdept.crm.models import Activity, PhoneCall, Visit
from salesdept.workreports import services
from tests.shipping.conftest import make_order, new_customer, order_lines, pump, row, ship, stock, wh

__all__ = ["make_order", "order_lines", "pump", "row", "ship", "stock", "wh"]


def local(day: dt.date, hour=0, minute=0, second=0, micro=0) -> dt.datetime:
    """An aware datetime at the given local (Asia/Shanghai) time."""
    naive = dt.datetime.combine(day, dt.time(hour, minute, second, micro))
    return timezone.make_aware(naive, timezone.get_default_timezone())


def today() -> dt.date:
    return timezone.localdate()


def activity(owner, *, customer, kind="visit", status="done", due_on=None, done_at=None, subject="回访"):
    return Activity.objects.create(
        kind=kind,
        status=status,
        customer=customer,
        region=customer.region,
        subject=subject,
        due_on=due_on or (done_at.date() if done_at else today()),
        done_at=done_at if status == "done" else None,
        result="已联系" if status == "done" else "",
        owner=owner,
        created_by=owner,
    )


def reception(user, at: dt.datetime) -> Visit:
    return Visit.objects.create(
        visited_at=at, visitor_name="来访者", purpose="询价", received_by=user, created_by=user
    )


def call(user, at: dt.datetime, clerk) -> PhoneCall:
    return PhoneCall.objects.create(called_at=at, caller="客户", topic="报价", handed_to=user, taken_by=clerk)


@pytest.fixture
def customer(org):
    return new_customer(org.sales1)


@pytest.fixture
def make_report(org):
    """make_report(by=org.sales1, kind="daily", period_start=today, state="draft"|"submitted"|"reviewed")."""

    def make(by=None, *, kind="daily", period_start=None, state="draft", **texts):
        by = by or org.sales1
        if period_start is None:
            period_start = today() if kind == "daily" else services.week_start(today())
        report = services.report_create(by=by, kind=kind, period_start=period_start, **texts)
        if state in ("submitted", "reviewed"):
            services.report_submit(by=by, report_id=report.pk)
        if state == "reviewed":
            services.report_comment(by=org.manager1, report_id=report.pk, text="好")
        report.refresh_from_db()
        return report

    return make


def shipped(org, make_order, ship, stock, wh, product, quantity, owner):
    """A confirmed order of `owner` for `quantity` × `product`, shipped today (stock received first)."""
    stock(product, quantity)
    order = make_order([(product, quantity)], owner=owner)
    line = order_lines(order)[0]
    return order, ship(order, [row(line, quantity, wh.a1)], state="shipped")


def money(value) -> Decimal:
    return Decimal(str(value))
