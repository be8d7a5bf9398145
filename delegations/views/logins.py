"""The office's unlock of a user's login (django-axes' lock after repeated failed logins)."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .. import services
from ..access import get_for_user, require_office
from ..models import Membership
from ..security import login_lock
from .org import PAGES


@login_required
def membership_unlock(request, pk):
    """GET: the account's lock and a confirmation; POST: unlock (services.login_unlock). Office staff of
    the membership's council only: 403 for other roles (as on the other user pages), 404 for a membership
    outside the user's councils."""
    require_office(request.user)
    membership = get_for_user(Membership, request.user, pk, manage=True)
    if request.method == "POST":
        removed = services.login_unlock(membership=membership, by=request.user)
        if removed:
            messages.success(request, _("The login of %(username)s is unlocked: they can log in now.")
                             % {"username": membership.user.get_username()})
        else:
            messages.info(request, _("The login of %(username)s was not locked.")
                          % {"username": membership.user.get_username()})
        return redirect("delegations:membership_update", membership.pk)
    return render(request, "delegations/login_unlock.html", {
        "object": membership, "page": PAGES["membership"], "lock": login_lock(membership.user.get_username()),
    })
