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
from ..health import health_report
from ..models import OVERSIGHT_ROLES, Notification
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
    notifications = Notification.objects.for_user(request.user)
    page_obj, querystring = paginate(request, notifications, 25)
    return render(request, "delegations/inbox.html", {"page_obj": page_obj, "querystring": querystring})


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
