from django.core.management.base import BaseCommand

from cms.demo import DEMO_PASSWORD, DEMO_USERS, demo_seed


class Command(BaseCommand):
    help = "Build the site tree and demo content (idempotent: running it again changes nothing)."

    def handle(self, *args, **options):
        demo_seed()
        self.stdout.write(self.style.SUCCESS("Demo content is ready. Demo log-ins:"))
        for spec in DEMO_USERS:
            self.stdout.write(f"  {spec.role.value:<20} {spec.email:<34} {DEMO_PASSWORD}")
