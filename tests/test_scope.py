"""Row-level scope (X1): every persona against the User model and a document model (Voucher).

The expected rows are written out by hand as exact sets of people (a voucher is named by its
preparer), so a rule that shows one row too many or too few fails, not only a wrong count."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import transaction

from salesdept.accounts import roles
from salesdept.accounts import scope as scope_module
from salesdept.accounts.models import User
from salesdept.accounts.scope import Scope, is_visible, visible
from salesdept.core.numbering import next_number
from salesdept.demo.org import PEOPLE
from tests.exampleapp.models import Voucher

EVERYONE = frozenset(p[0] for p in PEOPLE) | {"supervisor1", "regional_sh", "idle", "nobody", "root"}
# The extra people (see the fixture) sit in teams and regions too: their rows count there.
EAST_TEAM = {"manager1", "sales1", "sales2", "idle", "nobody"}
SOUTH_TEAM = {"manager2", "sales3", "sales4", "supervisor1"}
EAST_REGION = {
    "manager1",
    "sales1",
    "sales2",
    "regional_east",
    "regional_sh",
    "idle",
    "nobody",
}  # east, -sh, -js

# persona → whose rows (users, and vouchers by their preparer) they see
EXPECTED = {
    **{f"sales{n}": {f"sales{n}"} for n in range(1, 7)},
    "manager1": EAST_TEAM,
    "manager2": SOUTH_TEAM,
    "manager3": {"manager3", "sales5", "sales6"},
    "supervisor1": SOUTH_TEAM,
    "regional_east": EAST_REGION,
    "regional_sh": {"sales1", "regional_sh"},  # a sub-region only: not east, not east-js
    **{name: EVERYONE for name in ("director", "clerk", "keeper", "finance", "auditor", "admin")},
    "root": EVERYONE,  # a superuser without a role
    "idle": set(),  # inactive salesperson
    "nobody": set(),  # active, no role
}


@pytest.fixture
def people(org):
    """The demo personas plus: a supervisor (South), a regional manager of a sub-region, an
    inactive salesperson, a user without a role, a superuser without a role; each prepared one
    voucher."""
    south, east, east_sh = org.teams["south"], org.regions["east"], org.regions["east-sh"]
    extra = {
        "supervisor1": User.objects.create(username="supervisor1", team=south, region=org.regions["south"]),
        "regional_sh": User.objects.create(username="regional_sh", region=east_sh),
        "idle": User.objects.create(username="idle", team=org.teams["east"], region=east, is_active=False),
        "nobody": User.objects.create(username="nobody", team=org.teams["east"], region=east),
        "root": User.objects.create(username="root", is_superuser=True, is_staff=True),
    }
    extra["supervisor1"].groups.add(Group.objects.get(name="supervisor"))
    extra["regional_sh"].groups.add(Group.objects.get(name="regional_manager"))
    extra["idle"].groups.add(Group.objects.get(name="salesperson"))
    everyone = {**org.people, **extra}
    Voucher.objects.bulk_create(
        Voucher(number=next_number("EX"), prepared_by=user, amount=Decimal(n))
        for n, user in enumerate(everyone.values(), start=1)
    )
    return everyone


def seen_users(user) -> set[str]:
    return set(visible(User.objects, user).values_list("username", flat=True))


def seen_vouchers(user) -> set[str]:
    return set(visible(Voucher.objects, user).values_list("prepared_by__username", flat=True))


def mismatches(people) -> list[str]:
    """Every persona whose visible users or vouchers differ from EXPECTED."""
    out = []
    for name, user in sorted(people.items()):
        fresh = User.objects.get(pk=user.pk)  # no cached scope
        for what, seen in (("users", seen_users(fresh)), ("vouchers", seen_vouchers(fresh))):
            extra, missing = sorted(seen - EXPECTED[name]), sorted(EXPECTED[name] - seen)
            if extra or missing:
                out.append(f"{name} {what}: extra {extra}, missing {missing}")
    return out


def test_every_persona_sees_exactly_their_rows(people):
    assert set(EXPECTED) == set(people)
    assert mismatches(people) == []


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_persona_sees_exactly_their_users_and_vouchers(people, name):
    user = people[name]
    assert seen_users(user) == EXPECTED[name]
    assert seen_vouchers(user) == EXPECTED[name]


def test_regional_manager_sees_the_subtree_not_other_regions(people):
    seen = {p.region.code for p in visible(User.objects, people["regional_east"]).select_related("region")}
    assert seen == {"east", "east-sh", "east-js"}


def test_one_record_outside_scope_is_invisible(people):
    theirs = Voucher.objects.get(prepared_by=people["sales3"])
    assert is_visible(theirs, people["manager2"])
    assert not is_visible(theirs, people["manager1"])
    assert not is_visible(theirs, people["sales4"])  # same team, but a salesperson sees only their own


def test_scope_of_each_role(people):
    assert {name: people[name].scope for name in ("sales1", "manager1", "supervisor1", "regional_east")} == {
        "sales1": Scope.OWN,
        "manager1": Scope.TEAM,
        "supervisor1": Scope.TEAM,
        "regional_east": Scope.REGION,
    }
    assert people["idle"].scope == Scope.NONE
    assert people["nobody"].scope == Scope.NONE


def test_scoped_rows_can_be_locked_for_update(people):
    # PostgreSQL refuses FOR UPDATE with DISTINCT: the scope rule must not add one
    with transaction.atomic():
        locked = visible(Voucher.objects, people["manager1"]).select_for_update(of=("self",))
        assert {v.prepared_by.username for v in locked.select_related("prepared_by")} == EAST_TEAM


# --- the matrix catches a broken rule ----------------------------------------------------------


def test_matrix_catches_a_region_rule_without_subtree(people, monkeypatch):
    monkeypatch.setattr(scope_module, "region_subtree", lambda region_id: [region_id])
    assert any(line.startswith("regional_east users") for line in mismatches(people))


def test_matrix_catches_a_role_with_too_wide_a_scope(people, monkeypatch):
    wide = {**roles.ROLES, "manager": roles.Role("manager", Scope.ALL)}
    monkeypatch.setattr(roles, "ROLES", wide)
    assert {line.split()[0] for line in mismatches(people)} == {"manager1", "manager2", "manager3"}


def test_matrix_catches_a_wrong_path_on_the_model(people, monkeypatch):
    monkeypatch.setattr(Voucher, "SCOPE", {**Voucher.SCOPE, "team": "prepared_by__region__teams"})
    assert any(line.startswith("manager1 vouchers") for line in mismatches(people))
