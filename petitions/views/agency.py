"""The agency portal: a responder sees only the petitions forwarded to their agency, answers them
with one of the three outcomes, and asks the office for more time. Never a voter's personal data."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from delegations.access import active_memberships, require_role
from delegations.downloads import file_download
from delegations.models import Role
from delegations.once import once
from delegations.pagination import paginate

from .. import services
from ..forms import AgencyInboxQuery, AnswerForm, ExtensionForm
from ..models import Answer, ExtensionStatus, Petition, PetitionStatus
from ..work import agency_state_q

PAGE_SIZE = 25
# Pages are offered up to this many petitions ("of more than 40"): a ministry's inbox in a large
# province is not counted row by row on every page.
COUNT_LIMIT = 1000
# What an agency filters its inbox by; "forwarded" is what waits for its answer.
INBOX_STATUSES = [
    (PetitionStatus.FORWARDED, gettext_lazy("Waiting for your answer")),
    (PetitionStatus.ANSWERED, PetitionStatus.ANSWERED.label),
    (PetitionStatus.CLOSED, PetitionStatus.CLOSED.label),
]


def _require_agency(user):
    require_role(user, Role.AGENCY)


def _agency_petition(user, pk):
    """A petition forwarded to one of the user's agencies (else 404), and that agency."""
    petition = get_object_or_404(
        Petition.objects.for_agency(user).select_related("agency", "session", "commune", "forwarding"), pk=pk)
    membership = (active_memberships(user).filter(role=Role.AGENCY, agency_id=petition.agency_id)
                  .select_related("agency").first())
    if membership is None:  # cannot happen through for_agency; kept so a change there fails closed
        raise Http404
    return petition, membership.agency


@login_required
def inbox(request):
    """The petitions forwarded to the user's agency, the one due soonest first."""
    _require_agency(request.user)
    # The user's agencies also as literal ids: PostgreSQL then walks one agency's rows in due-date
    # order by the (agency, due_on) index and stops after a page, instead of sorting all of them.
    agencies = list(active_memberships(request.user).filter(role=Role.AGENCY, agency__isnull=False)
                    .values_list("agency_id", flat=True))
    petitions = (Petition.objects.for_agency(request.user).filter(agency_id__in=agencies)
                 .select_related("agency", "forwarding").prefetch_related("fields")
                 .order_by(F("due_on").asc(nulls_last=True), "pk"))
    params = AgencyInboxQuery(request.GET)
    params.warn(request)
    query = (params.get("q") or "").strip()
    if query:
        petitions = petitions.search(query)
    status = params.get("status") or ""
    if status:
        petitions = petitions.filter(status=status)
    if params.get("agency"):
        petitions = petitions.filter(agency_id=params.get("agency"))
    state = params.get("state") or ""
    if state:  # the rules the home page counts with (petitions.work.agency_state_q)
        petitions = petitions.filter(agency_state_q(state, agencies=agencies, today=timezone.localdate()))
    page_obj, querystring = paginate(request, petitions, PAGE_SIZE, count_limit=COUNT_LIMIT)
    today = timezone.localdate()
    for petition in page_obj:
        petition.late = petition.is_overdue(today)
    return render(request, "petitions/agency_inbox.html", {
        "page_obj": page_obj, "query": query, "status": status, "statuses": INBOX_STATUSES,
        "state": state, "states": params.fields["state"].choices, "agency": params.get("agency"),
        "querystring": querystring, "today": today,
    })


def _answer_page(request, petition, *, answer_form=None, extension_form=None, status=200):
    can_answer = petition.status in (PetitionStatus.FORWARDED, PetitionStatus.ANSWERED)
    extensions = list(petition.extensions.all())
    can_ask_more_time = (petition.status == PetitionStatus.FORWARDED
                         and not any(e.status == ExtensionStatus.PENDING for e in extensions))
    return render(request, "petitions/agency_answer.html", {
        "petition": petition,
        "fields": petition.fields.all(),
        "answers": petition.answers.select_related("agency", "answered_by"),
        "extensions": extensions,
        "can_answer": can_answer,
        "can_ask_more_time": can_ask_more_time,
        "answer_form": answer_form or AnswerForm(),
        "extension_form": extension_form or ExtensionForm(),
        "overdue": petition.is_overdue(),
    }, status=status)


@login_required
def answer(request, pk):
    """One forwarded petition (never its voters), its answers so far, and the forms to answer it or
    to ask for more time."""
    _require_agency(request.user)
    petition, agency = _agency_petition(request.user, pk)
    if request.method != "POST":
        return _answer_page(request, petition)
    form = AnswerForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data

        def record():
            services.answer_record(petition=petition, user=request.user, agency=agency, outcome=data["outcome"],
                                   text=data["text"], roadmap=data["roadmap"], promised_on=data["promised_on"],
                                   attachment=data["attachment"] or None)
            messages.success(request, _("Your answer to %(code)s is recorded.") % {"code": petition.public_code})
            return reverse("petitions:agency_answer", kwargs={"pk": petition.pk})

        try:
            outcome = once(request, record)  # a double click records one answer
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            if outcome.repeated:
                messages.info(request, outcome.message)
            return redirect(outcome.url or reverse("petitions:agency_answer", kwargs={"pk": petition.pk}))
    petition.refresh_from_db()  # the service may have changed it before refusing; show what is stored
    return _answer_page(request, petition, answer_form=form, status=400)


@login_required
@require_POST
def extension(request, pk):
    """The agency asks the office for more time; the office grants or refuses it elsewhere."""
    _require_agency(request.user)
    petition, agency = _agency_petition(request.user, pk)
    form = ExtensionForm(request.POST)
    if form.is_valid():
        try:
            services.extension_request(petition=petition, user=request.user, agency=agency,
                                       until=form.cleaned_data["until"], reason=form.cleaned_data["reason"])
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Your request for more time is sent to the office."))
            return redirect("petitions:agency_answer", pk=petition.pk)
    return _answer_page(request, petition, extension_form=form, status=400)


@login_required
def attachment(request, pk):
    """An answer's attachment, for the agency that wrote it and the council staff who see the
    petition; nobody else learns that it exists."""
    user = request.user
    own_agencies = active_memberships(user).filter(role=Role.AGENCY, agency__isnull=False).values("agency_id")
    visible = Q(agency__in=own_agencies) | Q(petition__in=Petition.objects.for_user(user))
    answer = get_object_or_404(Answer.objects.filter(visible), pk=pk)
    return file_download(answer.attachment, f"tra-loi-{answer.petition.public_code or answer.petition_id}-{answer.pk}")
