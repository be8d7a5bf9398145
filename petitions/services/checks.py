"""Refusals, locks and re-checks shared by every petitions service: the rows a service changes are locked
(SELECT … FOR UPDATE, in id order) and every rule checked again on what is stored now; a refusal says
what happened last, when and by whom."""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import (
    EventKind,
    Petition,
)


def _refuse_unless(condition, message):
    if not condition:
        raise ValidationError(message)


def _check_workable(petition):
    _refuse_unless(petition.merged_into_id is None,
                   _("%(code)s is merged into %(main)s; act on the main petition.")
                   % {"code": petition.public_code, "main": petition.merged_into})


def _lock(petitions, user=None):
    """Lock the petitions' rows (SELECT … FOR UPDATE, in id order so that two actions on
    overlapping sets never wait on each other crosswise) and bring the given instances up to date
    with what is stored now: every rule is then checked on the state no one else can change until
    this transaction ends. The instances are updated in place (callers keep using them) and carry
    the acting user for their history rows. Returns them without duplicates, in id order; a
    petition deleted meanwhile is refused."""
    unique = sorted({p.pk: p for p in petitions}.values(), key=lambda p: p.pk)
    stored = {row.pk: row for row in Petition.objects.select_for_update().filter(pk__in=[p.pk for p in unique])
              .order_by("pk")}
    for petition in unique:
        row = stored.get(petition.pk)
        _refuse_unless(row is not None, _("%(code)s no longer exists.") % {"code": petition.public_code})
        _copy_stored(petition, row)
        if user is not None:
            petition._history_user = user
    return unique


def _copy_stored(instance, row):
    """The stored values of `row` onto `instance`, dropping cached related objects that changed."""
    for field in type(instance)._meta.concrete_fields:
        value = getattr(row, field.attname)
        if field.is_relation and getattr(instance, field.attname) != value:
            instance._state.fields_cache.pop(field.name, None)
        setattr(instance, field.attname, value)


def _lock_one(instance):
    """Lock one row of any model and re-read it in place (see `_lock`)."""
    row = type(instance).objects.select_for_update().filter(pk=instance.pk).first()
    _refuse_unless(row is not None, _("This item no longer exists."))
    _copy_stored(instance, row)
    return instance


def _done_by(at, user):
    """Placeholders of an "already done" message: local time and date, and who acted."""
    local = timezone.localtime(at)
    name = (user.get_full_name() or user.get_username()) if user is not None else "—"
    return {"time": local.strftime("%H:%M"), "date": local.strftime("%d/%m/%Y"), "name": name}


# The last step that changed a petition's status, as told to someone whose action came second.
STEP_DONE = {
    EventKind.FORWARDED: gettext_lazy("Petition %(code)s was forwarded at %(time)s on %(date)s by %(name)s."),
    EventKind.ANSWERED: gettext_lazy("Petition %(code)s was answered at %(time)s on %(date)s by %(name)s."),
    EventKind.SENT_BACK: gettext_lazy("The answer to petition %(code)s was sent back to the agency at %(time)s on "
                                      "%(date)s by %(name)s."),
    EventKind.CLOSED: gettext_lazy("Petition %(code)s was closed at %(time)s on %(date)s by %(name)s."),
    EventKind.MERGED: gettext_lazy("Petition %(code)s was merged at %(time)s on %(date)s by %(name)s."),
    EventKind.UNMERGED: gettext_lazy("The merge of petition %(code)s was undone at %(time)s on %(date)s by "
                                     "%(name)s."),
}


def _last_step(petition, kinds=None):
    kinds = kinds or list(STEP_DONE)
    return petition.events.filter(kind__in=kinds).select_related("by").order_by("-at", "-pk").first()


def _step_said(petition, event):
    return str(STEP_DONE[event.kind]) % {"code": petition.public_code, **_done_by(event.at, event.by)}


def _refuse_unless_status(petition, statuses, message, *, action=None):
    """Refuse unless the (locked, re-read) petition is in one of `statuses`. The refusal says what
    happened last, when and by whom: alone when it is the very step being asked for again (a
    double click, or two people at once), before the rule otherwise."""
    if petition.status in statuses:
        return
    event = _last_step(petition)
    if event is None:
        raise ValidationError(message)
    said = _step_said(petition, event)
    raise ValidationError(said if event.kind == action else f"{said} {message}")
