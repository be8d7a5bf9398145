"""Scheduling rules of contact meetings: who schedules for which groups, clashes of delegates, a meeting
saved, its outcome recorded (held, postponed, cancelled), and who is told."""
import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from delegations.calendar import WorkingCalendar
from delegations.deadlines import deadline_close, deadline_open, due_compute
from delegations.models import DeadlineRules, DeadlineUnit, DelegateGroup, Role
from plans.services import Meeting, meeting_dues_sync

from ..models import DEFAULT_DURATION, ContactSession, MeetingStatus, Minutes, MinutesStatus, planned_q
from .minutes import MINUTES_DEADLINE


def schedulable_groups(user):
    """Groups the user schedules for: every group of a council where they are office staff, and
    the group they lead."""
    if user.is_superuser:
        return DelegateGroup.objects.all()
    memberships = user.memberships.filter(is_active=True)
    office = memberships.filter(role=Role.OFFICE).values("council_id")
    led = memberships.filter(role=Role.GROUP_LEADER).values("group_id")
    return DelegateGroup.objects.filter(Q(council_id__in=office) | Q(pk__in=led))


def user_is_office(user, council):
    from plans.services import user_roles_in

    return Role.OFFICE in user_roles_in(user, council)


def session_conflicts(*, session, delegates, start, end):
    """The other meetings at which one of `delegates` is booked during [start, end)."""
    candidates = (ContactSession.objects.filter(delegates__in=delegates, starts_at__lt=end,
                                                starts_at__gte=start - datetime.timedelta(hours=12))
                  .filter(planned_q()).exclude(pk=session.pk)
                  .select_related("commune").prefetch_related("delegates").distinct())
    return [other for other in candidates if other.end > start]


def session_validate(*, session, delegates):
    """Refuse a meeting outside its round's window without a stated reason, and a delegate booked
    in two places at once; every problem is reported with the field it concerns."""
    errors = {}
    start = session.starts_at
    end = session.ends_at or start + DEFAULT_DURATION
    if session.ends_at and session.ends_at <= start:
        errors["ends_at"] = _("The meeting must end after it starts.")
    rnd = session.round
    local_day = timezone.localtime(start).date()
    if rnd and not (rnd.starts_on <= local_day <= rnd.ends_on) and not session.outside_window_reason.strip():
        errors["starts_at"] = _("%(day)s is outside the round (%(start)s – %(end)s): choose a date inside it or "
                                "state the reason.") % {"day": local_day.strftime("%d/%m/%Y"),
                                                        "start": rnd.starts_on.strftime("%d/%m/%Y"),
                                                        "end": rnd.ends_on.strftime("%d/%m/%Y")}
    if session.group_id and session.commune_id and not session.group.communes.filter(pk=session.commune_id).exists():
        errors["commune"] = _("This commune is not covered by the group.")
    clashes = session_conflicts(session=session, delegates=delegates, start=start, end=end)
    if clashes:
        booked = {d.pk for d in delegates}
        messages = []
        for other in clashes:
            names = ", ".join(d.full_name for d in other.delegates.all() if d.pk in booked)
            messages.append(_("%(names)s already attend the meeting at %(place)s at %(time)s.") % {
                "names": names, "place": other.commune, "time": timezone.localtime(other.starts_at).strftime("%H:%M %d/%m/%Y")})
        errors["delegates"] = messages
    if errors:
        raise ValidationError(errors)


def meetings_of_rounds(round_ids):
    """The meetings (not cancelled) of these rounds, for the plans' per-meeting due dates: one query."""
    rows = (ContactSession.objects.filter(round_id__in=round_ids).filter(planned_q())
            .order_by("starts_at", "pk").values_list("pk", "round_id", "group_id", "starts_at"))
    return [Meeting(session_id=pk, round_id=round_id, group_id=group_id, day=timezone.localtime(starts_at).date())
            for pk, round_id, group_id, starts_at in rows]


def meetings_of_plan(plan):
    """The meetings planned (sessions.models.planned_q: not cancelled) of a plan's rounds, with their
    group and commune, for the plan's printed schedule (plans.blocks): one query."""
    return list(ContactSession.objects.filter(planned_q(), round__plan=plan).select_related("group", "commune"))


@transaction.atomic
def session_save(*, session, delegates, user=None):
    """Schedule a meeting or change it; its group's delegates (and those invited) are told when it is
    new or its time moved."""
    session_validate(session=session, delegates=delegates)
    before = (ContactSession.objects.filter(pk=session.pk).values_list("starts_at", flat=True).first()
              if session.pk else None)
    session.council = session.round.plan.council
    session.save()
    session.delegates.set(delegates)
    if before is None:
        session_notify(session=session, event="scheduled", user=user)
    elif before != session.starts_at:
        session_notify(session=session, event="moved", user=user, before=before)
    # Due dates counted from each meeting (the plan's assignments) are made or moved with it.
    meeting_dues_sync(session_id=session.pk, round_id=session.round_id)
    return session


def session_notify(*, session, event, user=None, before=None):
    """Tell the group's delegates with accounts and the delegates invited that a meeting is scheduled,
    moved or cancelled (with the invitation when it is printed); tell the group's leader that the
    minutes of a held meeting are due (delegations/notify.py). Inside the caller's transaction."""
    from delegations.models import NotificationKind as Kind
    from delegations.notify import date_vn, group_leaders, group_members, notify, users_union

    when = timezone.localtime(session.starts_at)
    values = {"group": session.group, "place": f"{session.commune} · {session.venue}".strip(" ·"),
              "time": when.strftime("%H:%M"), "date": when.strftime("%d/%m/%Y"),
              "reason": session.cancel_reason, "due": date_vn(session.minutes_due_on)}
    if before is not None:
        before = timezone.localtime(before)
        values["old"] = before.strftime("%H:%M %d/%m/%Y")
    url = (reverse("contact_sessions:invitation_download", args=[session.pk]) if session.invitation_pdf
           else session.get_absolute_url())
    if event == "minutes_due":
        notify(kind=Kind.MINUTES_DUE, recipients=group_leaders(session.group), obj=session,
               subject=_("Minutes due by %(due)s: meeting of %(date)s at %(place)s") % values,
               body=_("The meeting of %(group)s on %(date)s at %(place)s is recorded as held; its minutes are "
                      "due by %(due)s.") % values)
        return
    invited = get_user_model().objects.filter(delegate__in=session.delegates.all(), is_active=True)
    recipients = users_union(group_members(session.group), invited)
    if event == "scheduled":
        kind, subject, body = (Kind.MEETING_SCHEDULED, _("Meeting on %(date)s at %(time)s: %(place)s"),
                               _("%(group)s meets voters on %(date)s at %(time)s at %(place)s."))
    elif event == "moved":
        kind, subject, body = (Kind.MEETING_MOVED, _("Meeting moved to %(date)s at %(time)s: %(place)s"),
                               _("The meeting of %(group)s at %(place)s planned at %(old)s is moved to %(time)s on "
                                 "%(date)s."))
    else:
        kind, subject, body = (Kind.MEETING_CANCELLED, _("Meeting cancelled: %(date)s at %(place)s"),
                               _("The meeting of %(group)s on %(date)s at %(place)s is cancelled. Reason: "
                                 "%(reason)s"))
    notify(kind=kind, recipients=recipients, url=url, exclude=user, subject=subject % values, body=body % values)


@transaction.atomic
def session_record_outcome(*, session, status, delegates_present=(), voters_present=None, chair="", secretary="",
                           postponed_to=None, cancel_reason="", user=None):
    """After the meeting: held (with attendance; the minutes fall due), postponed to a new date,
    or cancelled with a reason."""
    # The meeting's row first, then its minutes: the order minutes_finalise locks them in, so that an
    # outcome and a finalisation at once are taken one after the other.
    ContactSession.objects.select_for_update().filter(pk=session.pk).first()
    if Minutes.objects.filter(session=session, status=MinutesStatus.FINAL).exists():
        raise ValidationError({"status": _("The minutes are final: the outcome can no longer change.")})
    before_start = session.starts_at
    if status == MeetingStatus.HELD:
        if session.starts_at > timezone.now():
            raise ValidationError({"status": _("A meeting cannot be recorded as held before it starts.")})
        rules = DeadlineRules.for_council(session.council)
        # N days after the meeting, on the next working day when that one is not (art. 148(5)).
        session.minutes_due_on, _explanation = due_compute(
            start=timezone.localtime(session.starts_at).date(), amount=rules.minutes_due_days,
            unit=DeadlineUnit.DAYS, calendar=WorkingCalendar.for_council(session.council))
        session.voters_present, session.chair, session.secretary = voters_present, chair, secretary
        Minutes.objects.get_or_create(session=session)
    elif status == MeetingStatus.POSTPONED:
        if postponed_to is None:
            raise ValidationError({"postponed_to": _("Give the new date.")})
        session.postponed_to = session.starts_at = postponed_to
        session.ends_at = None
    elif status == MeetingStatus.CANCELLED:
        if not cancel_reason.strip():
            raise ValidationError({"cancel_reason": _("Give the reason for cancelling.")})
        session.cancel_reason = cancel_reason.strip()
    else:
        raise ValidationError({"status": _("Choose held, postponed or cancelled.")})
    session.status = status
    session.save()
    if status == MeetingStatus.HELD:
        session.delegates_present.set(delegates_present)
        deadline_open(subject=session, kind=MINUTES_DEADLINE, council=session.council,
                      start=timezone.localtime(session.starts_at).date(), amount=rules.minutes_due_days,
                      unit=DeadlineUnit.DAYS, title=f"{session.group} · {session}", url=session.get_absolute_url())
        session_notify(session=session, event="minutes_due", user=user)
    else:
        deadline_close(subject=session, kind=MINUTES_DEADLINE, cancelled=True)
        session_notify(session=session, event="moved" if status == MeetingStatus.POSTPONED else "cancelled",
                       user=user, before=before_start if status == MeetingStatus.POSTPONED else None)
    if status in (MeetingStatus.POSTPONED, MeetingStatus.CANCELLED):
        # Moved to its new date, or dropped: its due dates counted from it follow.
        meeting_dues_sync(session_id=session.pk, round_id=session.round_id)
    return session
