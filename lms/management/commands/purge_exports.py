from django.core.management.base import BaseCommand
from django.utils import timezone

from lms.selectors.exports import export_jobs_to_purge, export_retention
from lms.services.exports import export_jobs_purge


class Command(BaseCommand):
    help = (
        "Remove the files of HR exports finished more than SNOWLAND_EXPORT_RETENTION_DAYS "
        "ago and mark the jobs expired (the nightly task does the same; safe to repeat)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Count the jobs that would expire; change nothing.",
        )

    def handle(self, *args, dry_run=False, **options):
        now = timezone.now()
        days = export_retention().days
        if dry_run:
            count = export_jobs_to_purge(now=now).count()
            self.stdout.write(
                f"{count} export job(s) finished more than {days} days ago would expire."
            )
            return
        count = export_jobs_purge(now=now)
        self.stdout.write(f"Expired {count} export job(s) finished more than {days} days ago.")
