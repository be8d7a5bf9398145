import datetime
import io

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from delegations.access import get_for_user, require_council_staff
from delegations.confirm import confirmation, is_confirmed
from delegations.deadlines import deadlines_history
from delegations.downloads import file_download
from delegations.models import Council, DelegateGroup
from delegations.once import earlier, once
from delegations.pagination import paginate
from delegations.params import CalendarQuery, CouncilQuery, IdField, QueryForm
from delegations.views.org import history_entries
from plans.models import ContactRound
from plans.services import document_number_next, document_number_text

from . import services
from .forms import (
    FinaliseForm,
    InvitationIssueForm,
    MinutesForm,
    OutcomeForm,
    ReopenForm,
    ScanForm,
    SessionForm,
    add_service_errors,
)
from .ical import calendar_feed
from .models import (
    SESSION_STATES,
    ContactSession,
    MeetingStatus,
    Minutes,
    MinutesStatus,
    attended_by_q,
    session_state_q,
)
from .services import schedulable_groups

PAGE_SIZE = 25


class SessionListQuery(QueryForm):
    council = IdField(label=_lazy("council"))
    round = IdField(label=_lazy("round"))
    group = IdField(label=_lazy("delegate group"))
    state = forms.ChoiceField(label=_lazy("state"), choices=[(k, v[0]) for k, v in SESSION_STATES.items()])
    mine = forms.ChoiceField(label=_lazy("My meetings"), choices=[("1", "1")])


class FeedQuery(QueryForm):
    group = IdField(label=_lazy("delegate group"))
    commune = IdField(label=_lazy("commune"))


@login_required
def session_list(request):
    """Meetings the user may read, by round and group, with each group's progress in the round."""
    require_council_staff(request.user)
    sessions = ContactSession.objects.for_user(request.user).select_related("commune", "group", "round")
    params = request.GET
    rounds = ContactRound.objects.for_user(request.user).select_related("plan").order_by("-starts_on")
    groups = DelegateGroup.objects.for_user(request.user)
    query = SessionListQuery(params)
    query.warn(request)
    for name in ("council", "round", "group"):
        if query.get(name):
            sessions = sessions.filter(**{f"{name}_id": query.get(name)})
    if query.get("state"):  # the same rules as the home page's counts (sessions.models.SESSION_STATES)
        sessions = sessions.filter(session_state_q(query.get("state")))
    if query.get("mine"):
        sessions = sessions.filter(attended_by_q(request.user))
    # One definition of planned, held, minutes late…: ContactSessionQuerySet.progress_counts().
    progress = (sessions.order_by().values("group__name")
                .annotate(**ContactSession.objects.progress_counts(timezone.localdate()))
                .order_by("group__name"))
    page_obj, querystring = paginate(request, sessions, PAGE_SIZE)
    return render(request, "sessions/session_list.html", {
        "page_obj": page_obj, "rounds": rounds, "groups": groups, "progress": progress,
        "selected_round": params.get("round", ""), "selected_group": params.get("group", ""),
        "mine": bool(query.get("mine")), "querystring": querystring,
        "states": [(k, v[0]) for k, v in SESSION_STATES.items()], "selected_state": query.get("state") or "",
        "selected_council": query.get("council"),
        "can_schedule": schedulable_groups(request.user).exists(),
    })


@login_required
def session_edit(request, pk=None):
    """Schedule a meeting (office staff for any group of their council, a leader for their group)."""
    groups = schedulable_groups(request.user)
    if pk is None:
        if not groups.exists():
            raise PermissionDenied
        session = ContactSession()
    else:
        session = get_for_user(ContactSession, request.user, pk)
        if not groups.filter(pk=session.group_id).exists():
            raise PermissionDenied
    form = SessionForm(request.POST or None, instance=session, user=request.user,
                       initial={"round": request.GET.get("round")} if pk is None else None)
    repeated = earlier(request) if pk is None and request.method == "POST" else None
    if repeated is not None:  # the same form sent again: its meeting exists, the form would clash with it
        messages.info(request, repeated.message)
        return redirect(repeated.url or "contact_sessions:session_list")
    if request.method == "POST":
        if form.is_valid():
            def save():
                with transaction.atomic():
                    saved = services.session_save(session=form.save(commit=False),
                                                  delegates=list(form.cleaned_data["delegates"]),
                                                  user=request.user)
                messages.success(request, _("The meeting is saved."))
                return saved.get_absolute_url()

            try:
                # A new meeting is scheduled once however often its form is sent (delegations.once).
                outcome = once(request, save) if pk is None else None
                url = save() if outcome is None else outcome.url
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if outcome is not None and outcome.repeated:
                    messages.info(request, outcome.message)
                return redirect(url or "contact_sessions:session_list")
        messages.error(request, _("Please correct the errors below."))
    return render(request, "sessions/session_form.html", {"form": form, "session": session},
                  status=400 if request.method == "POST" else 200)


@login_required
def session_detail(request, pk):
    require_council_staff(request.user)
    session = get_for_user(ContactSession, request.user, pk)
    return render(request, "sessions/session_detail.html", {
        "session": session, "delegates": session.delegates.all(), "history": history_entries(session),
        "deadlines": deadlines_history(session),
        "minutes": Minutes.objects.filter(session=session).first(), "scan_form": ScanForm(),
        "invitation_form": InvitationIssueForm(initial={"dated": services.invitation_default_date(session)}),
        "reopen_form": ReopenForm(), "can_reopen": services.user_is_office(request.user, session.council),
        "present": session.delegates_present.all(), "today": timezone.localdate(),
        "can_edit": schedulable_groups(request.user).filter(pk=session.group_id).exists(),
    })


@login_required
def session_files(request, pk):
    """The meeting's printed documents (invitation, BIÊN BẢN), polled by htmx while one is being
    printed: scoped as the meeting's page."""
    require_council_staff(request.user)
    session = get_for_user(ContactSession, request.user, pk)
    return render(request, "sessions/_files.html", {
        "session": session, "minutes": Minutes.objects.filter(session=session).first(),
        "can_edit": schedulable_groups(request.user).filter(pk=session.group_id).exists(),
    })


@login_required
@require_POST
def minutes_render_again(request, pk):
    """"Prepare again" the BIÊN BẢN when its printing failed or waits too long."""
    session = _session_for_leader(request, pk)
    minutes = get_object_or_404(Minutes, session=session)
    try:
        services.minutes_render_again(minutes=minutes)
    except ValidationError as error:
        messages.info(request, " ".join(error.messages))
    else:
        messages.success(request, _("The document is being prepared again."))
    return redirect(session)


def public_schedule(request):
    """The public announcement the law asks for: upcoming meetings by commune and group, without login."""
    now = timezone.now()
    sessions = (ContactSession.objects.public().upcoming(now)
                .select_related("commune", "group", "council").prefetch_related("delegates"))
    councils = Council.objects.filter(contact_sessions__in=sessions).distinct()
    query = CouncilQuery(request.GET)
    query.warn(request)
    council_id = str(query.get("council") or "")
    if council_id:
        sessions = sessions.filter(council_id=query.get("council"))
    page_obj, querystring = paginate(request, sessions.order_by("starts_at", "pk"), PAGE_SIZE)
    return render(request, "sessions/public_schedule.html", {
        "page_obj": page_obj, "councils": councils, "council_id": council_id, "querystring": querystring,
    })


def ical_feed(request, council_id):
    """RFC 5545 feed of a council's public meetings; ?group= and ?commune= narrow it."""
    council = get_object_or_404(Council, pk=council_id)
    sessions = ContactSession.objects.public().filter(council=council).select_related("commune", "group")
    sessions = sessions.filter(starts_at__gte=timezone.now() - datetime.timedelta(days=365))
    query = FeedQuery(request.GET)  # a feed has no page to show a message on: bad values are left out
    for name in ("group", "commune"):
        if query.get(name):
            sessions = sessions.filter(**{f"{name}_id": query.get(name)})
    body = calendar_feed(council, sessions, base_url=request.build_absolute_uri("/").rstrip("/"),
                         detail_path=lambda s: reverse("contact_sessions:public_schedule") + f"#meeting-{s.pk}")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="lich-tiep-xuc-cu-tri-{council.pk}.ics"'
    return response


def _session_for_leader(request, pk):
    """The meeting, for those who run it: office staff of its council or its group's leader."""
    session = get_for_user(ContactSession, request.user, pk)
    if not schedulable_groups(request.user).filter(pk=session.group_id).exists():
        raise PermissionDenied
    return session


@login_required
def session_outcome(request, pk):
    session = _session_for_leader(request, pk)
    form = OutcomeForm(request.POST or None, session=session, initial={
        "status": MeetingStatus.HELD, "chair": session.chair, "secretary": session.secretary,
        "voters_present": session.voters_present, "delegates_present": session.delegates.all()})
    if request.method == "POST" and form.is_valid():
        try:
            services.session_record_outcome(session=session, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The outcome is recorded."))
            if session.status == MeetingStatus.HELD:
                return redirect("contact_sessions:minutes_edit", pk=session.pk)
            return redirect(session)
    return render(request, "sessions/outcome_form.html", {"form": form, "session": session},
                  status=400 if request.method == "POST" else 200)


@login_required
def minutes_edit(request, pk):
    session = _session_for_leader(request, pk)
    minutes = get_object_or_404(Minutes, session=session)
    if minutes.status == MinutesStatus.FINAL:
        messages.info(request, _("The minutes are final and can no longer be edited."))
        return redirect(session)
    form = MinutesForm(request.POST or None, instance=minutes)
    finalise_form = FinaliseForm(request.POST or None, initial={"issued_on": minutes.issued_on or timezone.localdate()})
    if request.method == "POST" and form.is_valid() and finalise_form.is_valid():
        try:
            services.minutes_update(minutes=minutes, user=request.user,
                                    changes={name: form.cleaned_data[name] for name in form.Meta.fields})
        except ValidationError as error:  # finalised meanwhile (a double click, or someone else)
            messages.info(request, " ".join(error.messages))
            return redirect(session)
        if "finalise" in request.POST and not is_confirmed(request):
            # The draft is kept (saved above); finalising takes a number: said first, done on confirmation.
            minutes.refresh_from_db()
            if minutes.status == MinutesStatus.FINAL:
                messages.info(request, _("The minutes are final and can no longer be edited."))
                return redirect(session)
            refusal = services.minutes_unfinished(minutes)
            if refusal:  # nothing to confirm: the service would refuse it
                messages.error(request, refusal)
                return redirect("contact_sessions:minutes_edit", pk=session.pk)
            year = (finalise_form.cleaned_data["issued_on"] or timezone.localdate()).year
            text = document_number_text(council=session.council, type_code="BB", number=document_number_next(
                council=session.council, year=year, type_code="BB"), symbol=finalise_form.cleaned_data["symbol"].strip())
            return confirmation(request, title=_("Finalise the minutes?"), subject=str(session), consequences=[
                _("Number %(number)s will be taken and cannot be taken back.") % {"number": text},
                _("The minutes become final: they can no longer be edited, and the BIÊN BẢN is printed."),
            ], button=_("Finalise as %(number)s") % {"number": text}, cancel_url=reverse(
                "contact_sessions:minutes_edit", kwargs={"pk": session.pk}))
        if "finalise" in request.POST:
            try:
                services.minutes_finalise(minutes=minutes, user=request.user,
                                          issued_on=finalise_form.cleaned_data["issued_on"],
                                          confirm_order=finalise_form.cleaned_data["confirm_order"],
                                          symbol=finalise_form.cleaned_data["symbol"].strip())
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
                return redirect("contact_sessions:minutes_edit", pk=session.pk)
            messages.success(request, _("The minutes are final; the BIÊN BẢN is being printed."))
            return redirect(session)
        messages.success(request, _("The draft minutes are saved."))
        return redirect("contact_sessions:minutes_edit", pk=session.pk)
    return render(request, "sessions/minutes_form.html", {"form": form, "session": session, "minutes": minutes,
                                                          "finalise_form": finalise_form},
                  status=400 if request.method == "POST" else 200)


@login_required
def minutes_download(request, pk, kind):
    require_council_staff(request.user)
    session = get_for_user(ContactSession, request.user, pk)
    minutes = get_object_or_404(Minutes, session=session)
    field = {"pdf": minutes.pdf, "signed": minutes.signed_scan}.get(kind)
    if not field:
        raise Http404
    return file_download(field, services.minutes_file_stem(minutes) + ("-ban-ky" if kind == "signed" else ""))


@login_required
@require_POST
def minutes_reopen(request, pk):
    """Reopen final minutes for a correction (the office, with the reason): the number is kept."""
    session = _session_for_leader(request, pk)
    minutes = get_object_or_404(Minutes, session=session)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(session)
    try:
        services.minutes_reopen(minutes=minutes, user=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(session)
    messages.success(request, _("The minutes are open for correction; they keep their number."))
    return redirect("contact_sessions:minutes_edit", pk=session.pk)


DOCUMENT_FORMATS = ("pdf", "docx")


@login_required
def session_document(request, pk, document, fmt):
    """The invitation (GM) or the minutes (BB) rendered now, as PDF or Word: numbered and dated once
    issued, a preview (no number, the intended month) before; for the council's staff."""
    from documents import render_docx, render_pdf

    require_council_staff(request.user)
    session = get_for_user(ContactSession, request.user, pk)
    if fmt not in DOCUMENT_FORMATS or document not in ("invitation", "minutes"):
        raise Http404
    if document == "invitation":
        if session.round_id is None:
            raise Http404
        described, stem = services.invitation_document(session), services.invitation_file_stem(session)
    else:
        minutes = get_object_or_404(Minutes.objects.select_related("session__council"), session=session)
        described, stem = services.minutes_document(minutes), services.minutes_file_stem(minutes)
    render = render_pdf if fmt == "pdf" else render_docx
    return file_download(io.BytesIO(render(described)), stem)


@login_required
@require_POST
def minutes_scan_upload(request, pk):
    session = _session_for_leader(request, pk)
    minutes = get_object_or_404(Minutes, session=session)
    form = ScanForm(request.POST, request.FILES)
    if form.is_valid():
        services.minutes_attach_scan(minutes=minutes, upload=form.cleaned_data["file"])
        messages.success(request, _("The signed scan is attached."))
    else:
        messages.error(request, " ".join(form.errors["file"]))
    return redirect(session)


@login_required
def session_calendar(request):
    """A month or a week of meetings, per council and per group, in one query."""
    require_council_staff(request.user)
    view = "week" if request.GET.get("view") == "week" else "month"
    query = CalendarQuery(request.GET)
    query.warn(request)
    anchor = query.get("date") or timezone.localdate()
    if view == "month":
        first = anchor.replace(day=1)
        start = first - datetime.timedelta(days=first.weekday())
        next_month = (first + datetime.timedelta(days=32)).replace(day=1)
        end = next_month + datetime.timedelta(days=(7 - next_month.weekday()) % 7)
        previous, following = (first - datetime.timedelta(days=1)).replace(day=1), next_month
    else:
        start = anchor - datetime.timedelta(days=anchor.weekday())
        end = start + datetime.timedelta(days=7)
        previous, following = start - datetime.timedelta(days=7), end
    sessions = ContactSession.objects.for_user(request.user).select_related("commune", "group")
    councils = Council.objects.for_user(request.user)
    groups = DelegateGroup.objects.for_user(request.user)
    for name in ("council", "group"):
        if query.get(name):
            sessions = sessions.filter(**{f"{name}_id": query.get(name)})
    tz = timezone.get_current_timezone()
    sessions = sessions.filter(
        starts_at__gte=datetime.datetime.combine(start, datetime.time.min, tz),
        starts_at__lt=datetime.datetime.combine(end, datetime.time.min, tz)).order_by("starts_at", "pk")
    by_day = {}
    for session in sessions:
        by_day.setdefault(timezone.localtime(session.starts_at).date(), []).append(session)
    days = [start + datetime.timedelta(days=offset) for offset in range((end - start).days)]
    weeks = [[{"date": day, "sessions": by_day.get(day, []), "in_month": view == "week" or day.month == anchor.month}
              for day in days[index:index + 7]] for index in range(0, len(days), 7)]
    params = request.GET.copy()
    params.pop("date", None)
    return render(request, "sessions/calendar.html", {
        "view": view, "anchor": anchor, "weeks": weeks, "councils": councils, "groups": groups,
        "selected_council": request.GET.get("council", ""), "selected_group": request.GET.get("group", ""),
        "previous": previous, "following": following, "today": timezone.localdate(), "params": params.urlencode(),
    })


@login_required
@require_POST
def session_invitation(request, pk):
    """Number and print the meeting's invitation (GIẤY MỜI)."""
    session = _session_for_leader(request, pk)
    form = InvitationIssueForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(session)
    if session.invitation_number is None and not is_confirmed(request):
        # Numbering takes the register's next GM number: said first (printing again keeps the number).
        year = (form.cleaned_data["dated"] or timezone.localdate()).year
        text = document_number_text(council=session.council, type_code="GM", number=document_number_next(
            council=session.council, year=year, type_code="GM"), symbol=form.cleaned_data["symbol"].strip())
        return confirmation(request, title=_("Number the invitation?"), subject=str(session), consequences=[
            _("Number %(number)s will be taken and cannot be taken back.") % {"number": text},
            _("The invitation (GIẤY MỜI) is printed; printing it again later keeps its number."),
        ], button=_("Number and print as %(number)s") % {"number": text}, cancel_url=session.get_absolute_url())
    try:
        services.session_invitation_issue(session=session, **form.cleaned_data)
    except ValidationError as error:  # dated on or after the meeting, or out of the register's order
        messages.warning(request, " ".join(error.messages))
        return redirect(session)
    messages.success(request, _("The invitation is being printed."))
    return redirect(session)


@login_required
def invitation_download(request, pk):
    require_council_staff(request.user)
    session = get_for_user(ContactSession, request.user, pk)
    if not session.invitation_pdf:
        raise Http404
    return file_download(session.invitation_pdf, services.invitation_file_stem(session))


@login_required
def my_meetings(request):
    """The user's upcoming meetings, for the dashboard (fetched by htmx)."""
    sessions = (ContactSession.objects.for_user(request.user).upcoming(timezone.now())
                .filter(Q(delegates__user=request.user) | Q(group__in=schedulable_groups(request.user)))
                .select_related("commune", "group").distinct().order_by("starts_at")[:8])
    return render(request, "sessions/_my_meetings.html", {"sessions": sessions})
