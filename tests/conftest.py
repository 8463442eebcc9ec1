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


@pytest.fixture
def org(db):
    """The demo organisation: org.sales1, org.manager1, org.director … (password demo1234)."""
    people = build_org(password_hash=make_password(PASSWORD))
    for role, codenames in EXAMPLE_GRANTS.items():
        Group.objects.get(name=role).permissions.add(
            *Permission.objects.filter(content_type__app_label="exampleapp", codename__in=codenames)
        )
    return people
