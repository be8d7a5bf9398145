"""Work reaches its people: one way for every app to tell the users who must act next.

A service calls `notify(kind=..., recipients=..., subject=..., body=..., url=...)` INSIDE its
transaction: the inbox rows are written with the change they announce (a rollback takes both), and
the wish to e-mail those the recipients want at once is written in the outbox, handed to the worker
after commit (delegations/outbox.py): mail or broker down never stops the action. Who receives is
one selector per audience below (office, standing committee, group members, group leaders, agency
responders), each a queryset of active users with an active membership.

In the inbox every message always appears; each user's preferences (NotificationPreferences) say
for each kind whether it is e-mailed at once, in the daily digest (`notifications_digest_send`,
Celery beat every hour, at the user's chosen hour), or not at all; reminders, overdue notices and
account-security notices cannot be turned off (MANDATORY_KINDS).
"""
import datetime
import logging
from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import (
    Delivery,
    Membership,
    Notification,
    NotificationKind,
    NotificationPreferences,
    Role,
    delivery_for,
)

logger = logging.getLogger(__name__)

EMAIL_BATCH = 200


def date_vn(day):
    """A date as Vietnamese documents write it: dd/mm/yyyy ("—" for none)."""
    return day.strftime("%d/%m/%Y") if day else "—"


def absolute(url):
    """The link of a message as an e-mail needs it: SITE_URL (https://hdnd.example.vn) before the path."""
    if not url or url.startswith(("http://", "https://")):
        return url
    return settings.SITE_URL.rstrip("/") + url if settings.SITE_URL else url


# ------------------------------------------------------------------------------- the audiences

def _users(memberships):
    """The active users of these active memberships, each once."""
    return (get_user_model().objects.filter(is_active=True, pk__in=memberships.filter(is_active=True)
                                            .values("user_id")).order_by("pk"))


def office_of(council):
    """The office staff of a council: they classify, forward, review and close."""
    return _users(Membership.objects.filter(council=council, role=Role.OFFICE))


def standing_of(council):
    """The standing committee of a council: it approves plans."""
    return _users(Membership.objects.filter(council=council, role=Role.STANDING))


def group_members(group):
    """The leader and delegates of a delegate group who have accounts: the members linked to the group,
    and the delegates of the group whose account is a member of the council."""
    from .models import Delegate

    members = Membership.objects.filter(council_id=group.council_id, role__in=[Role.GROUP_LEADER, Role.DELEGATE])
    accounts = Delegate.objects.filter(group=group, user__isnull=False).values("user_id")
    return _users(members.filter(Q(group=group) | Q(user_id__in=accounts)))


def council_group_members(council):
    """Every group leader and delegate with an account in a council (a plan issued concerns them all)."""
    return _users(Membership.objects.filter(council=council, role__in=[Role.GROUP_LEADER, Role.DELEGATE]))


def group_leaders(group):
    """Who leads a group: the members with the leader role for it, and the account of its leader delegate."""
    leader_account = Q(user_id=group.leader.user_id) if group.leader_id and group.leader.user_id else Q(pk__in=[])
    return _users(Membership.objects.filter(council_id=group.council_id)
                  .filter(Q(role=Role.GROUP_LEADER, group=group) | leader_account))


def agency_responders(agencies):
    """The responders of an agency (or of several): they answer what is forwarded to it."""
    ids = [a.pk if hasattr(a, "pk") else a for a in (agencies if isinstance(agencies, (list, tuple, set))
                                                     else [agencies])]
    return _users(Membership.objects.filter(agency_id__in=ids, role=Role.AGENCY))


def users_union(*querysets):
    """Several audiences as one list, each user once, in id order."""
    found = {}
    for queryset in querysets:
        for user in queryset:
            found.setdefault(user.pk, user)
    return [found[pk] for pk in sorted(found)]


# ----------------------------------------------------------------------------------- writing

def _preferences(user_ids):
    return {p.user_id: p for p in NotificationPreferences.objects.filter(user_id__in=user_ids)}


def notify(*, kind, recipients, subject, body="", url="", obj=None, exclude=None):
    """Put one message of `kind` in the inbox of each recipient (a user queryset or a list; inactive
    users and `exclude`, the person who acted, are left out), in one insert, inside the caller's
    transaction; the e-mails the recipients want at once are asked of the worker through the outbox
    (after commit). `url` defaults to `obj.get_absolute_url()`. Returns the messages written.
    Queries: the recipients (when a queryset), their preferences, the insert, the outbox wish."""
    if not url and obj is not None and hasattr(obj, "get_absolute_url"):
        url = obj.get_absolute_url()
    return notify_each(kind=kind, recipients=recipients, messages=[(subject, body, url)], exclude=exclude)


def notify_each(*, kind, recipients, messages, exclude=None):
    """`notify` for several messages to the same people (e.g. one per petition answered at once):
    `messages` is [(subject, body, url)]; each recipient gets each message, in the same queries as
    one message: the recipients, their preferences, one insert, the outbox wish."""
    users = {}
    for user in recipients:
        if user is not None and user.is_active and (exclude is None or user.pk != exclude.pk):
            users.setdefault(user.pk, user)
    if not users or not messages:
        return []
    preferences = _preferences(list(users))
    rows = [Notification(recipient=user, kind=kind, subject=str(subject)[:255], body=str(body), url=url[:500],
                         delivery=delivery_for(preferences.get(pk), kind))
            for subject, body, url in messages for pk, user in sorted(users.items())]
    return notifications_write(rows)


def notifications_write(rows):
    """Bulk-insert inbox messages (their `delivery` set) and ask for the immediate e-mails after commit."""
    if not rows:
        return []
    created = Notification.objects.bulk_create(rows, batch_size=500)
    ids = [n.pk for n in created if n.delivery == Delivery.IMMEDIATE and n.recipient.email]
    if ids:
        from .outbox import outbox_enqueue
        from .tasks import notifications_email

        for start in range(0, len(ids), EMAIL_BATCH):
            outbox_enqueue(notifications_email, notification_ids=ids[start:start + EMAIL_BATCH])
    return created


def email_text(notification):
    """The e-mail of one message: its text, then its link."""
    link = absolute(notification.url)
    body = "\n".join(absolute(line) if line.startswith("/") else line for line in notification.body.splitlines())
    return body + (("\n\n" + _("Open: %(link)s") % {"link": link}) if link else "")


# ------------------------------------------------------------------------------- the digest

DIGEST_CATCH_UP = datetime.timedelta(hours=25)


def notifications_digest_send(*, now=None):
    """E-mail each user whose digest hour it is (local time) one message listing their messages
    waiting for the digest, and mark them e-mailed; messages older than a day are sent whatever the
    hour (a beat that missed the hour). Idempotent: each message is e-mailed once, whatever runs at
    the same time (rows locked, SKIP LOCKED). Returns how many digests were sent."""
    now = now or timezone.now()
    hour = timezone.localtime(now).hour
    due = Q(recipient__notification_preferences__digest_hour=hour) | Q(created_at__lt=now - DIGEST_CATCH_UP)
    sent = 0
    with transaction.atomic():
        rows = list(Notification.objects.filter(due, delivery=Delivery.DIGEST, emailed_at__isnull=True,
                                                created_at__lte=now)
                    .select_for_update(skip_locked=True, of=("self",)).select_related("recipient")
                    .order_by("recipient_id", "created_at", "pk"))
        by_user = defaultdict(list)
        for row in rows:
            by_user[row.recipient_id].append(row)
        done = []
        for items in by_user.values():
            user = items[0].recipient
            if user.email and user.is_active:
                subject = ngettext("Daily digest: %(n)s message", "Daily digest: %(n)s messages", len(items)) % {
                    "n": len(items)}
                lines = []
                for item in items:
                    lines.append(f"• {timezone.localtime(item.created_at):%H:%M %d/%m/%Y} · {item.subject}")
                    if item.url:
                        lines.append("  " + absolute(item.url))
                try:
                    send_mail(subject, "\n".join(lines), None, [user.email])
                except Exception:  # this user's digest waits for the next run; the others go
                    logger.exception("digest of user %s not sent", user.pk)
                    continue
                sent += 1
            done += [item.pk for item in items]
        if done:
            Notification.objects.filter(pk__in=done).update(emailed_at=now)
    return sent


def kind_label(kind):
    return NotificationKind(kind).label if kind in NotificationKind.values else kind
