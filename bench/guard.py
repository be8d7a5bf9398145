"""The benchmark writes and truncates whole tables: it runs only on a database made for it."""
import os

from django.core.management.base import CommandError

BENCH_SETTINGS = "config.settings.bench"


def bench_guard_check(*, settings_module, database_name):
    """Raise CommandError unless `settings_module` is the bench settings and `database_name` ends in `_bench`."""
    if settings_module != BENCH_SETTINGS:
        raise CommandError(f"The benchmark runs only under DJANGO_SETTINGS_MODULE={BENCH_SETTINGS} "
                           f"(here: {settings_module or 'unset'}).")
    if not str(database_name or "").endswith("_bench"):
        raise CommandError(f"The benchmark runs only on a database whose name ends in _bench "
                           f"(here: {database_name!r}).")


def bench_guard():
    """The check for the running process, before the benchmark's first query: a production or development
    database is never touched."""
    from django.db import connection

    bench_guard_check(settings_module=os.environ.get("DJANGO_SETTINGS_MODULE", ""),
                      database_name=connection.settings_dict.get("NAME"))
