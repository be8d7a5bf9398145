"""Merging duplicates into a main petition (and undoing it), and finding the petitions that look alike."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from delegations.text import fold

from ..models import (
    EventKind,
    Petition,
    PetitionEvent,
    PetitionStatus,
)
from .checks import (
    _check_workable,
    _done_by,
    _last_step,
    _lock,
    _refuse_unless,
    _refuse_unless_status,
    _step_said,
)
from .deadlines import forward_due_compute, petition_deadlines_sync, petitions_deadlines_sync
from .intake import petitions_counts_refresh
from .saving import _petitions_save, event_add


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
    (they stay on their rows, now pointing at the main one); undone by `petition_unmerge`. A fixed
    number of queries however many duplicates."""
    duplicates = list({d.pk: d for d in duplicates if d.pk != main.pk}.values())
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
    having_merged = set(Petition.objects.filter(merged_into__in=duplicates).values_list("merged_into_id", flat=True))
    for duplicate in duplicates:
        _refuse_unless(duplicate.council_id == main.council_id,
                       _("%(code)s belongs to another council.") % {"code": duplicate.public_code})
        _check_workable(duplicate)
        _refuse_unless(duplicate.pk not in having_merged,
                       _("Other petitions are merged into %(code)s; undo those merges first.")
                       % {"code": duplicate.public_code})
    events = []
    for duplicate in duplicates:
        duplicate.merged_into = main
        duplicate.due_on = None
        events += [PetitionEvent(petition=duplicate, kind=EventKind.MERGED, by=user,
                                 note=_("into %(code)s") % {"code": main.public_code}),
                   PetitionEvent(petition=main, kind=EventKind.MERGED, by=user,
                                 note=_("%(code)s merged in") % {"code": duplicate.public_code})]
    _petitions_save(duplicates, user, ["merged_into", "due_on"])
    petitions_deadlines_sync(duplicates)
    petitions_counts_refresh([*duplicates, main], user)
    PetitionEvent.objects.bulk_create(events)
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
    petitions_counts_refresh([petition, main])
    event_add(petition, EventKind.UNMERGED, user, _("out of %(code)s") % {"code": main.public_code})
    event_add(main, EventKind.UNMERGED, user, _("%(code)s taken out") % {"code": petition.public_code})
    return petition
