"""The user's to-dos as API: documents waiting for my review step."""

from datetime import datetime

from ninja import Router, Schema

from salesdept.core.pagination import paginate

from . import selectors

router = Router(tags=["reviews"])


class ReviewItemOut(Schema):
    type: str  # app_label.model, e.g. "sales.contract"
    id: int
    number: str
    status: str
    prepared_by: str
    submitted_at: datetime | None
    actions: list[str]  # review moves open to me: approve, reject

    @staticmethod
    def resolve_type(doc) -> str:
        return doc._meta.label_lower

    @staticmethod
    def resolve_prepared_by(doc) -> str:
        return str(doc.prepared_by)

    @staticmethod
    def resolve_actions(doc) -> list[str]:
        return review_actions(doc)


def review_actions(doc) -> list[str]:
    """The review moves (approve, reject) open to me on a listed document.

    The selector lists exactly the documents on which review.refusal finds nothing against me,
    and for a review transition that is the engine's whole rule besides the state; so the
    transitions table answers here without a query per document."""
    return [name for name, t in doc.TRANSITIONS.items() if t.review and doc.status in t.source]


@router.get("/reviews/waiting", response=list[ReviewItemOut])
@paginate
def list_reviews_waiting(request):
    """Submitted documents whose next review step is mine (the dashboard's list), oldest first."""
    return selectors.reviews_waiting(user=request.user)
