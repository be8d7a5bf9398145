"""The migration to alarms (delegations 0013): each open deadline's next notice day becomes a
DeadlineAlarm, a computed schedule is marked `scheduled`, and going back restores the column."""
import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

D = datetime.date
BEFORE = [("delegations", "0012_drop_deadline_state_due")]
AFTER = [("delegations", "0013_deadline_alarms")]
OTHERS = [("contenttypes", "0002_remove_content_type_name")]


@pytest.mark.django_db(transaction=True)
def test_next_notice_days_become_alarms_and_come_back(executor):
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE + OTHERS).apps
    council = old.get_model("delegations", "Council").objects.create(name="HĐND tỉnh Thử", level="province",
                                                                       place_name="Thử")
    content_type, _created = old.get_model("contenttypes", "ContentType").objects.get_or_create(
        app_label="delegations", model="council")
    Deadline = old.get_model("delegations", "Deadline")

    def deadline(n, notify_on, state="open"):
        return Deadline.objects.create(council=council, kind="test", content_type=content_type, object_id=n,
                                       title=f"Việc {n}", unit="date", due_on=D(2026, 3, 20), state=state,
                                       notify_on=notify_on).pk

    due = deadline(1, D(2026, 3, 17))
    unscheduled = deadline(2, None)
    nothing_left = deadline(3, D(9999, 12, 31))
    closed = deadline(4, D(2026, 3, 18), state="done")

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER + OTHERS).apps
    assert list(new.get_model("delegations", "DeadlineAlarm").objects.values_list("on_day", "deadline_id")) == [
        (D(2026, 3, 17), due)]
    scheduled = dict(new.get_model("delegations", "Deadline").objects.values_list("pk", "scheduled"))
    assert scheduled == {due: True, unscheduled: False, nothing_left: True, closed: True}

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE + OTHERS).apps
    notify_on = dict(old.get_model("delegations", "Deadline").objects.values_list("pk", "notify_on"))
    assert notify_on == {due: D(2026, 3, 17), unscheduled: None, nothing_left: D(9999, 12, 31),
                         closed: D(9999, 12, 31)}
