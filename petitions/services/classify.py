"""Classification: field(s), level and agency, on one petition or many at once."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils.translation import gettext as _

from delegations.calendar import WorkingCalendar
from delegations.models import (
    DeadlineRules,
)

from ..models import (
    EventKind,
    Petition,
    PetitionEvent,
    PetitionStatus,
)
from .checks import _check_workable, _lock, _refuse_unless, _refuse_unless_status
from .deadlines import forward_due_compute, petitions_deadlines_sync
from .saving import _links_by_petition, _petitions_save


@transaction.atomic
def petitions_classify(*, petitions, user, fields=None, level=None, agency=None):
    """Set field(s), level and/or agency on one petition or many at once. A petition with all three
    becomes "classified"; classification is closed once a petition is forwarded. An agency fixes
    the level when none is given, and must match it when one is."""
    petitions = list(petitions)
    _refuse_unless(petitions, _("Select at least one petition."))
    _refuse_unless(fields or level or agency, _("Choose a field, a level or an agency to set."))
    petitions = _lock(petitions, user)
    prefetch_related_objects(petitions, "council", "round", "agency")  # read once, not once a petition
    if agency is not None and level and agency.level != level:
        raise ValidationError(_("%(agency)s answers %(level)s-level petitions, not the level chosen.")
                              % {"agency": agency, "level": agency.get_level_display().lower()})
    for petition in petitions:
        _check_workable(petition)
        _refuse_unless_status(petition, (PetitionStatus.RECEIVED, PetitionStatus.CLASSIFIED),
                              _("%(code)s is already %(status)s; its classification can no longer change.")
                              % {"code": petition.public_code, "status": petition.get_status_display().lower()})
        if agency is not None:
            _refuse_unless(agency.council_id == petition.council_id and agency.is_active,
                           _("%(agency)s does not take petitions of %(council)s.")
                           % {"agency": agency, "council": petition.council})
    through = Petition.fields.through
    ids = [p.pk for p in petitions]
    if fields:
        fields = sorted(fields, key=lambda f: (f.council_id, f.order, f.name))  # PetitionField's own order
        through.objects.filter(petition_id__in=ids).delete()
        links = through.objects.bulk_create([through(petition_id=pk, petitionfield=f) for pk in ids for f in fields])
        for petition in petitions:  # as fields.set() does: a prefetched list is stale now
            getattr(petition, "_prefetched_objects_cache", {}).pop("fields", None)
    else:
        links = list(through.objects.filter(petition_id__in=ids).select_related("petitionfield")
                     .order_by("petitionfield__council_id", "petitionfield__order", "petitionfield__name"))
    links = _links_by_petition(links)
    fields_of = {pk: [link.petitionfield for link in links.get(pk, ())] for pk in ids}
    rules, calendars = {}, {}
    for petition in petitions:
        if agency is not None:
            petition.agency = agency
            petition.level = level or agency.level
        elif level:
            petition.level = level
            if petition.agency_id and petition.agency.level != level:
                petition.agency = None
        classified = bool(petition.level and petition.agency_id and fields_of[petition.pk])
        petition.status = PetitionStatus.CLASSIFIED if classified else PetitionStatus.RECEIVED
        if petition.council_id not in rules:
            rules[petition.council_id] = DeadlineRules.for_council(petition.council)
            calendars[petition.council_id] = WorkingCalendar.for_council(petition.council)
        forward_due_compute(petition, calendars[petition.council_id], rules[petition.council_id])
    _petitions_save(petitions, user, ["level", "agency", "status", "forward_due_on", "forward_due_explanation",
                                      "due_on"], links=links)
    petitions_deadlines_sync(petitions, rules=rules, calendars=calendars)
    PetitionEvent.objects.bulk_create([
        PetitionEvent(petition=p, kind=EventKind.CLASSIFIED, by=user, note=_classification_note(p, fields_of[p.pk]))
        for p in petitions])
    return petitions


def _classification_note(petition, fields):
    parts = [", ".join(str(f) for f in fields), petition.get_level_display(), str(petition.agency or "")]
    return " · ".join(p for p in parts if p)
