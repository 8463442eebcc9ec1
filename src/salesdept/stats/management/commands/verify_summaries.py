"""`salesdept manage verify_summaries`: prove the monthly sales totals equal the facts (I12)."""

from django.core.management.base import BaseCommand, CommandError

from salesdept.stats.selectors import totals_mismatches


class Command(BaseCommand):
    help = "Check that the monthly sales totals equal the sales facts, for every dimension and month."

    def handle(self, *args, **options):
        problems = totals_mismatches(limit=100)
        for line in problems:
            self.stdout.write(line)
        if problems:
            raise CommandError(f"{len(problems)} monthly total(s) differ from the facts.")
        self.stdout.write("The monthly sales totals equal the facts.")
