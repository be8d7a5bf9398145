"""The deadline sweep's cost does not grow with the number of deadlines due: a batch is read,
claimed, written and rescheduled in a fixed number of queries (issue 15: 10,000 due of 1,000,000
open in ≤ 1 s), and each notice is still sent once."""
import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from delegations import deadlines
from delegations.models import Deadline, DeadlineAlarm, DeadlineNotice, DeadlineUnit, Notification, OutboxTask
from delegations.sweep import deadlines_sweep

TODAY = datetime.date(2026, 3, 18)  # a Wednesday, away from Tết and the holidays
KIND = "sweep_queries_test"
# The rules' widest reminder and the ids (2); then a batch: its savepoint (2), its rows claimed (on
# PostgreSQL one statement; elsewhere the unscheduled rows read, then marked, since none has an
# alarm yet: 2) and read (1), their councils (council, calendar days, rules, office and standing committee: 4),
# the notices already sent (1), the people responsible (the kind's one query), the notices claimed
# (1), the readers' preferences (1), the messages (1), the outbox wish (select for update and
# insert, each in a savepoint: 6), the next notice days (one insert of alarms).
CLAIM = 1 if connection.vendor == "postgresql" else 2
SWEEP_QUERIES = 2 + 2 + CLAIM + 1 + 4 + 1 + 1 + 1 + 1 + 1 + 6 + 1


def alarm_days(**filters):
    """{deadline id: [its alarm days]} of the deadlines `filters` selects."""
    days = {}
    for pk, day in (DeadlineAlarm.objects.filter(deadline_id__in=Deadline.objects.filter(**filters).values("pk"))
                    .order_by("deadline_id", "on_day").values_list("deadline_id", "on_day")):
        days.setdefault(pk, []).append(day)
    return days


@pytest.fixture
def subjects_kind(monkeypatch):
    """A kind of deadline whose subjects are users, each reminded themselves (one query)."""
    def recipients(object_ids):
        return {user.pk: [user] for user in get_user_model().objects.filter(pk__in=object_ids)}

    monkeypatch.setitem(deadlines.KINDS, KIND, deadlines.DeadlineKind(KIND, "Thử", recipients))


def open_due(world, n, start):
    """`n` open deadlines, each on its own user with an email, due from ten days ago to three days
    ahead (escalations, overdue notices, due today and reminders), not yet scheduled."""
    User = get_user_model()
    users = User.objects.bulk_create([User(username=f"han{start + i}", email=f"han{start + i}@example.vn")
                                      for i in range(n)])
    content_type = ContentType.objects.get_for_model(User)
    Deadline.objects.bulk_create([
        Deadline(council=world.council, kind=KIND, content_type=content_type, object_id=user.pk,
                 title=f"Việc {start + i}", url=f"/viec/{start + i}/", unit=DeadlineUnit.DATE,
                 due_on=TODAY + datetime.timedelta(days=i % 14 - 10))
        for i, user in enumerate(users)])
    return users


def sweep_counted():
    with CaptureQueriesContext(connection) as queries:
        counts = deadlines_sweep(today=TODAY)
    return counts, len(queries)


def test_the_sweep_costs_the_same_queries_for_20_or_200_due(world, subjects_kind):
    open_due(world, 20, 0)
    few_counts, few = sweep_counted()
    open_due(world, 200, 1000)
    many_counts, many = sweep_counted()
    assert (few_counts["looked_at"], many_counts["looked_at"]) == (20, 200)
    assert many_counts["notifications"] > few_counts["notifications"] >= 20
    assert (few, many) == (SWEEP_QUERIES, SWEEP_QUERIES)
    # Each due deadline noticed, each notice recorded once, every row rescheduled.
    assert DeadlineNotice.objects.values("deadline_id", "stage", "due_on").distinct().count() == \
        DeadlineNotice.objects.count() >= 220
    assert not Deadline.objects.filter(kind=KIND, scheduled=False).exists()
    assert all(len(days) == 1 and days[0] > TODAY for days in alarm_days(kind=KIND).values())
    assert len(alarm_days(kind=KIND)) > 100
    # The emails of a batch: one outbox wish listing every message e-mailed at once.
    wishes = list(OutboxTask.objects.order_by("pk"))
    assert len(wishes) == 2
    assert sorted(pk for wish in wishes for pk in wish.kwargs["notification_ids"]) == sorted(
        Notification.objects.values_list("pk", flat=True))


def test_a_second_sweep_the_same_day_sends_nothing_in_two_queries(world, subjects_kind):
    open_due(world, 50, 0)
    first, _queries = sweep_counted()
    sent = Notification.objects.count()
    assert first["notifications"] == sent > 0
    again, queries = sweep_counted()
    assert again == {}
    assert queries == 2  # the rules' widest reminder, the ids: no row left to read today
    assert Notification.objects.count() == sent


def test_a_sweep_in_small_batches_sends_each_notice_once(world, subjects_kind):
    """Five batches of a sweep claim disjoint rows: every notice once, whatever the batch size."""
    open_due(world, 30, 0)
    counts = deadlines_sweep(today=TODAY, batch_size=7)
    assert counts["looked_at"] == 30
    assert DeadlineNotice.objects.count() == sum(
        counts.get(key, 0) for key in ("reminders", "due_today", "overdue", "escalate_standing"))
    assert not Deadline.objects.filter(kind=KIND, scheduled=False).exists()
    assert all(len(days) == 1 and days[0] > TODAY for days in alarm_days(kind=KIND).values())
    assert deadlines_sweep(today=TODAY) == {}


def test_the_queries_are_the_ones_counted(world, subjects_kind):
    """The count above, statement by statement: no query per deadline, per user or per message."""
    open_due(world, 40, 0)
    with CaptureQueriesContext(connection) as queries:
        deadlines_sweep(today=TODAY)
    # No deadline row is written but the unscheduled ones, marked in the claim.
    deadline_table, alarm_table = Deadline._meta.db_table, DeadlineAlarm._meta.db_table
    updates = [q["sql"] for q in queries.captured_queries if f'UPDATE "{deadline_table}"' in q["sql"]]
    assert len(updates) == 1 and "SET scheduled" in updates[0].replace('"', "")
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 4  # the notices, the messages, the outbox wish, the alarms
    assert f'INTO "{alarm_table}"' in inserts[-1]


def test_an_alarm_left_by_a_closed_deadline_is_looked_at_once_sends_nothing_and_is_gone(world, subjects_kind):
    users = open_due(world, 6, 0)
    Deadline.objects.filter(kind=KIND).update(due_on=TODAY + datetime.timedelta(days=7))
    assert deadlines_sweep(today=TODAY)["looked_at"] == 6
    assert not Notification.objects.exists()  # the first reminder is days away
    (alarm,) = set(day for days in alarm_days(kind=KIND).values() for day in days)
    # Closing writes no alarm: the alarms of the closed clocks stay until their day.
    deadlines.deadlines_close_many(model=get_user_model(), ids=[u.pk for u in users[:3]])
    assert len(alarm_days(kind=KIND)) == 6
    counts = deadlines_sweep(today=alarm)
    assert (counts["looked_at"], counts["reminders"]) == (3, 3)  # only the open ones are read
    assert sorted(Notification.objects.values_list("recipient_id", flat=True)) == sorted(u.pk for u in users[3:])
    assert sorted(alarm_days(kind=KIND)) == sorted(Deadline.objects.filter(kind=KIND, state="open")
                                                   .values_list("pk", flat=True))


def test_a_moved_deadline_is_scheduled_from_its_new_date_whatever_its_old_alarm_says(world, subjects_kind):
    user = open_due(world, 1, 0)[0]
    deadline = Deadline.objects.get(kind=KIND)
    # Due in ten working days: nothing today; the sweep schedules its first reminder.
    Deadline.objects.filter(pk=deadline.pk).update(due_on=TODAY + datetime.timedelta(days=14))
    assert deadlines_sweep(today=TODAY)["looked_at"] == 1
    assert not DeadlineNotice.objects.exists()
    (old_alarm,) = alarm_days(kind=KIND)[deadline.pk]
    # Moved to tomorrow: unscheduled again, its old alarm (days away) still there.
    deadlines.deadline_set_date(subject=user, kind=KIND, council=world.council, due_on=TODAY + datetime.timedelta(days=1),
                                explanation="", title="Việc 0")
    assert not Deadline.objects.get(pk=deadline.pk).scheduled
    counts = deadlines_sweep(today=TODAY)
    assert counts["reminders"] == 1  # "in 1 working day", of the new date
    assert DeadlineNotice.objects.get().due_on == TODAY + datetime.timedelta(days=1)
    assert Deadline.objects.get(pk=deadline.pk).scheduled
    # The old alarm only makes a later sweep look once more: nothing is sent twice.
    assert old_alarm in alarm_days(kind=KIND)[deadline.pk]
    for day in sorted(set(alarm_days(kind=KIND)[deadline.pk])):
        deadlines_sweep(today=day)
    stages = list(DeadlineNotice.objects.values_list("stage", flat=True))
    assert len(stages) == len(set(stages))


def test_a_deleted_deadline_takes_its_notices_with_it(world, subjects_kind):
    """No foreign-key constraint on the notice (its check locked each deadline row at the sweep's
    commit): Django's cascade still deletes them."""
    open_due(world, 3, 0)
    deadlines_sweep(today=TODAY)
    first = Deadline.objects.filter(kind=KIND).order_by("pk").first()
    assert DeadlineNotice.objects.filter(deadline=first).exists()
    first.delete()
    assert not DeadlineNotice.objects.filter(deadline_id=first.pk).exists()
    assert DeadlineNotice.objects.exists()
