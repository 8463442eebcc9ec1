from ninja import Router, Schema

from salesdept.core import workflow

from . import selectors

router = Router(tags=["reviews"])


class ReviewItemOut(Schema):
    type: str
    id: int
    number: str
    status: str
    prepared_by: str
    submitted_at: str | None
    actions: list[str]


def _item(doc, user) -> dict:
    return {
        "type": doc._meta.label_lower,
        "id": doc.pk,
        "number": doc.number,
        "status": doc.status,
        "prepared_by": str(doc.prepared_by),
        "submitted_at": doc.submitted_at.isoformat() if doc.submitted_at else None,
        "actions": workflow.allowed_actions(doc, user),
    }


@router.get("/reviews/waiting", response=list[ReviewItemOut])
def list_reviews_waiting(request):
    """Documents whose next review step is mine."""
    return [_item(d, request.user) for d in selectors.reviews_waiting(user=request.user)]
