"""What `salesdept bench` seeds and measures. Later issues append to SEEDERS and WORKLOADS.

A seeder runs in the prepare process (Django configured, empty migrated database) and returns
JSON-able parameters; a workload runs in the bench process over HTTP with those parameters and
returns the timed seconds of each request and the number of wrong answers. A service workload
(SERVICE_WORKLOADS) does the same in-process, timing a service function itself."""

import json
import random
from collections.abc import Callable
from dataclasses import dataclass

from . import crm, history, order_to_cash, receivables, sales, stats, warehouse
from .http import Client

BENCH_USERS = 10_000
PAGE_SIZE = 50
PASSWORD = "demo1234"


# ---------------------------------------------------------------------------- seeders (Django)


def seed_people(rng: random.Random) -> dict:
    """The demo organisation plus 10,000 salespeople spread over 20 teams in the demo regions."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from salesdept.accounts.models import Region, Team, User
    from salesdept.demo.org import build_org

    org = build_org(password=PASSWORD)
    password_hash = make_password(PASSWORD)  # one Argon2 hash shared by the generated people
    leaf_regions = list(Region.objects.filter(children__isnull=True).order_by("code"))
    teams = list(org.teams.values())
    for i in range(len(teams), 20):
        region = rng.choice(leaf_regions)
        teams.append(
            Team.objects.create(
                code=f"bench-{i:02d}", name=f"测试组{i:02d}", name_en=f"Bench team {i:02d}", region=region
            )
        )
    users = [
        User(
            username=f"bench{i:05d}",
            display_name=f"测试 Bench {i:05d}",
            email=f"bench{i:05d}@bench.salesdept.example",
            password=password_hash,
            team=(team := rng.choice(teams)),
            region=team.region,
        )
        for i in range(BENCH_USERS)
    ]
    User.objects.bulk_create(users, batch_size=1000)
    salesperson = Group.objects.get(name="salesperson")
    through = User.groups.through
    through.objects.bulk_create(
        [
            through(user_id=pk, group_id=salesperson.pk)
            for pk in User.objects.filter(username__startswith="bench").values_list("pk", flat=True)
        ],
        batch_size=2000,
    )
    total = User.objects.count()
    return {
        "users": total,
        "teams": len(teams),
        "login_user": "sales1",
        "viewer": "director",
        "password": PASSWORD,
        "pages": -(-total // PAGE_SIZE),
    }


SEEDERS: list[Callable[[random.Random], dict]] = [
    seed_people,
    crm.seed_crm,
    sales.seed_sales,
    warehouse.seed_warehouse,
    order_to_cash.seed_order_to_cash,
    receivables.seed_receivables,
    stats.seed_stats,
]


# ---------------------------------------------------------------------------- workloads (HTTP)


@dataclass(frozen=True)
class Workload:
    name: str
    description: str
    measure: Callable[[str, int, dict, int], tuple[list[float], int]]


def _signed_in(host: str, port: int, username: str, password: str) -> Client:
    client = Client(host, port)
    response = client.post_form("/accounts/login/", {"username": username, "password": password})
    if response.status != 302 or "sessionid" not in client.cookies:
        raise RuntimeError(f"could not sign in as {username}: HTTP {response.status}")
    return client


def measure_login(host: str, port: int, params: dict, n: int) -> tuple[list[float], int]:
    """POST /accounts/login/ (Argon2, django-axes, a new session); the GET for the CSRF token is untimed."""
    times, errors = [], 0
    for _ in range(n):
        client = Client(host, port)
        response = client.post_form(
            "/accounts/login/", {"username": params["login_user"], "password": params["password"]}
        )
        times.append(response.seconds)
        errors += response.status != 302 or "sessionid" not in client.cookies
    return times, errors


def measure_dashboard(host: str, port: int, params: dict, n: int) -> tuple[list[float], int]:
    """GET / as the director: menu, reviews waiting, documents sent back."""
    client = _signed_in(host, port, params["viewer"], params["password"])
    times, errors = [], 0
    for _ in range(n):
        response = client.get("/")
        times.append(response.seconds)
        errors += response.status != 200
    return times, errors


def measure_users_list(host: str, port: int, params: dict, n: int) -> tuple[list[float], int]:
    """GET /api/v1/users?page=N&page_size=50 as the director (scope: all 10,000+ users), pages spread."""
    client = _signed_in(host, port, params["viewer"], params["password"])
    times, errors = [], 0
    for i in range(n):
        page = 1 + (i * 37) % params["pages"]
        response = client.get(f"/api/v1/users?page={page}&page_size={PAGE_SIZE}")
        times.append(response.seconds)
        ok = response.status == 200
        if ok and i == 0:
            ok = json.loads(response.body).get("count") == params["users"]
        errors += not ok
    return times, errors


WORKLOADS: list[Workload] = [
    Workload("login", "POST /accounts/login/", measure_login),
    Workload("dashboard", "GET / (director)", measure_dashboard),
    Workload(
        "users_list", "GET /api/v1/users?page=N&page_size=50 (director, 10,000+ users)", measure_users_list
    ),
    # C1–C5 (bench/crm.py); the import comes last because it adds customers
    *(Workload(name, description, measure) for name, description, measure in crm.CRM_WORKLOADS),
    # S3/S5 (bench/sales.py)
    *(Workload(name, description, measure) for name, description, measure in sales.SALES_WORKLOADS),
    # W1–W3 (bench/warehouse.py): card and reconciliation first, then the posting (it adds moves)
    *(Workload(name, description, measure) for name, description, measure in warehouse.WAREHOUSE_WORKLOADS),
    # F1–F4 (bench/order_to_cash.py)
    *(
        Workload(name, description, measure)
        for name, description, measure in order_to_cash.ORDER_TO_CASH_WORKLOADS
    ),
    # F3 aging over every open invoice (bench/receivables.py)
    *(
        Workload(name, description, measure)
        for name, description, measure in receivables.RECEIVABLES_WORKLOADS
    ),
    # P2 sales statistics over 1,000,000 order lines (bench/stats.py)
    *(Workload(name, description, measure) for name, description, measure in stats.STATS_WORKLOADS),
]

# Timed in-process (bench/inprocess.py, Django set up) after the HTTP workloads: (name,
# description, measure(params, n) → (seconds, errors)).
SERVICE_WORKLOADS = [
    *warehouse.SERVICE_WORKLOADS,
    *order_to_cash.SERVICE_WORKLOADS,
    *receivables.SERVICE_WORKLOADS,
    *stats.SERVICE_WORKLOADS,
    *history.SERVICE_WORKLOADS,
]
