"""`salesdept manage collect [--date YYYY-MM-DD] [--user USERNAME]`: the daily collections run
(催款): tasks for overdue invoices, escalation to the team manager, tasks of paid invoices
closed. Idempotent: running it twice a day changes nothing the second time."""

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from salesdept.billing.services.collections import collections_run


class Command(BaseCommand):
    # Output is for operators and cron logs; Django runs management commands untranslated.
    help = "Run the daily collections job: create, escalate and close collection tasks."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the day to run for (default today), YYYY-MM-DD")
        parser.add_argument(
            "--user", help="run as this user (default: the first active finance user or superuser)"
        )

    def handle(self, *args, date=None, user=None, **options):
        try:
            today = datetime.date.fromisoformat(date) if date else None
        except ValueError:
            raise CommandError(f"--date {date!r} is not a date (YYYY-MM-DD).") from None
        User = get_user_model()
        if user:
            by = User.objects.filter(username=user, is_active=True).first()
            if by is None:
                raise CommandError(f"no active user named {user!r}.")
        else:
            by = (
                User.objects.filter(is_active=True, groups__name="finance").order_by("pk").first()
                or User.objects.filter(is_active=True, is_superuser=True).order_by("pk").first()
            )
            if by is None:
                raise CommandError("no finance user or superuser to run as; pass --user.")
        try:
            result = collections_run(today=today, by=by)
        except PermissionDenied:
            raise CommandError(f"{by.username} may not run the collections job.") from None
        summary = f"{result.created} created, {result.escalated} escalated, {result.closed} closed"
        self.stdout.write(self.style.SUCCESS(f"collections: {summary}."))
