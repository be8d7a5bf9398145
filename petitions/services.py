"""Rules of the petitions app: intake, classification, merging, sending to the office,
forwarding, answers, extensions, review and closing. Each multi-step write is one function here,
inside a transaction, that refuses an illegal move with a ValidationError whose message is
translated (Vietnamese in the interface)."""

import datetime

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, prefetch_related_objects
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from simple_history.utils import bulk_create_with_history

from delegations.calendar import WorkingCalendar
from delegations.dates import validate_promised_date
from delegations.deadlines import DeadlinePut, deadlines_close_many, deadlines_put_many, due_compute
from delegations.models import (
    AgencyLevel,
    Deadline,
    DeadlineRules,
    DeadlineState,
    DeadlineUnit,
    Membership,
    NotificationKind,
    Role,
)
from delegations.notify import agency_responders, date_vn, group_members, notify, notify_each, office_of
from delegations.text import fold
from delegations.uploads import EXTENSIONS, validate_upload

from .models import (
    Answer,
    AnswerOutcome,
    AnswerReview,
    EventKind,
    ExtensionRequest,
    ExtensionStatus,
    Forwarding,
    Petition,
    PetitionEvent,
    PetitionSource,
    PetitionStatus,
    PetitionVoter,
    Submission,
    public_code_new,
)

# ---------------------------------------------------------------------------------------- intake


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
    """"Raised by N voters at M meetings": the main petition's own voters and meetings plus those
    of every petition merged into it."""
    family = Q(pk=petition.pk) | Q(merged_into=petition)
    petition.voter_count = PetitionVoter.objects.filter(petition__in=Petition.objects.family_of(petition)).count()
    petition.meeting_count = (Petition.objects.filter(family, session__isnull=False)
                              .values("session_id").distinct().count())
    petition.save(update_fields=["voter_count", "meeting_count"])


def forward_due_compute(petition, calendar=None, rules=None):
    """Province- and central-level petitions are to be forwarded within N working days after the
    round's end (the council's rule); commune-level ones go to the commune People's Committee
    through the group, without that clock."""
    petition.forward_due_on, petition.forward_due_explanation = None, ""
    if petition.round_id and petition.level != AgencyLevel.COMMUNE:
        rules = rules or DeadlineRules.for_council(petition.council)
        calendar = calendar or WorkingCalendar.for_council(petition.council)
        count = calendar.add_working_days(petition.round.ends_on, rules.forward_working_days)
        petition.forward_due_on, petition.forward_due_explanation = count.due, count.explanation()
    if petition.status in (PetitionStatus.RECEIVED, PetitionStatus.CLASSIFIED):
        petition.due_on = petition.forward_due_on


def event_add(petition, kind, user, note=""):
    return PetitionEvent.objects.create(petition=petition, kind=kind, by=user, note=note)


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


# -------------------------------------------------------------------------------- classification

def _refuse_unless(condition, message):
    if not condition:
        raise ValidationError(message)


def _check_workable(petition):
    _refuse_unless(petition.merged_into_id is None,
                   _("%(code)s is merged into %(main)s; act on the main petition.")
                   % {"code": petition.public_code, "main": petition.merged_into})


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


# --------------------------------------------------------------------- locking and re-checking

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


# ------------------------------------------------------------------------------------- merging

def similar_petitions(*, council, text, round=None, exclude=None, limit=5, threshold=0.3):
    """Petitions of the same council (and round) whose accent-folded text looks like `text`:
    PostgreSQL ranks them with pg_trgm's similarity; elsewhere the same trigram measure is
    computed here over the round's petitions (a portable fallback)."""
    from django.db import connection
    from django.db.models import FloatField, Func, Value

    folded = fold(text or "")
    if len(folded) < 8:
        return []
    rows = Petition.objects.main().filter(council=council)
    if round is not None:
        rows = rows.filter(round=round)
    if exclude is not None:
        rows = rows.exclude(pk=exclude.pk)
    if connection.vendor == "postgresql":
        # Scores every petition of the round (about 1 s for a province round of 65,000); filtering
        # with `%` through the GIN index measured slower on the benchmark's repetitive texts.
        # The petition page therefore asks only when the office wants to merge (?similar=1).
        similarity = Func("search_text", Value(folded), function="similarity", output_field=FloatField())
        found = list(rows.annotate(similarity=similarity).filter(similarity__gte=threshold)
                     .order_by("-similarity", "pk")[:limit])
        return found
    wanted = trigrams(folded)
    scored = []
    for petition in rows.only("pk", "public_code", "text", "summary", "search_text", "status", "voter_count",
                              "meeting_count")[:2000]:
        petition.similarity = trigram_similarity(wanted, trigrams(petition.search_text))
        if petition.similarity >= threshold:
            scored.append(petition)
    scored.sort(key=lambda p: (-p.similarity, p.pk))
    return scored[:limit]


def trigrams(folded):
    """pg_trgm's trigrams: each word padded with two spaces before and one after."""
    grams = set()
    for word in "".join(c if c.isalnum() else " " for c in folded).split():
        padded = f"  {word} "
        grams.update(padded[i:i + 3] for i in range(len(padded) - 2))
    return grams


def trigram_similarity(a, b):
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


@transaction.atomic
def petitions_merge(*, main, duplicates, user):
    """Merge duplicates into the main petition: it keeps every voter and every source meeting
    (they stay on their rows, now pointing at the main one); undone by `petition_unmerge`."""
    duplicates = [d for d in duplicates if d.pk != main.pk]
    _refuse_unless(duplicates, _("Choose the petitions to merge into the main one."))
    _lock([main, *duplicates], user)
    for duplicate in duplicates:
        if duplicate.merged_into_id == main.pk:  # the same merge asked for twice
            event = _last_step(duplicate, [EventKind.MERGED])
            raise ValidationError(_("%(code)s was already merged into %(main)s at %(time)s on %(date)s by %(name)s.")
                                  % {"code": duplicate.public_code, "main": main.public_code,
                                     **_done_by(event.at, event.by)} if event else
                                  _("%(code)s is merged into %(main)s; act on the main petition.")
                                  % {"code": duplicate.public_code, "main": main.public_code})
    _check_workable(main)
    for petition in [main, *duplicates]:
        _refuse_unless_status(petition, (PetitionStatus.RECEIVED, PetitionStatus.CLASSIFIED),
                              _("%(code)s is already forwarded; only petitions not yet forwarded can be merged.")
                              % {"code": petition.public_code})
    for duplicate in duplicates:
        _refuse_unless(duplicate.council_id == main.council_id,
                       _("%(code)s belongs to another council.") % {"code": duplicate.public_code})
        _check_workable(duplicate)
        _refuse_unless(not duplicate.merged.exists(),
                       _("Other petitions are merged into %(code)s; undo those merges first.")
                       % {"code": duplicate.public_code})
        duplicate.merged_into = main
        duplicate.due_on = None
        duplicate.save(update_fields=["merged_into", "due_on"])
        petition_deadlines_sync(duplicate)
        petition_counts_refresh(duplicate)
        event_add(duplicate, EventKind.MERGED, user, _("into %(code)s") % {"code": main.public_code})
        event_add(main, EventKind.MERGED, user, _("%(code)s merged in") % {"code": duplicate.public_code})
    petition_counts_refresh(main)
    return main


@transaction.atomic
def petition_unmerge(*, petition, user):
    # Both rows locked at once, in id order (as a merge locks them), then re-read: the main one is
    # the one it is merged into now.
    stored_main = Petition.objects.filter(pk__in=Petition.objects.filter(pk=petition.pk).values("merged_into")).first()
    _lock([petition, stored_main] if stored_main is not None else [petition], user)
    main = petition.merged_into
    if main is None or stored_main is None or main.pk != stored_main.pk:  # undone (or merged again) meanwhile
        event = _last_step(petition, [EventKind.UNMERGED, EventKind.MERGED])
        raise ValidationError(_step_said(petition, event) if event else
                              _("%(code)s is not merged.") % {"code": petition.public_code})
    main = stored_main
    _refuse_unless(main.status in (PetitionStatus.RECEIVED, PetitionStatus.CLASSIFIED),
                   _("%(code)s is already forwarded with this petition in it; the merge can no longer be undone.")
                   % {"code": main.public_code})
    petition.merged_into = None
    forward_due_compute(petition)
    petition.save(update_fields=["merged_into", "forward_due_on", "forward_due_explanation", "due_on"])
    petition_deadlines_sync(petition)
    petition_counts_refresh(petition)
    petition_counts_refresh(main)
    event_add(petition, EventKind.UNMERGED, user, _("out of %(code)s") % {"code": main.public_code})
    event_add(main, EventKind.UNMERGED, user, _("%(code)s taken out") % {"code": petition.public_code})
    return petition


# ---------------------------------------------------------------------- group sends to the office

@transaction.atomic
def petitions_submit(*, round, group, user, note=""):
    """The group leader sends the group's petitions of a round to the office; those not sent yet
    are recorded in the submission."""
    # Locked in id order; a second leader's click waits here, then finds nothing left to send.
    petitions = list(Petition.objects.main().filter(round=round, group=group, submission__isnull=True)
                     .select_for_update().order_by("pk"))
    if not petitions:
        last = (Submission.objects.filter(round=round, group=group).select_related("sent_by")
                .order_by("-sent_at", "-pk").first())
        raise ValidationError(
            _("The petitions of %(group)s for this round were already sent to the office at %(time)s on %(date)s "
              "by %(name)s.") % {"group": group, **_done_by(last.sent_at, last.sent_by)} if last else
            _("The group has no petitions of this round left to send."))
    submission = Submission.objects.create(council=group.council, round=round, group=group, sent_by=user, note=note)
    for petition in petitions:
        # Saved one by one (not a bulk update()) so that each petition's history has the change,
        # credited to the leader who sent it.
        petition.submission = submission
        petition._history_user = user
        petition.save(update_fields=["submission"])
        event_add(petition, EventKind.SUBMITTED, user, str(group))
    values = {"group": group, "round": round, "n": len(petitions),
              "who": user.get_full_name() or user.get_username()}
    notify(kind=NotificationKind.PETITIONS_SUBMITTED, recipients=office_of(group.council), exclude=user,
           url=reverse("petitions:petition_list") + f"?round={round.pk}&group={group.pk}",
           subject=ngettext("%(group)s sent %(n)s petition to the office", "%(group)s sent %(n)s petitions to the office",
                            len(petitions)) % values,
           body=_("%(who)s sent the petitions of %(group)s for %(round)s to the office, to classify and forward.")
           % values)
    return submission


# ---------------------------------------------------------------------------------- forwarding

def answer_due_compute(start, rules, calendar=None):
    """The answer date: `rules.answer_due_days` days after `start` (the forwarding, or a send-back),
    ending on the next working day of the council when the last day is not one (art. 148(5)
    Civil Code 2015). Returns (date, explanation)."""
    calendar = calendar or WorkingCalendar.for_council(rules.council)
    return due_compute(start=start, amount=rules.answer_due_days, unit=DeadlineUnit.DAYS, calendar=calendar)


@transaction.atomic
def petitions_forward(*, petitions, user, note="", now=None):
    """Forward classified petitions, one batch per agency (commune-level ones go to the commune
    People's Committee chosen at classification). Each batch stores who, when, to whom, and the
    clocks that start then: the forwarding deadline it was measured against and the answer due
    date, each with how it was computed."""
    petitions = list({p.pk: p for p in petitions}.values())
    _refuse_unless(petitions, _("Select at least one petition."))
    # Ten people forwarding the same petitions at once: the first forwards them all, the others
    # wait on these row locks and are then told who forwarded them, and when (no empty batch).
    _lock(petitions, user)
    prefetch_related_objects(petitions, "agency__council")
    for petition in petitions:
        _check_workable(petition)
        if petition.forwarding_id is not None:  # forwarded meanwhile, by someone else or a double click
            forwarded = _last_step(petition, [EventKind.FORWARDED])
            raise ValidationError(_step_said(petition, forwarded) if forwarded else
                                  _("%(code)s is already forwarded.") % {"code": petition.public_code})
        _refuse_unless(petition.agency is None or petition.agency.is_active,
                       _("%(agency)s is no longer active; classify %(code)s again.")
                       % {"agency": petition.agency, "code": petition.public_code})
        _refuse_unless_status(petition, (PetitionStatus.CLASSIFIED,),
                              _("%(code)s is %(status)s: only classified petitions (field, level and agency set) "
                                "can be forwarded.") % {"code": petition.public_code,
                                                        "status": petition.get_status_display().lower()},
                              action=EventKind.FORWARDED)
    now = now or timezone.now()
    today = timezone.localdate(now)
    by_agency = {}
    for petition in petitions:
        by_agency.setdefault(petition.agency, []).append(petition)
    forwardings, rules, calendars, events = [], {}, {}, []
    for agency, batch in by_agency.items():
        if agency.council_id not in rules:
            rules[agency.council_id] = DeadlineRules.for_council(agency.council)
            calendars[agency.council_id] = WorkingCalendar.for_council(agency.council)
        answer_due_on, answer_explanation = answer_due_compute(today, rules[agency.council_id],
                                                               calendars[agency.council_id])
        earliest = min((p for p in batch if p.forward_due_on), key=lambda p: p.forward_due_on, default=None)
        forwarding = Forwarding.objects.create(
            council=agency.council, agency=agency, forwarded_by=user, forwarded_at=now, note=note,
            forward_due_on=earliest.forward_due_on if earliest else None,
            forward_due_explanation=earliest.forward_due_explanation if earliest else "",
            answer_due_on=answer_due_on, answer_due_explanation=answer_explanation,
        )
        for petition in batch:
            petition.forwarding = forwarding
            petition.status = PetitionStatus.FORWARDED
            petition.answer_due_on, petition.answer_due_explanation = answer_due_on, answer_explanation
            petition.due_on = answer_due_on
            events.append(PetitionEvent(petition=petition, kind=EventKind.FORWARDED, by=user,
                                        note=_("to %(agency)s, answer due %(due)s")
                                        % {"agency": agency, "due": answer_due_on.strftime("%d/%m/%Y")}))
        forwardings.append(forwarding)
    _petitions_save(petitions, user, ["forwarding", "status", "answer_due_on", "answer_due_explanation", "due_on"])
    petitions_deadlines_sync(petitions, answer_start=today, rules=rules, calendars=calendars)
    PetitionEvent.objects.bulk_create(events)
    for forwarding, (agency, batch) in zip(forwardings, by_agency.items(), strict=True):
        values = {"n": len(batch), "due": date_vn(forwarding.answer_due_on), "council": agency.council}
        lines = [_("%(council)s forwarded these petitions to your agency; the answer is due by %(due)s:") % values]
        lines += [f"• {p.public_code} · {(p.summary or p.text).splitlines()[0][:150] if (p.summary or p.text) else ''}"
                  for p in batch]
        notify(kind=NotificationKind.PETITIONS_FORWARDED, recipients=agency_responders(agency), exclude=user,
               url=reverse("petitions:agency_inbox"), body="\n".join(lines),
               subject=ngettext("%(n)s petition forwarded to you, answer due by %(due)s",
                                "%(n)s petitions forwarded to you, answer due by %(due)s", len(batch)) % values)
    return forwardings


# ------------------------------------------------------------------------------------- answers

@transaction.atomic
def answer_record(*, petition, user, agency, outcome, text, roadmap="", promised_on=None, attachment=None):
    """An agency answers a petition forwarded to it. "Being resolved" needs a roadmap and a
    promised date, which becomes the date the petition now waits for; the agency may answer again
    (e.g. "resolved") while the office has not closed it. An answer arriving after the office
    closed the petition is refused: it never reopens it."""
    _lock([petition], user)
    _answerable_check(petition, agency)
    _answer_check(outcome, text, roadmap, promised_on)
    answer = _answer_new(petition, user, agency, outcome, text, roadmap, promised_on)
    answer._history_user = user
    answer.save()
    if attachment is not None:
        # Checked by content again here (the form did it for the page): the stored name and extension
        # follow what the file is, never the name it was uploaded under; active PDFs are refused.
        kind = validate_upload(attachment, ["pdf", "png", "jpeg"])
        answer.attachment.save(f"tra-loi.{EXTENSIONS[kind]}", attachment, save=True)
    _answered(petition, answer)
    petition.save()
    petition_deadlines_sync(petition, answer=answer)
    PetitionEvent.objects.create(**_answered_event(petition, answer, user))
    notify_each(kind=NotificationKind.ANSWER_RECEIVED, recipients=office_of(petition.council), exclude=user,
                messages=[_answered_message(petition, answer)])
    return answer


@transaction.atomic
def answers_record(*, petitions, user, agency, outcome, text, roadmap="", promised_on=None):
    """One answer, the same text, to several petitions forwarded to one agency (e.g. "resolved" for
    the road petitions of one commune): for each petition what `answer_record` writes (the answer
    and its history row, the petition's status and clocks, its event, the office's notice), all
    or none, in a fixed number of queries whatever their number. No attached file (a file is
    answered one petition at a time). Returns the answers, in petition id order."""
    petitions = list({p.pk: p for p in petitions}.values())
    _refuse_unless(petitions, _("Select at least one petition."))
    petitions = _lock(petitions, user)
    prefetch_related_objects(petitions, "council")
    for petition in petitions:
        _answerable_check(petition, agency)
    _answer_check(outcome, text, roadmap, promised_on)
    answers = [_answer_new(p, user, agency, outcome, text, roadmap, promised_on) for p in petitions]
    bulk_create_with_history(answers, Answer, default_user=user, default_date=timezone.now())
    for petition, answer in zip(petitions, answers, strict=True):
        _answered(petition, answer)
        petition.search_text = fold(" ".join(str(p) for p in petition.search_parts() if p))  # as save() does
    _petitions_save(petitions, user, ["status", "answer_text", "due_on", "search_text"])
    petitions_deadlines_sync(petitions, answers={a.petition_id: a for a in answers})
    PetitionEvent.objects.bulk_create([PetitionEvent(**_answered_event(p, a, user))
                                       for p, a in zip(petitions, answers, strict=True)])
    by_council = {}
    for petition, answer in zip(petitions, answers, strict=True):
        by_council.setdefault(petition.council, []).append(_answered_message(petition, answer))
    for council, messages in by_council.items():
        notify_each(kind=NotificationKind.ANSWER_RECEIVED, recipients=office_of(council), exclude=user,
                    messages=messages)
    return answers


def _answerable_check(petition, agency):
    """The (locked) petition may be answered by `agency` now."""
    _check_workable(petition)
    _refuse_unless(petition.agency_id == agency.pk, _("This petition was not forwarded to your agency."))
    _refuse_unless_status(petition, (PetitionStatus.FORWARDED, PetitionStatus.ANSWERED),
                          _("%(code)s is %(status)s: only forwarded petitions can be answered.")
                          % {"code": petition.public_code, "status": petition.get_status_display().lower()})


def _answer_check(outcome, text, roadmap, promised_on):
    _refuse_unless(outcome in AnswerOutcome.values, _("Choose one of the three outcomes."))
    _refuse_unless((text or "").strip(), _("Write the answer."))
    if outcome == AnswerOutcome.IN_PROGRESS:
        _refuse_unless((roadmap or "").strip() and promised_on,
                       _("A petition being resolved needs the roadmap and the promised date."))
        _refuse_unless(promised_on > timezone.localdate(), _("The promised date must be in the future."))
        validate_promised_date(promised_on)  # a far promise would take the petition off every clock


def _answer_new(petition, user, agency, outcome, text, roadmap, promised_on):
    return Answer(petition=petition, agency=agency, outcome=outcome, text=text.strip(),
                  roadmap=(roadmap or "").strip(),
                  promised_on=promised_on if outcome == AnswerOutcome.IN_PROGRESS else None, answered_by=user)


def _answered(petition, answer):
    petition.status = PetitionStatus.ANSWERED
    petition.answer_text = answer.text
    petition.due_on = answer.promised_on  # the promised date is the new clock; otherwise none


def _answered_event(petition, answer, user):
    return {"petition": petition, "kind": EventKind.ANSWERED, "by": user,
            "note": answer.get_outcome_display() + (f" · {answer.promised_on:%d/%m/%Y}" if answer.promised_on else "")}


def _answered_message(petition, answer):
    """(subject, body, url) of the office's notice of an answer to review."""
    values = {"code": petition.public_code, "agency": answer.agency, "outcome": answer.get_outcome_display()}
    return (_("Answer received for %(code)s, to review") % values,
            _("%(agency)s answered %(code)s (%(outcome)s). Review the answer: accept and close it, or send it "
              "back.") % values, petition.get_absolute_url())


@transaction.atomic
def extension_request(*, petition, user, agency, until, reason):
    _lock([petition], user)
    _check_workable(petition)
    _refuse_unless(petition.agency_id == agency.pk, _("This petition was not forwarded to your agency."))
    _refuse_unless_status(petition, (PetitionStatus.FORWARDED,),
                          _("More time can only be asked for a petition waiting for its answer."))
    _refuse_unless(not petition.extensions.filter(status=ExtensionStatus.PENDING).exists(),
                   _("A request for more time is already waiting for the office."))
    _refuse_unless(petition.answer_due_on is None or until > petition.answer_due_on,
                   _("The new date must be after the current due date."))
    _refuse_unless((reason or "").strip(), _("Give the reason."))
    validate_promised_date(until)
    extension = ExtensionRequest(petition=petition, requested_by=user, until=until, reason=reason.strip())
    extension._history_user = user
    extension.save()
    event_add(petition, EventKind.EXTENSION_REQUESTED, user, f"{until:%d/%m/%Y} · {reason.strip()}")
    values = {"code": petition.public_code, "agency": agency, "until": date_vn(until), "reason": reason.strip()}
    notify(kind=NotificationKind.EXTENSION_REQUESTED, recipients=office_of(petition.council), obj=petition,
           exclude=user, subject=_("More time asked for %(code)s, until %(until)s") % values,
           body=_("%(agency)s asks to answer %(code)s by %(until)s. Reason: %(reason)s") % values)
    return extension


@transaction.atomic
def extension_decide(*, extension, user, grant, note=""):
    petition = extension.petition
    _lock([petition], user)  # the petition first, then its request: the order every action takes
    _lock_one(extension)
    extension._history_user = user
    if extension.status != ExtensionStatus.PENDING:
        raise ValidationError(
            (_("This request was already granted at %(time)s on %(date)s by %(name)s.")
             if extension.status == ExtensionStatus.GRANTED else
             _("This request was already refused at %(time)s on %(date)s by %(name)s."))
            % _done_by(extension.decided_at, extension.decided_by) if extension.decided_at else
            _("This request has already been decided."))
    _refuse_unless_status(petition, (PetitionStatus.FORWARDED,),
                          _("The petition has been answered since; the request no longer applies."))
    extension.status = ExtensionStatus.GRANTED if grant else ExtensionStatus.REFUSED
    extension.decided_by, extension.decided_at, extension.decision_note = user, timezone.now(), note.strip()
    extension.save()
    if grant:
        petition.answer_due_explanation = _("extended to %(due)s (was %(old)s)") % {
            "due": extension.until.strftime("%d/%m/%Y"),
            "old": petition.answer_due_on.strftime("%d/%m/%Y") if petition.answer_due_on else "—"}
        petition.answer_due_on = extension.until
        if petition.status == PetitionStatus.FORWARDED:
            petition.due_on = extension.until
        petition.save()
        petition_deadlines_sync(petition, reason=_("more time granted"))
    event_add(petition, EventKind.EXTENSION_GRANTED if grant else EventKind.EXTENSION_REFUSED, user,
              f"{extension.until:%d/%m/%Y}" + (f" · {note.strip()}" if note.strip() else ""))
    values = {"code": petition.public_code, "until": date_vn(extension.until), "note": note.strip(),
              "due": date_vn(petition.answer_due_on)}
    notify(kind=NotificationKind.EXTENSION_DECIDED, recipients=agency_responders(petition.agency), exclude=user,
           url=reverse("petitions:agency_answer", args=[petition.pk]),
           subject=(_("More time granted for %(code)s: answer by %(until)s") if grant else
                    _("More time refused for %(code)s: answer by %(due)s")) % values,
           body=((_("The office granted more time to answer %(code)s: the answer is now due by %(until)s.") if grant
                  else _("The office refused more time to answer %(code)s: the answer is still due by %(due)s."))
                 % values + (("\n" + note.strip()) if note.strip() else "")))
    return extension


# -------------------------------------------------------------------------- review and closing

@transaction.atomic
def answer_send_back(*, petition, user, note, today=None):
    """The office or the standing committee finds the answer unsatisfactory: the petition goes back
    to the agency, with a new answer date counted from today by the council's rule. Of a send-back
    and a closing of the same answer at once, the first wins and the second is told."""
    _lock([petition], user)
    _refuse_unless_status(petition, (PetitionStatus.ANSWERED,), _("Only an answered petition can be sent back."),
                          action=EventKind.SENT_BACK)
    _refuse_unless((note or "").strip(), _("Say why the answer is unsatisfactory."))
    answer = petition.answers.first()
    _refuse_unless(answer is not None, _("Only an answered petition can be sent back."))
    answer.review, answer.review_note = AnswerReview.UNSATISFACTORY, note.strip()
    answer.reviewed_by, answer.reviewed_at = user, timezone.now()
    answer._history_user = user
    answer.save()
    rules = DeadlineRules.for_council(petition.council)
    petition.answer_due_on, petition.answer_due_explanation = answer_due_compute(today or timezone.localdate(), rules)
    petition.status = PetitionStatus.FORWARDED
    petition.due_on = petition.answer_due_on
    petition.save()
    petition_deadlines_sync(petition, reason=_("answer sent back as unsatisfactory"),
                            answer_start=today or timezone.localdate())
    event_add(petition, EventKind.SENT_BACK, user, note.strip())
    values = {"code": petition.public_code, "note": note.strip(), "due": date_vn(petition.answer_due_on)}
    notify(kind=NotificationKind.ANSWER_SENT_BACK, recipients=agency_responders(petition.agency), exclude=user,
           url=reverse("petitions:agency_answer", args=[petition.pk]),
           subject=_("Answer to %(code)s sent back: answer again by %(due)s") % values,
           body=_("The answer to %(code)s was found unsatisfactory. Reason: %(note)s\nAnswer again by %(due)s.")
           % values)
    return petition


@transaction.atomic
def petition_close(*, petition, user, note=""):
    _lock([petition], user)
    _refuse_unless_status(petition, (PetitionStatus.ANSWERED,),
                          _("%(code)s is %(status)s: only an answered petition can be closed.")
                          % {"code": petition.public_code, "status": petition.get_status_display().lower()},
                          action=EventKind.CLOSED)
    answer = petition.answers.first()
    _refuse_unless(answer is not None, _("%(code)s is %(status)s: only an answered petition can be closed.")
                   % {"code": petition.public_code, "status": petition.get_status_display().lower()})
    if answer.review == AnswerReview.PENDING:
        answer.review, answer.reviewed_by, answer.reviewed_at = AnswerReview.ACCEPTED, user, timezone.now()
        answer._history_user = user
        answer.save()
    petition.status = PetitionStatus.CLOSED
    petition.due_on = None
    petition.save()
    petition_deadlines_sync(petition)
    event_add(petition, EventKind.CLOSED, user, note.strip())
    if petition.group_id:
        values = {"code": petition.public_code, "outcome": answer.get_outcome_display()}
        notify(kind=NotificationKind.PETITION_CLOSED, recipients=group_members(petition.group), obj=petition,
               exclude=user, subject=_("Petition %(code)s closed: report back to the voters") % values,
               body=_("The petition %(code)s your group raised is closed with the agency's answer (%(outcome)s). "
                      "Report the answer back to the voters.") % values)
    return petition


@transaction.atomic
def petition_raise_again(*, previous, round, user, session=None, text=""):
    """A petition raised again at a later round: a new petition, linked to the earlier one,
    classified the same way to start with; once per later round (the earlier petition's row is
    locked, so a double click records it once)."""
    _lock([previous], user)
    _refuse_unless(previous.status in (PetitionStatus.ANSWERED, PetitionStatus.CLOSED),
                   _("Only an answered or closed petition can be raised again; this one is still open."))
    _check_workable(previous)
    again = previous.raised_again.filter(round=round).select_related("created_by").first()
    if again is not None:
        raise ValidationError(_("%(code)s was already recorded as raised again at this round, as %(again)s, at "
                                "%(time)s on %(date)s by %(name)s.")
                              % {"code": previous.public_code, "again": again.public_code,
                                 **_done_by(again.created_at, again.created_by)})
    _refuse_unless(round.plan.council_id == previous.council_id, _("Choose a round of the same council."))
    _refuse_unless(previous.round_id is None or round.starts_on > previous.round.starts_on,
                   _("Choose a round later than the one it was raised at."))
    petition = petition_create(council=previous.council, user=user, text=text or previous.text,
                               source=PetitionSource.MEETING if session else PetitionSource.LETTER,
                               session=session, round=round, group=previous.group, commune=previous.commune,
                               summary=previous.summary, fields=list(previous.fields.all()))
    petition.previous = previous
    petition._history_user = user
    petition.level, petition.agency = previous.level, previous.agency
    petition.status = PetitionStatus.CLASSIFIED if petition.is_classified else PetitionStatus.RECEIVED
    forward_due_compute(petition)  # the level decides whether a forwarding clock runs
    petition.save()
    petition_deadlines_sync(petition)
    event_add(petition, EventKind.RAISED_AGAIN, user, _("raised before as %(code)s") % {"code": previous.public_code})
    event_add(previous, EventKind.RAISED_AGAIN, user, _("raised again as %(code)s") % {"code": petition.public_code})
    return petition


# ----------------------------------------------------------------------- the deadline table

PETITION_FORWARD = "petition_forward"
PETITION_ANSWER = "petition_answer"
PETITION_PROMISED = "petition_promised"


def petition_deadlines_sync(petition, *, answer=None, reason="", answer_start=None):
    """The petition's rows in the deadline table follow its state: see `petitions_deadlines_sync`."""
    petitions_deadlines_sync([petition], answers={petition.pk: answer} if answer is not None else None,
                             reason=reason, answer_start=answer_start)


def petitions_deadlines_sync(petitions, *, answers=None, reason="", answer_start=None, rules=None, calendars=None):
    """The petitions' rows in the deadline table (delegations/deadlines.py) follow their state: to
    be forwarded while received or classified with a forwarding date (N working days after the
    round: a council day off moves it); to be answered while forwarded (moved by more time granted,
    restarted by a send-back); a "being resolved" answer's promised date while answered; none once
    closed or merged. The petitions' own date fields stay as they are: the copies lists read.
    `answer_start`: the day the answer clock (re)starts (forwarding, send-back): the deadline is
    then the council's rule (N days, ending on a working day), which calendar and rule changes move;
    a date given as it is (more time granted) is kept as it is. `answers`: {petition id: its latest
    answer} when the caller has them (read otherwise). `rules`, `calendars`: {council id: …} read
    once per council otherwise. A fixed number of queries however many petitions: one UPDATE per
    kind of closing, one read of the answers, the deadlines locked, inserted and updated at once."""
    rules = {} if rules is None else rules
    calendars = {} if calendars is None else calendars
    answers = dict(answers or {})

    def rules_of(petition):
        if petition.council_id not in rules:
            rules[petition.council_id] = DeadlineRules.for_council(petition.council)
        return rules[petition.council_id]

    def calendar_of(petition):
        if petition.council_id not in calendars:
            calendars[petition.council_id] = WorkingCalendar.for_council(petition.council)
        return calendars[petition.council_id]

    closes = {}  # (kinds, cancelled) -> petition ids

    def close(petition, kind=None, cancelled=False):
        key = (tuple(kind) if isinstance(kind, list) else kind, cancelled)
        closes.setdefault(key, []).append(petition.pk)

    puts = []

    def put(petition, kind, due_on, explanation, start_on=None, amount=None, unit=DeadlineUnit.DATE):
        puts.append(DeadlinePut(subject=petition, kind=kind, council_id=petition.council_id, due_on=due_on,
                                explanation=explanation, title=f"{petition.public_code} · "
                                f"{petition.summary or petition.text}"[:160], url=petition.get_absolute_url(),
                                start_on=start_on, amount=amount, unit=unit))

    def rule(petition, kind, start, amount, unit):
        due_on, explanation = due_compute(start=start, amount=amount, unit=unit, calendar=calendar_of(petition))
        put(petition, kind, due_on, explanation, start_on=start, amount=amount, unit=unit)

    answered = [p for p in petitions if p.merged_into_id is None and p.status == PetitionStatus.ANSWERED
                and p.pk not in answers]
    if answered:
        for row in Answer.objects.filter(petition__in=answered).select_related("agency").order_by(
                "petition_id", "-answered_at", "-pk"):
            answers.setdefault(row.petition_id, row)
    to_restate = [p for p in petitions if p.merged_into_id is None and p.status == PetitionStatus.FORWARDED
                  and p.answer_due_on and answer_start is None]
    open_answer_dates = set()
    if to_restate:
        open_answer_dates = set(Deadline.objects.for_subjects(Petition, [p.pk for p in to_restate])
                                .filter(kind=PETITION_ANSWER, state=DeadlineState.OPEN)
                                .values_list("object_id", "due_on"))
    for petition in petitions:
        if petition.merged_into_id is not None:
            close(petition, cancelled=True)
        elif petition.status in (PetitionStatus.RECEIVED, PetitionStatus.CLASSIFIED):
            if petition.forward_due_on and petition.round_id:
                rule(petition, PETITION_FORWARD, petition.round.ends_on, rules_of(petition).forward_working_days,
                     DeadlineUnit.WORKING_DAYS)
            else:
                close(petition, PETITION_FORWARD, cancelled=True)
        elif petition.status == PetitionStatus.FORWARDED:
            close(petition, PETITION_FORWARD)
            close(petition, PETITION_PROMISED, cancelled=True)
            if petition.answer_due_on and answer_start is not None:
                rule(petition, PETITION_ANSWER, answer_start, rules_of(petition).answer_due_days, DeadlineUnit.DAYS)
            elif petition.answer_due_on and (petition.pk, petition.answer_due_on) not in open_answer_dates:
                put(petition, PETITION_ANSWER, petition.answer_due_on, petition.answer_due_explanation)
        elif petition.status == PetitionStatus.ANSWERED:
            close(petition, [PETITION_FORWARD, PETITION_ANSWER])
            answer = answers.get(petition.pk)
            if answer is not None and answer.outcome == AnswerOutcome.IN_PROGRESS and answer.promised_on:
                put(petition, PETITION_PROMISED, answer.promised_on,
                    _("promised by %(agency)s in its answer of %(date)s") % {
                        "agency": answer.agency, "date": timezone.localtime(answer.answered_at).strftime("%d/%m/%Y")})
            else:
                close(petition, PETITION_PROMISED)
        else:
            close(petition)
    for (kind, cancelled), ids in closes.items():
        deadlines_close_many(model=Petition, ids=ids, kind=list(kind) if isinstance(kind, tuple) else kind,
                             cancelled=cancelled)
    deadlines_put_many(puts, reason=reason)


def petition_forward_recipients(object_ids):
    """Forwarding is the office's work: the office of the petition's council is reminded."""
    petitions = list(Petition.objects.filter(pk__in=object_ids).values_list("pk", "council_id"))
    office = {}
    for membership in (Membership.objects.filter(council_id__in={c for _pk, c in petitions}, role=Role.OFFICE,
                                                 is_active=True, user__is_active=True)
                       .select_related("user").order_by("pk")):
        office.setdefault(membership.council_id, []).append(membership.user)
    return {pk: office.get(council_id, []) for pk, council_id in petitions}


def petition_agency_recipients(object_ids):
    """An answer, or a promised date, is the agency's: its responders are reminded."""
    petitions = list(Petition.objects.filter(pk__in=object_ids).values_list("pk", "agency_id"))
    responders = {}
    for membership in (Membership.objects.filter(agency_id__in={a for _pk, a in petitions if a}, role=Role.AGENCY,
                                                 is_active=True, user__is_active=True)
                       .select_related("user").order_by("pk")):
        responders.setdefault(membership.agency_id, []).append(membership.user)
    return {pk: responders.get(agency_id, []) for pk, agency_id in petitions}


def _change_reason(deadline):
    """The reason a recomputation gives, for the petition's own history (django-simple-history's
    change reason holds 100 characters)."""
    return (getattr(deadline, "change_reason", "") or "")[:100] or None


def petition_answer_deadlines_moved(deadlines):
    """A calendar or rules change moved some answer dates: the petitions' copies follow, saved one
    by one with the reason, so that each petition's history says why."""
    by_id, forwardings = {d.object_id: d for d in deadlines}, {}
    for petition in Petition.objects.filter(pk__in=by_id).select_for_update():
        deadline = by_id[petition.pk]
        petition.answer_due_on, petition.answer_due_explanation = deadline.due_on, deadline.explanation[:255]
        fields = ["answer_due_on", "answer_due_explanation"]
        if petition.status == PetitionStatus.FORWARDED:
            petition.due_on = deadline.due_on
            fields.append("due_on")
        petition._change_reason = _change_reason(deadline)
        petition.save(update_fields=fields)
        if petition.forwarding_id:
            forwardings.setdefault(petition.forwarding_id, deadline)
    # The batch keeps the answer date its petitions share: it follows them.
    for forwarding in Forwarding.objects.filter(pk__in=forwardings).select_for_update():
        deadline = forwardings[forwarding.pk]
        if forwarding.answer_due_on != deadline.due_on:
            forwarding.answer_due_on, forwarding.answer_due_explanation = deadline.due_on, deadline.explanation[:255]
            forwarding._change_reason = _change_reason(deadline)
            forwarding.save(update_fields=["answer_due_on", "answer_due_explanation"])


def petition_forward_deadlines_moved(deadlines):
    """A council day off moved some forwarding dates: the petitions' copies follow (saved one by
    one with the reason, so that each petition's history shows the change and why)."""
    by_id = {d.object_id: d for d in deadlines}
    for petition in Petition.objects.filter(pk__in=by_id).select_for_update():
        deadline = by_id[petition.pk]
        petition._change_reason = _change_reason(deadline)
        petition.forward_due_on, petition.forward_due_explanation = deadline.due_on, deadline.explanation[:255]
        fields = ["forward_due_on", "forward_due_explanation"]
        if petition.status in (PetitionStatus.RECEIVED, PetitionStatus.CLASSIFIED) and petition.merged_into_id is None:
            petition.due_on = deadline.due_on
            fields.append("due_on")
        petition.save(update_fields=fields)


# ------------------------------------------------------------------------------- intake in bulk

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
    from django.urls import reverse

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
