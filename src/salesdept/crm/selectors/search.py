"""The one search box (C1/C2): a query across customers, contacts and leads, each group scoped by
the visibility rule (X1) — a salesperson never finds a colleague's customer.

Matching is done by the database on the columns the services store beside each name and phone
(normalised name, pinyin full and initials, phone digits), so a search over 100,000 customers
is one pass of string comparisons per group, never Python per row:
    华强 / 上海华强机械      → normalised name contains
    hqjx / huaqiang          → pinyin (initials or full) contains
    138-0013 8000            → phone digits contain 13800138000
    91310115MA1H000001       → tax ID
    CUS-2026-000001          → customer number
    Huaqiang Machinery       → English name contains (case-insensitive)
`customer_matches` is the customer condition as a queryset, for the customer list's own search
box, so that "see all" lists the rows counted here.
"""

import re
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet, Window
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.scope import visible
from salesdept.core.errors import ValidationFailed
from salesdept.crm.models import Contact, Customer, Lead
from salesdept.crm.text import normalize_name, normalize_phone

MIN_LENGTH = 2
MAX_LENGTH = 100
LIMIT = 10  # rows shown per group; the count says how many there are
_PHONE_LIKE = re.compile(r"^[\d\s()+\-.]+$")
_PINYIN_LIKE = re.compile(r"^[A-Za-z][A-Za-z\s']*$")
_CODE_LIKE = re.compile(r"^[A-Za-z0-9\-]+$")


@dataclass
class SearchGroup:
    """Up to LIMIT matches of one kind, and how many matched in all."""

    items: list = field(default_factory=list)
    count: int = 0

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


@dataclass(frozen=True)
class Terms:
    """The query string turned into what each stored column can be compared with; a column is
    compared only when the query could match it (digits are not looked for in pinyin), so most
    queries cost one or two string comparisons per row."""

    text: str  # as typed, trimmed (English name, contact name)
    name: str  # normalize_name(): lower case, no punctuation or company suffix
    letters: bool  # the query has Latin letters (English names, case-insensitive)
    pinyin: str  # letters only, lower case: "hqjx", "huaqiang"
    phone: str  # digits, when the query looks like a phone number (≥ 3 digits)
    code: str  # upper case, when the query looks like a number or tax ID

    @classmethod
    def parse(cls, q: str) -> "Terms":
        text = " ".join(q.split())
        phone = normalize_phone(text) if _PHONE_LIKE.match(text) else ""
        return cls(
            text=text,
            name=normalize_name(text),
            letters=bool(re.search(r"[A-Za-z]", text)),
            pinyin=re.sub(r"[\s']", "", text).lower() if _PINYIN_LIKE.match(text) else "",
            phone=phone if len(phone) >= 3 else "",
            code=text.replace(" ", "").upper() if _CODE_LIKE.match(text) and re.search(r"\d", text) else "",
        )


def clean_query(q: str | None) -> str:
    """The query trimmed; ValidationFailed naming `q` when it is too short to search."""
    q = " ".join((q or "").split())
    if len(q) < MIN_LENGTH:
        raise ValidationFailed(
            {"q": _("Type at least %(min)s characters to search.") % {"min": MIN_LENGTH}},
            message=_("Type at least %(min)s characters to search.") % {"min": MIN_LENGTH},
        )
    return q[:MAX_LENGTH]


def _any(*conditions: Q | None) -> Q:
    present = [c for c in conditions if c is not None]
    if not present:
        return Q(pk__in=[])
    result = present[0]
    for c in present[1:]:
        result |= c
    return result


def _text(field: str, terms: Terms) -> Q:
    # Chinese has no case: a plain LIKE is cheaper than the upper-casing icontains.
    return Q(**{f"{field}__icontains" if terms.letters else f"{field}__contains": terms.text})


def customer_condition(terms: Terms) -> Q:
    """Name (normalised), English name, pinyin, phone digits, customer number, tax ID."""
    return _any(
        Q(name_normalized__contains=terms.name) if terms.name else None,
        Q(name_en__icontains=terms.text) if terms.letters else None,
        Q(name_pinyin__contains=terms.pinyin) if terms.pinyin else None,
        Q(phone_normalized__contains=terms.phone) if terms.phone else None,
        Q(code__contains=terms.code) | Q(tax_id__startswith=terms.code) if terms.code else None,
    )


def contact_condition(terms: Terms) -> Q:
    """Name, pinyin, phone digits."""
    return _any(
        _text("name", terms),
        Q(name_pinyin__contains=terms.pinyin) if terms.pinyin else None,
        Q(phone_normalized__contains=terms.phone) if terms.phone else None,
    )


def lead_condition(terms: Terms) -> Q:
    """Prospect (normalised), contact person, pinyin, phone digits, lead number."""
    return _any(
        Q(name_normalized__contains=terms.name) if terms.name else None,
        _text("contact_name", terms),
        Q(name_pinyin__contains=terms.pinyin) if terms.pinyin else None,
        Q(phone_normalized__contains=terms.phone) if terms.phone else None,
        Q(code__contains=terms.code) if terms.code else None,
    )


def _group(qs: QuerySet, limit: int) -> SearchGroup:
    # One pass: the total rides on each row as COUNT(*) OVER (), so the matches are scanned
    # once, not once for the page and again for a COUNT.
    items = list(qs.annotate(search_total=Window(Count("pk")))[:limit])
    return SearchGroup(items=items, count=items[0].search_total if items else 0)


def customer_matches(*, user, q: str) -> QuerySet:
    """Active customers `user` may see that match `q` (the customer list's search uses this)."""
    terms = Terms.parse(q)
    return visible(Customer.objects.active(), user).filter(customer_condition(terms))


def search(*, user, q: str | None, limit: int = LIMIT) -> SearchResults:
    """Customers, contacts and leads matching `q` that `user` may see: the first `limit` of
    each (by name) and how many there are. A group the user may not view stays empty."""
    q = clean_query(q)
    terms = Terms.parse(q)
    empty = SearchGroup()
    customers = contacts = leads = empty
    if user.has_perm("crm.view_customer"):
        qs = (
            visible(Customer.objects.active(), user)
            .filter(customer_condition(terms))
            .select_related("owner", "tier")
            .order_by("name", "pk")
        )
        customers = _group(qs, limit)
    if user.has_perm("crm.view_contact"):
        qs = (
            visible(Contact.objects.filter(is_active=True, customer__merged_into__isnull=True), user)
            .filter(contact_condition(terms))
            .select_related("customer")
            .order_by("name", "pk")
        )
        contacts = _group(qs, limit)
    if user.has_perm("crm.view_lead"):
        qs = (
            visible(Lead.objects.all(), user)
            .filter(lead_condition(terms))
            .select_related("stage", "owner")
            .order_by("name", "pk")
        )
        leads = _group(qs, limit)
    return SearchResults(q=q, customers=customers, contacts=contacts, leads=leads)
