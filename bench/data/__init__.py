"""The province-scale data set of the benchmark, built on PostgreSQL.

One province council and 100 commune councils, 2,500 delegates in 300 groups, 325 agencies, 1,010
fields, 808 rounds (eight a council: two sittings a year for two years, before and after each),
20,000 meetings (the organisation through the ORM's bulk_create: a few thousand
rows), then N petitions in every state with their fields, voters, forwardings, answers, timeline
steps and first history record, generated inside PostgreSQL with INSERT … SELECT over
generate_series (a million rows take minutes, not hours). The texts come from a pool of Vietnamese
phrases, each folded once in Python the way delegations.text.fold folds it, so `search_text` is what
the app itself would have stored.

The random draws are seeded: the same N gives the same rows. Every column a statement does not name
is filled with its model field's default (or NULL), so a column added to a model later does not break
the build; a NOT NULL column without a default stops it with its name.

Dates are relative to the day of the run: the latest round ended 15 days ago (its petitions are being
classified, forwarded, some already answered); the seven before it ended every 90 days before that
(their petitions mostly answered or closed, the ones still forwarded are overdue)."""
import time

from django.db import connection
from django.utils import timezone

from .deadlines import DUE_EVERY, alarms_build, build_deadlines, deadline_model, sweep_arm  # noqa: F401
from .organisation import PASSWORD, USERS, bench_targets, build_organisation  # noqa: F401
from .petitions import build_petitions
from .sql import check_foreign_keys, insert_select, is_superuser, log, restore_indexes, truncate_all  # noqa: F401


def build(size, *, deadlines=0):
    """Empty the bench database and build the data set with `size` petitions (and `deadlines` open
    deadlines when the engine exists). Returns the organisation built."""
    today = timezone.localdate()
    total = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute("SET work_mem = '128MB'")
        restore_indexes(cursor)
        truncate_all(cursor)
    started = time.perf_counter()
    org = build_organisation(today)
    log(f"organisation (101 councils, {org['delegates']:,} delegates, {len(org['groups'])} groups, "
        f"{len(org['sessions']):,} meetings) in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        superuser = is_superuser(cursor)
        if superuser:
            cursor.execute("SET session_replication_role = replica")  # FK triggers off: the rows are consistent
        try:
            build_petitions(cursor, org, size, today)
            if deadlines and deadline_model() is not None:
                build_deadlines(cursor, deadlines, size, today)
        finally:
            if superuser:
                cursor.execute("SET session_replication_role = DEFAULT")
        started = time.perf_counter()
        restore_indexes(cursor)
        log(f"indexes rebuilt in {time.perf_counter() - started:.1f} s")
        if superuser:
            check_foreign_keys(cursor)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    log(f"VACUUM ANALYZE in {time.perf_counter() - started:.1f} s")
    log(f"data set of {size:,} petitions built in {time.perf_counter() - total:.0f} s")
    return org

