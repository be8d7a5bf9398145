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
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Q
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
SWEEP_BATCH = 500
EMAIL_BATCH = 200


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


class SweepContext:
    """What the sweep reads once per council, not once per deadline."""

    def __init__(self, today):
        self.today = today
        self.calendars, self.rules, self.office, self.standing, self.schedules = {}, {}, {}, {}, {}

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
            self.rules[pk] = found.get(pk) or DeadlineRules(council_id=pk)
            self.office[pk], self.standing[pk] = [], []
        staff = (Membership.objects.filter(council_id__in=missing, role__in=[Role.OFFICE, Role.STANDING],
                                           is_active=True, user__is_active=True)
                 .select_related("user").order_by("pk"))
        for membership in staff:
            target = self.office if membership.role == Role.OFFICE else self.standing
            target[membership.council_id].append(membership.user)

    def schedule(self, deadline):
        key = (deadline.council_id, deadline.due_on)
        if key not in self.schedules:
            self.schedules[key] = stage_schedule(deadline.due_on, self.calendars[deadline.council_id],
                                                 self.rules[deadline.council_id])
        return self.schedules[key]


def deadlines_sweep(*, today=None, batch_size=SWEEP_BATCH):
    """Send today's reminders and escalations, each once. Reads only the open deadlines with
    something to do: those whose next notice day has come, and those not yet scheduled whose due
    date is near (one indexed query a batch; the rows far from their dates are never read). Each
    batch is claimed with SELECT … FOR UPDATE SKIP LOCKED, and each notice by inserting its unique
    row: a second sweep at the same time skips what the first holds, and a notice it still finds
    is already the first's. Returns counts."""
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
            batch = list(candidates.filter(pk__in=ids[start:start + batch_size]).order_by("pk")
                         .select_for_update(skip_locked=True))
            if batch:
                _sweep_batch(batch, context, token, counts)
    return dict(counts)


def _sweep_batch(batch, context, token, counts):
    today = context.today
    context.load({d.council_id for d in batch})
    sent = set(DeadlineNotice.objects.filter(deadline__in=batch).values_list("deadline_id", "stage", "due_on"))
    wanted = []  # (deadline, stage)
    for deadline in batch:
        reminders, escalations = context.schedule(deadline)
        for stage in stages_due(reminders, escalations, today, deadline.due_on):
            if (deadline.pk, stage, deadline.due_on) not in sent:
                wanted.append((deadline, stage))
        later = [day for _stage, day in reminders + escalations if day > today]
        deadline.notify_on = min(later, default=NOTHING_LEFT)
    counts["looked_at"] += len(batch)

    responsible, gone = _responsible(wanted)
    if gone:
        Deadline.objects.filter(pk__in=gone).update(state=DeadlineState.CANCELLED, done_at=timezone.now())
        counts["cancelled"] += len(gone)
        wanted = [(d, s) for d, s in wanted if d.pk not in gone]

    messages = {}
    for deadline, stage in wanted:
        messages[(deadline.pk, stage)] = _recipients(deadline, stage, responsible, context)
    # Claim: insert the unique rows in one order (no deadlock between two sweeps), then read back
    # which ones this sweep inserted; only those are sent.
    claims = sorted(wanted, key=lambda item: (item[0].pk, item[1]))
    DeadlineNotice.objects.bulk_create(
        [DeadlineNotice(deadline=d, stage=s, due_on=d.due_on, sweep=token, recipients=len(messages[(d.pk, s)]))
         for d, s in claims], ignore_conflicts=True, batch_size=500)
    ours = set(DeadlineNotice.objects.filter(deadline__in=[d for d, _s in claims], sweep=token)
               .values_list("deadline_id", "stage")) if claims else set()
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
    next_days = defaultdict(list)
    for deadline in batch:
        if deadline.pk not in gone:
            next_days[deadline.notify_on].append(deadline.pk)
    for day, pks in next_days.items():
        Deadline.objects.filter(pk__in=pks).update(notify_on=day)


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


def _message(deadline, stage, context):
    calendar = context.calendars[deadline.council_id]
    values = {"kind": kind_label(deadline.kind), "title": deadline.title,
              "due": deadline.due_on.strftime("%d/%m/%Y")}
    if stage == DUE_TODAY:
        subject = _("Due today: %(kind)s · %(title)s") % values
    elif stage == OVERDUE:
        subject = _("Overdue since %(due)s: %(kind)s · %(title)s") % values
    elif stage == ESCALATE_STANDING:
        late = calendar.working_days_between(deadline.due_on, context.today)
        subject = ngettext("Overdue by %(n)s working day: %(kind)s · %(title)s",
                           "Overdue by %(n)s working days: %(kind)s · %(title)s", late) % {**values, "n": late}
    else:
        left = calendar.working_days_between(context.today, deadline.due_on)
        subject = ngettext("Due on %(due)s, in %(n)s working day: %(kind)s · %(title)s",
                           "Due on %(due)s, in %(n)s working days: %(kind)s · %(title)s", left) % {**values, "n": left}
    body = _("%(title)s\n%(kind)s, due on %(due)s.") % values
    if deadline.explanation:
        body += "\n" + _("How the date was computed: %(explanation)s") % {"explanation": deadline.explanation}
    return subject, body


def _grouped(items, users, context):
    """The messages of a batch: for each (user, kind), one message; a single item keeps its own
    subject and link, several are listed (soonest due first), each with its link. Each message is
    e-mailed as its reader chose for the kind (at once or in the digest: never off). One query (the
    readers' preferences)."""
    if not items:
        return []
    preferences = {p.user_id: p for p in NotificationPreferences.objects.filter(user_id__in=list(users))}
    notifications = []
    for (user_pk, kind), found in sorted(items.items()):
        found.sort(key=lambda item: (item[0].due_on, item[0].pk))
        if len(found) == 1:
            deadline, stage = found[0]
            subject, body = _message(deadline, stage, context)
            url = deadline.url
        else:
            n, soonest = len(found), found[0][0].due_on.strftime("%d/%m/%Y")
            subject = (ngettext("%(n)s overdue item, the first due on %(due)s",
                                "%(n)s overdue items, the first due on %(due)s", n)
                       if kind == NotificationKind.OVERDUE else
                       ngettext("%(n)s deadline coming, the first on %(due)s",
                                "%(n)s deadlines coming, the first on %(due)s", n)) % {"n": n, "due": soonest}
            lines = []
            for deadline, stage in found:
                lines.append("• " + _message(deadline, stage, context)[0])
                if deadline.url:
                    lines.append(deadline.url)
            body, url = "\n".join(lines), ""
        notifications.append(Notification(recipient=users[user_pk], kind=kind, subject=subject[:255], body=body,
                                          url=url[:500], delivery=delivery_for(preferences.get(user_pk), kind)))
    return notifications


def _notify(notifications):
    """Inbox messages in one insert, and the emails wanted at once after commit in a few task
    messages (the digest's wait for their hour: delegations/notify.py)."""
    if not notifications:
        return
    created = Notification.objects.bulk_create(notifications, batch_size=500)
    ids = [n.pk for n in created if n.recipient.email and n.delivery == Delivery.IMMEDIATE]
    if ids:
        _email_later(ids)


def _email_later(ids):
    """The emails, as outbox wishes written with the messages: handed after commit, or later by the
    outbox sweep if the broker is down (delegations/outbox.py)."""
    from .outbox import outbox_enqueue
    from .tasks import notifications_email

    for start in range(0, len(ids), EMAIL_BATCH):
        outbox_enqueue(notifications_email, notification_ids=ids[start:start + EMAIL_BATCH])
