"""The deadline engine: one table for every clock of every app (docs/architecture.md, "Deadlines").

A service that starts a clock calls `deadline_open` (a rule: N working days or days after a date,
computed through the council's working-day calendar) or `deadline_set_date` (a date given as it is:
a promised date, an extension, a date written in a plan); it calls `deadline_close` when the clock
stops. When a council's calendar changes, `deadlines_recompute` moves the open working-day deadlines
the change touches and records each move. `deadlines_sweep`, run by Celery beat, sends reminders
before a due date and escalations after it, each once.

Delegations cannot import the apps to its right, so each app registers its kinds of deadline in its
AppConfig.ready() with `deadline_kind_register`: who is reminded, and what to update when a
recomputation moves a date (the subject's own copy of it). A registry, not a signal.
"""
import datetime
import logging
import uuid
from collections import defaultdict, namedtuple
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .calendar import WorkingCalendar
from .models import (
    NOTHING_LEFT,
    CalendarDay,
    Council,
    CouncilLevel,
    Deadline,
    DeadlineChange,
    DeadlineChangeCause,
    DeadlineNotice,
    DeadlineRules,
    DeadlineState,
    DeadlineUnit,
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
SWEEP_BATCH = 5000


def remind_stage(days):
    return f"remind_{days}"


# ------------------------------------------------------------------------------------ registry

@dataclass(frozen=True)
class DeadlineKind:
    code: str
    label: str
    # object ids → {object_id: [users to remind]}; a subject that no longer exists is left out
    # (its deadline is then cancelled), one that exists but has nobody maps to [].
    recipients: Callable[[list], dict]
    # Called with the moved Deadline rows of this kind after a recomputation, to update the
    # subject's own copy of the date; each row carries `change_reason`. None when the subject keeps none.
    on_moved: Callable[[list], None] | None = None
    # The DeadlineRules field that gives the amount of this kind's rule (e.g. "answer_due_days"):
    # when the council changes it, its open deadlines counted by rule are computed again.
    rule_field: str | None = None


KINDS: dict[str, DeadlineKind] = {}


def deadline_kind_register(code, *, label, recipients, on_moved=None, rule_field=None):
    KINDS[code] = DeadlineKind(code, label, recipients, on_moved, rule_field)


def kind_label(code):
    kind = KINDS.get(code)
    return str(kind.label) if kind else code


def users_with_role(council_ids, roles, **filters):
    """{council_id: [users]} of the active members of these councils with one of these roles."""
    found = defaultdict(list)
    rows = (Membership.objects.filter(council_id__in=set(council_ids), role__in=roles, is_active=True,
                                      user__is_active=True, **filters)
            .select_related("user").order_by("pk"))
    for membership in rows:
        found[membership.council_id].append(membership.user)
    return found


# ------------------------------------------------------------------------- opening and closing

def due_compute(*, start, amount, unit, calendar):
    """The due date of a rule and how it was reached: `amount` working days after `start`, or a
    period of `amount` days from `start` that ends on the next working day when its last day is
    not one (art. 148(5) Civil Code 2015). Returns (date, explanation)."""
    if unit == DeadlineUnit.WORKING_DAYS:
        count = calendar.add_working_days(start, amount)
        return count.due, count.explanation()
    if unit == DeadlineUnit.DAYS:
        # A period of days ends on a working day (art. 148(5) Civil Code 2015).
        count = calendar.add_days(start, amount)
        return count.due, count.explanation()
    raise ValueError(f"a rule needs the unit working_days or days, not {unit!r}")


def deadline_open(*, subject, kind, council, start, amount, unit, title, url="", reason="", calendar=None):
    """Start (or restate) the clock `kind` of `subject`: `amount` working days or days after
    `start`, through the council's working-day calendar. Idempotent: the same call twice changes
    nothing; a different result moves the due date and records the change."""
    if calendar is None:
        calendar = WorkingCalendar.for_council(council)
    due_on, explanation = due_compute(start=start, amount=amount, unit=unit, calendar=calendar)
    return _deadline_put(subject=subject, kind=kind, council=council, due_on=due_on, explanation=explanation,
                         title=title, url=url, start_on=start, amount=amount, unit=unit, reason=reason)


def deadline_set_date(*, subject, kind, council, due_on, explanation, title, url="", reason=""):
    """Start (or move) the clock `kind` of `subject` to a date given as it is: a promised date, an
    extension granted, a date written in a plan. A recomputation never moves it."""
    return _deadline_put(subject=subject, kind=kind, council=council, due_on=due_on, explanation=explanation,
                         title=title, url=url, start_on=None, amount=None, unit=DeadlineUnit.DATE, reason=reason)


def _deadline_put(*, subject, kind, council, due_on, explanation, title, url, start_on, amount, unit, reason):
    return deadlines_put_many([DeadlinePut(subject=subject, kind=kind, council_id=council.pk, due_on=due_on,
                                           explanation=explanation, title=title, url=url, start_on=start_on,
                                           amount=amount, unit=unit)], reason=reason)[0]


@dataclass
class DeadlinePut:
    """One clock to start or restate, for `deadlines_put_many`: `due_on` and `explanation` as
    computed; `start_on`, `amount` and `unit` the rule (None, None, DATE for a date given as it is)."""
    subject: object
    kind: str
    council_id: int
    due_on: datetime.date
    explanation: str
    title: str
    url: str = ""
    start_on: datetime.date | None = None
    amount: int | None = None
    unit: str = DeadlineUnit.DATE


def deadlines_put_many(puts, *, reason=""):
    """Start (or restate) many clocks at once, by the rule of `deadline_open`/`deadline_set_date`:
    a clock not there yet is created; one there with another date is moved and the move recorded
    (DeadlineChange, with `reason`); a closed one is opened again; an unchanged one is left as it
    is. All of one model's subjects: the rows locked in one query, then at most one insert, one
    insert of changes and one update, whatever the number; none for no clocks. Returns the Deadline
    rows, in order."""
    if not puts:
        return []
    with transaction.atomic():
        return _deadlines_put(puts, reason)


def _deadlines_put(puts, reason):
    content_type = ContentType.objects.get_for_model(puts[0].subject)

    def values(put):
        return {"council_id": put.council_id, "due_on": put.due_on, "explanation": put.explanation[:500],
                "title": put.title[:255], "url": put.url[:500], "start_on": put.start_on, "amount": put.amount,
                "unit": put.unit}

    def stored():
        rows = (Deadline.objects.select_for_update()
                .filter(content_type=content_type, object_id__in={p.subject.pk for p in puts},
                        kind__in={p.kind for p in puts}).order_by("pk"))
        return {(row.object_id, row.kind): row for row in rows}

    found = stored()
    missing = [p for p in puts if (p.subject.pk, p.kind) not in found]
    created = set()  # (object id, kind) of the rows inserted now: nothing more to write for them
    if missing:
        try:
            with transaction.atomic():
                rows = Deadline.objects.bulk_create([
                    Deadline(content_type=content_type, object_id=p.subject.pk, kind=p.kind, **values(p))
                    for p in missing])
            found.update({(row.object_id, row.kind): row for row in rows})
            created = {(p.subject.pk, p.kind) for p in missing}
        except IntegrityError:  # opened by another transaction since: restate them
            found = stored()
    now = timezone.now()
    changes, changed_rows, changed_fields = [], [], set()
    for put in puts:
        row = found[(put.subject.pk, put.kind)]
        if (put.subject.pk, put.kind) in created:
            continue
        wanted = values(put)
        changed = [name for name, value in wanted.items() if getattr(row, name) != value]
        if row.due_on != put.due_on:
            changes.append(DeadlineChange(deadline=row, old_due_on=row.due_on, new_due_on=put.due_on,
                                          reason=(reason or _("the date was set again"))[:255],
                                          explanation=put.explanation[:500]))
        if row.state != DeadlineState.OPEN:
            row.state, row.done_at = DeadlineState.OPEN, None
            changed += ["state", "done_at"]
        if not changed:
            continue
        for name, value in wanted.items():
            setattr(row, name, value)
        row.notify_on = None  # the sweep computes the reminder days of the new date
        row.updated_at = now
        changed_fields.update([*changed, "notify_on", "updated_at"])
        changed_rows.append(row)
    if changes:
        DeadlineChange.objects.bulk_create(changes)
    if changed_rows:
        Deadline.objects.bulk_update(changed_rows, sorted(changed_fields))
    return [found[(p.subject.pk, p.kind)] for p in puts]


def deadline_close(*, subject, kind=None, cancelled=False):
    """Stop the open clocks of `subject` (all, one kind or several): done when what it waited for
    happened, cancelled when it no longer applies. Returns how many were closed."""
    return deadlines_close_many(model=type(subject), ids=[subject.pk], kind=kind, cancelled=cancelled)


def deadlines_close_many(*, model, ids, kind=None, cancelled=False):
    """`deadline_close` for the rows `ids` of `model` at once: one UPDATE (none when `ids` is empty)."""
    if not ids:
        return 0
    rows = Deadline.objects.for_subjects(model, ids).filter(state=DeadlineState.OPEN)
    if kind is not None:
        rows = rows.filter(kind__in=[kind] if isinstance(kind, str) else list(kind))
    now = timezone.now()
    return rows.update(state=DeadlineState.CANCELLED if cancelled else DeadlineState.DONE, done_at=now,
                       updated_at=now)


def deadlines_history(subject=None, *, model=None, ids=()):
    """The deadlines of a subject (or of the rows `ids` of `model`), with their moves, for the
    shared "deadlines and their changes" block of the subject's page; two queries."""
    rows = (Deadline.objects.for_subject(subject) if subject is not None
            else Deadline.objects.for_subjects(model, ids))
    return list(rows.with_history().order_by("due_on", "pk"))


# ------------------------------------------------------------------------------ recomputation

def _horizon_days(reminder_days):
    """Calendar days that surely hold `reminder_days` working days, across Tết and a council's own
    days off: the sweep looks at a deadline not yet scheduled once its due date is this near."""
    return 2 * reminder_days + 14


def _moves_record(moved, changes, reason):
    """Write the moved rows and their DeadlineChange rows, and let each kind update its subject's
    copy of the date (with the reason, for the subject's own history)."""
    Deadline.objects.bulk_update(moved, ["due_on", "explanation", "notify_on", "amount"], batch_size=500)
    DeadlineChange.objects.bulk_create(changes, batch_size=500)
    by_kind = defaultdict(list)
    for row in moved:
        row.change_reason = reason
        by_kind[row.kind].append(row)
    for code, rows in by_kind.items():
        kind = KINDS.get(code)
        if kind and kind.on_moved:
            kind.on_moved(rows)


@transaction.atomic
def deadlines_recompute(*, council, reason, days=None, user=None, batch="",
                        cause=DeadlineChangeCause.CALENDAR):
    """Compute again the open deadlines counted by rule (working days, or days ending on a working
    day, art. 148(5) Civil Code 2015) of a council whose calendar changed (and of its commune
    councils when a province's calendar changed: theirs include it). With `days`, only the
    deadlines whose span (start, due] holds one of those days can move, and only those are read.
    Each move is recorded with `reason`, `user` (who changed the calendar) and `batch` (the change
    it belongs to), and the subject's copy updated by its kind's hook. The reminder days of the
    other open deadlines near those days are computed again by the next sweep. Returns the moved
    deadlines."""
    councils = [council]
    if council.level == CouncilLevel.PROVINCE:
        councils += list(Council.objects.filter(parent=council).select_related("parent"))
    moved, changes = [], []
    for each in councils:
        calendar = WorkingCalendar.for_council(each)
        rows = Deadline.objects.filter(council=each, state=DeadlineState.OPEN,
                                       unit__in=[DeadlineUnit.WORKING_DAYS, DeadlineUnit.DAYS])
        if days:
            span = Q()
            for day in days:
                span |= Q(start_on__lt=day, due_on__gte=day)
            rows = rows.filter(span)
        for row in rows.select_for_update().order_by("pk"):
            due_on, explanation = due_compute(start=row.start_on, amount=row.amount, unit=row.unit,
                                              calendar=calendar)
            if due_on == row.due_on and explanation == row.explanation:
                continue
            if due_on != row.due_on:
                changes.append(DeadlineChange(deadline=row, old_due_on=row.due_on, new_due_on=due_on,
                                              reason=reason[:255], explanation=explanation[:500],
                                              cause=cause, changed_by=user, batch=batch))
            row.due_on, row.explanation, row.notify_on = due_on, explanation[:500], None
            moved.append(row)
    _moves_record(moved, changes, reason)
    if days:
        # "3 working days before" and "5 working days overdue" of dates near a changed day may shift.
        rules = DeadlineRules.objects.filter(council__in=councils)
        widest = max([3, 5, *(max(r.reminder_days(), default=0) for r in rules),
                      *(r.escalate_standing_after_working_days for r in rules)])
        near = Q()
        for day in days:
            near |= Q(due_on__range=(day - datetime.timedelta(days=_horizon_days(widest)),
                                     day + datetime.timedelta(days=_horizon_days(widest))))
        Deadline.objects.filter(near, council__in=councils, state=DeadlineState.OPEN).update(notify_on=None)
    return moved


def calendar_day_changed(*, day, before=None, deleted=False, user=None):
    """A council day off or make-up working day was added, changed or deleted (CalendarDay.save()
    and delete() call this, whatever the path): the open deadlines it touches are computed again,
    each move credited to `user` with the reason. `before` is the row as it was. Returns (the
    moved deadlines, the batch token of this change, "" when nothing moved)."""
    date, kind = day.date.strftime("%d/%m/%Y"), day.get_kind_display().lower()
    if deleted:
        reason = _("%(kind)s %(date)s removed") % {"kind": kind, "date": date}
    elif before is None:
        reason = _("%(kind)s %(date)s added") % {"kind": kind, "date": date}
    else:
        if (before.date, before.kind, before.council_id) == (day.date, day.kind, day.council_id):
            return [], ""  # only the reason's wording changed: no date can move
        reason = (_("%(kind)s %(old)s moved to %(date)s") if before.date != day.date
                  else _("%(kind)s %(date)s changed")) % {"kind": kind, "date": date,
                                                          "old": before.date.strftime("%d/%m/%Y")}
    moved, batch = [], uuid.uuid4().hex
    if before is not None and before.council_id != day.council_id:
        moved += deadlines_recompute(council=Council.objects.get(pk=before.council_id), reason=reason,
                                     days=[before.date], user=user, batch=batch)
        before = None
    days = sorted({day.date, *([before.date] if before is not None else [])})
    moved += deadlines_recompute(council=day.council, reason=reason, days=days, user=user, batch=batch)
    return moved, (batch if moved else "")


RULES_RESCHEDULE_FIELDS = ("reminder_working_days", "remind_on_due_day", "escalate_standing_after_working_days")


@transaction.atomic
def deadline_rules_update(*, rules, user, changed_fields):
    """A council's deadline rules were changed (the deadline rules page): `rules` is the row with
    its new values, not yet saved. Saves it (its history credited to `user`), then applies the
    change to the open deadlines of the council: those counted by a changed amount (the kinds
    registered with that `rule_field`) are computed again with the new amount, each move recorded
    with `user`; reminders and escalations of every open deadline are scheduled again by the next
    sweep. Returns (the moved deadlines, the batch token, "" when nothing moved)."""
    rules._history_user = user
    rules.save()
    council = rules.council
    moved, changes, batch = [], [], uuid.uuid4().hex
    labels = {name: str(DeadlineRules._meta.get_field(name).verbose_name) for name in changed_fields}
    reason = (_("deadline rules changed: %(fields)s") % {"fields": "; ".join(labels.values())})[:255]
    calendar = WorkingCalendar.for_council(council)
    for kind in KINDS.values():
        if kind.rule_field not in changed_fields:
            continue
        amount = getattr(rules, kind.rule_field)
        rows = (Deadline.objects.filter(council=council, kind=kind.code, state=DeadlineState.OPEN,
                                        unit__in=[DeadlineUnit.WORKING_DAYS, DeadlineUnit.DAYS])
                .select_for_update().order_by("pk"))
        for row in rows:
            due_on, explanation = due_compute(start=row.start_on, amount=amount, unit=row.unit, calendar=calendar)
            if due_on != row.due_on:
                changes.append(DeadlineChange(deadline=row, old_due_on=row.due_on, new_due_on=due_on,
                                              reason=reason, explanation=explanation[:500],
                                              cause=DeadlineChangeCause.RULES, changed_by=user, batch=batch))
            if (due_on, explanation[:500], amount) != (row.due_on, row.explanation, row.amount):
                row.due_on, row.explanation, row.amount, row.notify_on = due_on, explanation[:500], amount, None
                moved.append(row)
    _moves_record(moved, changes, reason)
    if set(changed_fields) & set(RULES_RESCHEDULE_FIELDS):
        Deadline.objects.filter(council=council, state=DeadlineState.OPEN).update(notify_on=None)
    changed_ids = {change.deadline_id for change in changes}
    return [row for row in moved if row.pk in changed_ids], (batch if changes else "")


# ------------------------------------------------------------------------------------ the sweep

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


def array_literal(values):
    """A PostgreSQL array literal of ints, dates or strings (`{1,2,3}`), sent as one text
    parameter and cast in the SQL (`%s::bigint[]`): ten times cheaper to build than the driver's
    adaptation of a list, element by element."""
    def element(value):
        if isinstance(value, int):
            return str(value)
        if isinstance(value, datetime.date):
            return value.isoformat()
        return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
    return "{" + ",".join(map(element, values)) + "}"


def among(ids):
    """The right side of `<field>__in` for a long list of integer ids: on PostgreSQL one array
    parameter (`IN (SELECT unnest(%s::bigint[]))`, the primary-key index looked up once per id)
    rather than one placeholder per id, whose SQL text costs more to build and send than the query
    costs to run; the list as it is elsewhere."""
    ids = list(ids)
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [array_literal(ids)])
    return ids


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
        """(the stages due today, the next notice day after today) of a deadline's due date."""
        key = (self.alike[deadline.council_id], deadline.due_on, "plan")
        if key not in self.schedules:
            reminders, escalations = self.schedule(deadline)
            later = [day for _stage, day in reminders + escalations if day > self.today]
            self.schedules[key] = (stages_due(reminders, escalations, self.today, deadline.due_on),
                                   min(later, default=NOTHING_LEFT))
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
    """Send today's reminders and escalations, each once. Reads only the open deadlines with
    something to do: those whose next notice day has come, and those not yet scheduled whose due
    date is near (one indexed query a batch; the rows far from their dates are never read). Each
    batch is claimed with SELECT … FOR UPDATE SKIP LOCKED, and each notice by inserting its unique
    row: a second sweep at the same time skips what the first holds, and a notice it still finds
    is already the first's. A batch costs a fixed number of queries whatever its size (about ten,
    and the councils, recipients and preferences it meets first). Returns counts."""
    today = today or timezone.localdate()
    widest = max([max(parse_reminder_days(value), default=0) for value in
                  DeadlineRules.objects.values_list("reminder_working_days", flat=True).distinct()] + [3])
    near = today + datetime.timedelta(days=_horizon_days(widest))
    candidates = Deadline.objects.filter(state=DeadlineState.OPEN).filter(
        Q(notify_on__lte=today) | Q(notify_on__isnull=True, due_on__lte=near))
    # The ids first, through the sweep index (an ORDER BY … LIMIT here would walk the primary key
    # over every row); then each batch is read again, locked, with the same conditions: a row
    # another sweep has dealt with since no longer matches.
    ids = sorted(candidates.values_list("pk", flat=True))
    token = uuid.uuid4().hex
    context = SweepContext(today)
    counts = defaultdict(int)
    for start in range(0, len(ids), batch_size):
        with transaction.atomic():
            batch = [SweepRow._make(row) for row in
                     candidates.filter(pk__in=among(ids[start:start + batch_size])).order_by("pk")
                     .select_for_update(skip_locked=True).values_list(*SweepRow._fields)]
            if batch:
                _sweep_batch(batch, context, token, counts)
    return dict(counts)


def _sweep_batch(batch, context, token, counts):
    """One locked batch (SweepRow tuples in id order): its notices claimed, its messages written in
    one insert, its emails asked in one outbox wish, its next notice days written (one UPDATE per
    day)."""
    context.load({d.council_id for d in batch})
    sent = set(DeadlineNotice.objects.filter(deadline_id__in=among(d.pk for d in batch))
               .values_list("deadline_id", "stage", "due_on"))
    wanted = []  # (deadline, stage)
    next_days = defaultdict(list)
    for deadline in batch:
        stages, next_day = context.plan(deadline)
        for stage in stages:
            if (deadline.pk, stage, deadline.due_on) not in sent:
                wanted.append((deadline, stage))
        next_days[next_day].append(deadline.pk)
    counts["looked_at"] += len(batch)

    responsible, gone = _responsible(wanted)
    if gone:
        Deadline.objects.filter(pk__in=gone).update(state=DeadlineState.CANCELLED, done_at=timezone.now())
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
    # One UPDATE per next notice day (a few), not a CASE over every row.
    for day, pks in sorted(next_days.items()):
        pks = [pk for pk in pks if pk not in gone]
        if pks:
            Deadline.objects.filter(pk__in=among(pks)).update(notify_on=day)


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
    created = Notification.objects.bulk_create(notifications, batch_size=5000)
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
