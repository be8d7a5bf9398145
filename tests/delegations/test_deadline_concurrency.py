"""Two deadline sweeps at the same instant, each in its own thread and database connection, on
PostgreSQL (SQLite serialises every writer, so it cannot show the race): each reminder is recorded
once and each message created once, whether the sweeps split the rows between them (row locks,
SKIP LOCKED) or both read the same rows (the unique notice decides)."""
import datetime
import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from delegations import deadlines, sweep
from delegations.deadlines import deadline_set_date
from delegations.models import DeadlineNotice, Notification
from delegations.sweep import deadlines_sweep
from tests.factories import UserFactory

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql",
                                reason="row locks and concurrent transactions need PostgreSQL")

TODAY = datetime.date(2026, 3, 2)  # a Monday
COUNT = 120


@pytest.fixture
def due_deadlines(transactional_db, world, monkeypatch):
    """COUNT deadlines with a notice to send today, each to its own user (with an email), and the
    emails caught instead of going to the broker."""
    def recipients(object_ids):
        return {user.pk: [user] for user in get_user_model().objects.filter(pk__in=object_ids)}

    monkeypatch.setitem(deadlines.KINDS, "test", deadlines.DeadlineKind("test", "Thử", recipients))
    emailed = []
    monkeypatch.setattr(sweep, "_email_later", lambda ids: emailed.extend(ids))
    for index in range(COUNT):
        user = UserFactory(username=f"nguoi{index}")
        deadline_set_date(subject=user, kind="test", council=world.council,
                          due_on=TODAY + datetime.timedelta(days=index % 4), explanation="", title=f"Việc {index}")
    return emailed


def sweep_at_once(runs=2, batch_size=10):
    barrier = threading.Barrier(runs)
    outcomes = [None] * runs

    def run(index):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = deadlines_sweep(today=TODAY, batch_size=batch_size)
        except Exception as error:  # the outcome is what the test asserts
            outcomes[index] = error
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(index,)) for index in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a sweep never finished (deadlock?)"
    assert not any(isinstance(o, Exception) for o in outcomes), outcomes
    return outcomes


def assert_each_sent_once(outcomes, emailed):
    assert DeadlineNotice.objects.count() == COUNT
    assert Notification.objects.count() == COUNT
    recipients = list(Notification.objects.values_list("recipient_id", flat=True))
    assert len(set(recipients)) == COUNT
    assert sum(o.get("notifications", 0) for o in outcomes) == COUNT
    assert sorted(emailed) == sorted(Notification.objects.values_list("pk", flat=True))


def test_two_sweeps_at_once_send_each_notice_once(due_deadlines):
    outcomes = sweep_at_once()
    assert_each_sent_once(outcomes, due_deadlines)
    assert deadlines_sweep(today=TODAY) == {}  # nothing left for today


def test_two_sweeps_reading_the_same_rows_still_send_each_notice_once(due_deadlines, monkeypatch):
    """Without the claim of the alarms and rows (both sweeps take every id, nothing locked,
    deleted or marked), and both held until each has read every row, both try to claim every
    notice: the unique (deadline, stage, due date) row lets only one through."""
    monkeypatch.setattr(sweep, "_claim_batch",
                        lambda *, today, alarmed, unscheduled: sorted({*alarmed, *unscheduled}))
    both_read = threading.Barrier(2)
    original = sweep._sweep_batch

    def after_both_read(*args):
        both_read.wait(timeout=10)
        return original(*args)

    monkeypatch.setattr(sweep, "_sweep_batch", after_both_read)
    outcomes = sweep_at_once(batch_size=COUNT)
    assert [o["looked_at"] for o in outcomes] == [COUNT, COUNT]
    assert sorted(o.get("already_sent", 0) for o in outcomes) == [0, COUNT]
    assert_each_sent_once(outcomes, due_deadlines)
