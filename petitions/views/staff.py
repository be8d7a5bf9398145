"""Council staff's petition pages: intake, one petition's page with its timeline and actions,
progress per round and group, sending to the office, forwardings; and the public lookup by code.
The list with its filters and bulk actions is in lists.py."""
import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited

from delegations.access import (
    active_memberships,
    get_for_user,
    require_council_staff,
    require_office,
)
from delegations.confirm import confirmation, is_confirmed
from delegations.deadlines import deadlines_history
from delegations.models import Council, DelegateGroup, Role
from delegations.once import once
from delegations.params import parse_id
from delegations.views.org import history_entries
from plans.models import ContactRound
from sessions.models import ContactSession
from sessions.services import schedulable_groups

from .. import services
from ..forms import (
    ClassifyForm,
    FloorFormSet,
    FloorQuery,
    LookupForm,
    PetitionForm,
    SimilarQuery,
    SubmitForm,
)
from ..models import (
    ExtensionRequest,
    Forwarding,
    Petition,
    PetitionStatus,
    Submission,
    VoterDataSurface,
    public_code_normalise,
)
from ..privacy import VotersShown, visible_family_voters, voter_access_record, with_visible_voters

FLOOR_ROWS = 10


def once_redirect(request, action, fallback=None):
    """Run a form's action once per form token (delegations.once) and redirect: to what it made, or,
    for the same form sent again, to what the first send made, saying so."""
    outcome = once(request, action)
    if outcome.repeated:
        messages.info(request, outcome.message)
    return redirect(outcome.url or fallback or "petitions:petition_list")


@login_required
def floor(request, session_pk):
    """The petitions voters raised at a meeting, typed in a fast table from its minutes page."""
    require_council_staff(request.user)
    session = get_for_user(ContactSession, request.user, session_pk)
    can_enter = schedulable_groups(request.user).filter(pk=session.group_id).exists()
    if request.method == "POST" and not can_enter:
        raise PermissionDenied
    query = FloorQuery(request.GET)
    query.warn(request)
    rows = max(FLOOR_ROWS, min(query.get("rows") or FLOOR_ROWS, 200))
    if request.method == "POST":
        formset = FloorFormSet(request.POST, prefix="rows", form_kwargs={"council": session.council})
        if formset.is_valid():
            filled = [row for row in formset.cleaned_data if (row.get("text") or "").strip()]
            if filled:
                def record():
                    created = services.petitions_from_floor(session=session, rows=filled, user=request.user)
                    messages.success(request, ngettext("%(count)s petition recorded.", "%(count)s petitions recorded.",
                                                       len(created)) % {"count": len(created)})
                    return reverse("petitions:floor", kwargs={"session_pk": session.pk})

                return once_redirect(request, record)
            messages.error(request, _("The table is empty."))
        else:
            messages.error(request, _("Please correct the errors below."))
    else:
        formset = FloorFormSet(prefix="rows", initial=[{}] * rows, form_kwargs={"council": session.council})
    petitions = list(with_visible_voters(Petition.objects.for_user(request.user).filter(session=session),
                                         user=request.user).prefetch_related("fields").order_by("pk"))
    voter_access_record(user=request.user, surface=VoterDataSurface.FLOOR_TABLE,
                        shown=VotersShown.of_petitions(petitions), path=request.get_full_path())
    return render(request, "petitions/floor.html", {
        "session": session, "formset": formset, "petitions": petitions, "can_enter": can_enter,
        "more_rows": rows + FLOOR_ROWS,
    }, status=400 if request.method == "POST" else 200)


# --------------------------------------------------------------------------------------- intake

@login_required
def petition_new(request):
    """A petition received in writing or typed from a letter; similar petitions of the council's
    round are shown as it is typed."""
    require_office(request.user)
    council = Council.objects.managed_by(request.user).filter(pk=parse_id(request.GET.get("council")) or 0).first() \
        or Council.objects.managed_by(request.user).first()
    form = PetitionForm(request.POST or None, council=council)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def record():
            petition = services.petition_create(
                council=council, user=request.user, text=data["text"], source=data["source"], round=data["round"],
                group=data["group"], commune=data["commune"], summary=data["summary"], fields=list(data["fields_"]),
                voters=form.voters())
            messages.success(request, _("Petition %(code)s recorded.") % {"code": petition.public_code})
            return petition.get_absolute_url()

        return once_redirect(request, record)
    return render(request, "petitions/petition_form.html", {"form": form, "council": council},
                  status=400 if request.method == "POST" else 200)


@login_required
def similar(request):
    """The htmx fragment beside the text being typed: petitions of the same council and round that
    look like it."""
    require_council_staff(request.user)
    query = SimilarQuery(request.GET)  # a fragment beside a form: a bad value finds nothing, quietly
    council = Council.objects.for_user(request.user).filter(pk=query.get("council") or 0).first()
    found = []
    if council is not None:
        rnd = ContactRound.objects.filter(plan__council=council, pk=query.get("round") or 0).first()
        exclude = Petition.objects.filter(council=council, pk=query.get("exclude") or 0).first()
        found = services.similar_petitions(council=council, text=query.get("text") or "", round=rnd,
                                           exclude=exclude)
    # From the floor table: a short flag under the row being typed.
    return render(request, "petitions/_similar.html", {"similar": found, "row": query.get("row")})


# ------------------------------------------------------------------------------ one petition

@login_required
def petition_detail(request, pk):
    require_council_staff(request.user)
    petition = get_for_user(Petition, request.user, pk)
    manages = Petition.objects.managed_by(request.user).filter(pk=petition.pk).exists()
    reviews = Petition.objects.reviewed_by(request.user).filter(pk=petition.pk).exists()
    workable = petition.merged_into_id is None
    # Voters' personal data as the one rule allows (petitions.models.voter_data_rule), each display logged.
    voters = visible_family_voters(petition, user=request.user)
    if voters:
        voter_access_record(user=request.user, surface=VoterDataSurface.PETITION_PAGE,
                            shown=VotersShown.of_voters(voters), path=request.get_full_path())
    context = {
        "petition": petition, "fields": petition.fields.all(), "voters": voters,
        "events": petition.events.select_related("by"),
        "answers": petition.answers.select_related("agency", "answered_by", "reviewed_by"),
        "extensions": petition.extensions.select_related("requested_by", "decided_by"),
        "merged": petition.merged.all(), "raised_again": petition.raised_again.all(),
        "forwarding": petition.forwarding,
        "manages": manages, "reviews": reviews, "history": history_entries(petition),
        "deadlines": deadlines_history(petition),
        "today": timezone.localdate(),
    }
    if manages and workable and petition.status in (PetitionStatus.RECEIVED, PetitionStatus.CLASSIFIED):
        context["classify_form"] = ClassifyForm(councils=[petition.council], initial={
            "fields_": list(petition.fields.all()), "level": petition.level, "agency": petition.agency})
        context["similar_asked"] = bool(request.GET.get("similar"))
        if context["similar_asked"]:  # on demand: it scores the whole round
            context["similar"] = services.similar_petitions(council=petition.council, text=petition.text,
                                                            round=petition.round, exclude=petition)
    if reviews and workable and petition.status in (PetitionStatus.ANSWERED, PetitionStatus.CLOSED):
        context["later_rounds"] = ContactRound.objects.filter(
            plan__council=petition.council,
            starts_on__gt=petition.round.starts_on if petition.round_id else datetime.date.min,
        ).order_by("starts_on")
    return render(request, "petitions/petition_detail.html", context)


def _act(request, petition, action, success):
    try:
        action()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success)
    return redirect(petition)


@login_required
@require_POST
def classify(request, pk):
    petition = get_for_user(Petition, request.user, pk, manage=True)
    form = ClassifyForm(request.POST, councils=[petition.council])
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(petition)
    return _act(request, petition, lambda: services.petitions_classify(
        petitions=[petition], user=request.user, fields=list(form.cleaned_data["fields_"]),
        level=form.cleaned_data["level"] or None, agency=form.cleaned_data["agency"]), _("Classification saved."))


@login_required
@require_POST
def merge(request, pk):
    """Merge the chosen duplicates into this petition."""
    main = get_for_user(Petition, request.user, pk, manage=True)
    ids = [pk for pk in map(parse_id, request.POST.getlist("duplicates")) if pk]
    duplicates = list(Petition.objects.managed_by(request.user).filter(pk__in=ids, council=main.council))
    return _act(request, main, lambda: services.petitions_merge(main=main, duplicates=duplicates, user=request.user),
                _("Merged."))


@login_required
@require_POST
def unmerge(request, pk):
    petition = get_for_user(Petition, request.user, pk, manage=True)
    return _act(request, petition, lambda: services.petition_unmerge(petition=petition, user=request.user),
                _("The merge is undone."))


def _reviewed(request, pk):
    petition = get_for_user(Petition, request.user, pk)
    if not Petition.objects.reviewed_by(request.user).filter(pk=petition.pk).exists():
        raise PermissionDenied
    return petition


@login_required
@require_POST
def send_back(request, pk):
    petition = _reviewed(request, pk)
    return _act(request, petition, lambda: services.answer_send_back(
        petition=petition, user=request.user, note=request.POST.get("note", "")),
        _("The answer was sent back to the agency."))


@login_required
@require_POST
def close(request, pk):
    petition = _reviewed(request, pk)
    if not is_confirmed(request) and petition.status == PetitionStatus.ANSWERED:
        return confirmation(request, title=_("Close the petition?"), subject=petition.public_code, consequences=[
            _("Petition %(code)s will be closed and its answer accepted; it cannot be reopened.")
            % {"code": petition.public_code},
            _("Voters who look the code up see the agency's answer; raised again later, it is a new petition "
              "linked to this one."),
        ], button=_("Accept and close"), cancel_url=petition.get_absolute_url())
    return _act(request, petition, lambda: services.petition_close(
        petition=petition, user=request.user, note=request.POST.get("note", "")), _("The petition is closed."))


@login_required
@require_POST
def raise_again(request, pk):
    previous = _reviewed(request, pk)
    rnd = ContactRound.objects.filter(plan__council=previous.council, pk=parse_id(request.POST.get("round")) or 0).first()
    if rnd is None:
        messages.error(request, _("Choose the round it was raised at again."))
        return redirect(previous)

    def record():
        petition = services.petition_raise_again(previous=previous, round=rnd, user=request.user,
                                                 text=request.POST.get("text", ""))
        messages.success(request, _("Recorded as %(code)s, linked to %(previous)s.")
                         % {"code": petition.public_code, "previous": previous.public_code})
        return petition.get_absolute_url()

    try:
        return once_redirect(request, record, fallback=previous.get_absolute_url())
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(previous)


@login_required
@require_POST
def extension_decide(request, pk):
    extension = get_object_or_404(ExtensionRequest.objects.select_related("petition"), pk=pk,
                                  petition__in=Petition.objects.for_user(request.user))
    petition = get_for_user(Petition, request.user, extension.petition_id, manage=True)
    grant = request.POST.get("decision") == "grant"
    return _act(request, petition, lambda: services.extension_decide(
        extension=extension, user=request.user, grant=grant, note=request.POST.get("note", "")),
        _("More time granted.") if grant else _("More time refused."))


# ------------------------------------------------------------------------ rounds and groups

@login_required
def progress(request):
    """What is still to do per round and group: unclassified, not sent, not forwarded, answered."""
    require_council_staff(request.user)
    counts = (Petition.objects.for_user(request.user).main().filter(round__isnull=False)
              .values("round", "group", "council")
              .annotate(total=Count("pk"),
                        unclassified=Count("pk", filter=Q(status=PetitionStatus.RECEIVED)),
                        not_sent=Count("pk", filter=Q(submission__isnull=True, group__isnull=False)),
                        waiting=Count("pk", filter=Q(status=PetitionStatus.CLASSIFIED)),
                        forwarded=Count("pk", filter=Q(status=PetitionStatus.FORWARDED)),
                        answered=Count("pk", filter=Q(status__in=[PetitionStatus.ANSWERED, PetitionStatus.CLOSED])))
              .order_by("-round__starts_on", "round", "group__name"))
    rows = list(counts)
    rounds = ContactRound.objects.in_bulk({r["round"] for r in rows})
    groups = DelegateGroup.objects.in_bulk({r["group"] for r in rows if r["group"]})
    for row in rows:
        row["round_obj"], row["group_obj"] = rounds[row["round"]], groups.get(row["group"])
    return render(request, "petitions/progress.html", {"rows": rows})


def _submittable_groups(user):
    """Groups whose petitions the user may send to the office: the leader's own, or any of the
    councils the user is office staff of."""
    led = active_memberships(user).filter(role=Role.GROUP_LEADER, group__isnull=False).values("group_id")
    return DelegateGroup.objects.filter(Q(pk__in=led) | Q(council__in=Council.objects.managed_by(user)))


@login_required
def submit(request):
    """The group leader sends the group's consolidated petitions of a round to the office."""
    require_council_staff(request.user)
    groups = _submittable_groups(request.user)
    if request.method == "POST":
        form = SubmitForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose the group and the round to send."))
            return redirect("petitions:submit")
        group = get_object_or_404(groups, pk=form.cleaned_data["group"])
        rnd = get_object_or_404(ContactRound, pk=form.cleaned_data["round"], plan__council=group.council)
        try:
            submission = services.petitions_submit(round=rnd, group=group, user=request.user,
                                                   note=request.POST.get("note", ""))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, ngettext("%(count)s petition sent to the office.",
                                               "%(count)s petitions sent to the office.",
                                               submission.petitions.count()) % {"count": submission.petitions.count()})
        return redirect("petitions:submit")
    pending = list(Petition.objects.main().filter(group__in=groups, round__isnull=False)
                   .values("group", "round").annotate(total=Count("pk"),
                                                       pending=Count("pk", filter=Q(submission__isnull=True)))
                   .order_by("-round__starts_on", "group__name"))
    rounds = ContactRound.objects.in_bulk({r["round"] for r in pending})
    group_rows = DelegateGroup.objects.in_bulk({r["group"] for r in pending})
    for row in pending:
        row["round_obj"], row["group_obj"] = rounds[row["round"]], group_rows[row["group"]]
    submissions = (Submission.objects.filter(group__in=groups).select_related("group", "round", "sent_by")
                   .annotate(count=Count("petitions"))[:20])
    return render(request, "petitions/submit.html", {"rows": pending, "submissions": submissions})


@login_required
def forwarding_detail(request, pk):
    require_council_staff(request.user)
    forwarding = get_for_user(Forwarding, request.user, pk)
    return render(request, "petitions/forwarding_detail.html", {
        "forwarding": forwarding,
        "petitions": forwarding.petitions.select_related("commune", "group").prefetch_related("fields"),
    })


def lookup(request):
    """Voters check a petition by its public code: status, agency and, once the office has accepted
    it (or at once, if the council publishes answers on receipt), the agency's answer — never a
    name, an address or a phone number.

    Lookups are limited per address (PETITION_LOOKUP_RATE, django-ratelimit on the default cache).
    An unknown code, a malformed one and a lookup over the limit give the very same page, so that
    guessing learns nothing about which codes exist."""
    form = LookupForm(request.GET or None)
    petition = answer = None
    code = ""
    if form.is_valid():
        limited = is_ratelimited(request, group="petitions.lookup", key="ip", rate=settings.PETITION_LOOKUP_RATE,
                                 increment=True)
        code = public_code_normalise(form.cleaned_data["code"])
        if code and not limited:
            petition = (Petition.objects.select_related("agency", "council", "merged_into__agency",
                                                        "merged_into__council")
                        .filter(public_code=code).first())
        if petition is not None and petition.merged_into_id:
            petition = petition.merged_into  # a merged duplicate is followed as its main petition
        if petition is not None and petition.status in (PetitionStatus.ANSWERED, PetitionStatus.CLOSED):
            answer = petition.answers.public(petition.council).first()
    return render(request, "petitions/lookup.html", {"form": form, "petition": petition, "answer": answer,
                                                     "code": code or "", "searched": form.is_bound})
