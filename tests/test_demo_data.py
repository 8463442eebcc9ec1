"""The demo company: the logins the README and the issue promise, loaded through one entry point."""

from django.apps import apps

from salesdept.accounts.models import Region, Team, User
from salesdept.demo import load

EXPECTED = {
    # username: (role, team code, region code)
    "director": ("director", None, None),
    "manager1": ("manager", "east", "east"),
    "manager2": ("manager", "south", "south"),
    "manager3": ("manager", "north", "north"),
    "sales1": ("salesperson", "east", "east-sh"),
    "sales2": ("salesperson", "east", "east-js"),
    "sales3": ("salesperson", "south", "south-gd"),
    "sales4": ("salesperson", "south", "south-gd"),
    "sales5": ("salesperson", "north", "north-bj"),
    "sales6": ("salesperson", "north", "north-bj"),
    "regional_east": ("regional_manager", None, "east"),
    "clerk": ("clerk", None, None),
    "keeper": ("warehouse_keeper", None, None),
    "finance": ("finance", None, None),
    "auditor": ("auditor", None, None),
    "admin": ("admin", None, None),
}


def test_load_demo_creates_the_documented_logins(db, monkeypatch):
    # the organisation's loader makes every login (the later loaders add no users; the full
    # demo is loaded by test_load_demo_twice_duplicates_nothing below)
    monkeypatch.setattr(load, "LOADERS", [load.load_org])
    ctx = load.load_demo()

    users = {u.username: u for u in User.objects.select_related("team", "region").prefetch_related("groups")}
    assert set(users) == set(EXPECTED)
    for username, (role, team, region) in EXPECTED.items():
        user = users[username]
        assert [g.name for g in user.groups.all()] == [role], username
        assert (user.team.code if user.team else None) == team, username
        assert (user.region.code if user.region else None) == region, username
        assert user.check_password("demo1234"), username
    assert users["admin"].is_staff and not users["admin"].is_superuser
    assert {t.code: t.manager.username for t in Team.objects.all()} == {
        "east": "manager1",
        "south": "manager2",
        "north": "manager3",
    }
    assert ctx.org.sales1 == users["sales1"]


def test_demo_is_bilingual(db, monkeypatch):
    monkeypatch.setattr(load, "LOADERS", [load.load_org])
    load.load_demo()
    east = Region.objects.get(code="east")
    assert (east.name, east.name_en) == ("华东", "East")
    assert {r.name for r in Region.objects.filter(parent__isnull=True)} == {"华东", "华南", "华北"}


def _row_counts() -> dict[str, int]:
    """Rows per table of every installed model (the demo's loaders write many apps)."""
    models = [m for m in apps.get_models() if m._meta.managed and not m._meta.proxy]
    return {m._meta.label: m._base_manager.count() for m in models}


def test_load_demo_twice_duplicates_nothing(db):
    # given the whole demo company loaded once (every loader of every capability)
    load.load_demo()
    first = _row_counts()

    # when it is loaded again, no table gains a row: each loader sees its own records
    load.load_demo()
    assert {k: v for k, v in _row_counts().items() if v != first[k]} == {}
    assert set(User.objects.values_list("username", flat=True)) == set(EXPECTED)
    assert first["crm.Customer"] > 100 and first["warehouse.StockMove"] > 100


def test_loaders_run_in_order_with_one_seeded_random(db, monkeypatch):
    seen = []

    def extra_loader(ctx):
        # a later capability's loader sees the organisation and draws from the seeded random
        seen.append((ctx.org.director.username, ctx.rng.random()))

    # (the organisation's loader stands for every loader before it; the seeded random is the same)
    monkeypatch.setattr(load, "LOADERS", [load.load_org, extra_loader])
    load.load_demo()
    load.load_demo()
    assert seen[0] == seen[1]
    assert seen[0][0] == "director"
    assert load.LOADERS[0] is load.load_org
