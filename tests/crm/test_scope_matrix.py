"""X1 scope matrix of the crm app (STYLE.md §7): for every list endpoint — API lists, HTML list
pages and their CSV exports, search and reminders — each persona sees exactly the rows the rule
gives, and a detail of a record outside one's scope answers 404, never 403.

The expectation is computed here from the rule as the issue states it, not from accounts/scope.py
(a test that reused the code under test could not fail):
    own     salespeople: the records of their own customers / leads / follow-ups …
    team    managers: the records of everyone in their team
    region  the East regional manager: records in 华东 East and the regions below it
    all     director, clerk, auditor, finance
and a role without the model's view permission (accounts/roles.py: the warehouse keeper reads
only customers and contacts, the administrator no crm records) sees none of it: 403/404 or an
empty list.

One world is built per module (the tests only read it; each runs in a savepoint on it): for each
of the six salespeople one record of every model (two customers: one being followed up, one idle
past its revisit rule; two follow-ups: due today and overdue), written through the services
(customers and leads by the conftest factories). Every record carries a unique marker
([model/owner/n]) so HTML pages and CSV exports can be read by text."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.utils import timezone

from salesdept.crm.models import Customer
from salesdept.crm.services import activities as activity_services
from salesdept.crm.services import customers as customer_services
from salesdept.crm.services import feedback as feedback_services
from salesdept.crm.services import leads as lead_services
from salesdept.crm.services import letters as letter_services
from tests.conftest import _build_org, _load_org, assert_invariants_hold, shared_data
from tests.crm.conftest import new_customer, new_lead

DAY = datetime.timedelta(days=1)
SALESPEOPLE = ("sales1", "sales2", "sales3", "sales4", "sales5", "sales6")
PERSONAS = (
    "sales1", "sales2", "sales3", "manager1", "manager2", "regional_east",
    "director", "clerk", "auditor", "finance", "keeper", "admin",
)  # fmt: skip

# --- the rule, written out -----------------------------------------------------------------------

SCOPE = {
    **{name: "own" for name in ("sales1", "sales2", "sales3")},
    "manager1": "team",
    "manager2": "team",
    "regional_east": "region",
    **{name: "all" for name in ("director", "clerk", "auditor", "finance", "keeper", "admin")},
}
TEAM = {
    "sales1": "east", "sales2": "east", "manager1": "east",
    "sales3": "south", "sales4": "south", "manager2": "south",
    "sales5": "north", "sales6": "north",
}  # fmt: skip
# 华东 East and its subregions (上海 sales1, 江苏 sales2); everyone else sits outside East.
IN_EAST = {"sales1", "sales2"}
MODELS = ("customer", "contact", "document", "lead", "visit", "activity", "call", "feedback", "letter")
# Which crm records each role may read at all (accounts/roles.py): CRM_READ for everyone but the
# warehouse keeper (customers and contacts only) and the administrator (master data only).
READS = {name: set(MODELS) for name in PERSONAS}
READS["keeper"] = {"customer", "contact"}
READS["admin"] = set()


def sees(persona: str, owner: str, model: str) -> bool:
    """Whether `persona` may see `model`'s record belonging to salesperson `owner` (the rule)."""
    if model not in READS[persona]:
        return False
    match SCOPE[persona]:
        case "own":
            return persona == owner
        case "team":
            return TEAM[persona] == TEAM[owner]
        case "region":
            return owner in IN_EAST
        case "all":
            return True
    raise AssertionError(persona)


# --- the world -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rec:
    model: str
    id: int
    owner: str
    marker: str
    tags: frozenset = frozenset()


@dataclass
class World:
    recs: list[Rec] = field(default_factory=list)
    user_ids: dict[str, int] = field(default_factory=dict)  # persona name → user id

    def add(self, model: str, obj_id: int, owner: str, marker: str, *tags: str) -> None:
        self.recs.append(Rec(model, obj_id, owner, marker, frozenset(tags)))

    def of(self, model: str, tag: str | None = None) -> list[Rec]:
        return [r for r in self.recs if r.model == model and (tag is None or tag in r.tags)]

    def find(self, model: str, owner: str, tag: str | None = None) -> Rec:
        return next(r for r in self.of(model, tag) if r.owner == owner)


def _marker(model: str, owner: str, n: int = 1) -> str:
    return f"[{model}/{owner}/{n}]"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> World:
    with shared_data(django_db_blocker), override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("matrix")):
        world = _build_world(_load_org() or _build_org())
        assert_invariants_hold()
        yield world


def _build_world(org) -> World:
    def make_customer(**kwargs):
        return new_customer(org, **kwargs)

    def make_lead(**kwargs):
        return new_lead(org, **kwargs)

    today = timezone.localdate()
    w = World(user_ids={name: getattr(org, name).pk for name in (*PERSONAS, *SALESPEOPLE)})
    for name in SALESPEOPLE:
        s = getattr(org, name)
        # customers: one being followed up, one never contacted for longer than tier C's rule
        main = make_customer(owner=s, name=f"矩阵客户{_marker('customer', name)}", tier="B")
        # (not named 矩阵: the search page lists the first 10 hits of a group, six per group fit)
        idle = make_customer(owner=s, name=f"闲置客户{_marker('customer', name, 2)}", tier="C")
        Customer.objects.filter(pk=idle.pk).update(created_at=timezone.now() - 400 * DAY)
        w.add("customer", main.pk, name, _marker("customer", name), "main")
        w.add("customer", idle.pk, name, _marker("customer", name, 2), "idle")
        contact = customer_services.contact_create(
            by=s, customer_id=main.pk, data={"name": f"矩阵联系人{_marker('contact', name)}"}
        )
        w.add("contact", contact.pk, name, _marker("contact", name))
        doc = customer_services.document_upload(
            by=s,
            customer_id=main.pk,
            kind="licence",
            file=SimpleUploadedFile("licence.pdf", b"%PDF-1.4 licence"),
            number=_marker("document", name),
            expires_on=today + 10 * DAY,
        )
        w.add("document", doc.pk, name, _marker("document", name))
        lead = make_lead(owner=s, name=f"矩阵线索{_marker('lead', name)}")
        w.add("lead", lead.pk, name, _marker("lead", name))
        visit = lead_services.visit_create(
            by=s, data={"visitor_name": _marker("visit", name), "purpose": "参观展厅"}
        )
        w.add("visit", visit.pk, name, _marker("visit", name))
        for n, (due_on, tag) in enumerate([(today, "due"), (today - 3 * DAY, "overdue")], start=1):
            activity = activity_services.activity_plan(
                by=s, data={"customer_id": main.pk, "subject": _marker("activity", name, n), "due_on": due_on}
            )
            w.add("activity", activity.pk, name, _marker("activity", name, n), tag)
        call = activity_services.phone_call_create(
            by=org.clerk,
            data={
                "caller": _marker("call", name),
                "topic": "询价",
                "customer_id": main.pk,
                "handed_to_id": s.pk,
            },
        )
        w.add("call", call.pk, name, _marker("call", name))
        complaint = feedback_services.feedback_create(
            by=s,
            customer_id=main.pk,
            kind="complaint",
            subject=_marker("feedback", name),
            description="交货延迟",
            received_on=today - 10 * DAY,
            deadline=today - 5 * DAY,  # past its deadline: a reminder too
        )
        w.add("feedback", complaint.pk, name, _marker("feedback", name))
        letter = letter_services.letter_create(
            by=s,
            direction="in",
            kind="letter",
            date=today,
            counterpart="矩阵往来单位",
            subject=_marker("letter", name),
            customer_id=main.pk,
        )
        w.add("letter", letter.pk, name, _marker("letter", name))
    return w


# --- reading answers -------------------------------------------------------------------------------

Key = tuple[str, int]  # (model, id)


def _expect(model: str, tag: str | None = None, rule=sees) -> Callable[[World, str], set]:
    def expect(world: World, persona: str) -> set:
        return {(model, r.id) for r in world.of(model, tag) if rule(persona, r.owner, model)}

    return expect


def _union(*expects) -> Callable[[World, str], set]:
    return lambda world, persona: set().union(*(e(world, persona) for e in expects))


def _mine(persona: str, owner: str, model: str) -> bool:
    # the "today" lists show the caller's own follow-ups, whatever their scope
    return model in READS[persona] and persona == owner


def _items(model: str, path=("items",)) -> Callable[[object, World], set]:
    def read(response, world: World) -> set:
        data = response.json()
        for key in path:
            data = data.get(key, {"items": []}) if isinstance(data, dict) else data
        return {(model, row["id"]) for row in data}

    return read


def _owner_rows(model: str) -> Callable[[object, World], set]:
    """Aggregates by salesperson ({"owner_id", …}): read as the set of owners seen."""

    def read(response, world: World) -> set:
        return {("owner", row["owner_id"]) for row in response.json()}

    return read


def _owners_of(expect) -> Callable[[World, str], set]:
    def owners(world: World, persona: str) -> set:
        keys = expect(world, persona)
        by_key = {(r.model, r.id): r.owner for r in world.recs}
        return {("owner", world.user_ids[by_key[k]]) for k in keys}

    return owners


def _body(response) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode("utf-8-sig")


def _conversion_owners(response, world: World) -> set:
    return {("owner", int(row["key"])) for row in response.json()["rows"]}


def _markers(*models: str) -> Callable[[object, World], set]:
    def read(response, world: World) -> set:
        body = _body(response)
        return {(r.model, r.id) for r in world.recs if r.model in models and r.marker in body}

    return read


def _search(response, world: World) -> set:
    data = response.json()
    groups = {"customers": "customer", "contacts": "contact", "leads": "lead"}
    return {(model, row["id"]) for group, model in groups.items() for row in data[group]["items"]}


# each reminder list: the model it lists and which of the world's records are on it
REMINDER_LISTS = {
    "follow_ups_due": ("activity", "due"),
    "follow_ups_overdue": ("activity", "overdue"),
    "complaints_past_deadline": ("feedback", None),  # all past their deadline
    "documents_expiring": ("document", None),  # all expire within 10 days
}


def _reminders(response, world: World) -> set:
    # a list the persona may not see is left out of the answer
    data = response.json()
    return {
        (kind, row["id"]) for kind in REMINDER_LISTS for row in (data.get(kind) or {"items": []})["items"]
    }


def _expect_reminders(world: World, persona: str) -> set:
    return {
        (kind, record_id)
        for kind, (model, tag) in REMINDER_LISTS.items()
        for _model, record_id in _expect(model, tag)(world, persona)
    }


@dataclass(frozen=True)
class Case:
    path: str
    read: Callable
    expect: Callable
    # the permission without which the endpoint may refuse (403/404) instead of answering empty
    perm: str | None = None


Q = "?page_size=100"
CSV = "?format=csv"
VIEW = {m: f"crm.view_{m}" for m in MODELS} | {
    "document": "crm.view_customerdocument",
    "call": "crm.view_phonecall",
}
# what the search word 矩阵 finds: the followed-up customers, their contacts, the leads
SEARCHED = _union(_expect("customer", "main"), _expect("contact"), _expect("lead"))


def _team_overdue(world: World, persona: str) -> set:
    # salespeople see only their own follow-ups, so the by-salesperson view is empty for them
    overdue = _owners_of(_expect("activity", "overdue"))
    return overdue(world, persona) if SCOPE[persona] != "own" else set()


def api(name, path, model, *, tag=None, rule=sees, perm=None, marks=()):
    """An API list of `model` read by ids."""
    case = Case(path, _items(model), _expect(model, tag, rule), perm or VIEW[model])
    return pytest.param(case, id=f"api-{name}", marks=marks)


def page(name, path, model, *, tag=None, rule=sees, perm=None):
    """An HTML page or CSV export of `model` read by the records' markers."""
    case = Case(path, _markers(model), _expect(model, tag, rule), perm or VIEW[model])
    return pytest.param(case, id=f"page-{name}")


def custom(name, path, read, expect, perm=None, marks=()):
    return pytest.param(Case(path, read, expect, perm), id=name, marks=marks)


CASES = [
    # API lists and exports
    api("customers", f"/api/v1/customers{Q}", "customer"),
    custom(
        "api-customers-export",
        f"/api/v1/customers/export{CSV}",
        _markers("customer"),
        _expect("customer"),
        "crm.export_customer",
    ),
    custom(
        "api-customers-incomplete",
        "/api/v1/customers/incomplete",
        _owner_rows("customer"),
        _owners_of(_expect("customer")),
        VIEW["customer"],
    ),
    api("leads", f"/api/v1/leads/{Q}", "lead"),
    custom(
        "api-leads-conversion",
        "/api/v1/leads/conversion?group_by=owner",
        _conversion_owners,
        _owners_of(_expect("lead")),
        VIEW["lead"],
    ),
    api("visits", f"/api/v1/leads/visits{Q}", "visit"),
    api("activities", f"/api/v1/activities{Q}", "activity"),
    api("activities-today", f"/api/v1/activities/today{Q}", "activity", rule=_mine),
    custom(
        "api-activities-team-overdue",
        "/api/v1/activities/team-overdue",
        _owner_rows("activity"),
        _team_overdue,
        VIEW["activity"],
    ),
    api("customers-overdue", f"/api/v1/activities/customers-overdue{Q}", "customer", tag="idle"),
    api("phone-calls", f"/api/v1/phone-calls{Q}", "call"),
    api("feedback", f"/api/v1/feedback{Q}", "feedback"),
    api("letters", f"/api/v1/letters{Q}", "letter"),
    custom("api-search", "/api/v1/search?q=矩阵&limit=50", _search, SEARCHED),
    custom("api-reminders", "/api/v1/reminders", _reminders, _expect_reminders),
    *[
        api(f"reminders-{kind}", f"/api/v1/reminders/{kind}{Q}", model, tag=tag)
        for kind, (model, tag) in REMINDER_LISTS.items()
    ],
    # HTML list pages and their CSV exports
    page("customers", "/crm/customers/", "customer"),
    page("customers-export", f"/crm/customers/export/{CSV}", "customer", perm="crm.export_customer"),
    page("leads", "/crm/leads/", "lead"),
    page("leads-export", f"/crm/leads/export/{CSV}", "lead"),
    page("visits", "/crm/visits/", "visit"),
    page("visits-export", f"/crm/visits/export/{CSV}", "visit"),
    page("activities-today", "/crm/activities/", "activity", rule=_mine),
    page("activities", "/crm/activities/all/", "activity"),
    page("activities-export", f"/crm/activities/export/{CSV}", "activity"),
    page("calls", "/crm/calls/", "call"),
    page("calls-export", f"/crm/calls/export/{CSV}", "call"),
    page("feedback", "/crm/feedback/", "feedback"),
    page("feedback-export", f"/crm/feedback/{CSV}", "feedback"),
    page("letters", "/crm/letters/", "letter"),
    page("letters-export", f"/crm/letters/{CSV}", "letter"),
    custom(
        "page-search",
        "/crm/search/?q=矩阵",
        _markers("customer", "contact", "lead"),
        SEARCHED,
        VIEW["customer"],
    ),
    *[
        page(f"reminders-{kind}", f"/crm/reminders/{kind}/", model, tag=tag)
        for kind, (model, tag) in REMINDER_LISTS.items()
    ],
]


@pytest.mark.parametrize("case", CASES)
def test_each_persona_sees_exactly_the_rows_of_its_scope(org, world, case):
    # given one record of every model per salesperson (the world)
    problems = []
    for persona in PERSONAS:
        user = getattr(org, persona)
        client = Client()
        client.force_login(user)
        # when the persona asks for the list
        response = client.get(case.path)
        expected = case.expect(world, persona)
        may_refuse = case.perm is not None and not user.has_perm(case.perm)
        # then it is refused only for a role without the permission, and otherwise lists exactly
        # the expected rows
        if response.status_code in (403, 404) and may_refuse:
            continue
        if response.status_code != 200:
            problems.append(f"{persona}: status {response.status_code}: {response.content[:200]!r}")
            continue
        got = case.read(response, world)
        if got != expected:
            problems.append(f"{persona}: extra {sorted(got - expected)} missing {sorted(expected - got)}")
    assert not problems, f"{case.path}\n" + "\n".join(problems)


def test_the_matrix_can_tell_scopes_apart(world, org):
    """The world is built so that every scope sees a different, non-empty set."""
    seen = {p: frozenset(_expect("customer")(world, p)) for p in PERSONAS}
    assert (
        len(
            {
                seen[p]
                for p in ("sales1", "sales2", "sales3", "manager1", "manager2", "regional_east", "director")
            }
        )
        == 6
    )
    assert seen["manager1"] == seen["regional_east"]  # East team = East region in the demo org
    assert all(seen[p] for p in PERSONAS if p != "admin") and not seen["admin"]


# --- details: out of scope is 404, not 403 --------------------------------------------------------


DETAILS = [
    pytest.param("customer", "/api/v1/customers/{id}", id="api-customer"),
    pytest.param("customer", "/api/v1/customers/{id}/contacts", id="api-customer-contacts"),
    pytest.param("customer", "/api/v1/customers/{id}/documents", id="api-customer-documents"),
    pytest.param("customer", "/api/v1/customers/{id}/transfers", id="api-customer-transfers"),
    pytest.param("lead", "/api/v1/leads/{id}", id="api-lead"),
    pytest.param("visit", "/api/v1/leads/visits/{id}", id="api-visit"),
    pytest.param("activity", "/api/v1/activities/{id}", id="api-activity"),
    pytest.param("call", "/api/v1/phone-calls/{id}", id="api-phone-call"),
    pytest.param("feedback", "/api/v1/feedback/{id}", id="api-feedback"),
    pytest.param("letter", "/api/v1/letters/{id}", id="api-letter"),
    pytest.param("customer", "/crm/customers/{id}/", id="page-customer"),
    pytest.param("document", "/crm/customers/documents/{id}/file/", id="page-customer-document-file"),
    pytest.param("lead", "/crm/leads/{id}/", id="page-lead"),
    pytest.param("visit", "/crm/visits/{id}/edit/", id="page-visit-edit"),
    pytest.param("activity", "/crm/activities/{id}/", id="page-activity"),
    pytest.param("feedback", "/crm/feedback/{id}/", id="page-feedback"),
    pytest.param("letter", "/crm/letters/{id}/", id="page-letter"),
]
# (viewer, owner of the record): the viewer's scope does not reach the owner's records
OUT_OF_SCOPE = [
    ("sales1", "sales2"),
    ("sales1", "sales3"),
    ("sales3", "sales1"),
    ("manager1", "sales3"),
    ("manager2", "sales1"),
    ("regional_east", "sales3"),
]
IN_SCOPE = [("sales1", "sales1"), ("manager1", "sales2"), ("regional_east", "sales1"), ("director", "sales6")]


@pytest.mark.parametrize("model, path", DETAILS)
def test_detail_outside_scope_is_404_and_inside_is_200(org, world, model, path):
    problems = []
    for viewer, owner in OUT_OF_SCOPE + IN_SCOPE:
        client = Client()
        client.force_login(getattr(org, viewer))
        record = world.find(model, owner, "main" if model == "customer" else None)
        status = client.get(path.format(id=record.id)).status_code
        wanted = 404 if (viewer, owner) in OUT_OF_SCOPE else 200
        assert sees(viewer, owner, model) == (wanted == 200)  # the pairs follow the rule
        if status != wanted:
            problems.append(f"{viewer} → {owner}'s {model}: {status}, expected {wanted}")
    # a role that may not read this kind of record at all gets no record of it either
    for persona in (p for p in PERSONAS if model not in READS[p]):
        client = Client()
        client.force_login(getattr(org, persona))
        status = client.get(path.format(id=world.find(model, "sales1").id)).status_code
        if status not in (403, 404):
            problems.append(f"{persona} (no view permission) → sales1's {model}: {status}")
    assert not problems, f"{path}\n" + "\n".join(problems)
