"""The open deadlines of the bench's petitions, their next notice days (DeadlineAlarm), and the
sweep's data put back as built, so that a sweep measured twice meets the same work."""
import time

from django.apps import apps
from django.db import connection

from petitions.models import Petition

from .sql import drop_indexes, insert_select, log, qn, reset_sequences


def deadline_model():
    """delegations.Deadline when the deadline engine exists and its table is migrated."""
    try:
        model = apps.get_model("delegations", "Deadline")
    except LookupError:
        return None
    return model if model._meta.db_table in connection.introspection.table_names() else None


DUE_EVERY = 100  # one deadline in a hundred has a notice due on the day of the sweep


def build_deadlines(cursor, count, size, today):
    """`count` open deadline rows on the petitions (one a petition and kind): the petition's own
    clock (to forward while received or classified, the answer while forwarded, the promised date once
    answered); every 100th row has its next notice due today (due from five days ago to three days
    ahead), the others were scheduled by an earlier sweep for a later day, or have nothing left to
    send. What the sweep must not read: 99 rows in 100."""
    from django.contrib.contenttypes.models import ContentType

    from petitions import services

    Deadline = deadline_model()
    kinds = [services.PETITION_FORWARD, services.PETITION_ANSWER, services.PETITION_PROMISED]
    content_type = ContentType.objects.get_for_model(Petition).pk
    drop_indexes(cursor, [Deadline._meta.db_table])
    started = time.perf_counter()
    own_kind = "(CASE p.status WHEN 'received' THEN 0 WHEN 'classified' THEN 0 WHEN 'answered' THEN 2 ELSE 1 END)"
    kind_index = f"(({own_kind} + (j - 1) / {size}) % 3)"
    kind_sql = f"(ARRAY['{kinds[0]}', '{kinds[1]}', '{kinds[2]}'])[1 + {kind_index}]"
    today_sql = f"'{today.isoformat()}'::date"
    due = (f"CASE WHEN j % {DUE_EVERY} = 0 THEN {today_sql} + (j / {DUE_EVERY}) % 9 - 5 "
           f"WHEN j % 10 = 1 THEN {today_sql} - 30 - j % 300 ELSE {today_sql} + 10 + (j * 7) % 360 END")
    rows = insert_select(cursor, Deadline, {
        "council_id": "p.council_id", "kind": kind_sql, "content_type_id": str(content_type),
        "object_id": "p.id", "title": "p.public_code", "url": "'/petitions/' || p.id || '/'",
        "start_on": "NULL", "amount": "NULL", "unit": "'date'", "due_on": due,
        "explanation": "'ngày được ghi nhận'", "state": "'open'", "scheduled": "TRUE",
    }, f"generate_series(1, {int(count)}) j JOIN {qn(Petition._meta.db_table)} p ON p.id = 1 + (j - 1) % {int(size)}")
    reset_sequences(cursor, [Deadline])
    alarms_build(cursor, today)
    log(f"{rows:,} open deadlines ({rows // DUE_EVERY:,} due today) in {time.perf_counter() - started:.1f} s")
    return rows


def alarms_build(cursor, today):
    """The deadlines' next notice days (DeadlineAlarm), as an earlier sweep left them: every 100th
    row today, one row in ten nothing left to send (no alarm), the others a week before their due
    date. In the order of the deadlines, so that today's alarms are spread over the whole table
    (the sweep's worst case; a real queue holds each morning's new alarms together)."""
    from delegations.models import DeadlineAlarm

    Deadline = deadline_model()
    cursor.execute(f"TRUNCATE {qn(DeadlineAlarm._meta.db_table)}")
    cursor.execute(
        f"INSERT INTO {qn(DeadlineAlarm._meta.db_table)} (on_day, deadline_id) "  # noqa: S608
        f"SELECT CASE WHEN id %% {DUE_EVERY} = 0 THEN %s ELSE due_on - 7 END, id FROM {qn(Deadline._meta.db_table)} "
        "WHERE id %% 10 <> 1 ORDER BY id", [today])
    cursor.execute(f"VACUUM ANALYZE {qn(DeadlineAlarm._meta.db_table)}")


def sweep_arm(today):
    """Put the deadlines back as they were built, so that a sweep measured twice on the same data
    set meets the same work: no notice sent, every 100th row due today."""
    from delegations.models import DeadlineNotice, Notification

    Deadline = deadline_model()
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {qn(DeadlineNotice._meta.db_table)}, {qn(Notification._meta.db_table)}")
        cursor.execute(f"UPDATE {qn(Deadline._meta.db_table)} SET state = 'open', done_at = NULL "
                       f"WHERE id % {DUE_EVERY} = 0 AND state <> 'open'")
        alarms_build(cursor, today)

