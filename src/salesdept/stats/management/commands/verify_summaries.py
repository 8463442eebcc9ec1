"""`salesdept manage verify_summaries`: prove every summary table equals the rows it sums (I12):
the monthly sales totals = the facts, the open-receivables summary = the open invoices (each app
registers its rule with core.invariants.rule(…, summary=True))."""

from django.core.management.base import BaseCommand, CommandError

from salesdept.core.invariants import run


class Command(BaseCommand):
    help = (
        "Check that every summary table equals its detail: the monthly sales totals and the facts, "
        "the open-receivables summary and the invoices."
    )

    def handle(self, *args, **options):
        problems = run(summaries=True)
        for line in problems:
            self.stdout.write(line)
        if problems:
            raise CommandError(f"{len(problems)} summary row(s) differ from their detail.")
        self.stdout.write("Every summary equals its detail.")
