"""Build the certificate fonts once (idempotent; `make install` runs it)."""

import time

from django.core.management.base import BaseCommand, CommandError

from certificates.fonts import FontSourceMissing, build_fonts, font_dir


class Command(BaseCommand):
    help = (
        "Extract the Chinese and Tibetan faces that certificates use from the system fonts "
        "and reduce the Chinese one to the common characters (skipped when up to date)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Rebuild even when up to date.")

    def handle(self, *args, force=False, **options):
        started = time.perf_counter()
        try:
            built = build_fonts(force=force, log=self.stdout.write)
        except FontSourceMissing as error:
            raise CommandError(str(error)) from error
        if built:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Built {', '.join(built)} in {font_dir()} "
                    f"({time.perf_counter() - started:.1f} s)."
                )
            )
        else:
            self.stdout.write(f"Certificate fonts in {font_dir()} are up to date.")
