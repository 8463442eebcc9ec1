"""Services for the example document, shaped exactly like a real document's."""

from decimal import Decimal

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.scope import visible
from salesdept.core import review, workflow
from salesdept.core.errors import ValidationFailed
from salesdept.core.events import log
from salesdept.core.numbering import next_number
from salesdept.core.permissions import require

from .models import Voucher

# What an editor may change; status, preparer, number and round move only through the workflow.
EDITABLE_FIELDS = {"amount", "memo"}


def voucher_for_update(*, voucher_id: int, user) -> Voucher:
    """The voucher, locked; 404 when it does not exist or lies outside `user`'s scope."""
    return get_object_or_404(visible(Voucher.objects, user).select_for_update(of=("self",)), pk=voucher_id)


@transaction.atomic
def voucher_create(*, by, amount: Decimal, memo: str = "") -> Voucher:
    """Create a draft voucher prepared by `by`, numbered EX-YYYY-NNNNNN; logs `create`."""
    require(by, "exampleapp.add_voucher")
    voucher = Voucher.objects.create(
        number=next_number(Voucher.NUMBER_PREFIX), prepared_by=by, amount=amount, memo=memo
    )
    log(voucher, "create", by=by)
    return voucher


@transaction.atomic
def voucher_update(*, by, voucher_id: int, version: int | None = None, **fields) -> Voucher:
    """Edit a draft or submitted voucher; `version` is the version the editor loaded (a stale
    one answers 409 stale_version). Logs `edit`; an edit while submitted restarts the review."""
    if unknown := set(fields) - EDITABLE_FIELDS:
        raise ValidationFailed({name: _("This field cannot be set here.") for name in sorted(unknown)})
    voucher = voucher_for_update(voucher_id=voucher_id, user=by)
    workflow.check_editable(voucher, by=by, version=version)
    for k, v in fields.items():
        setattr(voucher, k, v)
    voucher.version += 1
    voucher.save(update_fields=[*fields, "version", "updated_at"])
    review.record_edit(voucher, by=by)
    return voucher


def _act(action: str):
    @transaction.atomic
    def act(*, by, voucher_id: int, note: str = "") -> Voucher:
        voucher = voucher_for_update(voucher_id=voucher_id, user=by)
        workflow.apply(voucher, action, by=by, note=note)
        return voucher

    act.__name__ = f"voucher_{action}"
    act.__doc__ = f"Apply the workflow action {action!r} to a voucher (see core.workflow.apply)."
    return act


voucher_submit = _act("submit")
voucher_approve = _act("approve")
voucher_reject = _act("reject")
voucher_cancel = _act("cancel")
