from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Load the demo data of every app that has a demo module (idempotent)."

    def handle(self, *args, **options):
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError("Demo data is refused under these settings (production): it creates known passwords.")
        # Each app's demo.load_demo(), in INSTALLED_APPS order, which follows the layers
        # (delegations, plans, sessions, petitions): found by name so no app imports one to its right.
        for config in apps.get_app_configs():
            module_name = f"{config.name}.demo"
            if config.name.startswith("django") or find_spec(config.name) is None or find_spec(module_name) is None:
                continue
            result = import_module(module_name).load_demo()
            self.stdout.write(self.style.SUCCESS(f"Demo data ready: {config.verbose_name} ({result})"))
