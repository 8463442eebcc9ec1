"""What must always be true of the customer records (C1–C4), checked by `check_invariants` and
after every test flow. Codes CRM1… extend ../shared/INVARIANTS.md for this app's tables; I8
(numbers unique) is kept by unique constraints on code/number."""

from django.db.models import F, OuterRef, Q, Subquery

from salesdept.core.invariants import rule

from .models import Activity, Customer, Feedback, Lead, LeadStage, LeadStageChange


@rule("CRM1")
def merged_customers_point_to_a_kept_one() -> list[str]:
    """A merged customer is inactive and points to another customer that is not itself merged."""
    bad = Customer.objects.filter(merged_into__isnull=False).filter(
        Q(is_active=True) | Q(merged_into=F("pk")) | Q(merged_into__merged_into__isnull=False)
    )
    return [f"customer {c.code} is merged but active, into itself or into a merged one" for c in bad[:20]]


@rule("CRM2")
def follow_up_status_matches_its_dates() -> list[str]:
    """A done follow-up has its time and result; a planned one has no done time."""
    bad = Activity.objects.filter(
        Q(status=Activity.Status.DONE, done_at__isnull=True)
        | Q(status=Activity.Status.DONE, result="")
        | Q(status=Activity.Status.PLANNED, done_at__isnull=False)
    )
    return [f"follow-up #{a.pk} is {a.status} with done_at={a.done_at} result={a.result!r}" for a in bad[:20]]


@rule("CRM3")
def lead_stage_matches_its_history() -> list[str]:
    """A lead's stage is the target of its latest stage change, and it is closed exactly when
    that stage is won or lost."""
    latest = LeadStageChange.objects.filter(lead=OuterRef("pk")).order_by("-at", "-pk").values("to_stage")[:1]
    bad = (
        Lead.objects.annotate(last_stage=Subquery(latest))
        .filter(
            Q(last_stage__isnull=True)
            | ~Q(last_stage=F("stage"))
            | Q(stage__outcome=LeadStage.Outcome.OPEN, closed_at__isnull=False)
            | (~Q(stage__outcome=LeadStage.Outcome.OPEN) & Q(closed_at__isnull=True))
        )
        .select_related("stage")
    )
    return [f"lead {lead.code} at stage {lead.stage.code} disagrees with its history" for lead in bad[:20]]


@rule("CRM4")
def resolved_feedback_has_its_resolution() -> list[str]:
    """Resolved or confirmed feedback carries the resolution, who resolved it and when;
    confirmed feedback also who confirmed it and when."""
    done = [Feedback.Status.RESOLVED, Feedback.Status.CONFIRMED]
    bad = Feedback.objects.filter(
        Q(status__in=done) & (Q(resolution="") | Q(resolved_at__isnull=True) | Q(resolved_by__isnull=True))
        | Q(status=Feedback.Status.CONFIRMED) & (Q(confirmed_at__isnull=True) | Q(confirmed_by__isnull=True))
    )
    return [f"feedback {f.number} is {f.status} without its resolution or confirmation" for f in bad[:20]]
