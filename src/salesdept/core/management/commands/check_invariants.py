"""`salesdept manage check_invariants`: run the rule queries of INVARIANTS.md against the database."""

from django.core.management.base import BaseCommand, CommandError

from salesdept.core import invariants


def _natural(code: str) -> tuple:
    return (len(code), code)  # I8 before I10


class Command(BaseCommand):
    # Output is for operators and CI logs; Django runs management commands untranslated.
    help = (
        "Check the invariants of INVARIANTS.md (I8 numbering, I10 review, and those later apps add). "
        "Prints each violation and exits with status 1 if there is any."
    )

    def add_arguments(self, parser):
        parser.add_argument("codes", nargs="*", metavar="CODE", help="only these invariants, e.g. I8 I10")

    def handle(self, *args, codes, **options):
        wanted = {c.upper() for c in codes} or None
        violations = invariants.run(wanted)
        checked = sorted(
            {r.code for r in invariants.RULES if wanted is None or r.code in wanted}, key=_natural
        )
        for line in violations:
            self.stdout.write(line)
        if violations:
            raise CommandError(f"{len(violations)} invariant violation(s).")
        rules = sum(1 for r in invariants.RULES if wanted is None or r.code in wanted)
        self.stdout.write(self.style.SUCCESS(f"OK: {rules} rules of {', '.join(checked) or 'nothing'} hold."))
