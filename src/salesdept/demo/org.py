"""The demo company's organisation: regions, teams and one login per role (deterministic).

Tests use the same people as personas, so what a test proves holds for the demo too."""

from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db import transaction

from salesdept.accounts.models import Region, Team, User

PASSWORD = "demo1234"

REGIONS = [
    # code, Chinese, English, parent
    ("east", "华东", "East", None),
    ("east-sh", "上海", "Shanghai", "east"),
    ("east-js", "江苏", "Jiangsu", "east"),
    ("south", "华南", "South", None),
    ("south-gd", "广东", "Guangdong", "south"),
    ("north", "华北", "North", None),
    ("north-bj", "北京", "Beijing", "north"),
]

TEAMS = [
    # code, Chinese, English, region
    ("east", "华东销售组", "East team", "east"),
    ("south", "华南销售组", "South team", "south"),
    ("north", "华北销售组", "North team", "north"),
]

PEOPLE = [
    # username, display name, roles, team, region
    ("director", "王建国 Wang Jianguo", ["director"], None, None),
    ("manager1", "李明 Li Ming", ["manager"], "east", "east"),
    ("manager2", "陈芳 Chen Fang", ["manager"], "south", "south"),
    ("manager3", "赵伟 Zhao Wei", ["manager"], "north", "north"),
    ("sales1", "张伟 Zhang Wei", ["salesperson"], "east", "east-sh"),
    ("sales2", "刘洋 Liu Yang", ["salesperson"], "east", "east-js"),
    ("sales3", "黄磊 Huang Lei", ["salesperson"], "south", "south-gd"),
    ("sales4", "周静 Zhou Jing", ["salesperson"], "south", "south-gd"),
    ("sales5", "吴强 Wu Qiang", ["salesperson"], "north", "north-bj"),
    ("sales6", "孙丽 Sun Li", ["salesperson"], "north", "north-bj"),
    ("regional_east", "郑涛 Zheng Tao", ["regional_manager"], None, "east"),
    ("clerk", "何静 He Jing", ["clerk"], None, None),
    ("keeper", "马超 Ma Chao", ["warehouse_keeper"], None, None),
    ("finance", "林娜 Lin Na", ["finance"], None, None),
    ("auditor", "郭敏 Guo Min", ["auditor"], None, None),
    ("admin", "系统管理员 Administrator", ["admin"], None, None),
]


@dataclass
class Org:
    regions: dict[str, Region]
    teams: dict[str, Team]
    people: dict[str, User]

    def __getattr__(self, name: str) -> User:
        try:
            return self.__dict__["people"][name]
        except KeyError:
            raise AttributeError(name) from None


@transaction.atomic
def build_org(*, password: str = PASSWORD, password_hash: str | None = None) -> Org:
    """Create (or reuse) the demo organisation. `password_hash` skips hashing (fast tests)."""
    regions: dict[str, Region] = {}
    for code, zh, en, parent in REGIONS:
        regions[code], _ = Region.objects.get_or_create(
            code=code, defaults={"name": zh, "name_en": en, "parent": regions.get(parent)}
        )
    teams: dict[str, Team] = {}
    for code, zh, en, region in TEAMS:
        teams[code], _ = Team.objects.get_or_create(
            code=code, defaults={"name": zh, "name_en": en, "region": regions[region]}
        )
    if password_hash is None:
        from django.contrib.auth.hashers import make_password

        password_hash = make_password(password)
    people: dict[str, User] = {}
    for username, name, roles, team, region in PEOPLE:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "display_name": name,
                "password": password_hash,
                "team": teams.get(team),
                "region": regions.get(region),
                "email": f"{username}@demo.salesdept.example",
                "is_staff": "admin" in roles,
            },
        )
        if created:
            user.groups.set(Group.objects.filter(name__in=roles))
        people[username] = user
    for code, manager in [("east", "manager1"), ("south", "manager2"), ("north", "manager3")]:
        Team.objects.filter(code=code, manager__isnull=True).update(manager=people[manager])
    return Org(regions=regions, teams=teams, people=people)
