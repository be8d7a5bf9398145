"""Writing many petitions at once: one UPDATE and one history row each (django-simple-history's bulk
path, with the fields on it), and timeline events."""

from django.apps import apps
from django.utils import timezone

from ..models import (
    Petition,
    PetitionEvent,
)


def event_add(petition, kind, user, note=""):
    return PetitionEvent.objects.create(petition=petition, kind=kind, by=user, note=note)


def _petitions_save(petitions, user, names, *, links=None):
    """Save these fields of many petitions at once, each with one history row credited to `user`
    (django-simple-history's bulk path, as `petitions_create_many`), its fields on it as a save
    records them: a fixed number of queries whatever their number. `links`: {petition id: its rows
    of the fields' through table} when the caller has them (read otherwise)."""
    Petition.objects.bulk_update(petitions, names)
    history = Petition.history.bulk_history_create(petitions, update=True, default_user=user,
                                                   default_date=timezone.now())
    if links is None:
        links = _links_by_petition(Petition.fields.through.objects.filter(petition__in=petitions))
    _history_fields_write([(row.pk, row.id) for row in history or ()], links)


def _links_by_petition(links):
    found = {}
    for link in links:
        found.setdefault(link.petition_id, []).append(link)
    return found


def _history_fields_write(history, links):
    """The fields of each petition on its history row: `history` is [(history id, petition id)],
    `links` {petition id: its rows of the fields' through table}. What a save or `fields.set()`
    writes one by one (django-simple-history's m2m history), in one insert."""
    model = apps.get_model("petitions", "HistoricalPetition_fields")
    model.objects.bulk_create([model(history_id=history_id, id=link.pk, petition_id=pk,
                                     petitionfield_id=link.petitionfield_id)
                               for history_id, pk in history for link in links.get(pk, ())], batch_size=2000)
