import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from delegations.access import get_for_user, require_council_staff
from delegations.models import Council, DelegateGroup
from delegations.views.org import history_entries
from plans.models import ContactRound

from . import services
from .forms import SessionForm, schedulable_groups
from .ical import calendar_feed
from .models import ContactSession, MeetingStatus

PAGE_SIZE = 25


@login_required
def session_list(request):
    """Meetings the user may read, by round and group, with each group's progress in the round."""
    require_council_staff(request.user)
    sessions = ContactSession.objects.for_user(request.user).select_related("commune", "group", "round")
    params = request.GET
    rounds = ContactRound.objects.for_user(request.user).select_related("plan").order_by("-starts_on")
    groups = DelegateGroup.objects.for_user(request.user)
    if params.get("round", "").isdigit():
        sessions = sessions.filter(round_id=int(params["round"]))
    if params.get("group", "").isdigit():
        sessions = sessions.filter(group_id=int(params["group"]))
    if params.get("mine"):
        sessions = sessions.filter(delegates__user=request.user)
    progress = (sessions.order_by().values("group__name")
                .annotate(planned=Count("pk"), held=Count("pk", filter=Q(status=MeetingStatus.HELD)),
                          cancelled=Count("pk", filter=Q(status=MeetingStatus.CANCELLED)))
                .order_by("group__name"))
    page_obj = Paginator(sessions, PAGE_SIZE).get_page(params.get("page"))
    querystring = params.copy()
    querystring.pop("page", None)
    return render(request, "sessions/session_list.html", {
        "page_obj": page_obj, "rounds": rounds, "groups": groups, "progress": progress,
        "selected_round": params.get("round", ""), "selected_group": params.get("group", ""),
        "mine": bool(params.get("mine")), "querystring": querystring.urlencode(),
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
    if request.method == "POST":
        if form.is_valid():
            with transaction.atomic():
                saved = services.session_save(session=form.save(commit=False),
                                              delegates=list(form.cleaned_data["delegates"]))
            messages.success(request, _("The meeting is saved."))
            return redirect(saved)
        messages.error(request, _("Please correct the errors below."))
    return render(request, "sessions/session_form.html", {"form": form, "session": session},
                  status=400 if request.method == "POST" else 200)


@login_required
def session_detail(request, pk):
    require_council_staff(request.user)
    session = get_for_user(ContactSession, request.user, pk)
    return render(request, "sessions/session_detail.html", {
        "session": session, "delegates": session.delegates.all(), "history": history_entries(session),
        "can_edit": schedulable_groups(request.user).filter(pk=session.group_id).exists(),
    })


def public_schedule(request):
    """The public announcement the law asks for: upcoming meetings by commune and group, without login."""
    now = timezone.now()
    sessions = (ContactSession.objects.public().upcoming(now)
                .select_related("commune", "group", "council").prefetch_related("delegates"))
    councils = Council.objects.filter(contact_sessions__in=sessions).distinct()
    council_id = request.GET.get("council", "")
    if council_id.isdigit():
        sessions = sessions.filter(council_id=int(council_id))
    page_obj = Paginator(sessions.order_by("starts_at", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    querystring = request.GET.copy()
    querystring.pop("page", None)
    return render(request, "sessions/public_schedule.html", {
        "page_obj": page_obj, "councils": councils, "council_id": council_id, "querystring": querystring.urlencode(),
    })


def ical_feed(request, council_id):
    """RFC 5545 feed of a council's public meetings; ?group= and ?commune= narrow it."""
    council = get_object_or_404(Council, pk=council_id)
    sessions = ContactSession.objects.public().filter(council=council).select_related("commune", "group")
    sessions = sessions.filter(starts_at__gte=timezone.now() - datetime.timedelta(days=365))
    for name in ("group", "commune"):
        value = request.GET.get(name, "")
        if value.isdigit():
            sessions = sessions.filter(**{f"{name}_id": int(value)})
    body = calendar_feed(council, sessions, base_url=request.build_absolute_uri("/").rstrip("/"),
                         detail_path=lambda s: reverse("contact_sessions:public_schedule") + f"#meeting-{s.pk}")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="lich-tiep-xuc-cu-tri-{council.pk}.ics"'
    return response
