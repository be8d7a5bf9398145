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
from delegations.models import NOTHING_LEFT, Deadline, DeadlineNotice, DeadlineUnit, Notification, OutboxTask
from delegations.sweep import deadlines_sweep

TODAY = datetime.date(2026, 3, 18)  # a Wednesday, away from Tết and the holidays
KIND = "sweep_queries_test"
# The rules' widest reminder and the ids (2); then a batch: its savepoint (2), the rows read and
# locked (1), their councils (council, calendar days, rules, office and standing committee: 4), the
# notices already sent (1), the people responsible (the kind's one query), the claim (1), the
# readers' preferences (1), the messages (1), the outbox wish (select for update and insert, each
# in a savepoint: 6), the next notice days (on PostgreSQL one UPDATE from arrays; elsewhere one per
# day: these due dates fall on 5 days).
RESCHEDULE = 1 if connection.vendor == "postgresql" else 5
SWEEP_QUERIES = 2 + 2 + 1 + 4 + 1 + 1 + 1 + 1 + 1 + 6 + RESCHEDULE


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
    assert not Deadline.objects.filter(kind=KIND, notify_on__isnull=True).exists()
    assert not Deadline.objects.filter(kind=KIND, notify_on__lte=TODAY).exists()
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
    assert not Deadline.objects.filter(kind=KIND).exclude(notify_on__gt=TODAY).exclude(
        notify_on=NOTHING_LEFT).exists()
    assert deadlines_sweep(today=TODAY) == {}


def test_the_queries_are_the_ones_counted(world, subjects_kind):
    """The count above, statement by statement: no query per deadline, per user or per message."""
    open_due(world, 40, 0)
    with CaptureQueriesContext(connection) as queries:
        deadlines_sweep(today=TODAY)
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith(f'UPDATE "{Deadline._meta.db_table}"')]
    assert len(updates) == RESCHEDULE and all("notify_on" in sql for sql in updates)
    if connection.vendor != "postgresql":
        assert len({sql.split(" WHERE ")[0] for sql in updates}) == 5  # one a day
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 3  # the notices, the messages, the outbox wish
