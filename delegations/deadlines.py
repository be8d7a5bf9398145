"""The deadline engine: one table for every clock of every app (docs/architecture.md, "Deadlines").

A service that starts a clock calls `deadline_open` (a rule: N working days or days after a date,
computed through the council's working-day calendar) or `deadline_set_date` (a date given as it is:
a promised date, an extension, a date written in a plan); it calls `deadline_close` when the clock
stops. When a council's calendar changes, `deadlines_recompute` moves the open working-day deadlines
the change touches and records each move. `deadlines_sweep` (delegations/sweep.py), run by Celery
beat, sends reminders before a due date and escalations after it, each once.

Delegations cannot import the apps to its right, so each app registers its kinds of deadline in its
AppConfig.ready() with `deadline_kind_register`: who is reminded, and what to update when a
recomputation moves a date (the subject's own copy of it). A registry, not a signal.
"""
import datetime
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In
from django.utils import timezone
from django.utils.translation import gettext as _

from .calendar import WorkingCalendar
from .models import (
    Council,
    CouncilLevel,
    Deadline,
    DeadlineChange,
    DeadlineChangeCause,
    DeadlineRules,
    DeadlineState,
    DeadlineUnit,
    Membership,
)

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
        row.scheduled = False  # the sweep computes the notice days of the new date
        row.updated_at = now
        changed_fields.update([*changed, "scheduled", "updated_at"])
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

def horizon_days(reminder_days):
    """Calendar days that surely hold `reminder_days` working days, across Tết and a council's own
    days off: the sweep looks at a deadline not yet scheduled once its due date is this near."""
    return 2 * reminder_days + 14


def _moves_record(moved, changes, reason):
    """Write the moved rows and their DeadlineChange rows, and let each kind update its subject's
    copy of the date (with the reason, for the subject's own history)."""
    Deadline.objects.bulk_update(moved, ["due_on", "explanation", "scheduled", "amount"], batch_size=500)
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
            row.due_on, row.explanation, row.scheduled = due_on, explanation[:500], False
            moved.append(row)
    _moves_record(moved, changes, reason)
    if days:
        # "3 working days before" and "5 working days overdue" of dates near a changed day may shift.
        rules = DeadlineRules.objects.filter(council__in=councils)
        widest = max([3, 5, *(max(r.reminder_days(), default=0) for r in rules),
                      *(r.escalate_standing_after_working_days for r in rules)])
        near = Q()
        for day in days:
            near |= Q(due_on__range=(day - datetime.timedelta(days=horizon_days(widest)),
                                     day + datetime.timedelta(days=horizon_days(widest))))
        Deadline.objects.filter(near, council__in=councils, state=DeadlineState.OPEN,
                                scheduled=True).update(scheduled=False)
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
                row.due_on, row.explanation, row.amount, row.scheduled = due_on, explanation[:500], amount, False
                moved.append(row)
    _moves_record(moved, changes, reason)
    if set(changed_fields) & set(RULES_RESCHEDULE_FIELDS):
        Deadline.objects.filter(council=council, state=DeadlineState.OPEN, scheduled=True).update(scheduled=False)
    changed_ids = {change.deadline_id for change in changes}
    return [row for row in moved if row.pk in changed_ids], (batch if changes else "")


# ------------------------------------------------------------------------------- SQL helpers

def array_literal(values):
    """A PostgreSQL array literal of ints, dates or strings (`{1,2,3}`), sent as one text
    parameter and cast in the SQL (`%s::bigint[]`): ten times cheaper to build than the driver's
    adaptation of a list, element by element. The values are all of one type (the first's)."""
    values = list(values)
    if not values:
        return "{}"
    if isinstance(values[0], int):
        return "{" + ",".join(map(str, values)) + "}"
    if isinstance(values[0], datetime.date):
        return "{" + ",".join(value.isoformat() for value in values) + "}"
    return "{" + ",".join('"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"' for value in values) + "}"


BIGINT_RANGE = range(-(2**63), 2**63)


class ArrayParameter:
    """What `__in_array` adds to Django's `In` and `RelatedIn`: on PostgreSQL `field = ANY(%s::bigint[])`,
    the list sent as one text parameter (array_literal) rather than one placeholder per id, whose
    SQL text costs more to build and send than the query costs to run. PostgreSQL sorts the array
    and walks the index once in key order, so that 10,000 rows read cold come in the order of their
    pages, not at random (the sweep's 10,000 petitions after a restart: 0.09 s through
    petition_recipients, against 0.68 s for `IN (SELECT unnest(…))`, whose hash of the ids looked
    them up at random).

    It finds the rows `__in` finds: None is left out as `In` leaves it out, an id outside bigint's
    range matches nothing, and a subquery or a key that is not an integer (a foreign key's
    `to_field`) is compiled as `__in` is. Elsewhere than PostgreSQL it is `In` itself."""

    lookup_name = "in_array"

    def as_postgresql(self, compiler, connection):
        field = self.lhs.output_field
        key = field.target_field if field.is_relation else field
        if not (self.rhs_is_direct_value() and isinstance(key, models.IntegerField)) or any(
                hasattr(value, "resolve_expression") for value in self.rhs):
            return super().as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        ids = [value for value in self.rhs if value is not None and value in BIGINT_RANGE]
        return f"{lhs} = ANY(%s::bigint[])", (*lhs_params, array_literal(ids))


class InArray(ArrayParameter, In):
    """`<integer field>__in_array=ids` (ArrayParameter). Registered on integer fields by
    DelegationsConfig.ready()."""


class RelatedInArray(ArrayParameter, RelatedIn):
    """`<foreign key>__in_array=ids or instances` (ArrayParameter): model instances become their
    keys first, as for `__in`. Registered on foreign keys by DelegationsConfig.ready()."""
