"""Council staff's petition pages: the list with its filters and bulk actions, intake, one
petition's page with its timeline and actions, progress per round and group, sending to the
office, forwardings; and the public lookup by code."""
import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited

from delegations.access import (
    active_memberships,
    get_for_user,
    has_role,
    require_council_staff,
    require_office,
)
from delegations.confirm import confirmation, is_confirmed
from delegations.deadlines import deadlines_history
from delegations.models import AgencyLevel, Council, DeadlineRules, DelegateGroup, Role
from delegations.once import once
from delegations.pagination import paginate, read_page_in_order, reading_in_order
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
    PetitionFilterQuery,
    PetitionForm,
    SimilarQuery,
    SubmitForm,
)
from ..menus import SelectRenderer, councils_for_menus, grouped_menus, ordered_councils
from ..models import (
    PETITION_STATES,
    ExtensionRequest,
    Forwarding,
    Petition,
    PetitionStatus,
    Submission,
    VoterDataSurface,
    petition_state_q,
    public_code_normalise,
    unclassified_q,
)
from ..privacy import VotersShown, visible_family_voters, voter_access_record, with_visible_voters

PAGE_SIZE = 25
# The list counts at most this many petitions ("more than 1,000"): counting a province's million on
# every page would cost more than the page itself. And a page counts no further than PAGES_AHEAD
# pages past itself (page 1: "more than 250", page 10: "more than 475"): the count is most of a
# filtered page's database time at a million petitions (a province's list by status, level and
# field: 37-130 ms for 1,001 rows, a quarter of that for 251).
COUNT_LIMIT = 1000
PAGES_AHEAD = 9
# A search among at most this many petitions reads them all along an index rather than through the
# trigram index, whose cost follows the matches of the whole table (delegations.pagination.reading_in_order).
SMALL_SCOPE = 20000
FLOOR_ROWS = 10


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

                return _once_redirect(request, record)
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


# ------------------------------------------------------------------------------- list and search

FILTERS = ("q", "council", "round", "group", "commune", "field", "level", "agency", "status", "overdue",
           "unclassified", "forwarded", "state", "sort")


def filtered_petitions(request):
    """The petitions a staff user may read, narrowed by the filters in the URL (so a filtered list
    can be bookmarked and shared). Shared by the list and the Excel export."""
    params = PetitionFilterQuery(request.GET)
    # Petition.objects.for_user(user) is `council__in=Council.objects.for_user(user)`: the same rule
    # here with the councils read once per request as literal ids (at most a province and its
    # communes). PostgreSQL then knows how many petitions they hold, walks one commune council's
    # rows by its own index instead of the whole province's, and plans the query without the
    # subquery (6 ms less planning a search at 1M petitions).
    rows = Petition.objects.filter(council_id__in=_council_ids(request)).main()
    query = (params.get("q") or "").strip()
    if query:
        rows = rows.search(query)
    for name, lookup in (("council", "council_id"), ("round", "round_id"), ("group", "group_id"), ("commune", "commune_id"),
                         ("agency", "agency_id"), ("field", "fields")):
        if params.get(name):
            rows = rows.filter(**{lookup: params.get(name)})
    if params.get("level"):
        rows = rows.filter(level=params.get("level"))
    if params.get("status"):
        rows = rows.filter(status=params.get("status"))
    if params.get("overdue"):
        rows = rows.overdue()
    if params.get("unclassified"):
        rows = rows.filter(unclassified_q())
    if params.get("forwarded") in ("0", "1"):  # forwarded to an agency (the dashboard's figures) or not yet
        rows = rows.filter(forwarding__isnull=params.get("forwarded") == "0")
    if params.get("state"):  # the rules the home page and the dashboard count with (PETITION_STATES)
        rows = rows.filter(petition_state_q(params.get("state"), timezone.localdate()))
    return rows


def list_order(request):
    """The list's order: newest first, or, with ?sort=due, the one due soonest first."""
    if PetitionFilterQuery(request.GET).get("sort") == "due":
        return (F("due_on").asc(nulls_last=True), "pk")
    return ("-created_at", "-pk")


def filter_choices(user, council=None, *, councils=None):
    """The options of the list's filters, whatever the number of petitions: the councils (one
    query, none when `councils`, the user's councils as councils_for_menus reads them, are given),
    the rounds (one), and the groups, communes, agencies and fields of each council grouped under
    its name, from the cache (petitions.menus; four queries when not cached). With a council
    chosen, only that council's options."""
    if councils is None:
        councils = councils_for_menus(user)
    rounds = ContactRound.objects.filter(plan__council__in=[c.pk for c in councils]).select_related("plan")
    if council and any(c.pk == council for c in councils):
        rounds = rounds.filter(plan__council_id=council)
    councils = ordered_councils(user, councils)
    return {
        "councils": councils,
        "rounds": rounds.order_by("-starts_on")[:50],
        **grouped_menus(user, councils, selected=council, ordered=True),
        "levels": AgencyLevel.choices, "statuses": PetitionStatus.choices,
        "states": [(key, label) for key, (label, _rule) in PETITION_STATES.items()],
    }


def _councils(request):
    """The councils the user reads (Council.objects.for_user: pk, name, level), read once per request."""
    if not hasattr(request, "_petition_councils"):
        request._petition_councils = councils_for_menus(request.user)
    return request._petition_councils


def _council_ids(request):
    """The ids of the councils the user reads (Council.objects.for_user)."""
    return [c.pk for c in _councils(request)]


def _few_petitions(request):
    """True when the user's councils hold at most SMALL_SCOPE petitions (counted no further)."""
    rows = Petition.objects.filter(council_id__in=_council_ids(request)).order_by()
    return rows[:SMALL_SCOPE + 1].count() <= SMALL_SCOPE


def _count_limit(request):
    """The most petitions the requested page counts: up to PAGES_AHEAD pages past it, at most COUNT_LIMIT."""
    page = parse_id(request.GET.get("page")) or 1
    return min(COUNT_LIMIT, PAGE_SIZE * (page + PAGES_AHEAD))


@login_required
def petition_list(request):
    require_council_staff(request.user)
    PetitionFilterQuery(request.GET).warn(request)
    # Only what the rows show (group, commune, agency): each further join costs PostgreSQL more time
    # to plan the page than to run it.
    petitions = (filtered_petitions(request).select_related("commune", "group", "agency")
                 .prefetch_related("fields").order_by(*list_order(request)))
    searched = bool(request.GET.get("q", "").strip())
    limit = _count_limit(request)
    if searched and _few_petitions(request):
        # A commune council's few thousand: read along its own index, never the province's trigrams.
        with reading_in_order(petitions.db):
            page_obj, querystring = paginate(request, petitions, PAGE_SIZE, count_limit=limit)
            page_obj.object_list = list(page_obj.object_list)
    else:
        page_obj, querystring = paginate(request, petitions, PAGE_SIZE, count_limit=limit)
        if searched and page_obj.paginator.count_capped:
            read_page_in_order(page_obj)  # many matches: the newest rows hold the page
    managed = Council.objects.managed_by(request.user)
    can_manage = managed.exists()
    return render(request, "petitions/petition_list.html", {
        "page_obj": page_obj, "querystring": querystring, "filters": {k: request.GET.get(k, "") for k in FILTERS},
        "choices": filter_choices(request.user, PetitionFilterQuery(request.GET).get("council"),
                                  councils=_councils(request)),
        "can_manage": can_manage,
        "oversees": can_manage or has_role(request.user, Role.STANDING),
        # Its menus written in Python (petitions.menus.SelectRenderer): the same HTML, 15 ms less a page.
        "classify_form": ClassifyForm(councils=managed, renderer=SelectRenderer()) if can_manage else None,
        "today": timezone.localdate(), "filtered": any(request.GET.get(k) for k in FILTERS),
    })


def _back_to_list(request):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) and target.startswith("/"):
        return redirect(target)
    return redirect("petitions:petition_list")


@login_required
@require_POST
def bulk(request):
    """Selected rows of the list → classify them, forward them, or merge them into the first."""
    require_office(request.user)
    ids = [pk for pk in map(parse_id, request.POST.getlist("ids")) if pk]
    petitions = list(Petition.objects.managed_by(request.user).filter(pk__in=ids)
                     .select_related("agency", "council", "round", "merged_into").order_by("created_at", "pk"))
    if not petitions or len(petitions) != len(set(ids)):
        messages.error(request, _("Select petitions of your own council."))
        return _back_to_list(request)
    action = request.POST.get("action")
    if action == "forward":  # a double click forwards once (the service also refuses a second forwarding)
        return _bulk_forward(request, petitions)
    try:
        if action == "classify":
            form = ClassifyForm(request.POST, councils=Council.objects.managed_by(request.user))
            if not form.is_valid():
                messages.error(request, " ".join(form.errors.get("__all__", []) or
                                                 [str(e) for errors in form.errors.values() for e in errors]))
                return _back_to_list(request)
            changed = services.petitions_classify(petitions=petitions, user=request.user,
                                                  fields=list(form.cleaned_data["fields_"]),
                                                  level=form.cleaned_data["level"] or None,
                                                  agency=form.cleaned_data["agency"])
            messages.success(request, ngettext("%(count)s petition classified.", "%(count)s petitions classified.",
                                               len(changed)) % {"count": len(changed)})
        elif action == "merge":
            main, *duplicates = petitions
            if request.POST.get("main"):  # a main petition was named: it must be one of those selected
                chosen = [p for p in petitions if p.pk == parse_id(request.POST.get("main"))]
                if not chosen:
                    raise ValidationError(_("Choose the main petition among the selected ones."))
                main = chosen[0]
                duplicates = [p for p in petitions if p.pk != main.pk]
            services.petitions_merge(main=main, duplicates=duplicates, user=request.user)
            messages.success(request, _("Merged into %(code)s: %(raised)s.")
                             % {"code": main.public_code, "raised": main.raised_by_text()})
        else:
            messages.error(request, _("Choose what to do with the selected petitions."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return _back_to_list(request)


def _once_redirect(request, action, fallback=None):
    """Run a form's action once per form token (delegations.once) and redirect: to what it made, or,
    for the same form sent again, to what the first send made, saying so."""
    outcome = once(request, action)
    if outcome.repeated:
        messages.info(request, outcome.message)
    return redirect(outcome.url or fallback or "petitions:petition_list")


def _forward_confirmation(request, petitions):
    """What forwarding the selected petitions will do, per agency with the answer date that starts
    today; None when the service would refuse them anyway (not classified, already forwarded), so
    that it says why at once."""
    if any(p.status != PetitionStatus.CLASSIFIED or p.forwarding_id or p.merged_into_id
           or p.agency is None or not p.agency.is_active for p in petitions):
        return None
    today = timezone.localdate()
    by_agency = {}
    for petition in petitions:
        by_agency.setdefault(petition.agency, []).append(petition)
    consequences = [ngettext("%(count)s petition will be forwarded; a forwarding cannot be undone.",
                             "%(count)s petitions will be forwarded; a forwarding cannot be undone.",
                             len(petitions)) % {"count": len(petitions)}]
    for agency, batch in by_agency.items():
        due, _explanation = services.answer_due_compute(today, DeadlineRules.for_council(agency.council))
        consequences.append(ngettext(
            "To %(agency)s: %(count)s petition (%(codes)s), to be answered by %(due)s.",
            "To %(agency)s: %(count)s petitions (%(codes)s), to be answered by %(due)s.", len(batch)) % {
            "agency": agency, "count": len(batch), "codes": ", ".join(p.public_code for p in batch[:10])
            + (", …" if len(batch) > 10 else ""), "due": due.strftime("%d/%m/%Y")})
    return confirmation(request, title=_("Forward the petitions?"), consequences=consequences,
                        button=_("Forward"), cancel_url=_back_to_list(request).url)


def _bulk_forward(request, petitions):
    if not is_confirmed(request):
        page = _forward_confirmation(request, petitions)
        if page is not None:
            return page

    def forward():
        forwardings = services.petitions_forward(petitions=petitions, user=request.user,
                                                 note=request.POST.get("note", ""))
        messages.success(request, ngettext(
            "%(count)s petitions forwarded in %(batches)s batch.", "%(count)s petitions forwarded in %(batches)s batches.",
            len(forwardings)) % {"count": len(petitions), "batches": len(forwardings)})
        return _back_to_list(request).url

    try:
        return _once_redirect(request, forward, fallback=_back_to_list(request).url)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _back_to_list(request)


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

        return _once_redirect(request, record)
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
        return _once_redirect(request, record, fallback=previous.get_absolute_url())
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
