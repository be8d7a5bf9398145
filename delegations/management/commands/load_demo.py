from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from delegations.demo import load_demo


class Command(BaseCommand):
    help = "Load the demo councils, groups, delegates, agencies and users (idempotent)."

    def handle(self, *args, **options):
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError("Demo data is refused under these settings (production): it creates known passwords.")
        province = load_demo()
        self.stdout.write(self.style.SUCCESS(f"Demo data ready: {province}"))
