"""`salesdept manage close_period 2026-10 --by USERNAME`: close a month 结帐 from the command line,
through the same service as the periods page and POST /api/v1/ledger/periods (the user named
must hold ledger.close_period)."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from salesdept.core.errors import DomainError
from salesdept.ledger.forms import parse_month
from salesdept.ledger.services import period_close


class Command(BaseCommand):
    # Output is for operators and CI logs; Django runs management commands untranslated.
    help = "Close an accounting month (YYYY-MM): no entry may be dated in it afterwards. Irreversible."

    def add_arguments(self, parser):
        parser.add_argument("month", metavar="YYYY-MM", help="the month to close, e.g. 2026-10")
        parser.add_argument(
            "--by", required=True, metavar="USERNAME", help="who closes it (needs ledger.close_period)"
        )

    def handle(self, *args, month, by, **options):
        ym = parse_month(month)
        if ym is None:
            raise CommandError(f"{month!r} is not a month: write it as YYYY-MM, e.g. 2026-10.")
        user = get_user_model().objects.filter(username=by).first()
        if user is None:
            raise CommandError(f"No user {by!r}.")
        try:
            period = period_close(year=ym[0], month=ym[1], by=user)
        except PermissionDenied:
            raise CommandError(f"{by} may not close periods (ledger.close_period).") from None
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from None
        self.stdout.write(self.style.SUCCESS(f"Closed {period} (by {by})."))
