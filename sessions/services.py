"""Scheduling rules of contact meetings."""
import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import DEFAULT_DURATION, ContactSession, MeetingStatus


def session_conflicts(*, session, delegates, start, end):
    """The other meetings at which one of `delegates` is booked during [start, end)."""
    candidates = (ContactSession.objects.filter(delegates__in=delegates, starts_at__lt=end,
                                                starts_at__gte=start - datetime.timedelta(hours=12))
                  .exclude(status=MeetingStatus.CANCELLED).exclude(pk=session.pk)
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


@transaction.atomic
def session_save(*, session, delegates):
    session_validate(session=session, delegates=delegates)
    session.council = session.round.plan.council
    session.save()
    session.delegates.set(delegates)
    return session
