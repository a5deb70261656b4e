"""Issue the certificates of completions that have none (safe to run any time)."""

from django.core.management.base import BaseCommand

from certificates.selectors import completions_without_certificate
from certificates.services import certificates_issue_missing, certificates_render_missing


class Command(BaseCommand):
    help = "Issue the certificates of course completions that have none (e.g. nightly)."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=None, help="Issue at most this many.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count the completions without one."
        )
        parser.add_argument(
            "--render", action="store_true", help="Also queue certificates that have no PDF yet."
        )

    def handle(self, *args, limit=None, dry_run=False, render=False, **options):
        if dry_run:
            missing = completions_without_certificate(limit=limit)
            self.stdout.write(f"{len(missing)} completion(s) without a certificate.")
            return
        issued = certificates_issue_missing(limit=limit)
        for certificate in issued:
            self.stdout.write(f"{certificate.serial_number}  {certificate.learner_name}")
        self.stdout.write(self.style.SUCCESS(f"{len(issued)} certificate(s) issued or found."))
        if render:
            self.stdout.write(
                f"{certificates_render_missing()} certificate(s) queued for rendering."
            )
