from django.core.management.base import BaseCommand

from cms.services import site_setup


class Command(BaseCommand):
    help = "Create the home page, course catalogue, review workflow and permissions (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--hostname", default="localhost")
        parser.add_argument("--port", type=int, default=80)

    def handle(self, *args, hostname, port, **options):
        home = site_setup(hostname=hostname, port=port)
        self.stdout.write(self.style.SUCCESS(f"Site ready at page {home.pk} ({home.title})."))
