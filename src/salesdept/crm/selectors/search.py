"""The one search box (C1/C2): a query across customers, contacts and leads, each group scoped by
the visibility rule (X1) — a salesperson never finds a colleague's customer.

Each row keeps a narrow `search_text` (crm/search_keys.py: folded name, English name, pinyin
full and initials, number, tax ID, phone digits), and the query is folded the same way, so each
group is ONE `search_text LIKE '%key%'`:
    华强 / 上海华强机械有限公司  → the name (a company suffix in the query is dropped)
    hqjx / huaqiang            → pinyin initials or full pinyin
    138-0013 8000 / +86 138…   → phone digits (crm.text.normalize_phone)
    91310115MA1H000001         → tax ID
    CUS-2026-000001            → customer number
    Huaqiang Machinery         → English name
Speed at 100,000 customers: a group reads matching ids in the table's (or the index's) own
order and stops at COUNT_CAP + 1, so a common query stops early and a rare one is one scan of
one short column; no sort over all matches. The `limit` shown are then loaded with their
relations and sorted by name; the count says "100+" beyond COUNT_CAP.
`customer_matches` is the same condition for the customer list's search box, so "see all" lists
the rows counted here.
"""

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.scope import visible
from salesdept.core.errors import ValidationFailed
from salesdept.crm.models import CUSTOMER_SCOPE, Contact, Customer, Lead
from salesdept.crm.search_keys import matches, query_key

__all__ = ["COUNT_CAP", "LIMIT", "SearchGroup", "SearchResults", "clean_query", "customer_matches", "search"]

MIN_LENGTH = 2
MAX_LENGTH = 100
LIMIT = 10  # rows shown per group; the count says how many there are
COUNT_CAP = 100  # counted exactly up to here, then shown as "100+"
# _contacts() scopes contacts through their customer; that is visible(Contact) only while a
# contact's scope is its customer's.
assert Contact.SCOPE is CUSTOMER_SCOPE, "crm.selectors.search._contacts must follow Contact.SCOPE"


class CappedCount(int):
    """A count that stopped at COUNT_CAP: compares and sums as the number, prints as '100+'
    (the page's badge and plural text print it; JSON gets the number)."""

    def __str__(self) -> str:
        return f"{int(self)}+"


@dataclass
class SearchGroup:
    """Up to LIMIT matches of one kind, and how many matched (capped at COUNT_CAP)."""

    items: list = field(default_factory=list)
    count: int = 0
    capped: bool = False  # more than COUNT_CAP matched; count is COUNT_CAP

    @property
    def more(self) -> bool:
        return self.count > len(self.items)


@dataclass
class SearchResults:
    q: str
    customers: SearchGroup
    contacts: SearchGroup
    leads: SearchGroup

    @property
    def total(self) -> int:
        return self.customers.count + self.contacts.count + self.leads.count


def clean_query(q: str | None) -> str:
    """The query trimmed; ValidationFailed naming `q` when it is too short to search."""
    q = " ".join((q or "").split())
    if len(q) < MIN_LENGTH:
        raise ValidationFailed(
            {"q": _("Type at least %(min)s characters to search.") % {"min": MIN_LENGTH}},
            message=_("Type at least %(min)s characters to search.") % {"min": MIN_LENGTH},
        )
    return q[:MAX_LENGTH]


def _group(qs: QuerySet, limit: int, related: tuple[str, ...]) -> SearchGroup:
    # One scan that stops at COUNT_CAP + 1 matching ids (no ORDER BY, so the database may stop
    # early and read only the narrow search_text), then the rows shown, loaded by primary key.
    ids = list(qs.order_by().values_list("pk", flat=True)[: COUNT_CAP + 1])
    if not ids:
        return SearchGroup()
    shown = qs.model._base_manager.filter(pk__in=ids[:limit]).select_related(*related)
    items = sorted(shown, key=lambda obj: (obj.name, obj.pk))
    if len(ids) > COUNT_CAP:
        return SearchGroup(items=items, count=CappedCount(COUNT_CAP), capped=True)
    return SearchGroup(items=items, count=len(ids))


def _contacts(user) -> QuerySet:
    """Active contacts of unmerged customers `user` may see. A contact's scope is its
    customer's (Contact.SCOPE = CUSTOMER_SCOPE), applied here through visible() on the customer
    in an EXISTS: a join would let SQLite walk all of the user's customers and look up their
    contacts one by one; EXISTS makes it scan the contacts' search_text and check only the
    matches' customers."""
    customers = visible(Customer.objects, user).filter(pk=OuterRef("customer_id"), merged_into__isnull=True)
    return Contact.objects.filter(Exists(customers), is_active=True)


def customer_matches(*, user, q: str) -> QuerySet:
    """Active customers `user` may see that match `q` (the customer list's search uses this)."""
    return visible(Customer.objects.active(), user).filter(matches(q))


def search(*, user, q: str | None, limit: int = LIMIT) -> SearchResults:
    """Customers, contacts and leads matching `q` that `user` may see: `limit` of each, sorted by
    name, and how many there are (up to COUNT_CAP, then "100+"). A group the user may not view
    stays empty. Every group starts from visible()."""
    q = clean_query(q)
    if not query_key(q):  # only punctuation: nothing to look for
        return SearchResults(q=q, customers=SearchGroup(), contacts=SearchGroup(), leads=SearchGroup())
    condition = matches(q)
    customers = contacts = leads = SearchGroup()
    if user.has_perm("crm.view_customer"):
        customers = _group(
            visible(Customer.objects.active(), user).filter(condition), limit, ("owner", "tier")
        )
    if user.has_perm("crm.view_contact"):
        contacts = _group(_contacts(user).filter(condition), limit, ("customer",))
    if user.has_perm("crm.view_lead"):
        leads = _group(visible(Lead.objects.all(), user).filter(condition), limit, ("stage", "owner"))
    return SearchResults(q=q, customers=customers, contacts=contacts, leads=leads)
