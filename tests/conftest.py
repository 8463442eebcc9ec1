"""Personas (the demo company's people) and the example document's permissions."""

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission

from salesdept.demo.org import PASSWORD, build_org

EXAMPLE_GRANTS = {
    "salesperson": ["add_voucher", "change_voucher", "view_voucher"],
    "clerk": ["add_voucher", "change_voucher", "view_voucher"],
    "manager": ["add_voucher", "change_voucher", "view_voucher", "review_voucher_as_manager"],
    "finance": ["view_voucher", "review_voucher_as_finance"],
    "director": ["view_voucher", "change_voucher", "review_voucher_as_director", "review_voucher_as_manager"],
    "auditor": ["view_voucher"],
}


def pytest_runtest_setup(item):
    """Skip @pytest.mark.postgres_only(reason=…) tests on SQLite, saying why."""
    if marker := item.get_closest_marker("postgres_only"):
        from django.db import connection

        if connection.vendor != "postgresql":
            why = marker.kwargs.get("reason", "needs PostgreSQL")
            pytest.skip(f"{why}; run with DATABASE_URL=postgresql://…")


@pytest.fixture
def org(db):
    """The demo organisation: org.sales1, org.manager1, org.director … (password demo1234).

    After the test, the invariants of INVARIANTS.md must still hold (check_invariants)."""
    people = build_org(password_hash=make_password(PASSWORD))
    for role, codenames in EXAMPLE_GRANTS.items():
        Group.objects.get(name=role).permissions.add(
            *Permission.objects.filter(content_type__app_label="exampleapp", codename__in=codenames)
        )
    yield people
    assert_invariants_hold()


def assert_invariants_hold():
    """Run every invariant rule against the test's data (a few queries per document type)."""
    from django.db import connection

    from salesdept.core import invariants

    if not connection.needs_rollback:  # a broken transaction is the test's own failure
        assert invariants.run() == [], "invariants broken by this test's flow"
