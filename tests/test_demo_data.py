"""The demo company: the logins the README and the issue promise, loaded through one entry point."""

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
    # demo is loaded by tests/demo/test_demo_company.py, which also loads it twice)
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
