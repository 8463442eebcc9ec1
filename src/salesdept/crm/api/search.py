"""Search API: GET /api/v1/search?q= — customers, contacts and leads the user may see that match
a name, pinyin (full or initials), English name, phone (any formatting), tax ID or number; the
first 10 of each group and how many there are. A query shorter than 2 characters answers 400."""

from ninja import Field, Query, Router, Schema

from salesdept.core.schemas import ErrorOut, StrictIn
from salesdept.crm.selectors import search as selectors

router = Router(tags=["search"])


class SearchIn(StrictIn):
    q: str = Field("", max_length=selectors.MAX_LENGTH)
    limit: int = Field(selectors.LIMIT, ge=1, le=50)


class CustomerHit(Schema):
    id: int
    code: str
    name: str
    name_en: str
    phone: str
    tax_id: str
    owner: str

    @staticmethod
    def resolve_owner(obj) -> str:
        return str(obj.owner)


class ContactHit(Schema):
    id: int
    name: str
    title: str
    phone: str
    customer_id: int
    customer_name: str

    @staticmethod
    def resolve_customer_name(obj) -> str:
        return obj.customer.name


class LeadHit(Schema):
    id: int
    code: str
    name: str
    contact_name: str
    phone: str
    stage: str
    owner: str

    @staticmethod
    def resolve_stage(obj) -> str:
        return obj.stage.code

    @staticmethod
    def resolve_owner(obj) -> str:
        return str(obj.owner)


class CustomerGroup(Schema):
    count: int
    items: list[CustomerHit]


class ContactGroup(Schema):
    count: int
    items: list[ContactHit]


class LeadGroup(Schema):
    count: int
    items: list[LeadHit]


class SearchOut(Schema):
    q: str
    total: int
    customers: CustomerGroup
    contacts: ContactGroup
    leads: LeadGroup


@router.get("", response={200: SearchOut, 400: ErrorOut, 401: ErrorOut, 422: ErrorOut}, operation_id="search")
def search(request, query: Query[SearchIn]):
    """One query across customers, contacts and leads, each scoped like its list."""
    return selectors.search(user=request.user, q=query.q, limit=query.limit)
