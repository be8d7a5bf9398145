"""The deadline sweep (delegations/deadlines.py holds the clocks): `deadlines_sweep`, run by Celery
beat, sends reminders before a due date and escalations after it, each once; the people to tell are
those each kind of deadline registered (`deadline_kind_register`)."""
import datetime
import logging
import uuid
from collections import defaultdict, namedtuple

from django.db import connection, transaction
from django.db.models import Value
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .calendar import WorkingCalendar
from .deadlines import KINDS, array_literal, horizon_days, kind_label
from .models import (
    CalendarDay,
    Council,
    Deadline,
    DeadlineAlarm,
    DeadlineNotice,
    DeadlineRules,
    DeadlineState,
    Delivery,
    Membership,
    Notification,
    NotificationKind,
    NotificationPreferences,
    Role,
    delivery_for,
    parse_reminder_days,
)

logger = logging.getLogger(__name__)


DUE_TODAY = "due_today"
OVERDUE = "overdue"
ESCALATE_STANDING = "escalate_standing"
# Deadlines claimed in one transaction. A province's morning (10,000 due) is one batch: its
# recipients read and its transaction committed once, one message per reader listing all their
# items; the locks it holds are alarms', not deadlines'.
SWEEP_BATCH = 10_000


def remind_stage(days):
    return f"remind_{days}"


def stage_schedule(due_on, calendar, rules):
    """The notices of a due date and the day each falls on, working-day aware: the reminders
    (N working days before; on the day) in date order, then the escalations (the first working
    day after the due date → the office; N working days after it → the standing committee)."""
    reminders = [(remind_stage(n), calendar.add_working_days(due_on, -n).due) for n in rules.reminder_days()]
    if rules.remind_on_due_day:
        reminders.append((DUE_TODAY, due_on))
    reminders.sort(key=lambda item: item[1])
    escalations = [(OVERDUE, calendar.add_working_days(due_on, 1).due)]
    if rules.escalate_standing_after_working_days:
        escalations.append((ESCALATE_STANDING,
                            calendar.add_working_days(due_on, rules.escalate_standing_after_working_days).due))
    return reminders, escalations


def stages_due(reminders, escalations, today, due_on):
    """The stages to send today: of the reminders, only the latest whose day has come (a sweep
    that did not run for days sends the one that is true now, not three at once), until the due
    date; every escalation whose day has come."""
    stages = []
    if today <= due_on:
        current = [stage for stage, day in reminders if day <= today]
        if current:
            stages.append(current[-1])
    stages += [stage for stage, day in escalations if day <= today]
    return stages


class SweepContext:
    """What the sweep reads once per council, not once per deadline, and what it computes once per
    (council, due date), user or wording, not once per item."""

    def __init__(self, today):
        self.today = today
        self.calendars, self.rules, self.office, self.standing, self.schedules = {}, {}, {}, {}, {}
        self.preferences, self.deliveries, self.texts, self.labels, self.dates, self.spans = {}, {}, {}, {}, {}, {}
        # council → what its schedules depend on (its days off and make-up days, its rules): councils
        # alike (most have no days of their own) share their schedules.
        self.alike = {}

    def load(self, council_ids):
        missing = set(council_ids) - set(self.calendars)
        if not missing:
            return
        councils = list(Council.objects.filter(pk__in=missing).select_related("parent"))
        overrides = defaultdict(dict)
        wanted = missing | {c.parent_id for c in councils if c.parent_id}
        for day in CalendarDay.objects.filter(council_id__in=wanted).only("council_id", "date", "kind", "reason"):
            overrides[day.council_id][day.date] = (day.kind, day.reason)
        for council in councils:
            merged = {**overrides.get(council.parent_id, {}), **overrides.get(council.pk, {})}
            self.calendars[council.pk] = WorkingCalendar(council, overrides=merged)
        found = {r.council_id: r for r in DeadlineRules.objects.filter(council_id__in=missing)}
        for pk in missing:
            self.rules[pk] = rules = found.get(pk) or DeadlineRules(council_id=pk)
            self.office[pk], self.standing[pk] = [], []
            days = tuple(sorted((day, kind) for day, (kind, _reason) in self.calendars[pk].overrides.items()))
            self.alike[pk] = (days, tuple(rules.reminder_days()), rules.remind_on_due_day,
                              rules.escalate_standing_after_working_days)
        staff = (Membership.objects.filter(council_id__in=missing, role__in=[Role.OFFICE, Role.STANDING],
                                           is_active=True, user__is_active=True)
                 .select_related("user").order_by("pk"))
        for membership in staff:
            target = self.office if membership.role == Role.OFFICE else self.standing
            target[membership.council_id].append(membership.user)

    def schedule(self, deadline):
        key = (self.alike[deadline.council_id], deadline.due_on)
        if key not in self.schedules:
            self.schedules[key] = stage_schedule(deadline.due_on, self.calendars[deadline.council_id],
                                                 self.rules[deadline.council_id])
        return self.schedules[key]

    def plan(self, deadline):
        """(the stages due today, the next notice day after today or None) of a deadline's due date."""
        key = (self.alike[deadline.council_id], deadline.due_on, "plan")
        if key not in self.schedules:
            reminders, escalations = self.schedule(deadline)
            later = [day for _stage, day in reminders + escalations if day > self.today]
            self.schedules[key] = (stages_due(reminders, escalations, self.today, deadline.due_on),
                                   min(later, default=None))
        return self.schedules[key]

    def load_preferences(self, user_ids):
        """The readers' preferences, read once a sweep for each user (one query when some are new)."""
        missing = set(user_ids) - set(self.preferences)
        if missing:
            found = {p.user_id: p for p in NotificationPreferences.objects.filter(user_id__in=sorted(missing))}
            self.preferences.update({pk: found.get(pk) for pk in missing})

    def delivery(self, user_pk, kind):
        key = (user_pk, kind)
        if key not in self.deliveries:
            self.deliveries[key] = delivery_for(self.preferences.get(user_pk), kind)
        return self.deliveries[key]

    # The words of the messages: each wording translated once a sweep (a plural once per number);
    # named gettext and ngettext, so that makemessages (xgettext) still finds the wordings.
    def gettext(self, msgid):
        if msgid not in self.texts:
            self.texts[msgid] = _(msgid)
        return self.texts[msgid]

    def ngettext(self, singular, plural, n):
        key = (singular, n)
        if key not in self.texts:
            self.texts[key] = ngettext(singular, plural, n)
        return self.texts[key]

    def label(self, code):
        if code not in self.labels:
            self.labels[code] = kind_label(code)
        return self.labels[code]

    def date(self, day):
        if day not in self.dates:
            self.dates[day] = day.strftime("%d/%m/%Y")
        return self.dates[day]

    def working_days_between(self, council_id, start, end):
        key = (self.alike[council_id][0], start, end)
        if key not in self.spans:
            self.spans[key] = self.calendars[council_id].working_days_between(start, end)
        return self.spans[key]


# The columns of a deadline the sweep reads: a tuple each, not a model instance.
SweepRow = namedtuple("SweepRow", ["pk", "council_id", "kind", "object_id", "title", "url", "due_on",
                                   "explanation"])


def deadlines_sweep(*, today=None, batch_size=SWEEP_BATCH):
    """Send today's reminders and escalations, each once. Reads only the deadlines with something
    to do: those whose alarm (DeadlineAlarm, the next notice day) has come, and the open ones not
    yet scheduled whose due date is near; the rows far from their dates are never read. Each batch
    claims its alarms (deleted, SELECT … FOR UPDATE SKIP LOCKED) and its unscheduled rows (marked
    scheduled, the same way), and each notice by inserting its unique row: a second sweep at the
    same time skips what the first holds, and a notice it still finds is already the first's. No
    deadline row is written but those: the next notice days are new alarms. A batch costs a fixed
    number of queries whatever its size (about ten, and the councils, recipients and preferences it
    meets first). Returns counts."""
    today = today or timezone.localdate()
    widest = max([max(parse_reminder_days(value), default=0) for value in
                  DeadlineRules.objects.values_list("reminder_working_days", flat=True).distinct()] + [3])
    near = today + datetime.timedelta(days=horizon_days(widest))
    # The ids first (an alarm's key begins with its day; the unscheduled rows have their partial
    # index); then each batch is claimed again with the same conditions: what another sweep has
    # dealt with since no longer matches.
    alarms = (DeadlineAlarm.objects.filter(on_day__lte=today).annotate(fresh=Value(False))
              .values_list("deadline_id", "fresh").order_by())
    unscheduled = (Deadline.objects.filter(state=DeadlineState.OPEN, scheduled=False, due_on__lte=near)
                   .annotate(fresh=Value(True)).values_list("pk", "fresh").order_by())
    found = sorted(alarms.union(unscheduled))  # (id, not scheduled): an id twice when both
    token = uuid.uuid4().hex
    context = SweepContext(today)
    counts = defaultdict(int)
    for start in range(0, len(found), batch_size):
        part = found[start:start + batch_size]
        with transaction.atomic():
            claimed = _claim_batch(today=today, alarmed=[pk for pk, fresh in part if not fresh],
                                   unscheduled=[pk for pk, fresh in part if fresh])
            batch = [SweepRow._make(row) for row in
                     Deadline.objects.filter(pk__in_array=claimed, state=DeadlineState.OPEN).order_by("pk")
                     .values_list(*SweepRow._fields)] if claimed else []
            if batch:
                _sweep_batch(batch, context, token, counts)
    return dict(counts)


def _claim_batch(*, today, alarmed, unscheduled):
    """The deadlines this sweep now holds: of `alarmed`, those whose alarms of today or before it
    deleted; of `unscheduled`, the open ones not yet scheduled it marked scheduled (the schedule
    computed now is of their date as it is now). Rows another sweep holds are skipped (FOR UPDATE
    SKIP LOCKED), each kind locked in one order. On PostgreSQL one statement; elsewhere (one
    writer at a time) up to four. Returns a sorted list of ids."""
    if connection.vendor == "postgresql":
        alarm, deadline = (connection.ops.quote_name(model._meta.db_table) for model in (DeadlineAlarm, Deadline))
        parts, params = [], []
        if alarmed:
            parts.append(
                f"DELETE FROM {alarm} WHERE ctid = ANY(ARRAY(SELECT ctid FROM {alarm} "  # noqa: S608
                "WHERE on_day <= %s AND deadline_id = ANY(%s::bigint[]) ORDER BY on_day, deadline_id "
                "FOR UPDATE SKIP LOCKED)) RETURNING deadline_id")
            params += [today, array_literal(alarmed)]
        if unscheduled:
            parts.append(
                f"UPDATE {deadline} SET scheduled = TRUE WHERE id = ANY(ARRAY(SELECT id FROM {deadline} "  # noqa: S608
                "WHERE id = ANY(%s::bigint[]) AND state = %s AND NOT scheduled ORDER BY id "
                "FOR UPDATE SKIP LOCKED)) RETURNING id")
            params += [array_literal(unscheduled), DeadlineState.OPEN]
        if not parts:
            return []
        sql = ("WITH " + ", ".join(f"part{n} AS ({part})" for n, part in enumerate(parts)) + " "
               + " UNION ".join(f"SELECT * FROM part{n}" for n in range(len(parts))) + " ORDER BY 1")
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [row[0] for row in cursor.fetchall()]
    due = DeadlineAlarm.objects.filter(on_day__lte=today, deadline_id__in=alarmed)
    fresh = Deadline.objects.filter(pk__in=unscheduled, state=DeadlineState.OPEN, scheduled=False)
    claimed = set(due.values_list("deadline_id", flat=True)) | set(fresh.values_list("pk", flat=True))
    due.delete()
    fresh.update(scheduled=True)
    return sorted(claimed)


def _sweep_batch(batch, context, token, counts):
    """One claimed batch (SweepRow tuples in id order): its notices claimed, its messages written in
    one insert, its emails asked in one outbox wish, its next notice days written as alarms."""
    context.load({d.council_id for d in batch})
    sent = set(DeadlineNotice.objects.filter(deadline_id__in_array=[d.pk for d in batch])
               .values_list("deadline_id", "stage", "due_on"))
    wanted = []  # (deadline, stage)
    next_days = {}
    for deadline in batch:
        stages, next_day = context.plan(deadline)
        for stage in stages:
            if (deadline.pk, stage, deadline.due_on) not in sent:
                wanted.append((deadline, stage))
        next_days[deadline.pk] = next_day
    counts["looked_at"] += len(batch)

    responsible, gone = _responsible(wanted)
    if gone:
        Deadline.objects.filter(pk__in=gone, state=DeadlineState.OPEN).update(
            state=DeadlineState.CANCELLED, done_at=timezone.now())
        counts["cancelled"] += len(gone)
        wanted = [(d, s) for d, s in wanted if d.pk not in gone]

    messages = {}
    for deadline, stage in wanted:
        messages[(deadline.pk, stage)] = _recipients(deadline, stage, responsible, context)
    # Claim: insert the unique rows in one order (no deadlock between two sweeps); only those this
    # sweep inserted are sent.
    claims = sorted(wanted, key=lambda item: (item[0].pk, item[1]))
    ours = _claim(claims, messages, token)
    # One message per user and kind (reminders; overdue notices) listing the items of this batch,
    # not one message per item.
    items, users = defaultdict(list), {}
    for deadline, stage in claims:
        if (deadline.pk, stage) not in ours:
            counts["already_sent"] += 1
            continue
        counts[stage if not stage.startswith("remind_") else "reminders"] += 1
        kind = NotificationKind.OVERDUE if stage in (OVERDUE, ESCALATE_STANDING) else NotificationKind.REMINDER
        for user in messages[(deadline.pk, stage)]:
            users[user.pk] = user
            items[(user.pk, kind)].append((deadline, stage))
    notifications = _grouped(items, users, context)
    _notify(notifications)
    counts["notifications"] += len(notifications)
    _alarms_set(sorted((day, pk) for pk, day in next_days.items() if day is not None and pk not in gone))


def _alarms_set(alarms):
    """Insert the alarms [(day, deadline id), …] (in key order), one already there left as it is.
    On PostgreSQL one INSERT from two arrays; elsewhere in batches of 500."""
    if not alarms:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {connection.ops.quote_name(DeadlineAlarm._meta.db_table)} (on_day, deadline_id) "  # noqa: S608
                "SELECT * FROM unnest(%s::date[], %s::bigint[]) ON CONFLICT DO NOTHING",
                [array_literal(day for day, _pk in alarms), array_literal(pk for _day, pk in alarms)])
        return
    DeadlineAlarm.objects.bulk_create([DeadlineAlarm(on_day=day, deadline_id=pk) for day, pk in alarms],
                                      ignore_conflicts=True, batch_size=500)


def _claim(claims, messages, token):
    """Insert the notice rows of `claims` ((deadline, stage) in (id, stage) order, the order every
    sweep inserts in: no deadlock between two) and return the (deadline id, stage) this sweep
    inserted; a row already there, or being inserted by another sweep, is left to it. On PostgreSQL
    one INSERT … ON CONFLICT DO NOTHING RETURNING from arrays (unnest keeps their order); elsewhere
    the insert, then the rows this sweep's token wrote read back."""
    if not claims:
        return set()
    now = timezone.now()
    if connection.vendor == "postgresql":
        table, column = connection.ops.quote_name, lambda name: DeadlineNotice._meta.get_field(name).column
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table(DeadlineNotice._meta.db_table)} ({column('deadline')}, stage, due_on, sent_at, "  # noqa: S608
                "sweep, recipients) SELECT claim.deadline, claim.stage, claim.due_on, %s, %s, claim.recipients "
                "FROM unnest(%s::bigint[], %s::varchar[], %s::date[], %s::integer[]) "
                "AS claim(deadline, stage, due_on, recipients) "
                f"ON CONFLICT DO NOTHING RETURNING {column('deadline')}, stage",
                [now, token, array_literal(d.pk for d, _s in claims), array_literal(s for _d, s in claims),
                 array_literal(d.due_on for d, _s in claims),
                 array_literal(len(messages[(d.pk, s)]) for d, s in claims)])
            return set(cursor.fetchall())
    DeadlineNotice.objects.bulk_create(
        [DeadlineNotice(deadline_id=d.pk, stage=s, due_on=d.due_on, sweep=token, sent_at=now,
                        recipients=len(messages[(d.pk, s)])) for d, s in claims],
        ignore_conflicts=True, batch_size=500)
    return set(DeadlineNotice.objects.filter(deadline_id__in=sorted({d.pk for d, _s in claims}), sweep=token)
               .values_list("deadline_id", "stage"))


def _responsible(wanted):
    """The people responsible for each deadline with a notice to send, asked of each kind once;
    and the deadlines whose subject no longer exists."""
    ids_by_kind = defaultdict(set)
    for deadline, _stage in wanted:
        ids_by_kind[deadline.kind].add(deadline.object_id)
    found, gone = {}, set()
    for code, ids in ids_by_kind.items():
        kind = KINDS.get(code)
        if kind is None:
            logger.warning("deadline kind %s is not registered: only the office is told", code)
            found.update({(code, pk): [] for pk in ids})
            continue
        answer = kind.recipients(sorted(ids))
        found.update({(code, pk): list(users) for pk, users in answer.items()})
    for deadline, _stage in wanted:
        if (deadline.kind, deadline.object_id) not in found:
            gone.add(deadline.pk)
    return found, gone


def _recipients(deadline, stage, responsible, context):
    """Reminders go to the people responsible; "overdue" to them and the council's office; the
    escalation to its standing committee."""
    if stage == ESCALATE_STANDING:
        users = context.standing[deadline.council_id]
    elif stage == OVERDUE:
        users = responsible[(deadline.kind, deadline.object_id)] + context.office[deadline.council_id]
    else:
        users = responsible[(deadline.kind, deadline.object_id)]
    unique = {}
    for user in users:
        unique.setdefault(user.pk, user)
    return list(unique.values())


def _subject(deadline, stage, context):
    """The subject of one item (a line of a message listing several); its wordings translated once
    a sweep (SweepContext)."""
    values = {"kind": context.label(deadline.kind), "title": deadline.title, "due": context.date(deadline.due_on)}
    if stage == DUE_TODAY:
        return context.gettext("Due today: %(kind)s · %(title)s") % values
    if stage == OVERDUE:
        return context.gettext("Overdue since %(due)s: %(kind)s · %(title)s") % values
    if stage == ESCALATE_STANDING:
        late = context.working_days_between(deadline.council_id, deadline.due_on, context.today)
        return context.ngettext("Overdue by %(n)s working day: %(kind)s · %(title)s",
                                "Overdue by %(n)s working days: %(kind)s · %(title)s", late) % {**values, "n": late}
    left = context.working_days_between(deadline.council_id, context.today, deadline.due_on)
    return context.ngettext("Due on %(due)s, in %(n)s working day: %(kind)s · %(title)s",
                            "Due on %(due)s, in %(n)s working days: %(kind)s · %(title)s",
                            left) % {**values, "n": left}


def _message(deadline, stage, context):
    """(subject, body) of a message about one item."""
    values = {"kind": context.label(deadline.kind), "title": deadline.title, "due": context.date(deadline.due_on)}
    body = context.gettext("%(title)s\n%(kind)s, due on %(due)s.") % values
    if deadline.explanation:
        body += "\n" + context.gettext("How the date was computed: %(explanation)s") % {
            "explanation": deadline.explanation}
    return _subject(deadline, stage, context), body


def _grouped(items, users, context):
    """The messages of a batch: for each (user, kind), one message; a single item keeps its own
    subject and link, several are listed (soonest due first), each with its link. Each message is
    e-mailed as its reader chose for the kind (at once or in the digest: never off). At most one
    query (the preferences of the readers not met yet this sweep)."""
    if not items:
        return []
    context.load_preferences(users)
    notifications = []
    for (user_pk, kind), found in sorted(items.items()):
        found.sort(key=lambda item: (item[0].due_on, item[0].pk))
        if len(found) == 1:
            deadline, stage = found[0]
            subject, body = _message(deadline, stage, context)
            url = deadline.url
        else:
            n, soonest = len(found), context.date(found[0][0].due_on)
            subject = (context.ngettext("%(n)s overdue item, the first due on %(due)s",
                                        "%(n)s overdue items, the first due on %(due)s", n)
                       if kind == NotificationKind.OVERDUE else
                       context.ngettext("%(n)s deadline coming, the first on %(due)s",
                                        "%(n)s deadlines coming, the first on %(due)s", n)) % {"n": n, "due": soonest}
            lines = []
            for deadline, stage in found:
                lines.append("• " + _subject(deadline, stage, context))
                if deadline.url:
                    lines.append(deadline.url)
            body, url = "\n".join(lines), ""
        notifications.append(Notification(recipient=users[user_pk], kind=kind, subject=subject[:255], body=body,
                                          url=url[:500], delivery=context.delivery(user_pk, kind)))
    return notifications


def _notify(notifications):
    """Inbox messages in one insert, and the emails wanted at once in one outbox wish handed after
    commit (the digest's wait for their hour: delegations/notify.py)."""
    if not notifications:
        return
    created = Notification.objects.bulk_create(notifications, batch_size=SWEEP_BATCH)
    ids = [n.pk for n in created if n.recipient.email and n.delivery == Delivery.IMMEDIATE]
    if ids:
        _email_later(ids)


def _email_later(ids):
    """The emails of a batch, as one outbox wish written with the messages: handed after commit, or
    later by the outbox sweep if the broker is down (delegations/outbox.py). The task sends each
    message at most once, so a wish handed again while still running sends nothing twice."""
    from .outbox import outbox_enqueue
    from .tasks import notifications_email

    outbox_enqueue(notifications_email, notification_ids=list(ids))
