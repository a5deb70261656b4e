from django.core.management.base import BaseCommand
from django.utils import timezone

from lms.services.summaries import compliance_summaries_refresh_year


class Command(BaseCommand):
    help = (
        "Recompute every active user's compliance summary for a year (the nightly run; "
        "safe to repeat)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, default=None, help="Default: the current year.")

    def handle(self, *args, year=None, **options):
        year = year or timezone.localdate().year
        count = compliance_summaries_refresh_year(year=year)
        self.stdout.write(f"Refreshed {count} compliance summaries for {year}.")
