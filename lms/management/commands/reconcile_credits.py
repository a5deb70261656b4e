from django.core.management.base import BaseCommand

from lms.services.reconcile import credit_reconcile_completions


class Command(BaseCommand):
    help = "Award the credits of course completions that have none (safe to run any time)."

    def handle(self, *args, **options):
        count = credit_reconcile_completions()
        self.stdout.write(f"Awarded {count} missing credit entries.")
