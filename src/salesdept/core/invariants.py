"""What must always be true (../shared/INVARIANTS.md), as queries that find the rows breaking it.

Each rule is a function returning a list of violations (one readable line each; empty = holds),
registered with `@rule("I8")`. `salesdept manage check_invariants` runs every registered rule;
the test suite runs them after its flows. A later app adds its rules in its own `invariants.py`
module: `run()` imports that module in every installed app (like admin.py), so the rules plug in
without changing this file.

The rules read the database only; they never trust the services that wrote it. They run a few
queries per document model, never one per document."""

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, F, IntegerField, Max, OuterRef, Q, Subquery, Window
from django.db.models.functions import Cast, Coalesce, Lag, Substr
from django.utils.module_loading import autodiscover_modules

from .models import Document, DocumentEvent, Sequence, Status

__all__ = ["RULES", "Rule", "document_models", "documents_in_use", "rule", "run"]


@dataclass(frozen=True)
class Rule:
    code: str  # the INVARIANTS.md number, e.g. "I10"
    name: str
    check: Callable[[], list[str]]
    summary: bool = False  # a summary table equals its detail: also run by `verify_summaries`


RULES: list[Rule] = []


def rule(code: str, *, summary: bool = False) -> Callable:
    """Register a rule function under the invariant `code` (decorator); summary=True for a rule
    proving a summary table equals the rows it sums (`salesdept manage verify_summaries`)."""

    def register(func: Callable[[], list[str]]) -> Callable[[], list[str]]:
        if not any(r.check is func for r in RULES):
            RULES.append(Rule(code, func.__name__, func, summary))
        return func

    return register


def run(codes: set[str] | None = None, *, summaries: bool = False) -> list[str]:
    """Run every registered rule (or those whose code is in `codes`; only the summary rules with
    summaries=True); all violations, prefixed with the invariant's code."""
    global _run_cache
    _discover()
    found = []
    _run_cache = {}
    try:
        for r in RULES:
            if (codes is None or r.code in codes) and (r.summary or not summaries):
                found.extend(f"{r.code} {line}" for line in r.check())
    finally:
        _run_cache = None
    return found


_discovered = False


def _discover() -> None:
    """Import `<app>.invariants` of every installed app once, so their rules register."""
    global _discovered
    if not _discovered:
        autodiscover_modules("invariants")
        _discovered = True


def document_models() -> list[type[Document]]:
    """Every concrete numbered document model installed."""
    return [m for m in apps.get_models() if issubclass(m, Document) and not m._meta.abstract]


_run_cache: dict | None = None  # what one run() has worked out once, for all its rules


def documents_in_use() -> list[type[Document]]:
    """The document models with a row or a logged event. The per-model rules skip the others:
    an empty table with no events breaks nothing, and a run over a small database (each test's)
    then costs a few queries rather than a few per installed document type."""
    if _run_cache is None:
        return _documents_in_use()
    if "in_use" not in _run_cache:
        _run_cache["in_use"] = _documents_in_use()
    return _run_cache["in_use"]


def _documents_in_use() -> list[type[Document]]:
    logged = set(DocumentEvent.objects.values_list("content_type_id", flat=True).distinct().order_by())
    return [
        m
        for m in document_models()
        if ContentType.objects.get_for_model(m).pk in logged or m._base_manager.exists()
    ]


def _label(model) -> str:
    return model._meta.label_lower


def _events(model):
    return DocumentEvent.objects.filter(content_type=ContentType.objects.get_for_model(model))


def _same_document(**more) -> dict:
    """Filter kwargs for "an event of the same document as the outer event"."""
    return {"content_type": OuterRef("content_type"), "object_id": OuterRef("object_id"), **more}


def _event_line(model, e: dict, problem: str) -> str:
    return (
        f"{_label(model)} #{e['object_id']} round {e['round']}: approve_step (event {e['pk']}) "
        f"by {e['actor__username']} (user {e['actor_id']}) {problem}"
    )


# ---------------------------------------------------------------------------------------------
# I8: document numbers are unique per type and year, and every yearly series is gap-free.


def _number_pattern(prefix: str) -> str:
    return rf"^{re.escape(prefix)}-[0-9]{{4}}-[0-9]{{6,}}$"


@rule("I8")
def number_prefixes_distinct() -> list[str]:
    """Two document types sharing one prefix would share (and break) one yearly series."""
    owners = Counter(m.NUMBER_PREFIX for m in document_models())
    return [
        f"prefix {prefix} is used by {n} document types: "
        + ", ".join(_label(m) for m in document_models() if m.NUMBER_PREFIX == prefix)
        for prefix, n in sorted(owners.items())
        if n > 1
    ]


@rule("I8")
def numbers_well_formed_and_unique() -> list[str]:
    """Every number reads PREFIX-YYYY-NNNNNN and no number is used twice within a type."""
    out = []
    for model in documents_in_use():
        prefix = model.NUMBER_PREFIX
        # A document type may allow a suffix (a contract amendment: CT-2026-000001-A1); such
        # numbers are not taken from the sequence, so the gap check below leaves them out.
        pattern = _number_pattern(prefix)[:-1] + getattr(model, "NUMBER_SUFFIX_PATTERN", "") + "$"
        for pk, number in model._base_manager.exclude(number__regex=pattern).values_list("pk", "number"):
            out.append(f"{_label(model)} #{pk}: number {number!r} does not read {prefix}-YYYY-NNNNNN")
        dups = model._base_manager.values("number").annotate(n=Count("pk")).filter(n__gt=1).order_by("number")
        out.extend(f"{_label(model)}: number {d['number']} is used {d['n']} times" for d in dups)
    return out


def _issued_per_year(model) -> dict[int, dict]:
    """{year: {"highest": …, "count": …}} of the well-formed numbers of `model`."""
    start = len(model.NUMBER_PREFIX) + 2  # 1-based position of YYYY
    rows = (
        model._base_manager.filter(number__regex=_number_pattern(model.NUMBER_PREFIX))
        .annotate(
            year=Cast(Substr("number", start, 4), IntegerField()),
            n=Cast(Substr("number", start + 5), IntegerField()),
        )
        .values("year")
        .annotate(highest=Max("n"), count=Count("pk"))
        .order_by("year")
    )
    return {r["year"]: r for r in rows}


@rule("I8")
def sequences_match_numbers() -> list[str]:
    """Per type and year, the sequence's last number is the highest number issued, and the
    numbers issued are exactly 1..last: no gap, nothing issued twice."""
    out = []
    models = {m.NUMBER_PREFIX: m for m in document_models()}
    sequences = {(s.key, s.year): s.last for s in Sequence.objects.filter(key__in=list(models))}
    for prefix, model in models.items():
        issued = _issued_per_year(model) if model in documents_in_use() else {}
        for year, r in issued.items():
            last = sequences.get((prefix, year))
            if last != r["highest"]:
                out.append(f"{prefix}-{year}: sequence says {last}, highest number issued is {r['highest']}")
            if r["count"] != r["highest"]:
                out.append(f"{prefix}-{year}: {r['count']} numbers issued for 1..{r['highest']} (a gap)")
        for (key, year), last in sequences.items():
            if key == prefix and year not in issued and last:
                out.append(f"{prefix}-{year}: sequence says {last} but no document has a number")
    return out


# ---------------------------------------------------------------------------------------------
# I10: two-person review. Approval steps are `approve_step` events; a round is the events of one
# document with the same `round`, opened by `submit` (or by an edit while submitted).

APPROVAL_FIELDS = ("pk", "object_id", "round", "actor_id", "actor__username")


def _approvals(model):
    return _events(model).filter(action="approve_step")


@rule("I10")
def preparer_never_approves() -> list[str]:
    """No approval step by the document's preparer (superusers included)."""
    out = []
    for model in documents_in_use():
        preparer = model._base_manager.filter(pk=OuterRef("object_id")).values("prepared_by_id")[:1]
        rows = _approvals(model).annotate(preparer=Subquery(preparer)).filter(actor_id=F("preparer"))
        out.extend(_event_line(model, e, "who prepared it") for e in rows.values(*APPROVAL_FIELDS))
    return out


@rule("I10")
def approvers_distinct_in_round() -> list[str]:
    """Nobody approves two steps of the same document in one round."""
    out = []
    for model in documents_in_use():
        earlier = DocumentEvent.objects.filter(
            **_same_document(action="approve_step", round=OuterRef("round"), actor_id=OuterRef("actor_id")),
            pk__lt=OuterRef("pk"),
        )
        rows = _approvals(model).filter(Exists(earlier))
        out.extend(
            _event_line(model, e, "who already approved in this round") for e in rows.values(*APPROVAL_FIELDS)
        )
    return out


@rule("I10")
def editors_never_approve() -> list[str]:
    """Nobody approves a document they edited after its first submission (before that approval)."""
    out = []
    for model in documents_in_use():
        submitted_before_edit = DocumentEvent.objects.filter(
            **_same_document(action="submit"), pk__lt=OuterRef("pk")
        )
        edit_by_approver = DocumentEvent.objects.filter(
            **_same_document(action="edit", actor_id=OuterRef("actor_id")), pk__lt=OuterRef("pk")
        ).filter(Exists(submitted_before_edit))
        rows = _approvals(model).filter(Exists(edit_by_approver))
        out.extend(
            _event_line(model, e, "who edited it after submission") for e in rows.values(*APPROVAL_FIELDS)
        )
    return out


@rule("I10")
def approvals_follow_submission_in_order() -> list[str]:
    """Every approval step lies in a round opened by a submission, was taken while the document
    was submitted, and its step index is the number of approvals before it in that round (no
    step skipped or taken twice)."""
    out = []
    for model in documents_in_use():
        opener = DocumentEvent.objects.filter(
            Q(action="submit") | Q(action="edit", to_status=Status.SUBMITTED),
            **_same_document(round=OuterRef("round")),
            pk__lt=OuterRef("pk"),
        )
        before = (
            DocumentEvent.objects.filter(**_same_document(action="approve_step", round=OuterRef("round")))
            .filter(pk__lt=OuterRef("pk"))
            .values("object_id")
            .annotate(n=Count("pk"))
            .values("n")
        )
        rows = _approvals(model).annotate(opened=Exists(opener), before=Coalesce(Subquery(before), 0))
        wrong = Q(opened=False) | ~Q(step=F("before")) | ~Q(from_status=Status.SUBMITTED)
        for e in rows.filter(wrong).values(*APPROVAL_FIELDS, "step", "before", "opened", "from_status"):
            if not e["opened"]:
                out.append(_event_line(model, e, "in a round that was never submitted"))
            elif e["from_status"] != Status.SUBMITTED:
                out.append(_event_line(model, e, f"while the document was {e['from_status']!r}"))
            else:
                out.append(_event_line(model, e, f"is step {e['step']} after {e['before']} approvals"))
    return out


@rule("I10")
def transitions_follow_table() -> list[str]:
    """Every logged transition moved the document along its TRANSITIONS table."""
    out = []
    for model in documents_in_use():
        table = model.TRANSITIONS
        logged = (
            _events(model)
            .filter(action__in=list(table))
            .values_list("action", "from_status", "to_status")
            .distinct()
            .order_by("action", "from_status", "to_status")
        )
        for action, before, after in logged:
            t = table[action]
            if before not in t.source or after != t.target:
                out.append(f"{_label(model)}: {action} logged from {before!r} to {after!r}, not allowed")
    return out


@rule("I10")
def states_chain_up() -> list[str]:
    """The log tells the document's whole life: each event starts in the state the previous one
    left, and the document is in the state its last event left (no unlogged status change)."""
    out = []
    for model in documents_in_use():
        previous = Window(Lag("to_status"), partition_by=[F("object_id")], order_by=F("pk").asc())
        breaks = (
            _events(model)
            .annotate(previous=previous)
            .filter(~Q(from_status=F("previous")), previous__isnull=False)
        )
        for e in breaks.values("pk", "object_id", "action", "from_status", "previous"):
            out.append(
                f"{_label(model)} #{e['object_id']}: {e['action']} (event {e['pk']}) starts from "
                f"{e['from_status']!r} but the previous event left {e['previous']!r}"
            )
        last = _same_document_of_doc(model).order_by("-pk").values("to_status")[:1]
        drifted = model._base_manager.annotate(logged=Subquery(last)).exclude(logged__isnull=True)
        for pk, status, logged in drifted.exclude(status=F("logged")).values_list("pk", "status", "logged"):
            out.append(f"{_label(model)} #{pk}: status {status!r} but its log ends in {logged!r}")
    return out


@rule("I10")
def approved_documents_have_complete_route() -> list[str]:
    """Every approved document has, in its last round, one approval per step of its route and
    the `approve` event."""
    out = []
    for model in documents_in_use():
        in_last_round = _same_document_of_doc(model, round=OuterRef("review_round"))
        steps = (
            in_last_round.filter(action="approve_step")
            .values("object_id")
            .annotate(n=Count("pk"))
            .values("n")
        )
        docs = model._base_manager.filter(status=Status.APPROVED).annotate(
            steps_done=Coalesce(Subquery(steps), 0),
            approve_logged=Exists(in_last_round.filter(action="approve")),
        )
        for doc in docs.iterator(chunk_size=2000):
            needed = len(doc.review_route())
            if doc.steps_done != needed or not doc.approve_logged:
                out.append(
                    f"{_label(model)} #{doc.pk} {doc.number}: approved with {doc.steps_done} of {needed} "
                    f"review steps in round {doc.review_round}"
                    + ("" if doc.approve_logged else ", no approve event")
                )
    return out


def _same_document_of_doc(model, **more):
    """Events of the outer document row (not an outer event)."""
    return _events(model).filter(object_id=OuterRef("pk"), **more)
