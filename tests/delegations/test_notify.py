"""Issue 12, the shared part: notify() and its audiences, preferences (at once, daily digest, off —
never off for reminders and overdue notices), the hourly digest, the deadline sweep's one message per
user, and the inbox (unread count, mark all read, filter by kind)."""
import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from delegations import deadlines
from delegations.deadlines import deadline_set_date
from delegations.forms import NotificationPreferencesForm
from delegations.models import (
    DeadlineNotice,
    Delivery,
    Notification,
    NotificationKind,
    NotificationPreferences,
    OutboxTask,
    delivery_for,
)
from delegations.notify import (
    agency_responders,
    group_leaders,
    group_members,
    notifications_digest_send,
    notify,
    office_of,
    standing_of,
)
from delegations.sweep import deadlines_sweep
from delegations.tasks import notifications_email
from tests.factories import UserFactory

Kind = NotificationKind


def names(users):
    return {u.username for u in users}


# ------------------------------------------------------------------------------ the audiences

def test_each_audience_is_its_own_council_group_or_agency(world):
    assert names(office_of(world.council)) == {"vanphong"}
    assert names(standing_of(world.council)) == {"thuongtruc"}
    assert names(group_members(world.group_a)) == {"totruong"}
    assert names(group_members(world.group_b)) == {"daibieu"}
    assert names(group_leaders(world.group_a)) == {"totruong"}
    assert names(agency_responders(world.agency)) == {"coquan"}
    assert names(office_of(world.other_council)) == {"khac"}


def test_inactive_accounts_and_memberships_are_never_an_audience(world):
    world.users["office"].memberships.update(is_active=False)
    leader = world.users["group_leader"]
    leader.is_active = False
    leader.save()
    assert names(office_of(world.council)) == set()
    assert names(group_members(world.group_a)) == set()


# ------------------------------------------------------------------------------ notify itself

def test_notify_writes_one_insert_and_one_wish_for_the_emails(world, django_assert_num_queries):
    recipients = office_of(world.council)
    UserFactory(username="vanphong2").memberships.create(council=world.council, role="office")
    # The recipients, their preferences, the insert, the outbox wish (select for update + insert, each in
    # a savepoint: 2 + 2 savepoint statements).
    with django_assert_num_queries(9):
        rows = notify(kind=Kind.ANSWER_RECEIVED, recipients=recipients, subject="Có trả lời", url="/petitions/1/")
    assert len(rows) == 2
    wish = OutboxTask.objects.get()
    assert wish.name == notifications_email.name and sorted(wish.kwargs["notification_ids"]) == sorted(
        r.pk for r in rows)


def test_notify_leaves_out_who_acted_and_inactive_users(world):
    ghost = UserFactory(username="nghi", is_active=False)
    notify(kind=Kind.OTHER, recipients=[world.users["office"], world.users["standing"], ghost, None],
           subject="x", exclude=world.users["office"])
    assert names(n.recipient for n in Notification.objects.all()) == {"thuongtruc"}


# ------------------------------------------------------------------------------ preferences

def prefer(user, hour=7, **deliveries):
    return NotificationPreferences.objects.create(user=user, digest_hour=hour, deliveries=deliveries)


def test_preferences_decide_the_email_not_the_inbox(world):
    office, standing, leader = world.users["office"], world.users["standing"], world.users["group_leader"]
    prefer(standing, answer_received=Delivery.DIGEST)
    prefer(leader, answer_received=Delivery.OFF)
    rows = notify(kind=Kind.ANSWER_RECEIVED, recipients=[office, standing, leader], subject="Có trả lời")
    assert {r.recipient.username: r.delivery for r in rows} == {
        "vanphong": Delivery.IMMEDIATE, "thuongtruc": Delivery.DIGEST, "totruong": Delivery.OFF}
    assert Notification.objects.count() == 3  # every one in its inbox
    assert OutboxTask.objects.get().kwargs["notification_ids"] == [r.pk for r in rows if r.recipient == office]


def test_reminders_and_overdue_notices_cannot_be_turned_off(world):
    preferences = prefer(world.users["office"], reminder="off", overdue="off", answer_received="off")
    # A stored "off" (written before the rule, or by hand) still e-mails them.
    assert delivery_for(preferences, Kind.REMINDER) == Delivery.IMMEDIATE
    assert delivery_for(preferences, Kind.OVERDUE) == Delivery.IMMEDIATE
    assert delivery_for(preferences, Kind.ANSWER_RECEIVED) == Delivery.OFF
    form = NotificationPreferencesForm(preferences=preferences)
    assert "off" not in dict(form.fields["kind_reminder"].choices)
    assert "off" not in dict(form.fields["kind_overdue"].choices)
    assert "off" in dict(form.fields["kind_answer_received"].choices)
    data = {f"kind_{k}": "immediate" for k in Kind.values} | {"digest_hour": "18", "kind_reminder": "off"}
    form = NotificationPreferencesForm(data, preferences=preferences)
    assert not form.is_valid() and "kind_reminder" in form.errors
    data["kind_reminder"] = "digest"
    form = NotificationPreferencesForm(data, preferences=preferences)
    assert form.is_valid(), form.errors
    form.save()
    saved = NotificationPreferences.objects.get(user=world.users["office"])
    assert saved.digest_hour == 18 and delivery_for(saved, Kind.REMINDER) == Delivery.DIGEST


def test_the_preferences_page_saves_and_refuses_off_for_reminders(world, client_for):
    client = client_for(world.users["delegate"])
    url = reverse("delegations:notification_preferences")
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="kind_reminder"' in page.content.decode()
    data = {f"kind_{k}": "immediate" for k in Kind.values} | {"digest_hour": "6", "kind_meeting_moved": "off",
                                                              "kind_overdue": "off"}
    assert client.post(url, data).status_code == 200  # refused, shown again
    assert not NotificationPreferences.objects.exists()
    data["kind_overdue"] = "digest"
    assert client.post(url, data).status_code == 302
    saved = NotificationPreferences.objects.get(user=world.users["delegate"])
    assert saved.digest_hour == 6 and saved.deliveries["meeting_moved"] == "off"
    assert reverse("delegations:notification_preferences") in client.get(reverse("delegations:inbox")).content.decode()


# ------------------------------------------------------------------------------ the digest

def test_the_digest_mails_each_user_once_at_their_hour(world, time_machine):
    office, standing = world.users["office"], world.users["standing"]
    prefer(office, hour=7, answer_received=Delivery.DIGEST, extension_requested=Delivery.DIGEST)
    prefer(standing, hour=17, answer_received=Delivery.DIGEST)
    time_machine.move_to(timezone.make_aware(datetime.datetime(2026, 3, 2, 6, 10)), tick=False)
    notify(kind=Kind.ANSWER_RECEIVED, recipients=[office, standing], subject="Có trả lời HN-0001",
           url="/petitions/1/")
    notify(kind=Kind.EXTENSION_REQUESTED, recipients=[office], subject="Xin gia hạn HN-0002")
    assert not OutboxTask.objects.exists()  # nothing e-mailed at once
    assert notifications_digest_send() == 0  # 06:10: nobody's hour
    time_machine.move_to(timezone.make_aware(datetime.datetime(2026, 3, 2, 7, 5)), tick=False)
    assert notifications_digest_send() == 1
    assert [m.to for m in mail.outbox] == [["vanphong@example.vn"]]
    assert "Có trả lời HN-0001" in mail.outbox[0].body and "Xin gia hạn HN-0002" in mail.outbox[0].body
    assert "/petitions/1/" in mail.outbox[0].body
    assert notifications_digest_send() == 0  # idempotent: each message once
    assert len(mail.outbox) == 1
    assert Notification.objects.filter(recipient=standing, emailed_at__isnull=True).count() == 1
    time_machine.move_to(timezone.make_aware(datetime.datetime(2026, 3, 2, 17, 0)), tick=False)
    assert notifications_digest_send() == 1
    assert mail.outbox[1].to == ["thuongtruc@example.vn"]


def test_a_missed_digest_hour_is_caught_up_after_a_day(world, time_machine):
    prefer(world.users["office"], hour=7, answer_received=Delivery.DIGEST)
    time_machine.move_to(timezone.make_aware(datetime.datetime(2026, 3, 2, 7, 30)), tick=False)
    notify(kind=Kind.ANSWER_RECEIVED, recipients=[world.users["office"]], subject="Có trả lời")
    time_machine.move_to(timezone.make_aware(datetime.datetime(2026, 3, 3, 9, 0)), tick=False)  # 07:00 missed
    assert notifications_digest_send() == 1


# ------------------------------------------------------------------------------ the sweep

@pytest.fixture
def one_responsible(world, monkeypatch):
    """A kind of deadline whose every subject is the office's to act on."""
    office = world.users["office"]

    def recipients(object_ids):
        return {pk: [office] for pk in object_ids}

    monkeypatch.setitem(deadlines.KINDS, "test", deadlines.DeadlineKind("test", "Thử", recipients))
    return office


def open_deadlines(world, n, today, start=0):
    users = [UserFactory(username=f"chu_de_{start + i}") for i in range(n)]
    for i, user in enumerate(users):
        deadline_set_date(subject=user, kind="test", council=world.council,
                          due_on=today + datetime.timedelta(days=1 + i % 3), explanation="", title=f"Việc {start + i}",
                          url=f"/petitions/{1000 + start + i}/")


def test_one_sweep_sends_one_message_listing_its_items(world, one_responsible, time_machine):
    today = datetime.date(2026, 3, 2)  # a Monday
    time_machine.move_to(timezone.make_aware(datetime.datetime(2026, 3, 2, 8)), tick=False)
    open_deadlines(world, 26, today)
    counts = deadlines_sweep(today=today)
    assert counts["reminders"] == 26 and counts["notifications"] == 1
    assert DeadlineNotice.objects.count() == 26  # each notice recorded once
    message = Notification.objects.get()
    assert message.recipient == one_responsible and message.kind == Kind.REMINDER
    assert message.subject.startswith("26 ")
    assert all(f"Việc {i}" in message.body and f"/petitions/{1000 + i}/" in message.body for i in range(26))
    assert deadlines_sweep(today=today).get("notifications", 0) == 0  # each notice once


def test_a_single_item_keeps_its_own_subject_and_link(world, one_responsible):
    today = datetime.date(2026, 3, 2)
    open_deadlines(world, 1, today)
    deadlines_sweep(today=today)
    message = Notification.objects.get()
    assert "Việc 0" in message.subject and message.url == "/petitions/1000/"


def test_the_sweep_costs_the_same_queries_for_3_or_60_items(world, one_responsible, transactional_db):
    today = datetime.date(2026, 3, 2)

    def sweep_of(n, start):
        open_deadlines(world, n, today, start)
        with CaptureQueriesContext(connection) as queries:
            deadlines_sweep(today=today)
        Notification.objects.all().delete()
        return len(queries)

    few = sweep_of(3, 0)
    many = sweep_of(60, 100)
    # On PostgreSQL the batch is claimed in one statement and the notices in one INSERT … RETURNING;
    # elsewhere the unscheduled rows are read, then marked (none has an alarm yet: no query for them)
    # and the notices read back. The next notice days are one insert of alarms either way.
    assert few == many == (23 if connection.vendor == "postgresql" else 25)


# ------------------------------------------------------------------------------ the inbox

def inbox_for(world):
    office = world.users["office"]
    notify(kind=Kind.ANSWER_RECEIVED, recipients=[office], subject="Có trả lời HN-0001", url="/petitions/1/")
    notify(kind=Kind.EXTENSION_REQUESTED, recipients=[office], subject="Xin gia hạn HN-0002", url="/petitions/2/")
    notify(kind=Kind.ANSWER_RECEIVED, recipients=[world.users["standing"]], subject="Của người khác")
    return office


def test_the_unread_count_is_in_the_navigation_bar(world, client_for):
    office = inbox_for(world)
    page = client_for(office).get(reverse("home")).content.decode()
    assert 'data-testid="unread-count">2<' in page


def test_mark_all_read_is_a_post_and_idempotent(world, client_for):
    office = inbox_for(world)
    client = client_for(office)
    url = reverse("delegations:inbox_read_all")
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    assert not Notification.objects.filter(recipient=office, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=world.users["standing"], read_at__isnull=True).count() == 1
    first = set(Notification.objects.filter(recipient=office).values_list("read_at", flat=True))
    assert client.post(url).status_code == 302
    assert set(Notification.objects.filter(recipient=office).values_list("read_at", flat=True)) == first


def test_the_inbox_filters_by_kind_and_links_each_message(world, client_for, django_assert_num_queries):
    office = inbox_for(world)
    client = client_for(office)
    page = client.get(reverse("delegations:inbox"), {"kind": "extension_requested"}).content.decode()
    assert "Xin gia hạn HN-0002" in page and "Có trả lời HN-0001" not in page
    page = client.get(reverse("delegations:inbox"), {"kind": "no-such-kind"}).content.decode()
    assert "Xin gia hạn HN-0002" in page and "Có trả lời HN-0001" in page and "Của người khác" not in page
    message = Notification.objects.get(subject="Có trả lời HN-0001")
    response = client.post(reverse("delegations:notification_open", args=[message.pk]))
    assert response.status_code == 302 and response["Location"] == "/petitions/1/"
    # Session and user, memberships, unread count, the page's count and rows.
    client.get(reverse("delegations:inbox"))
    with django_assert_num_queries(5):
        client.get(reverse("delegations:inbox"), {"kind": "answer_received", "unread": "1"})


def test_a_message_listing_items_links_each_of_them(world, client_for):
    office = world.users["office"]
    notify(kind=Kind.REMINDER, recipients=[office], subject="2 việc", body="• Việc 1\n/petitions/7/\n• <b>Việc 2</b>")
    page = client_for(office).get(reverse("delegations:inbox")).content.decode()
    assert '<a href="/petitions/7/">/petitions/7/</a>' in page and "&lt;b&gt;Việc 2" in page


@pytest.mark.parametrize("name,method", [("inbox", "get"), ("inbox_read_all", "post"),
                                         ("notification_preferences", "get"), ("notification_preferences", "post")])
def test_the_inbox_pages_are_refused_to_anonymous(client, db, name, method):
    response = getattr(client, method)(reverse(f"delegations:{name}"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_everyone_with_an_account_reads_their_own_preferences(world, client_for):
    for user in world.users.values():
        assert client_for(user).get(reverse("delegations:notification_preferences")).status_code == 200
    assert get_user_model().objects.filter(notification_preferences__isnull=False).count() == 0
