from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from delegations.access import get_for_user, require_council_staff
from delegations.pagination import paginate
from sessions.models import ContactSession
from sessions.services import schedulable_groups

from .. import services
from ..forms import FloorFormSet, LookupForm
from ..models import Petition, PetitionStatus

PAGE_SIZE = 25
FLOOR_ROWS = 10


@login_required
def floor(request, session_pk):
    """The petitions voters raised at a meeting, typed in a fast table from its minutes page."""
    require_council_staff(request.user)
    session = get_for_user(ContactSession, request.user, session_pk)
    can_enter = schedulable_groups(request.user).filter(pk=session.group_id).exists()
    if request.method == "POST" and not can_enter:
        raise PermissionDenied
    rows = max(FLOOR_ROWS, min(int(request.GET.get("rows", FLOOR_ROWS) or FLOOR_ROWS), 200))
    if request.method == "POST":
        formset = FloorFormSet(request.POST, prefix="rows", form_kwargs={"council": session.council})
        if formset.is_valid():
            filled = [row for row in formset.cleaned_data if (row.get("text") or "").strip()]
            if filled:
                created = services.petitions_from_floor(session=session, rows=filled, user=request.user)
                messages.success(request, ngettext("%(count)s petition recorded.", "%(count)s petitions recorded.",
                                                   len(created)) % {"count": len(created)})
                return redirect("petitions:floor", session_pk=session.pk)
            messages.error(request, _("The table is empty."))
        else:
            messages.error(request, _("Please correct the errors below."))
    else:
        formset = FloorFormSet(prefix="rows", initial=[{}] * rows, form_kwargs={"council": session.council})
    petitions = (Petition.objects.for_user(request.user).filter(session=session)
                 .prefetch_related("voters", "fields").order_by("pk"))
    return render(request, "petitions/floor.html", {
        "session": session, "formset": formset, "petitions": petitions, "can_enter": can_enter,
        "more_rows": rows + FLOOR_ROWS,
    }, status=400 if request.method == "POST" else 200)


@login_required
def petition_list(request):
    require_council_staff(request.user)
    petitions = (Petition.objects.for_user(request.user).main()
                 .select_related("council", "session", "commune", "group").prefetch_related("fields")
                 .order_by("-created_at", "-pk"))
    params = request.GET
    query = params.get("q", "").strip()
    if query:
        petitions = petitions.search(query)
    if params.get("status") in PetitionStatus.values:
        petitions = petitions.filter(status=params["status"])
    page_obj, querystring = paginate(request, petitions, PAGE_SIZE)
    return render(request, "petitions/petition_list.html", {
        "page_obj": page_obj, "query": query, "statuses": PetitionStatus.choices, "status": params.get("status", ""),
        "querystring": querystring,
    })


@login_required
def petition_detail(request, pk):
    require_council_staff(request.user)
    petition = get_for_user(Petition, request.user, pk)
    return render(request, "petitions/petition_detail.html", {
        "petition": petition, "voters": petition.voters.all(), "fields": petition.fields.all(),
    })


def lookup(request):
    """Voters check a petition by its public code: status, agency and the answer — never a name,
    an address or a phone number."""
    form = LookupForm(request.GET or None)
    petition = None
    if form.is_valid():
        petition = (Petition.objects.select_related("agency", "council")
                    .filter(public_code__iexact=form.cleaned_data["code"].strip()).first())
    return render(request, "petitions/lookup.html", {"form": form, "petition": petition,
                                                     "searched": form.is_bound})


# Work in progress (being written now): placeholders so the URL map imports.
def _todo(request, *args, **kwargs):
    from django.http import Http404
    raise Http404


petition_new = similar = bulk = progress = submit = forwarding_detail = classify = merge = unmerge = _todo
send_back = close = raise_again = extension_decide = _todo
