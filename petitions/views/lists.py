"""Council staff's petition list: its filters (shared with the Excel export), its order, its
paging at a province's scale, and the bulk actions on the selected rows (classify, forward, merge)."""
import hashlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import F
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from delegations.access import has_role, require_council_staff, require_office
from delegations.confirm import confirmation, is_confirmed
from delegations.models import AgencyLevel, Council, DeadlineRules, Role
from delegations.pagination import (
    paginate,
    read_page_in_order,
    reading_in_order,
    requested_page,
)
from delegations.params import parse_id
from plans.models import ContactRound

from .. import services
from ..forms import ClassifyForm, PetitionFilterQuery
from ..menus import SelectRenderer, councils_for_menus, grouped_menus, ordered_councils
from ..models import PETITION_STATES, Petition, PetitionStatus, petition_state_q, unclassified_q
from .staff import once_redirect

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
    """True when the user's councils hold at most SMALL_SCOPE petitions (counted no further, and
    remembered per set of councils for settings.SCOPE_SIZE_CACHE_SECONDS: it only chooses how a
    search reads, and a council crosses SMALL_SCOPE once in its life)."""
    ids = sorted(_council_ids(request))
    key = "few-petitions:" + hashlib.sha256(repr(ids).encode()).hexdigest()
    few = cache.get(key)
    if few is None:
        few = Petition.objects.filter(council_id__in=ids).order_by()[:SMALL_SCOPE + 1].count() <= SMALL_SCOPE
        cache.set(key, few, settings.SCOPE_SIZE_CACHE_SECONDS)
    return few


def _count_limit(request):
    """The most petitions the requested page counts: up to PAGES_AHEAD pages past it, at most COUNT_LIMIT."""
    return min(COUNT_LIMIT, PAGE_SIZE * (requested_page(request) + PAGES_AHEAD))


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
        with reading_in_order(petitions.db):  # the count (paginate counts to validate the page)
            page_obj, querystring = paginate(request, petitions, PAGE_SIZE, count_limit=limit,
                                             remember=settings.CAPPED_COUNT_SECONDS)
        read_page_in_order(page_obj)
    else:
        page_obj, querystring = paginate(request, petitions, PAGE_SIZE, count_limit=limit,
                                         remember=settings.CAPPED_COUNT_SECONDS)
        if searched and page_obj.paginator.count_capped:
            read_page_in_order(page_obj)  # many matches: the newest rows hold the page
    managed = list(Council.objects.managed_by(request.user).only("pk"))
    can_manage = bool(managed)
    return render(request, "petitions/petition_list.html", {
        "page_obj": page_obj, "querystring": querystring, "filters": {k: request.GET.get(k, "") for k in FILTERS},
        "choices": filter_choices(request.user, PetitionFilterQuery(request.GET).get("council"),
                                  councils=_councils(request)),
        "can_manage": can_manage,
        "oversees": can_manage or has_role(request.user, Role.STANDING),
        # Its menus from the cached lists, written in Python (petitions.menus): the same HTML, without
        # two queries and 15 ms of template a page.
        "classify_form": (ClassifyForm(councils=managed, renderer=SelectRenderer()).menus_from_cache(managed)
                          if can_manage else None),
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
        return once_redirect(request, forward, fallback=_back_to_list(request).url)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _back_to_list(request)
