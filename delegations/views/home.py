from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from .. import services
from ..access import active_memberships
from ..forms import InboxFilterForm, NotificationPreferencesForm
from ..health import health_report
from ..models import OVERSIGHT_ROLES, Notification, NotificationPreferences
from ..pagination import paginate
from ..work import my_work


@login_required
def home(request):
    """The user's councils and roles, and "my work": for each role, what waits on them, counted
    with the rules the lists filter with, each figure linking to its list (delegations.work)."""
    memberships = list(active_memberships(request.user))
    recent = Notification.objects.for_user(request.user)[:5]
    return render(request, "delegations/home.html", {
        "membership_list": memberships, "recent": recent,
        "sections": my_work(user=request.user, memberships=memberships),
        "oversees": [m for m in memberships if m.role in OVERSIGHT_ROLES],
    })


@login_required
def inbox(request):
    """The user's messages, newest first, by kind (parsed by a form: an unknown kind shows all)."""
    form = InboxFilterForm(request.GET)
    notifications = Notification.objects.for_user(request.user)
    if form.is_valid():
        if form.cleaned_data["kind"]:
            notifications = notifications.filter(kind=form.cleaned_data["kind"])
        if form.cleaned_data["unread"]:
            notifications = notifications.unread()
    page_obj, querystring = paginate(request, notifications, 25)
    return render(request, "delegations/inbox.html", {"page_obj": page_obj, "querystring": querystring,
                                                      "form": form})


@login_required
@require_POST
def inbox_read_all(request):
    """Mark every unread message of the user read (idempotent: a second time marks nothing)."""
    marked = services.notifications_mark_all_read(user=request.user)
    if marked:
        messages.success(request, _("All messages are marked read."))
    return redirect("delegations:inbox")


@login_required
def notification_preferences(request):
    """How each kind of message is e-mailed to the user: at once, in the daily digest, or not at all."""
    preferences = NotificationPreferences.objects.filter(user=request.user).first() or \
        NotificationPreferences(user=request.user)
    form = NotificationPreferencesForm(request.POST or None, preferences=preferences)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your notification preferences are saved."))
        return redirect("delegations:notification_preferences")
    return render(request, "delegations/notification_preferences.html", {"form": form})


@login_required
@require_POST
def notification_open(request, pk):
    notification = get_object_or_404(Notification.objects.for_user(request.user), pk=pk)
    services.notification_mark_read(notification=notification)
    return redirect(notification.url or "delegations:inbox")


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_changed(user=self.request.user)
        messages.success(self.request, _("Your password has been changed."))
        return response


@never_cache
def healthz(request):
    """200 ``{"status": "ok", "database": "ok", "broker": "ok"}`` when both answer, else 503 with
    the failing part named (``"database": "error: OperationalError"``); answers within about 2.5 s
    whatever hangs (see delegations/health.py)."""
    state = health_report()
    healthy = all(value == "ok" for value in state.values())
    return JsonResponse({"status": "ok" if healthy else "error", **state}, status=200 if healthy else 503)
