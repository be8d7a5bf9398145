"""Intake: a petition raised at a meeting or written in, the floor table of a meeting, and many at once
(an Excel import), each with its public code, voters, counts, event and forwarding clock."""

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from delegations.calendar import WorkingCalendar
from delegations.models import (
    AgencyLevel,
    Deadline,
    DeadlineRules,
    DeadlineUnit,
)

from ..models import (
    EventKind,
    Petition,
    PetitionEvent,
    PetitionSource,
    PetitionStatus,
    PetitionVoter,
    public_code_new,
)
from .checks import _refuse_unless
from .deadlines import PETITION_FORWARD, forward_due_compute, petition_deadlines_sync
from .saving import _history_fields_write, _links_by_petition, _petitions_save, event_add


def petition_code_assign(petition):
    """The public code voters look a petition up with, e.g. "KN-2026-7QK4M2XH9": random, so that
    it cannot be guessed (models.public_code_new); drawn again in the unlikely case it is taken."""
    year = timezone.localtime(petition.created_at).year
    for attempt in range(5):
        petition.public_code = public_code_new(year)
        try:
            with transaction.atomic():
                petition.save(update_fields=["public_code"])
            return
        except IntegrityError:
            if attempt == 4:
                raise


def petition_counts_refresh(petition):
    """"Raised by N voters at M meetings": see `petitions_counts_refresh`."""
    petitions_counts_refresh([petition])


def petitions_counts_refresh(petitions, user=None):
    """"Raised by N voters at M meetings": each main petition's own voters and meetings plus those
    of every petition merged into it, counted and saved for all `petitions` at once (two grouped
    counts, then `_petitions_save`: a fixed number of queries). The history rows are credited to
    each petition's `_history_user`, else `user`."""
    ids = {p.pk for p in petitions}
    voters, sessions = dict.fromkeys(ids, 0), {pk: set() for pk in ids}
    rows = (PetitionVoter.objects.filter(Q(petition_id__in=ids) | Q(petition__merged_into_id__in=ids))
            .values_list("petition_id", "petition__merged_into_id").annotate(n=Count("pk")).order_by())
    for pk, merged_into, n in rows:
        for family in {pk, merged_into} & ids:
            voters[family] += n
    rows = (Petition.objects.filter(Q(pk__in=ids) | Q(merged_into__in=ids), session__isnull=False)
            .values_list("pk", "merged_into_id", "session_id"))
    for pk, merged_into, session_id in rows:
        for family in {pk, merged_into} & ids:
            sessions[family].add(session_id)
    for petition in petitions:
        petition.voter_count, petition.meeting_count = voters[petition.pk], len(sessions[petition.pk])
    _petitions_save(petitions, user, ["voter_count", "meeting_count"])


@transaction.atomic
def petition_create(*, council, user, text, source=None, session=None, round=None, group=None,
                    commune=None, summary="", fields=(), voters=()):
    """One petition with its voters; the clock to forward it starts from its round's end."""
    source = source or (PetitionSource.MEETING if session is not None else PetitionSource.LETTER)
    if session is not None:
        round, group, commune = round or session.round, group or session.group, commune or session.commune
    petition = Petition(council=council, source=source, session=session, round=round, group=group,
                        commune=commune, text=text.strip(), summary=summary.strip(), created_by=user)
    petition._history_user = user
    forward_due_compute(petition)
    petition.save()
    if fields:
        petition.fields.set(fields)
    for voter in voters:
        if any((voter.get(key) or "").strip() for key in ("name", "address", "phone")):
            PetitionVoter.objects.create(petition=petition, **{k: (voter.get(k) or "").strip()
                                                                for k in ("name", "address", "phone")})
    petition_code_assign(petition)
    petition_counts_refresh(petition)
    petition_deadlines_sync(petition)
    event_add(petition, EventKind.RECEIVED, user, petition.get_source_display())
    return petition


@transaction.atomic
def petitions_from_floor(*, session, rows, user):
    """Petitions raised at a meeting, from the minutes page's table: one petition a row, each with
    its voter when named; all rows or none. The rows `petition_create` would write for each (code,
    voter, field, counts, "received" event, forwarding clock, one history row), written together by
    `petitions_create_many`: a fixed number of queries however many rows (rules and calendar read
    once). `rows`: dicts with text, and field (a PetitionField), voter_name, voter_address,
    voter_phone when given."""
    items = [{"text": row["text"], "session": session, "round": session.round, "group": session.group,
              "commune": session.commune, "fields": [row["field"]] if row.get("field") else [],
              "voters": [{"name": row.get("voter_name"), "address": row.get("voter_address"),
                          "phone": row.get("voter_phone")}]}
             for row in rows]
    return petitions_create_many(council=session.council, user=user, items=items, source=PetitionSource.MEETING,
                                 classified_event=False)


@transaction.atomic
def petitions_create_many(*, council, user, items, source=PetitionSource.WRITING, note=None, progress=None,
                          classified_event=True):
    """Many new petitions at once (an Excel import): the same rows `petition_create` followed by
    `petitions_classify` would write — each petition with its code, voters and counts, field(s),
    level, agency and status, its history row, its "received" (and "classified") events, its forwarding
    clock — in a few queries per thousand petitions instead of some twenty per petition. `items` are
    dicts with text, summary, session, round, group, commune, fields, level, agency, voters and received_on
    (a date, or None for today). `classified_event`: False when nothing was classified at intake (the
    floor table's field is a hint, as in `petition_create`): no CLASSIFIED event. `note(item)` is the
    note of an IMPORTED event added to each petition (none when None); `progress(count)` is told how
    many are written as it goes. Returns the petitions, in the order of `items`. Refuses (ValidationError) an inactive agency or one of another council."""
    from django.contrib.contenttypes.models import ContentType

    from delegations.text import fold as fold_text

    now = timezone.now()
    today = timezone.localdate()
    rules = DeadlineRules.for_council(council)
    calendar = WorkingCalendar.for_council(council)
    forward_by_round = {}
    petitions = []
    for item in items:
        agency = item.get("agency")
        if agency is not None:
            _refuse_unless(agency.council_id == council.pk and agency.is_active,
                           _("%(agency)s does not take petitions of %(council)s.")
                           % {"agency": agency, "council": council})
        level = item.get("level") or (agency.level if agency is not None else "")
        received_on = item.get("received_on")
        created_at = now if received_on in (None, today) else timezone.make_aware(
            datetime.datetime.combine(received_on, datetime.time(8, 0)))
        voters = [{k: (voter.get(k) or "").strip() for k in ("name", "address", "phone")}
                  for voter in item.get("voters") or ()]
        voters = [voter for voter in voters if any(voter.values())]
        petition = Petition(
            council=council, source=source, session=item.get("session"), round=item.get("round"),
            group=item.get("group"), commune=item.get("commune"), text=item["text"].strip(),
            summary=(item.get("summary") or "").strip(), level=level, agency=agency, created_by=user,
            created_at=created_at, voter_count=len(voters), meeting_count=1 if item.get("session") else 0,
            public_code=public_code_new(timezone.localtime(created_at).year),
            status=(PetitionStatus.CLASSIFIED if item.get("fields") and level and agency is not None
                    else PetitionStatus.RECEIVED))
        if petition.round_id and level != AgencyLevel.COMMUNE:
            if petition.round_id not in forward_by_round:
                count = calendar.add_working_days(petition.round.ends_on, rules.forward_working_days)
                forward_by_round[petition.round_id] = (count.due, count.explanation())
            petition.forward_due_on, petition.forward_due_explanation = forward_by_round[petition.round_id]
        petition.due_on = petition.forward_due_on
        petition.search_text = fold_text(" ".join(str(p) for p in petition.search_parts() if p))
        petition._voters, petition._fields, petition._item = voters, list(item.get("fields") or ()), item
        petitions.append(petition)
    for attempt in range(5):  # a code drawn twice (1 in 10^12): draw the clashing batch again
        try:
            with transaction.atomic():
                created = bulk_create_with_history(petitions, Petition, batch_size=1000, default_user=user,
                                                   default_date=now)
            break
        except IntegrityError:
            if attempt == 4:
                raise
            for petition in petitions:
                petition.public_code = public_code_new(timezone.localtime(petition.created_at).year)
                petition.search_text = fold_text(" ".join(str(p) for p in petition.search_parts() if p))
    if not all(p.pk for p in created):  # a database that does not return ids: read them back by code
        ids = dict(Petition.objects.filter(public_code__in=[p.public_code for p in petitions])
                   .values_list("public_code", "pk"))
        for petition in petitions:
            petition.pk = ids[petition.public_code]
    through = Petition.fields.through
    links = through.objects.bulk_create([through(petition_id=p.pk, petitionfield_id=f.pk)
                                         for p in petitions for f in p._fields], batch_size=2000)
    bulk_create_with_history([PetitionVoter(petition=p, **voter) for p in petitions for voter in p._voters],
                             PetitionVoter, batch_size=2000, default_user=user, default_date=now)
    if links:  # the fields on the petitions' history rows, as fields.set() writes them
        history = Petition.history.filter(id__in=[p.pk for p in petitions], history_date=now)
        _history_fields_write(history.values_list("history_id", "id"), _links_by_petition(links))
    if progress is not None:
        progress(len(petitions) // 2)
    events = []
    source_label = str(PetitionSource(source).label)
    level_labels = {value: str(label) for value, label in AgencyLevel.choices}
    for petition in petitions:
        events.append(PetitionEvent(petition=petition, kind=EventKind.RECEIVED, by=user, note=source_label))
        if classified_event and (petition.level or petition.agency_id or petition._fields):
            parts = [", ".join(str(f) for f in petition._fields), level_labels.get(petition.level, ""),
                     str(petition.agency or "")]
            events.append(PetitionEvent(petition=petition, kind=EventKind.CLASSIFIED, by=user,
                                        note=" · ".join(p for p in parts if p)))
        if note is not None:
            events.append(PetitionEvent(petition=petition, kind=EventKind.IMPORTED, by=user,
                                        note=note(petition._item)))
    PetitionEvent.objects.bulk_create(events, batch_size=2000)
    content_type = ContentType.objects.get_for_model(Petition)
    url = reverse("petitions:petition_detail", args=[0]).replace("/0/", "/%s/")  # (get_absolute_url, reversed once)
    Deadline.objects.bulk_create([
        Deadline(council=council, kind=PETITION_FORWARD, content_type=content_type, object_id=p.pk,
                 title=f"{p.public_code} · {p.summary or p.text}"[:160], url=(url % p.pk)[:500],
                 start_on=p.round.ends_on, amount=rules.forward_working_days, unit=DeadlineUnit.WORKING_DAYS,
                 due_on=p.forward_due_on, explanation=p.forward_due_explanation[:500])
        for p in petitions if p.forward_due_on and p.round_id], batch_size=2000)
    if progress is not None:
        progress(len(petitions))
    return petitions
